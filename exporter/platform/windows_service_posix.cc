// The Windows-service backend for other systems: nothing to install or run.
#include "exporter/platform/windows_service.h"

namespace entra_pta {
namespace {
constexpr char kOnlyOnWindows[] =
    "--service is only available on Windows; run the exporter directly or "
    "under your init system (e.g. systemd)";
}  // namespace

bool WindowsServiceSupported() { return false; }

Status InstallService(const ServiceDefinition&, const std::string&,
                      const std::vector<std::string>&, std::string*) {
  return Status::Error(kOnlyOnWindows);
}

Status UninstallService(const ServiceDefinition&) {
  return Status::Error(kOnlyOnWindows);
}

Status StopService(const ServiceDefinition&, std::chrono::milliseconds) {
  return Status::Error(kOnlyOnWindows);
}

int RunAsService(const ServiceDefinition&, const ServiceBody&) { return 1; }

void ReportServiceStopped(int) {}

}  // namespace entra_pta
