// HTTP basic authentication against bcrypt hashes (basic_auth_users of the
// exporter-toolkit web configuration). An unknown user costs the same bcrypt
// as a known one (a dummy hash of the highest configured cost), so timing
// does not tell who exists; verified answers are remembered (keyed by an
// HMAC of user, password and stored hash under a per-process random key,
// bounded in number) so Prometheus's repeated scrapes cost one bcrypt, not
// one per scrape.
// Thread-safety: Allows() may be called from many threads at once.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "exporter/http/bcrypt.h"
#include "exporter/http/web_security.h"

namespace entra_pta {

struct BasicCredentials {
  std::string user;
  std::string password;
};

// Parses an Authorization header value "Basic <base64(user:password)>";
// nullopt for any other scheme or malformed value.
std::optional<BasicCredentials> ParseBasicAuthorization(
    std::string_view header_value);

class BasicAuth final : public Authenticator {
 public:
  static constexpr std::size_t kCacheEntries = 1024;

  // `users` must not be empty.
  explicit BasicAuth(std::map<std::string, BcryptHash> users);

  bool Allows(std::optional<std::string_view> authorization) const override;

 private:
  std::string CacheKey(const BasicCredentials& credentials,
                       const BcryptHash& hash) const;

  std::map<std::string, BcryptHash> users_;
  BcryptHash dummy_;
  std::string hmac_key_;
  mutable std::mutex mutex_;
  mutable std::unordered_map<std::string, bool> cache_;  // guarded by mutex_
  mutable std::deque<std::string> cache_order_;          // guarded by mutex_
};

}  // namespace entra_pta
