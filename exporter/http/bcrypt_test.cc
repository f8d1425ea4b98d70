#include "exporter/http/bcrypt.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#ifdef ENTRA_PTA_HAVE_CRYPT
#include <crypt.h>
#endif

namespace entra_pta {
namespace {

bool Matches(const std::string& password, const std::string& hash_text) {
  auto hash = ParseBcryptHash(hash_text);
  return hash && BcryptVerify(password, *hash);
}

TEST(BcryptTest, PublishedVectors) {
  // The test vectors published with OpenBSD's and Openwall's bcrypt.
  struct Vector {
    const char* hash;
    const char* password;
  };
  const Vector vectors[] = {
      {"$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U"},
      {"$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK", "U*U*"},
      {"$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a", "U*U*U"},
      {"$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy", ""},
      {"$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui",
       "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
       "0123456789chars after 72 are ignored"},
  };
  for (const Vector& v : vectors) {
    EXPECT_TRUE(Matches(v.password, v.hash)) << v.hash;
    if (std::string(v.password).size() < 72) {
      EXPECT_FALSE(Matches(std::string(v.password) + "x", v.hash)) << v.hash;
    }
    EXPECT_EQ(FormatBcryptHash(*ParseBcryptHash(v.hash)), v.hash);
  }
}

TEST(BcryptTest, OnlyTheFirst72BytesCount) {
  const std::string hash =
      "$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui";
  EXPECT_TRUE(
      Matches("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
              "0123456789 anything else",
              hash));
}

TEST(BcryptTest, APasswordWithNulNeverMatches) {
  // "U*U" would match if the NUL cut it short, as C's crypt(3) does.
  EXPECT_FALSE(Matches(std::string("U*U\0extra", 9),
                       "$2a$05$CCCCCCCCCCCCCCCCCCCCC."
                       "E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"));
}

TEST(BcryptTest, RefusesMalformedHashes) {
  const std::string good =
      "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
  EXPECT_TRUE(ParseBcryptHash(good));
  for (const std::string& bad : std::initializer_list<std::string>{
           std::string(""),
           good.substr(0, 59),
           good + "x",
           "$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
           "$1$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeWx",
           "$2b$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
           "$2b$32$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
           "$2b$0a$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
           "$2b$05$CCCCCCCCCCCCCCCCCCCCC+E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
           "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe=",
           "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyO\xc3\xa9",
       }) {
    EXPECT_FALSE(ParseBcryptHash(bad)) << bad;
  }
}

#ifdef ENTRA_PTA_HAVE_CRYPT
std::string RunHtpasswd(const std::string& user, const std::string& password,
                        int cost) {
  // Apache's htpasswd (Debian: apache2-utils), as users make their hashes.
  const std::string command = "htpasswd -nbBC " + std::to_string(cost) + " " +
                              user + " '" + password + "'";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  char line[256] = {};
  std::string out = fgets(line, sizeof line, pipe) ? line : "";
  pclose(pipe);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) {
    out.pop_back();
  }
  const std::string prefix = user + ":";
  return out.rfind(prefix, 0) == 0 ? out.substr(prefix.size()) : "";
}

TEST(BcryptTest, VerifiesHashesMadeByHtpasswd) {
  const std::string password = "correct horse $battery!";
  const std::string hash = RunHtpasswd("alice", password, 5);
  ASSERT_EQ(hash.size(), 60u) << "htpasswd (apache2-utils) must be installed";
  EXPECT_EQ(hash.substr(0, 7), "$2y$05$");
  EXPECT_TRUE(Matches(password, hash));
  EXPECT_FALSE(Matches("correct horse $battery?", hash));
  EXPECT_FALSE(Matches("", hash));
}

TEST(BcryptTest, AgreesWithLibxcrypt) {
  const std::string passwords[] = {"",
                                   "a",
                                   "p\xc3\xa4sswort",
                                   "0123456789",
                                   std::string(100, 'z'),
                                   "with space and : colon"};
  int salt_seed = 0;
  for (const std::string& password : passwords) {
    for (const char* variant : {"$2a$", "$2b$", "$2y$"}) {
      BcryptHash params;
      params.cost = 4;
      for (auto& byte : params.salt) {
        byte = static_cast<std::uint8_t>(salt_seed++ * 37 + 11);
      }
      params.variant = variant[2];
      std::string setting = FormatBcryptHash(params).substr(0, 29);
      crypt_data data{};
      const char* expected = crypt_r(password.c_str(), setting.c_str(), &data);
      ASSERT_NE(expected, nullptr);
      ASSERT_EQ(std::string(expected).size(), 60u) << expected;
      auto parsed = ParseBcryptHash(expected);
      ASSERT_TRUE(parsed);
      EXPECT_EQ(BcryptDigest(password, 4, parsed->salt), parsed->digest)
          << variant << " " << password;
    }
  }
}
#endif

}  // namespace
}  // namespace entra_pta
