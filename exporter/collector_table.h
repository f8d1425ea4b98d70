// The collector table: the explicit list of every collector the exporter
// has, with its factory and whether it is enabled by default. It drives
// `collectors.<name>` in the YAML and --collectors.enabled. Collectors are
// added here by hand; there is no static-initialisation self-registration.
// Thread-safety: the table is immutable; BuildCollectors runs at startup.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "exporter/clock.h"
#include "exporter/collector.h"
#include "exporter/config.h"
#include "exporter/logger.h"
#include "exporter/scrape_runner.h"
#include "exporter/signal_board.h"

namespace entra_pta {

// What a collector may use besides its own settings. Factories copy what
// they need; nothing here is owned by the collector.
struct CollectorDeps {
  const Clock& clock;
  // Shared signs of life (see signal_board.h); outlives every collector.
  // Null only in tests that do not exercise it.
  SignalBoard* signals = nullptr;
  // The `tenant` section of the config; BuildCollectors fills it in.
  const TenantSettings* tenant = nullptr;
  // For warnings that are not scrape failures (e.g. a replaced corrupt
  // state file). Null in tests that do not check logging.
  Logger* logger = nullptr;
};

struct CollectorEntry {
  std::string name;
  std::string description;  // one line, shown on the landing page
  bool enabled_by_default = true;
  // Validates collectors.<name> (every key except `enabled`) and builds the
  // collector. Throws ConfigError. Must not do I/O: --config.check calls it.
  std::function<std::unique_ptr<Collector>(const ConfigSection&,
                                           const CollectorDeps&)>
      create;
};

// The exporter's collectors, in the order they are listed and run.
const std::vector<CollectorEntry>& DefaultCollectorTable();

std::vector<std::string> CollectorNames(
    const std::vector<CollectorEntry>& table);

// A bad --collectors.enabled value (exit status 2, like a config error).
class FlagError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses "a,b,c" against the table. Throws FlagError for unknown or
// repeated names.
std::vector<std::string> ParseEnabledList(
    const std::string& list, const std::vector<CollectorEntry>& table);

// Validates every entry's section (enabled or not, so a typo in a disabled
// collector is still caught) and builds the enabled ones. `enabled_override`
// (from --collectors.enabled) replaces the enabled set when present.
std::vector<ScrapeRunner::NamedCollector> BuildCollectors(
    const std::vector<CollectorEntry>& table, const Config& config,
    const std::optional<std::vector<std::string>>& enabled_override,
    const CollectorDeps& deps);

}  // namespace entra_pta
