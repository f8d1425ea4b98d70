// UTF-8 validity for text that leaves the process in the exposition format:
// label values must be valid UTF-8 (Prometheus' parsers reject the whole
// scrape otherwise), and many of ours come from outside (certificate names,
// Graph machine names, event provider names, error text).
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace entra_pta {

// True when `text` is well-formed UTF-8 (RFC 3629: shortest form, no
// surrogates, nothing above U+10FFFF).
bool IsValidUtf8(std::string_view text);

// `text` with each ill-formed sequence replaced by U+FFFD (one per maximal
// ill-formed subpart, as Unicode recommends); valid text is returned as is.
std::string ToValidUtf8(std::string_view text);

// The longest prefix of valid UTF-8 `text` of at most `max_bytes` bytes that
// does not split a character.
std::string_view TruncateUtf8(std::string_view text, std::size_t max_bytes);

}  // namespace entra_pta
