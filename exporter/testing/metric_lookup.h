// Test helpers to find one sample in a collector's families by name and
// labels. Test-only. Thread-safety: pure functions.
#pragma once

#include <prometheus/metric_family.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace entra_pta::testing {

// The value of the sample of family `name` whose labels include every pair
// of `labels` (nullopt when there is none). Counter, gauge and untyped alike.
inline std::optional<double> FindSample(
    const std::vector<prometheus::MetricFamily>& families,
    const std::string& name,
    const std::map<std::string, std::string>& labels = {}) {
  for (const auto& family : families) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      std::size_t matched = 0;
      for (const auto& label : metric.label) {
        auto it = labels.find(label.name);
        if (it != labels.end() && it->second == label.value) ++matched;
      }
      if (matched != labels.size()) continue;
      switch (family.type) {
        case prometheus::MetricType::Counter:
          return metric.counter.value;
        case prometheus::MetricType::Gauge:
          return metric.gauge.value;
        default:
          return metric.untyped.value;
      }
    }
  }
  return std::nullopt;
}

// Number of samples in family `name` (0 when the family is absent).
inline std::size_t SampleCount(
    const std::vector<prometheus::MetricFamily>& families,
    const std::string& name) {
  std::size_t count = 0;
  for (const auto& family : families) {
    if (family.name == name) count += family.metric.size();
  }
  return count;
}

}  // namespace entra_pta::testing
