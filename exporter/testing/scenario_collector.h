// Test-only helpers for diagnose: families built from plain label maps, and
// ScenarioCollector, a Collector that returns a scripted set of families and
// status (what a real collector returns in one situation: an agent service
// stopped, an endpoint blocked, ...).
// Thread-safety: ScenarioCollector's Collect() only reads immutable state.
#pragma once

#include <prometheus/metric_family.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "exporter/sdk/collector.h"

namespace entra_pta::testing {

using LabelMap = std::map<std::string, std::string>;
using Samples = std::vector<std::pair<LabelMap, double>>;

inline prometheus::MetricFamily MakeFamily(std::string name,
                                           prometheus::MetricType type,
                                           const Samples& samples) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = "Scenario data.";
  family.type = type;
  for (const auto& [labels, value] : samples) {
    prometheus::ClientMetric metric;
    for (const auto& [key, label_value] : labels) {
      metric.label.push_back({key, label_value});
    }
    if (type == prometheus::MetricType::Counter) {
      metric.counter.value = value;
    } else {
      metric.gauge.value = value;
    }
    family.metric.push_back(std::move(metric));
  }
  return family;
}

inline prometheus::MetricFamily Gauge(std::string name,
                                      const Samples& samples) {
  return MakeFamily(std::move(name), prometheus::MetricType::Gauge, samples);
}

inline prometheus::MetricFamily Counter(std::string name,
                                        const Samples& samples) {
  return MakeFamily(std::move(name), prometheus::MetricType::Counter, samples);
}

class ScenarioCollector final : public Collector {
 public:
  ScenarioCollector(std::vector<prometheus::MetricFamily> families,
                    std::string error)
      : families_(std::move(families)), error_(std::move(error)) {}

  Status Collect(const ScrapeContext& /*context*/,
                 std::vector<prometheus::MetricFamily>& out) override {
    for (const auto& family : families_) out.push_back(family);
    return error_.empty() ? Status::Ok() : Status::Error(error_);
  }

 private:
  const std::vector<prometheus::MetricFamily> families_;
  const std::string error_;
};

}  // namespace entra_pta::testing
