#include "exporter/verdict/metric_view.h"

namespace entra_pta::verdict {

std::string Sample::Label(std::string_view name) const {
  for (const auto& label : metric->label) {
    if (label.name == name) return label.value;
  }
  return "";
}

std::vector<Sample> MetricView::All(
    std::string_view name,
    const std::map<std::string, std::string>& labels) const {
  std::vector<Sample> out;
  for (const prometheus::MetricFamily* family : families_) {
    if (family->name != name) continue;
    for (const prometheus::ClientMetric& metric : family->metric) {
      Sample sample{&metric, 0};
      bool match = true;
      for (const auto& [key, value] : labels) {
        if (sample.Label(key) != value) match = false;
      }
      if (!match) continue;
      switch (family->type) {
        case prometheus::MetricType::Counter:
          sample.value = metric.counter.value;
          break;
        case prometheus::MetricType::Gauge:
          sample.value = metric.gauge.value;
          break;
        case prometheus::MetricType::Untyped:
          sample.value = metric.untyped.value;
          break;
        default:
          continue;  // summaries and histograms carry no single value
      }
      out.push_back(sample);
    }
  }
  return out;
}

std::optional<double> MetricView::One(
    std::string_view name,
    const std::map<std::string, std::string>& labels) const {
  std::vector<Sample> all = All(name, labels);
  if (all.empty()) return std::nullopt;
  return all.front().value;
}

}  // namespace entra_pta::verdict
