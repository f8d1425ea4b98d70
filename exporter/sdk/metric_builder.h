// Small helpers to build prometheus::MetricFamily values directly, so a
// collector's output is plain data created per scrape (no registry state).
// Thread-safety: pure functions on caller-owned values.
#pragma once

#include <prometheus/metric_family.h>

#include <initializer_list>
#include <string>
#include <utility>

namespace entra_pta {

using Labels = std::initializer_list<std::pair<std::string, std::string>>;

prometheus::MetricFamily GaugeFamily(std::string name, std::string help);
prometheus::MetricFamily CounterFamily(std::string name, std::string help);

// Adds one sample; the value goes to the field matching the family's type.
// Label values are made valid UTF-8 (ill-formed bytes become U+FFFD); the
// text serializer escapes backslash, quote and newline.
void AddSample(prometheus::MetricFamily& family, Labels labels, double value);

}  // namespace entra_pta
