#include "collectors/tls/cert_facts.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "collectors/endpoint/testing/test_pki.h"

namespace entra_pta::tls {
namespace {

using endpoint::testing::CertSpec;
using endpoint::testing::MakeCert;

TEST(CertFactsTest, ReadsNamesFingerprintSerialAndExpiry) {
  CertSpec root_spec;
  root_spec.common_name = "DigiCert Global Root G2";
  root_spec.is_ca = true;
  auto root = MakeCert(root_spec, nullptr);
  CertSpec leaf_spec;
  leaf_spec.common_name = "login.example";
  leaf_spec.serial = 0x1234abcd;
  leaf_spec.not_after = std::chrono::system_clock::from_time_t(2000000000);
  auto leaf = MakeCert(leaf_spec, &root);
  std::optional<CertFacts> facts = ReadCertFacts(leaf.der());
  ASSERT_TRUE(facts);
  EXPECT_EQ(facts->subject, "login.example");
  EXPECT_EQ(facts->issuer, "DigiCert Global Root G2");
  EXPECT_FALSE(facts->self_issued);
  EXPECT_EQ(facts->serial, "1234abcd");
  ASSERT_TRUE(facts->not_after);
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*facts->not_after),
            2000000000);
  // The fingerprint is SHA-256 over the DER bytes.
  unsigned char digest[32];
  unsigned int length = 0;
  const std::string der = leaf.der();
  EVP_Digest(der.data(), der.size(), digest, &length, EVP_sha256(), nullptr);
  char hex[65];
  for (int i = 0; i < 32; ++i) snprintf(hex + 2 * i, 3, "%02x", digest[i]);
  EXPECT_EQ(facts->fingerprint_sha256, std::string(hex, 64));
  EXPECT_TRUE(ReadCertFacts(root.der())->self_issued);
}

TEST(CertFactsTest, NamesWithoutCnQuotesNewlinesAndUtf8) {
  CertSpec spec;
  spec.common_name = "";
  spec.organization = "Corp \"Inspect\", Inc.";
  auto no_cn = MakeCert(spec, nullptr);
  std::optional<CertFacts> facts = ReadCertFacts(no_cn.der());
  ASSERT_TRUE(facts);
  EXPECT_EQ(facts->subject, "O=Corp \\\"Inspect\\\"\\, Inc.");
  spec.common_name = "Zertifizierungsstelle \xC3\xBC\nline2";
  facts = ReadCertFacts(MakeCert(spec, nullptr).der());
  ASSERT_TRUE(facts);
  EXPECT_EQ(facts->subject, "Zertifizierungsstelle \xC3\xBC line2");
}

TEST(CertFactsTest, GarbageIsRejected) {
  EXPECT_FALSE(ReadCertFacts(""));
  EXPECT_FALSE(ReadCertFacts("\x30\x82\xff\xff"));
  EXPECT_FALSE(ReadCertFacts(std::string(5000, '\x30')));
  CertSpec spec;
  spec.common_name = "x";
  EXPECT_FALSE(ReadCertFacts(MakeCert(spec, nullptr).der() + "x"));
}

TEST(NormalizeFingerprintTest, AcceptsCommonSpellings) {
  const std::string hex(64, 'a');
  EXPECT_EQ(NormalizeFingerprint("sha256:" + std::string(64, 'A')), hex);
  std::string colons;
  for (int i = 0; i < 32; ++i) colons += (i ? ":" : "") + std::string("AA");
  EXPECT_EQ(NormalizeFingerprint("SHA256:" + colons), hex);
  EXPECT_EQ(NormalizeFingerprint(hex), hex);
  EXPECT_FALSE(NormalizeFingerprint("sha256:abc"));
  EXPECT_FALSE(NormalizeFingerprint("sha256:" + std::string(64, 'g')));
}

}  // namespace
}  // namespace entra_pta::tls
