// CollectorSummary: the outcome of a collector's last run as the scrape
// runner keeps it, for the views (landing page) and diagnose to read
// without depending on the runner.
// Thread-safety: a plain value; the families it points to are immutable.
#pragma once

#include <prometheus/metric_family.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace entra_pta {

// What the landing page shows per collector: the outcome of its last scrape.
struct CollectorSummary {
  std::string name;
  bool has_run = false;
  bool success = false;
  bool timed_out = false;
  double duration_seconds = 0;
  std::chrono::system_clock::time_point finished_at;
  std::string error;  // empty on success
  // The families that scrape got from the collector (shared with the run,
  // never copied or changed); null when it timed out or has not run.
  std::shared_ptr<const std::vector<prometheus::MetricFamily>> families;
};

}  // namespace entra_pta
