#include "exporter/util/base64.h"

#include <openssl/evp.h>

#include <algorithm>
#include <limits>

namespace entra_pta {
namespace {

bool InAlphabet(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '+' || c == '/';
}

// The number of '=' at the end of a well-formed text, or nullopt.
std::optional<std::size_t> CheckedPadding(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() &&
         text[text.size() - 1 - padding] == '=') {
    ++padding;
  }
  for (std::size_t i = 0; i + padding < text.size(); ++i) {
    if (!InAlphabet(text[i])) return std::nullopt;
  }
  return padding;
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  // EVP_EncodeBlock takes an int length; callers encode small blobs, and a
  // larger input is encoded in whole 3-byte chunks that concatenate.
  constexpr std::size_t kChunk = 3 * (1 << 28);
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  while (!bytes.empty()) {
    const std::size_t size = std::min(bytes.size(), kChunk);
    std::string encoded((size + 2) / 3 * 4 + 1, '\0');
    const int length =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                        reinterpret_cast<const unsigned char*>(bytes.data()),
                        static_cast<int>(size));
    out.append(encoded.data(), static_cast<std::size_t>(length));
    bytes.remove_prefix(size);
  }
  return out;
}

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out = Base64Encode(bytes);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  const std::optional<std::size_t> padding = CheckedPadding(text);
  if (!padding ||
      text.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return std::nullopt;
  }
  std::string out(text.size() / 4 * 3, '\0');
  const int length =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(text.data()),
                      static_cast<int>(text.size()));
  if (length < 0 || static_cast<std::size_t>(length) != out.size()) {
    return std::nullopt;
  }
  // EVP_DecodeBlock decodes the padding as zero bits, i.e. extra zero bytes.
  out.resize(out.size() - *padding);
  return out;
}

}  // namespace entra_pta
