#include "exporter/util/duration.h"

#include <array>
#include <cstdint>
#include <limits>

namespace entra_pta {
namespace {

struct Unit {
  std::string_view suffix;
  std::int64_t millis;
};

// Ordered from largest to smallest; "ms" is tried before "m" at each position.
constexpr std::array<Unit, 7> kUnits = {{
    {"y", 365LL * 24 * 3600 * 1000},
    {"w", 7LL * 24 * 3600 * 1000},
    {"d", 24LL * 3600 * 1000},
    {"h", 3600LL * 1000},
    {"m", 60LL * 1000},
    {"s", 1000},
    {"ms", 1},
}};

}  // namespace

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  if (text == "0") return std::chrono::milliseconds(0);
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  std::size_t next_unit = 0;  // Units must appear in descending order.
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::int64_t value = 0;
    std::size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (value > (std::numeric_limits<std::int64_t>::max() - 9) / 10) {
        return std::nullopt;
      }
      value = value * 10 + (text[pos] - '0');
      ++pos;
      ++digits;
    }
    if (digits == 0) return std::nullopt;
    std::size_t matched = kUnits.size();
    for (std::size_t u = next_unit; u < kUnits.size(); ++u) {
      std::string_view suffix = kUnits[u].suffix;
      if (text.substr(pos, suffix.size()) != suffix) continue;
      // "m" must not swallow the "m" of "ms".
      if (suffix == "m" && text.substr(pos, 2) == "ms") continue;
      matched = u;
      break;
    }
    if (matched == kUnits.size()) return std::nullopt;
    if (value >
        std::numeric_limits<std::int64_t>::max() / kUnits[matched].millis) {
      return std::nullopt;
    }
    std::int64_t term = value * kUnits[matched].millis;
    if (total > std::numeric_limits<std::int64_t>::max() - term)
      return std::nullopt;
    total += term;
    pos += kUnits[matched].suffix.size();
    next_unit = matched + 1;
  }
  return std::chrono::milliseconds(total);
}

std::string FormatDuration(std::chrono::milliseconds d) {
  std::int64_t remaining = d.count();
  if (remaining <= 0) return "0s";
  std::string out;
  // Years and weeks are skipped: "120m" reads better as "2h" than "0y2h".
  for (std::size_t u = 2; u < kUnits.size(); ++u) {
    std::int64_t n = remaining / kUnits[u].millis;
    if (n == 0) continue;
    out += std::to_string(n);
    out += kUnits[u].suffix;
    remaining -= n * kUnits[u].millis;
  }
  return out;
}

}  // namespace entra_pta
