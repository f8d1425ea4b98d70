#include "collectors/agent/table_entry.h"

#include <memory>
#include <string>

#include "collectors/agent/agent_collector.h"
#include "collectors/agent/agent_host.h"

namespace entra_pta::agent {

CollectorEntry TableEntry() {
  return CollectorEntry{
      "agent",
      "Installed agent version and ids, binary age, and expiry of the "
      "agent's client certificate.",
      agent::AgentHostSupported(),
      [](const ConfigSection& section, const CollectorDeps&) {
        return std::make_unique<agent::AgentCollector>(
            agent::ParseAgentSettings(section), agent::MakeSystemAgentHost(),
            agent::AgentHostSupported());
      }};
}

}  // namespace entra_pta::agent
