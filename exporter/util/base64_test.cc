#include "exporter/util/base64.h"

#include <gtest/gtest.h>

#include <string>

namespace entra_pta {
namespace {

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    EXPECT_EQ(Base64Decode(encoded), std::optional<std::string>(plain))
        << encoded;
  }
}

TEST(Base64Test, UrlAlphabetWithoutPadding) {
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode("foob"), "Zm9vYg");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(Base64Encode("\xfb\xff"), "+/8=");
}

TEST(Base64Test, EveryByteValueRoundTrips) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (std::size_t n = 0; n <= all.size(); n += 37) {
    const std::string bytes = all.substr(0, n) + all.substr(256 - n % 5);
    EXPECT_EQ(Base64Decode(Base64Encode(bytes)), bytes) << n;
  }
}

TEST(Base64Test, DecodingIsStrict) {
  // OpenSSL's EVP_DecodeBlock accepts most of these (it reads '=' as 'A'
  // and skips surrounding whitespace); the checks in front of it refuse
  // them.
  for (const char* bad :
       {"Zg", "Zg=", "Zg===", "====", "Z===", "Zm=v", "=Zm9",
        "Zm9v=", "Zm9v====", " Zm9v", "Zm9v ", "Zm 9v", "Zm9v\n", "Zm9\xffv",
        "Zm9v*", "Zm-_", "YW=xpY2U6", "YWxpY2U6c2VjcmV0="}) {
    EXPECT_EQ(Base64Decode(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(Base64Decode(std::string("Zm\0v", 4)), std::nullopt);
}

}  // namespace
}  // namespace entra_pta
