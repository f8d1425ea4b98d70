#include "collectors/eventlog/table_entry.h"

#include <memory>
#include <string>

#include "collectors/eventlog/event_source.h"
#include "collectors/eventlog/eventlog_collector.h"

namespace entra_pta::eventlog {

CollectorEntry TableEntry() {
  return CollectorEntry{
      "eventlog",
      "Counts of the agent's Windows Event Log events by ID, level and "
      "provider, read incrementally with a bookmark per channel.",
      eventlog::EventSourceSupported(),
      [](const ConfigSection& section, const CollectorDeps& deps) {
        return std::make_unique<eventlog::EventlogCollector>(
            eventlog::ParseEventlogSettings(section),
            eventlog::MakeSystemEventSource(), eventlog::EventSourceSupported(),
            deps.clock, deps.logger);
      }};
}

}  // namespace entra_pta::eventlog
