// How a collector joins the exporter: its CollectorEntry (name, one-line
// description, enabled by default, factory) and what the factory gets
// (CollectorDeps). Each collector defines TableEntry() in
// collectors/<name>/table_entry.h; the daemon's collector table lists them.
// Thread-safety: the entries are immutable; factories run at startup on one
// thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "exporter/sdk/clock.h"
#include "exporter/sdk/collector.h"
#include "exporter/sdk/config_section.h"
#include "exporter/sdk/logger.h"
#include "exporter/sdk/sign_of_life_times.h"
#include "exporter/sdk/tenant_settings.h"

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
  // Shared signs of life (see sign_of_life_times.h); outlives every collector.
  // Null only in tests that do not exercise it.
  SignOfLifeTimes* sign_of_life = nullptr;
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

}  // namespace entra_pta
