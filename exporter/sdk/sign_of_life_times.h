// SignOfLifeTimes: the latest time each named sign of life was observed, shared
// between collectors. One collector records (the endpoint collector records
// a successful reach of the tenant's bootstrap endpoint; the cloud collector
// records that Entra reported this host's agent active) and another reads
// (the heartbeat collector). Signals are plain names such as "bootstrap" or
// "cloud"; a reader sees what earlier scrapes recorded.
// Thread-safety: every method may be called concurrently from any thread.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace entra_pta {

class SignOfLifeTimes {
 public:
  // Keeps the later of `when` and what was recorded before, so a slow
  // collector finishing late never moves a signal back in time.
  void Record(std::string_view signal,
              std::chrono::system_clock::time_point when) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = latest_.find(signal);
    if (it == latest_.end()) {
      latest_.emplace(std::string(signal), when);
    } else if (when > it->second) {
      it->second = when;
    }
  }

  // nullopt when the signal was never recorded.
  std::optional<std::chrono::system_clock::time_point> Latest(
      std::string_view signal) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = latest_.find(signal);
    if (it == latest_.end()) return std::nullopt;
    return it->second;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::chrono::system_clock::time_point, std::less<>>
      latest_;
};

}  // namespace entra_pta
