#include "exporter/sdk/metric_builder.h"

#include "exporter/util/utf8.h"

namespace entra_pta {

prometheus::MetricFamily GaugeFamily(std::string name, std::string help) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = prometheus::MetricType::Gauge;
  return family;
}

prometheus::MetricFamily CounterFamily(std::string name, std::string help) {
  prometheus::MetricFamily family =
      GaugeFamily(std::move(name), std::move(help));
  family.type = prometheus::MetricType::Counter;
  return family;
}

void AddSample(prometheus::MetricFamily& family, Labels labels, double value) {
  prometheus::ClientMetric metric;
  for (const auto& [name, label_value] : labels) {
    // Many label values come from outside (certificate and machine names,
    // event providers, error text); one ill-formed byte would make
    // Prometheus reject the whole scrape.
    metric.label.push_back({name, ToValidUtf8(label_value)});
  }
  switch (family.type) {
    case prometheus::MetricType::Counter:
      metric.counter.value = value;
      break;
    case prometheus::MetricType::Gauge:
      metric.gauge.value = value;
      break;
    default:
      metric.untyped.value = value;
      break;
  }
  family.metric.push_back(std::move(metric));
}

}  // namespace entra_pta
