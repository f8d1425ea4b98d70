#include "exporter/http/basic_auth.h"

#include <gtest/gtest.h>

namespace entra_pta {
namespace {

TEST(BasicAuthorizationTest, ParsesTheHeader) {
  auto credentials = ParseBasicAuthorization("Basic YWxpY2U6czNjcjp0");
  ASSERT_TRUE(credentials);
  EXPECT_EQ(credentials->user, "alice");
  EXPECT_EQ(credentials->password, "s3cr:t");  // the first ':' separates
  credentials = ParseBasicAuthorization("basic  Ym9iOg==");
  ASSERT_TRUE(credentials);
  EXPECT_EQ(credentials->user, "bob");
  EXPECT_EQ(credentials->password, "");
  for (const char* bad :
       {"", "Basic", "Basic ", "Bearer YWxpY2U6c2VjcmV0", "Basic YWxpY2U",
        "Basic YWxpY2U6c2VjcmV0=", "Basic YW=xpY2U6", "Basic ****",
        "Basic YWxpY2U6c2VjcmV0 extra", "Digest username=alice"}) {
    EXPECT_FALSE(ParseBasicAuthorization(bad)) << bad;
  }
}

TEST(BasicAuthTest, ChecksUsersAndPasswords) {
  // carol's password is "U*U" (a published bcrypt test vector).
  std::map<std::string, BcryptHash> users;
  users["carol"] = *ParseBcryptHash(
      "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW");
  BasicAuth auth(users);
  EXPECT_TRUE(auth.Allows("Basic Y2Fyb2w6VSpV"));   // carol:U*U
  EXPECT_TRUE(auth.Allows("Basic Y2Fyb2w6VSpV"));   // again, cached
  EXPECT_FALSE(auth.Allows("Basic Y2Fyb2w6VSpW"));  // carol:U*V
  EXPECT_FALSE(auth.Allows("Basic Y2Fyb2w6VSpW"));  // cached refusal
  EXPECT_FALSE(auth.Allows("Basic ZGF2ZTpVKlU="));  // dave:U*U, unknown
  EXPECT_FALSE(
      auth.Allows("Basic Q2Fyb2w6VSpV"));  // Carol: names match exactly
  EXPECT_FALSE(auth.Allows(std::nullopt));
  EXPECT_FALSE(auth.Allows("Basic !!!!"));
}

TEST(BasicAuthTest, TheCacheStaysBounded) {
  std::map<std::string, BcryptHash> users;
  users["carol"] = *ParseBcryptHash(
      "$2a$04$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW");
  BasicAuth auth(users);
  // More distinct refusals than the cache holds; the answers stay right.
  for (std::size_t i = 0; i < BasicAuth::kCacheEntries + 10; ++i) {
    std::string user_password = "carol:" + std::to_string(i);
    static const char* kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string encoded;
    unsigned bits = 0;
    int count = 0;
    for (unsigned char c : user_password) {
      bits = (bits << 8) | c;
      count += 8;
      while (count >= 6) {
        count -= 6;
        encoded += kAlphabet[(bits >> count) & 63];
      }
    }
    if (count > 0) encoded += kAlphabet[(bits << (6 - count)) & 63];
    while (encoded.size() % 4 != 0) encoded += '=';
    ASSERT_FALSE(auth.Allows("Basic " + encoded)) << user_password;
  }
}

}  // namespace
}  // namespace entra_pta
