// Read access to the metric families of one run or one scrape, by family
// name and labels: the one reader the verdict engine judges through.
// Thread-safety: borrows the families; not for use after they change.
#pragma once

#include <prometheus/metric_family.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace entra_pta::verdict {

struct Sample {
  const prometheus::ClientMetric* metric;
  double value;
  std::string Label(std::string_view name) const;
};

class MetricView {
 public:
  explicit MetricView(std::vector<const prometheus::MetricFamily*> families)
      : families_(std::move(families)) {}

  // Every sample of `name` whose labels include all of `labels`, in the
  // order the collectors produced them.
  std::vector<Sample> All(
      std::string_view name,
      const std::map<std::string, std::string>& labels = {}) const;

  // The first such sample's value.
  std::optional<double> One(
      std::string_view name,
      const std::map<std::string, std::string>& labels = {}) const;

 private:
  std::vector<const prometheus::MetricFamily*> families_;
};

}  // namespace entra_pta::verdict
