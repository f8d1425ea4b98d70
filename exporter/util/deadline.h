// DeadlineAfter: a time point a duration after another, saturating at the
// clock's largest (or smallest) time point instead of overflowing. Durations
// come from configuration and flags; even with the load-time bounds a sum
// that wraps would put a deadline in the past and fail every scrape.
// Thread-safety: pure functions.
#pragma once

#include <chrono>

namespace entra_pta {

template <typename Clock, typename Duration, typename Rep, typename Period>
std::chrono::time_point<Clock, Duration> DeadlineAfter(
    std::chrono::time_point<Clock, Duration> start,
    std::chrono::duration<Rep, Period> span) {
  using TimePoint = std::chrono::time_point<Clock, Duration>;
  using Seconds = std::chrono::duration<double>;
  // Compared in floating-point seconds, which cannot overflow; within a
  // second of the end of the clock's range counts as the end (no deadline
  // that far away is meant literally).
  auto seconds = [](TimePoint t) {
    return std::chrono::duration_cast<Seconds>(t.time_since_epoch()).count();
  };
  const double wanted = std::chrono::duration_cast<Seconds>(span).count();
  const double at = seconds(start) + wanted;
  if (at >= seconds(TimePoint::max()) - 1.0) return TimePoint::max();
  if (at <= seconds(TimePoint::min()) + 1.0) return TimePoint::min();
  return start + std::chrono::duration_cast<Duration>(span);
}

// The same from the steady clock's now.
template <typename Rep, typename Period>
std::chrono::steady_clock::time_point SteadyDeadlineAfter(
    std::chrono::duration<Rep, Period> span) {
  return DeadlineAfter(std::chrono::steady_clock::now(), span);
}

}  // namespace entra_pta
