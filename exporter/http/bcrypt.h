// bcrypt (Provos and Mazieres, "A Future-Adaptable Password Scheme", 1999):
// the password hash of `htpasswd -B` and of exporter-toolkit's
// basic_auth_users, implemented here from the published description so the
// exporter verifies the same hashes on every OS without libxcrypt. The
// "$2a$", "$2b$" and "$2y$" prefixes are treated alike (they differ only in
// old implementations' bugs with long or 8-bit passwords).
// Thread-safety: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace entra_pta {

struct BcryptHash {
  char variant = 'b';  // the letter after "$2"
  int cost = 10;       // log2 of the key-expansion rounds, 4 to 31
  std::array<std::uint8_t, 16> salt{};
  std::array<std::uint8_t, 23> digest{};
};

// Parses "$2b$10$" + 22 salt characters + 31 digest characters; nullopt for
// anything else.
std::optional<BcryptHash> ParseBcryptHash(std::string_view text);
std::string FormatBcryptHash(const BcryptHash& hash);

// The digest of `password` (its first 72 bytes count) for cost and salt.
std::array<std::uint8_t, 23> BcryptDigest(
    std::string_view password, int cost,
    const std::array<std::uint8_t, 16>& salt);

// Whether `password` matches; the digests are compared in constant time.
// A password containing a NUL byte never matches (C implementations would
// silently cut it there).
bool BcryptVerify(std::string_view password, const BcryptHash& hash);

}  // namespace entra_pta
