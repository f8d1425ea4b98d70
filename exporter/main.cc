// entra_pta_exporter: Prometheus exporter for Microsoft Entra ID
// Pass-through Authentication agents. See exporter/app.h.
#include "exporter/app.h"

int main(int argc, char** argv) { return entra_pta::ExporterMain(argc, argv); }
