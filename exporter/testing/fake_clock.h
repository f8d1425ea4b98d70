// FakeClock: a Clock whose time only moves when a test says so.
// Thread-safety: Now(), Set() and Advance() may be called concurrently.
#pragma once

#include <chrono>
#include <mutex>

#include "exporter/sdk/clock.h"

namespace entra_pta::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::chrono::system_clock::time_point start =
                         std::chrono::system_clock::time_point(
                             std::chrono::seconds(1'800'000'000)))
      : now_(start) {}

  std::chrono::system_clock::time_point Now() const override {
    std::lock_guard lock(mu_);
    return now_;
  }
  void Set(std::chrono::system_clock::time_point t) {
    std::lock_guard lock(mu_);
    now_ = t;
  }
  void Advance(std::chrono::system_clock::duration d) {
    std::lock_guard lock(mu_);
    now_ += d;
  }

 private:
  mutable std::mutex mu_;
  std::chrono::system_clock::time_point now_;
};

}  // namespace entra_pta::testing
