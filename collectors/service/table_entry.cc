#include "collectors/service/table_entry.h"

#include <memory>
#include <string>

#include "collectors/service/service_collector.h"
#include "collectors/service/service_control.h"

namespace entra_pta::service {

CollectorEntry TableEntry() {
  return CollectorEntry{
      "service",
      "State, start mode, account, start time and memory of the agent's "
      "Windows services (Service Control Manager).",
      service::ServiceControlSupported(),
      [](const ConfigSection& section, const CollectorDeps&) {
        return std::make_unique<service::ServiceCollector>(
            service::ParseServiceSettings(section),
            service::MakeSystemServiceControl(),
            service::ServiceControlSupported());
      }};
}

}  // namespace entra_pta::service
