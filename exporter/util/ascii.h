// ASCII case helpers for protocol text (host names, URL schemes, XML
// attribute values, hex digits). Locale-independent on purpose: these
// strings are not human language.
// Thread-safety: pure functions.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>

namespace entra_pta {

inline char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

inline std::string AsciiLower(std::string text) {
  for (char& c : text) c = AsciiLower(c);
  return text;
}

inline bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return AsciiLower(x) == AsciiLower(y);
         });
}

inline bool StartsWithIgnoreAsciiCase(std::string_view text,
                                      std::string_view prefix) {
  return text.size() >= prefix.size() &&
         EqualsIgnoreAsciiCase(text.substr(0, prefix.size()), prefix);
}

}  // namespace entra_pta
