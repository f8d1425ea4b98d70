// Clock: the source of wall-clock time, injected so that staleness logic can
// be tested with a fake clock instead of sleeping.
// Thread-safety: implementations must allow concurrent calls to Now().
#pragma once

#include <chrono>

namespace entra_pta {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::now();
  }
};

// Seconds since the Unix epoch, the unit of every *_timestamp_seconds metric.
inline double ToUnixSeconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace entra_pta
