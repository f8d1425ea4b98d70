#include "exporter/platform/reload_signal.h"

namespace entra_pta {

// Windows has no SIGHUP; a service restart applies a changed config.
void InstallReloadSignalHandler() {}

bool TakeReloadRequest() { return false; }

}  // namespace entra_pta
