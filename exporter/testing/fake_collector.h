// FakeCollector: a Collector whose behaviour a test scripts: the gauge it
// emits, an error to return, and a gate that holds Collect() until the test
// opens it (a deliberately slow collector).
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>

#include "exporter/sdk/collector.h"
#include "exporter/sdk/metric_builder.h"

namespace entra_pta::testing {

class FakeCollector final : public Collector {
 public:
  explicit FakeCollector(std::string metric_name, double value = 1)
      : metric_name_(std::move(metric_name)), value_(value) {}

  void FailWith(std::string message) {
    std::lock_guard lock(mu_);
    error_ = std::move(message);
  }
  // Collect() blocks until Open() (or the gate was never closed).
  void CloseGate() {
    std::lock_guard lock(mu_);
    gate_open_ = false;
  }
  void Open() {
    {
      std::lock_guard lock(mu_);
      gate_open_ = true;
    }
    cv_.notify_all();
  }
  int calls() const { return calls_.load(); }
  int finished() const { return finished_.load(); }

  Status Collect(const ScrapeContext& /*context*/,
                 std::vector<prometheus::MetricFamily>& out) override {
    ++calls_;
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return gate_open_; });
    auto family = GaugeFamily(metric_name_, "Fake collector output.");
    AddSample(family, {}, value_);
    out.push_back(std::move(family));
    ++finished_;
    if (!error_.empty()) return Status::Error(error_);
    return Status::Ok();
  }

 private:
  const std::string metric_name_;
  const double value_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool gate_open_ = true;
  std::string error_;
  std::atomic<int> calls_{0};
  std::atomic<int> finished_{0};
};

}  // namespace entra_pta::testing
