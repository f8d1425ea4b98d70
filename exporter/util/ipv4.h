// IPv4 literal check shared by the listen-address parser and the collectors
// that take server addresses from the configuration. Header-only so the
// Windows test build can use it without the configuration code.
// Thread-safety: a pure function.
#pragma once

#include <charconv>
#include <string_view>

namespace entra_pta {

// True for dotted-quad text "a.b.c.d" with each part 0-255 (at most three
// digits, no sign, no spaces).
inline bool IsIpv4Literal(std::string_view text) {
  int parts = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t dot = text.find('.', pos);
    if (dot == std::string_view::npos) dot = text.size();
    const std::string_view part = text.substr(pos, dot - pos);
    int value = -1;
    auto [end, ec] =
        std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || part.size() > 3 || ec != std::errc() ||
        end != part.data() + part.size() || value > 255) {
      return false;
    }
    ++parts;
    pos = dot + 1;
  }
  return parts == 4;
}

}  // namespace entra_pta
