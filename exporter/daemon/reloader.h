// Reloader: the collector set the exporter is serving and the config reload
// (SIGHUP) that replaces it without dropping scrapes. A scrape takes the
// current set with Current() and keeps it to the end, so a scrape in flight
// during a reload finishes on the old set and later scrapes use the new one.
// A replaced set is destroyed only when no scrape holds it and none of its
// collector runs is still going (ReleaseIdle), so a collector's thread never
// outlives the collector. An invalid config keeps the running set.
//
// Thread-safety: Current(), Families() and LastReloadSucceeded() may be
// called from any thread (the HTTP handlers); Reload(), ReleaseIdle(),
// WaitIdle() and config() from one thread (the serve loop).
#pragma once

#include <prometheus/metric_family.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "exporter/daemon/config.h"
#include "exporter/daemon/scrape_runner.h"
#include "exporter/sdk/clock.h"
#include "exporter/sdk/logger.h"

namespace entra_pta {

// A config and the collectors built from it.
struct LoadedConfig {
  Config config;
  std::vector<ScrapeRunner::NamedCollector> collectors;
};

// What one scrape needs from the config.
struct ServingSet {
  std::unique_ptr<ScrapeRunner> runner;
  ScrapeSettings scrape;
};

class Reloader {
 public:
  // Re-reads the config the exporter was started with (same file, same
  // flags) and builds its collectors. Throws ConfigError or FlagError.
  using Load = std::function<LoadedConfig()>;

  // `initial` is what the exporter started with; `logger` and `clock` must
  // outlive the reloader and every scrape.
  Reloader(LoadedConfig initial, Load load, Logger& logger, const Clock& clock);
  ~Reloader();
  Reloader(const Reloader&) = delete;
  Reloader& operator=(const Reloader&) = delete;

  std::shared_ptr<const ServingSet> Current() const;

  // Loads the config again. On success the new collectors serve the next
  // scrape, the log level and format change, and true is returned. Settings
  // that need a restart (listen address, web config file path) keep their
  // running value with a warning. On failure the running set stays, the
  // error (file:line:column) is logged once, and false is returned.
  bool Reload();

  // Destroys replaced sets that no scrape holds and whose collector runs
  // have all finished. Call regularly (the serve loop does, every 100 ms).
  void ReleaseIdle();

  // Replaced sets not destroyed yet (a scrape or collector run still holds
  // them).
  std::size_t RetiredCount() const;

  // Waits up to `timeout` for the collector runs of the current and every
  // replaced set (shutdown). True when none is left.
  bool WaitIdle(std::chrono::milliseconds timeout);

  // entra_pta_config_last_reload_successful and
  // entra_pta_config_last_reload_success_timestamp_seconds (the start counts
  // as a successful load, as in Prometheus).
  std::vector<prometheus::MetricFamily> Families() const;

  // The config in force (web settings as started). Serve loop only.
  const Config& config() const { return config_; }

 private:
  struct Graveyard;

  std::shared_ptr<const ServingSet> MakeServing(LoadedConfig& loaded);

  const Load load_;
  Logger& logger_;
  const Clock& clock_;
  const std::shared_ptr<Graveyard> graveyard_;
  Config config_;

  mutable std::mutex mu_;
  std::shared_ptr<const ServingSet> current_;
  bool last_reload_successful_ = true;
  std::chrono::system_clock::time_point last_success_;
};

}  // namespace entra_pta
