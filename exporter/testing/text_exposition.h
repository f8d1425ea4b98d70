// Test-only: the Prometheus text exposition format (version 0.0.4) read
// back into metric families, so a test can feed the verdict engine exactly
// what a scrape of /metrics carries: a collector's families serialized with
// prometheus-cpp's TextSerializer (as the exporter does) and parsed here. A
// metric renamed in a collector then reaches the engine under its new name.
// Counters, gauges and untyped samples only (the collectors export no
// histogram or summary); "# TYPE" decides the type, "# HELP" the help text.
// Thread-safety: pure functions.
#pragma once

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <cstdlib>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "exporter/util/status.h"

namespace entra_pta::testing {

namespace text_exposition_internal {

// Reads a quoted label value at `pos` (just after the opening quote);
// leaves `pos` after the closing quote.
inline StatusOr<std::string> QuotedValue(const std::string& line,
                                         std::size_t& pos) {
  std::string value;
  while (pos < line.size()) {
    const char c = line[pos++];
    if (c == '"') return value;
    if (c != '\\') {
      value += c;
      continue;
    }
    if (pos >= line.size()) break;
    const char escaped = line[pos++];
    value += escaped == 'n' ? '\n' : escaped;  // \\ and \" as themselves
  }
  return Status::Error("unterminated label value in: " + line);
}

inline StatusOr<std::vector<prometheus::ClientMetric::Label>> Labels(
    const std::string& line, std::size_t& pos) {
  std::vector<prometheus::ClientMetric::Label> labels;
  ++pos;  // '{'
  while (pos < line.size() && line[pos] != '}') {
    const std::size_t eq = line.find('=', pos);
    if (eq == std::string::npos || eq + 1 >= line.size() ||
        line[eq + 1] != '"') {
      return Status::Error("bad label in: " + line);
    }
    prometheus::ClientMetric::Label label;
    label.name = line.substr(pos, eq - pos);
    pos = eq + 2;
    StatusOr<std::string> value = QuotedValue(line, pos);
    if (!value.ok()) return value.status();
    label.value = *value;
    labels.push_back(std::move(label));
    if (pos < line.size() && line[pos] == ',') ++pos;
  }
  if (pos >= line.size()) return Status::Error("unclosed labels in: " + line);
  ++pos;  // '}'
  return labels;
}

inline StatusOr<double> Value(const std::string& text) {
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "+Inf") return std::numeric_limits<double>::infinity();
  if (text == "-Inf") return -std::numeric_limits<double>::infinity();
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0') {
    return Status::Error("bad sample value \"" + text + "\"");
  }
  return value;
}

inline prometheus::MetricType TypeNamed(const std::string& name) {
  if (name == "counter") return prometheus::MetricType::Counter;
  if (name == "gauge") return prometheus::MetricType::Gauge;
  return prometheus::MetricType::Untyped;
}

// The family named `name`, the last one when it is new.
inline prometheus::MetricFamily& FamilyNamed(
    std::vector<prometheus::MetricFamily>& families, const std::string& name) {
  if (families.empty() || families.back().name != name) {
    prometheus::MetricFamily family;
    family.name = name;
    family.type = prometheus::MetricType::Untyped;
    families.push_back(std::move(family));
  }
  return families.back();
}

}  // namespace text_exposition_internal

inline StatusOr<std::vector<prometheus::MetricFamily>> ParseTextExposition(
    const std::string& text) {
  namespace in = text_exposition_internal;
  std::vector<prometheus::MetricFamily> families;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::istringstream words(line.substr(1));
      std::string keyword, name, rest;
      words >> keyword >> name;
      std::getline(words >> std::ws, rest);
      if (keyword == "TYPE")
        in::FamilyNamed(families, name).type = in::TypeNamed(rest);
      if (keyword == "HELP") in::FamilyNamed(families, name).help = rest;
      continue;
    }
    std::size_t pos = line.find_first_of("{ ");
    if (pos == std::string::npos) {
      return Status::Error("sample without a value: " + line);
    }
    prometheus::MetricFamily& family =
        in::FamilyNamed(families, line.substr(0, pos));
    prometheus::ClientMetric metric;
    if (line[pos] == '{') {
      auto labels = in::Labels(line, pos);
      if (!labels.ok()) return labels.status();
      metric.label = *labels;
    }
    std::istringstream rest(line.substr(pos));
    std::string value_text;
    rest >> value_text;  // an optional timestamp follows; not needed
    StatusOr<double> value = in::Value(value_text);
    if (!value.ok()) return value.status();
    switch (family.type) {
      case prometheus::MetricType::Counter:
        metric.counter.value = *value;
        break;
      case prometheus::MetricType::Gauge:
        metric.gauge.value = *value;
        break;
      default:
        metric.untyped.value = *value;
    }
    family.metric.push_back(std::move(metric));
  }
  return families;
}

// `families` as a scrape of /metrics carries them: serialized to the text
// format as the exporter serves it, and read back.
inline StatusOr<std::vector<prometheus::MetricFamily>> ThroughTextExposition(
    const std::vector<prometheus::MetricFamily>& families) {
  return ParseTextExposition(prometheus::TextSerializer().Serialize(families));
}

}  // namespace entra_pta::testing
