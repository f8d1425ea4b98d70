// Parsing and printing of durations in Prometheus' notation ("90s", "2h30m",
// "500ms"), the format every duration in our configuration uses.
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace entra_pta {

// Accepts one or more <integer><unit> terms with units in descending order,
// each at most once: y (365d), w, d, h, m, s, ms. "0" alone is zero.
// Returns nullopt for anything else, including negative or overflowing values.
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text);

// The longest duration any setting or flag takes (365d): a duration beyond
// it is a typo, and arithmetic on it (deadlines in nanoseconds) would come
// close to overflowing. Settings with a tighter sensible range pass their own
// bound to ConfigSection::Duration (docs/configuration.md lists them).
inline constexpr std::chrono::milliseconds kMaxDuration =
    std::chrono::hours(24 * 365);

// The shortest notation ParseDuration reads back as the same value.
std::string FormatDuration(std::chrono::milliseconds d);

}  // namespace entra_pta
