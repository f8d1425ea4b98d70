#include "collectors/heartbeat/table_entry.h"

#include <memory>
#include <string>

#include "collectors/heartbeat/heartbeat_collector.h"

namespace entra_pta::heartbeat {

CollectorEntry TableEntry() {
  return CollectorEntry{
      "heartbeat",
      "Last sign of life of the PTA agent (trace log, bootstrap probe, cloud "
      "status) and whether it is older "
      "than the staleness threshold.",
      true, [](const ConfigSection& section, const CollectorDeps& deps) {
        return std::make_unique<heartbeat::HeartbeatCollector>(
            heartbeat::ParseHeartbeatSettings(section), deps.clock,
            deps.sign_of_life);
      }};
}

}  // namespace entra_pta::heartbeat
