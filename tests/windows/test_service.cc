// A tiny Windows service for the service backend's tests: it reports
// running until the SCM asks it to stop. Test artefact only.
#include "tests/windows/stop_on_request_service.h"

int main() { return entra_pta::testing::RunStopOnRequestService(); }
