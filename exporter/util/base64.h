// Base64 (RFC 4648) through OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock: the
// standard alphabet with padding (HTTP Basic authentication, the DPAPI blob
// in the cloud state file) and the URL-safe alphabet without padding (JWT
// parts). OpenSSL's decoder alone is lenient ('=' decodes as 'A' anywhere,
// surrounding whitespace is skipped), so decoding checks the text first and
// refuses anything but canonical, padded base64.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace entra_pta {

// Standard alphabet, padded with '=' to a multiple of 4, no line breaks.
std::string Base64Encode(std::string_view bytes);

// URL-safe alphabet ('-' and '_'), no padding (RFC 7515 base64url).
std::string Base64UrlEncode(std::string_view bytes);

// The bytes of standard, padded base64, or nullopt when the length is not a
// multiple of 4, a character is outside the alphabet (whitespace included),
// or '=' appears anywhere but as one or two final characters.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace entra_pta
