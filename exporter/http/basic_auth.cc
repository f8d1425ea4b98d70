#include "exporter/http/basic_auth.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

namespace entra_pta {
namespace {

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Standard base64 with padding (RFC 4648), strictly.
std::optional<std::string> DecodeBase64(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 4) {
    int values[4];
    int padding = 0;
    for (int j = 0; j < 4; ++j) {
      char c = text[i + j];
      if (c == '=' && i + 4 == text.size() && j >= 2) {
        values[j] = 0;
        ++padding;
      } else if (padding > 0 || (values[j] = Base64Value(c)) < 0) {
        return std::nullopt;
      }
    }
    std::uint32_t bits = (static_cast<std::uint32_t>(values[0]) << 18) |
                         (static_cast<std::uint32_t>(values[1]) << 12) |
                         (static_cast<std::uint32_t>(values[2]) << 6) |
                         static_cast<std::uint32_t>(values[3]);
    out += static_cast<char>(bits >> 16);
    if (padding < 2) out += static_cast<char>((bits >> 8) & 0xff);
    if (padding < 1) out += static_cast<char>(bits & 0xff);
  }
  return out;
}

void RandomBytes(unsigned char* data, std::size_t size) {
  if (RAND_bytes(data, static_cast<int>(size)) != 1) {
    throw std::runtime_error("no random bytes from OpenSSL");
  }
}

}  // namespace

std::optional<BasicCredentials> ParseBasicAuthorization(
    std::string_view value) {
  if (value.size() < 6) return std::nullopt;
  std::string scheme(value.substr(0, 6));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
  });
  if (scheme != "basic ") return std::nullopt;
  value.remove_prefix(6);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  auto decoded = DecodeBase64(value);
  if (!decoded) return std::nullopt;
  std::size_t colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return BasicCredentials{decoded->substr(0, colon),
                          decoded->substr(colon + 1)};
}

BasicAuth::BasicAuth(std::map<std::string, BcryptHash> users)
    : users_(std::move(users)) {
  // A dummy that no password matches (random digest), of the highest cost
  // among the users, for the same bcrypt work whoever is asked for.
  dummy_.cost = 4;
  for (const auto& [name, hash] : users_) {
    dummy_.cost = std::max(dummy_.cost, hash.cost);
  }
  RandomBytes(dummy_.salt.data(), dummy_.salt.size());
  RandomBytes(dummy_.digest.data(), dummy_.digest.size());
  hmac_key_.resize(32);
  RandomBytes(reinterpret_cast<unsigned char*>(hmac_key_.data()),
              hmac_key_.size());
}

std::string BasicAuth::CacheKey(const BasicCredentials& credentials,
                                const BcryptHash& hash) const {
  std::string message = credentials.user;
  message += '\0';
  message += credentials.password;
  message += '\0';
  message += FormatBcryptHash(hash);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), hmac_key_.data(), static_cast<int>(hmac_key_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
       digest, &length);
  return std::string(reinterpret_cast<char*>(digest), length);
}

bool BasicAuth::Allows(std::optional<std::string_view> authorization) const {
  if (!authorization) return false;
  std::optional<BasicCredentials> credentials =
      ParseBasicAuthorization(*authorization);
  if (!credentials) return false;
  auto user = users_.find(credentials->user);
  const bool known = user != users_.end();
  const BcryptHash& hash = known ? user->second : dummy_;
  const std::string key = CacheKey(*credentials, hash);
  {
    std::lock_guard lock(mutex_);
    if (auto hit = cache_.find(key); hit != cache_.end()) return hit->second;
  }
  const bool allowed = BcryptVerify(credentials->password, hash) && known;
  std::lock_guard lock(mutex_);
  if (cache_.emplace(key, allowed).second) {
    cache_order_.push_back(key);
    if (cache_order_.size() > kCacheEntries) {
      cache_.erase(cache_order_.front());
      cache_order_.pop_front();
    }
  }
  return allowed;
}

}  // namespace entra_pta
