// Collector: the one extension point of the exporter. Each collector answers
// one question about the PTA agent on every scrape and returns its metric
// families plus a Status. Errors are values: a failed collector shows up as
// entra_pta_scrape_collector_success{collector} 0 and a log line, never as an
// exception or a failed scrape.
// Thread-safety: the scrape runner never runs two Collect() calls of one
// collector at the same time, but successive calls may come from different
// threads, and a call may still be running after its scrape gave up on it.
#pragma once

#include <prometheus/metric_family.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "exporter/util/status.h"

namespace entra_pta {

struct ScrapeContext {
  // Work past this point is discarded; collectors with their own I/O
  // timeouts (HTTP, DNS) should not set them beyond it.
  std::chrono::steady_clock::time_point deadline;
};

class Collector {
 public:
  virtual ~Collector() = default;

  // Appends this scrape's families to `out`. Families appended before an
  // error is returned are still exposed (partial answers beat none).
  virtual Status Collect(const ScrapeContext& context,
                         std::vector<prometheus::MetricFamily>& out) = 0;
};

}  // namespace entra_pta
