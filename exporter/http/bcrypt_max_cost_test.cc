// bcrypt at the highest cost the web configuration accepts
// (kMaxBcryptCost, 17: docs/configuration.md), checked against libxcrypt's
// crypt(3) in both directions. About 2^17 key expansions per hash, so
// seconds each: its own binary with the ctest label "slow" (not "unit")
// (`ctest -LE slow` leaves it out), never part of the quick unit run.
#include <crypt.h>
#include <gtest/gtest.h>

#include <string>

#include "exporter/http/bcrypt.h"
#include "exporter/http/web_config.h"

namespace entra_pta {
namespace {

TEST(BcryptMaxCostTest, OwnHashIsVerifiedByLibxcrypt) {
  BcryptHash hash;
  hash.variant = 'b';
  hash.cost = kMaxBcryptCost;
  for (std::size_t i = 0; i < hash.salt.size(); ++i) {
    hash.salt[i] = static_cast<std::uint8_t>(i * 29 + 7);
  }
  const std::string password = "max cost \xc3\xa4 17";
  hash.digest = BcryptDigest(password, hash.cost, hash.salt);
  const std::string ours = FormatBcryptHash(hash);
  ASSERT_EQ(ours.substr(0, 7), "$2b$17$");
  crypt_data data{};
  const char* theirs = crypt_r(password.c_str(), ours.c_str(), &data);
  ASSERT_NE(theirs, nullptr);
  EXPECT_EQ(std::string(theirs), ours);
}

TEST(BcryptMaxCostTest, LibxcryptHashIsVerifiedByOurs) {
  const std::string password = "another password, 17";
  char setting[CRYPT_GENSALT_OUTPUT_SIZE] = {};
  // Salt bytes of our choosing, so that the run is repeatable.
  const char random_bytes[16] = {3, 1, 4, 1, 5, 9, 2, 6,
                                 5, 3, 5, 8, 9, 7, 9, 3};
  ASSERT_NE(crypt_gensalt_rn("$2y$", kMaxBcryptCost, random_bytes,
                             sizeof random_bytes, setting, sizeof setting),
            nullptr);
  crypt_data data{};
  const char* made = crypt_r(password.c_str(), setting, &data);
  ASSERT_NE(made, nullptr);
  const std::string theirs(made);
  ASSERT_EQ(theirs.substr(0, 7), "$2y$17$") << theirs;
  auto parsed = ParseBcryptHash(theirs);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->cost, kMaxBcryptCost);
  EXPECT_TRUE(BcryptVerify(password, *parsed));
  // One bit off: the same cost again, and no match.
  EXPECT_FALSE(BcryptVerify("another password, 18", *parsed));
}

}  // namespace
}  // namespace entra_pta
