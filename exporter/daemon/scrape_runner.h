// ScrapeRunner: runs every enabled collector concurrently for one /metrics
// request and returns their families plus the per-collector
// entra_pta_scrape_collector_{success,timeout,duration_seconds} series.
//
// A scrape never waits past its deadline: a collector still running then is
// reported as timed out and left to finish on its own thread. While it runs,
// later scrapes join that same run instead of starting another, so a hung
// collector costs one thread, not one per scrape.
//
// Thread-safety: Scrape(), Summaries() and WaitIdle() may be called
// concurrently from any threads.
#pragma once

#include <prometheus/metric_family.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "exporter/daemon/config.h"
#include "exporter/sdk/clock.h"
#include "exporter/sdk/collector.h"
#include "exporter/sdk/collector_summary.h"
#include "exporter/sdk/logger.h"

namespace entra_pta {

// The time a scrape may take: the Prometheus header minus the margin, capped
// by max_timeout; max_timeout when the header is absent or unusable. When the
// header is not larger than the margin, half the header is used.
std::chrono::milliseconds ScrapeBudget(std::optional<double> header_seconds,
                                       const ScrapeSettings& settings);

class ScrapeRunner {
 public:
  struct NamedCollector {
    std::string name;
    std::shared_ptr<Collector> collector;
  };

  // `logger` and `clock` must outlive the runner.
  ScrapeRunner(std::vector<NamedCollector> collectors, Logger& logger,
               const Clock& clock);
  ~ScrapeRunner();

  std::vector<prometheus::MetricFamily> Scrape(
      std::chrono::milliseconds budget);

  std::vector<CollectorSummary> Summaries() const;

  // Waits up to `timeout` for collector runs still in flight (shutdown).
  // Returns true when none is left.
  bool WaitIdle(std::chrono::milliseconds timeout);

 private:
  struct Run;
  struct InFlight;
  struct Slot {
    std::string name;
    std::shared_ptr<Collector> collector;
    std::shared_ptr<Run> current;  // the latest run, finished or not
    CollectorSummary summary;
    std::string logged_error;  // failure last logged at error level
  };

  std::shared_ptr<Run> StartRun(Slot& slot,
                                std::chrono::steady_clock::time_point deadline);
  void Record(Slot& slot, const CollectorSummary& outcome);

  Logger& logger_;
  const Clock& clock_;
  std::shared_ptr<InFlight> in_flight_;
  mutable std::mutex mu_;
  std::vector<Slot> slots_;
};

}  // namespace entra_pta
