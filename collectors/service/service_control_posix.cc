// The SCM backend for systems without one: every query fails with a message
// saying so; the collector reports it (and is disabled by default).
#include "collectors/service/service_control.h"

namespace entra_pta::service {
namespace {

class UnsupportedServiceControl final : public ServiceControl {
 public:
  Status Query(const std::vector<std::string>&,
               std::vector<ServiceStatus>&) override {
    return Status::Error(
        "the Windows Service Control Manager is unsupported on this OS");
  }
};

}  // namespace

bool ServiceControlSupported() { return false; }

std::unique_ptr<ServiceControl> MakeSystemServiceControl() {
  return std::make_unique<UnsupportedServiceControl>();
}

}  // namespace entra_pta::service
