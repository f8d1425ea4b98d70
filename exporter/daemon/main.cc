// entra_pta_exporter: Prometheus exporter for Microsoft Entra ID
// Pass-through Authentication agents. See exporter/daemon/app.h.
#include "exporter/daemon/app.h"

int main(int argc, char** argv) { return entra_pta::ExporterMain(argc, argv); }
