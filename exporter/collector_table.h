// The collector table: the explicit list of every collector the exporter
// has, with its factory and whether it is enabled by default. It drives
// `collectors.<name>` in the YAML and --collectors.enabled. Collectors are
// added here by hand; there is no static-initialisation self-registration.
// Thread-safety: the table is immutable; BuildCollectors runs at startup.
#pragma once

#include <functional>
#include <map>
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

// Objects that several collectors of one exporter share, created by the
// first factory that needs them (factories run in table order, enabled or
// not). Example: the endpoint and tls collectors share one probe engine so
// one TLS handshake serves both. Keys are "<collector>.<what>".
// Thread-safety: used at startup by one thread; the objects themselves
// document their own thread-safety.
class SharedObjects {
 public:
  template <typename T>
  std::shared_ptr<T> Find(const std::string& key) const {
    auto it = objects_.find(key);
    return it == objects_.end() ? nullptr
                                : std::static_pointer_cast<T>(it->second);
  }
  template <typename T>
  void Put(const std::string& key, std::shared_ptr<T> object) {
    objects_[key] = std::move(object);
  }

 private:
  std::map<std::string, std::shared_ptr<void>> objects_;
};

// What a collector may use besides its own settings. Factories copy what
// they need; nothing here is owned by the collector.
struct CollectorDeps {
  const Clock& clock;
  // Shared signs of life (see signal_board.h); outlives every collector.
  // Null only in tests that do not exercise it.
  SignalBoard* signals = nullptr;
  // The `tenant` section of the config; BuildCollectors fills it in.
  const TenantSettings* tenant = nullptr;
  // For collectors that log on their own: state changes (an endpoint
  // becoming unreachable) and warnings that are not scrape failures (a
  // replaced corrupt state file). Outlives every collector; may be null in
  // tests that do not check logging.
  Logger* logger = nullptr;
  // Per BuildCollectors call; BuildCollectors fills it in.
  SharedObjects* shared = nullptr;
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
