// The text helpers every verdict and both views share: one UTC formatting
// (two presentations of the same fields), the durations in words, and the
// scrubbing of secrets from anything taken from metrics or errors.
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <string>

namespace entra_pta::verdict {

using TimePoint = std::chrono::system_clock::time_point;

// Metric values bounded to +-9e9 seconds (years 1685 to 2255, within a
// nanosecond system_clock), so a NaN, infinite or absurd sample cannot
// overflow a conversion.
double Bounded(double seconds);
TimePoint FromUnixSeconds(double seconds);

// "2027-01-15T08:00:00Z" (diagnose, JSON) and "2027-01-15 08:00:00 UTC" (the
// landing page): the same fields of one conversion.
std::string FormatUtcIso(TimePoint t);
std::string FormatUtcIso(double unix_seconds);
std::string FormatUtcSpaced(TimePoint t);
std::string FormatDate(TimePoint t);  // "2027-01-15"

// "45s", "12m 5s", "3h 20m", "17 days" (diagnose's compact form).
std::string HumanDuration(double seconds);
// "45 s", "12 min", "3 h 5 min", "2 d 4 h" (the page's form).
std::string PlainDuration(std::chrono::seconds d);
// "just now", "45 s ago", ...; "in the future" when t is after now.
std::string FormatAge(TimePoint t, TimePoint now);

// "%.<decimals>f".
std::string FormatNumber(double value, int decimals);

// `text` with what must never be shown blanked out: the user information of
// URLs ("http://user:pw@proxy" -> "http://***@proxy"), the values after
// secret-, token- and password-like keys ("client_secret=..."), bearer
// tokens; C0 control characters become spaces.
std::string ScrubForDisplay(const std::string& text);

}  // namespace entra_pta::verdict
