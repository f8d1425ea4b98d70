#include "collectors/tls/cert_facts.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include "collectors/probe/testing/test_pki.h"
#include "exporter/util/utf8.h"

namespace entra_pta::tls {
namespace {

using probe::testing::CertSpec;
using probe::testing::MakeCert;

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

// The DER of `cert` with the subject's UTF8String CN `placeholder` replaced
// by `bytes` of the same length and the string's tag set to `tag` (the
// signature no longer matches; ReadCertFacts does not verify).
std::string PatchCommonName(const std::string& der,
                            const std::string& placeholder,
                            const std::string& bytes, char tag = '\x0c') {
  const std::string encoded =
      std::string("\x0c") + static_cast<char>(placeholder.size()) + placeholder;
  std::string patched = der;
  const std::size_t at = patched.rfind(encoded);  // subject after issuer
  EXPECT_NE(at, std::string::npos);
  EXPECT_EQ(bytes.size(), placeholder.size());
  patched[at] = tag;
  patched.replace(at + 2, bytes.size(), bytes);
  return patched;
}

bool IsValidUtf8WithoutControls(const std::string& text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  return IsValidUtf8(text);
}

TEST(CertFactsTest, HostileNameBytesBecomeValidLabelText) {
  probe::testing::CertSpec ca_spec;
  ca_spec.common_name = "Issuer CA";
  auto issuer = MakeCert(ca_spec, nullptr);
  CertSpec spec;
  const std::string placeholder = "PLACEHOLDER-16CH";
  spec.common_name = placeholder;
  const std::string der = MakeCert(spec, &issuer).der();
  struct Case {
    std::string name;
    std::string bytes;
    char tag;
    std::string subject;
  };
  const std::string fffd = "\xEF\xBF\xBD";
  for (const Case& c : std::vector<Case>{
           {"ill-formed UTF8String",
            "ab\xff\xfe\xc3(cd\xed\xa0\x80"
            "efghi",
            '\x0c', ""},
           {"quotes, backslash, newline, NUL",
            std::string("a\"b\\c\nd\0e\r\tf\x7fghij", 16), '\x0c',
            std::string("a\"b\\c d e  f ghi")},
           {"BMPString with lone surrogates",
            std::string("\xd8\x00\x00"
                        "a\xdc\x00\x00"
                        "b\x00"
                        "c\x00"
                        "d\x00"
                        "e\x00"
                        "f",
                        16),
            '\x1e', ""},
           {"UniversalString beyond U+10FFFF",
            std::string("\x00\x11\x00\x00\x00\x00\xd8\x00\x00\x00\x00"
                        "a\x00\x00\x00"
                        "b",
                        16),
            '\x1c', ""},
           {"T61String (Latin-1)", "caf\xe9 \xff\x01\n\"\\abcdef", '\x14',
            "caf\xc3\xa9 \xc3\xbf  \"\\abcdef"},
       }) {
    std::optional<CertFacts> facts =
        ReadCertFacts(PatchCommonName(der, placeholder, c.bytes, c.tag));
    if (!facts) {
      // OpenSSL 3 refuses to decode some ill-formed strings at all (it
      // canonicalises names while parsing): an unparsable certificate.
      EXPECT_TRUE(c.subject.empty()) << c.name << " did not parse";
      continue;
    }
    EXPECT_TRUE(IsValidUtf8WithoutControls(facts->subject))
        << c.name << ": " << facts->subject;
    if (!c.subject.empty()) {
      EXPECT_EQ(facts->subject, c.subject) << c.name;
    }
    EXPECT_EQ(facts->issuer, "Issuer CA");
  }
}

TEST(CertFactsTest, LongNamesAreCutBetweenCharacters) {
  // No CN: the RFC 2253 text of many multi-byte entries, longer than the
  // 512-byte cap, so the cut lands inside a character unless it is careful.
  CertSpec spec;
  spec.common_name = "";
  std::string organization;
  for (int i = 0; i < 21; ++i) organization += "\xE2\x82\xAC";  // euro
  spec.organization = organization;
  auto cert = MakeCert(spec, nullptr);
  X509_NAME* name = X509_get_subject_name(cert.cert.get());
  for (int i = 0; i < 12; ++i) {
    X509_NAME_add_entry_by_txt(
        name, "OU", MBSTRING_UTF8,
        reinterpret_cast<const unsigned char*>(organization.c_str()), -1, -1,
        0);
  }
  X509_sign(cert.cert.get(), cert.key.get(), EVP_sha256());
  std::optional<CertFacts> facts = ReadCertFacts(cert.der());
  ASSERT_TRUE(facts);
  EXPECT_LE(facts->subject.size(), 512u);
  EXPECT_GT(facts->subject.size(), 500u);
  EXPECT_TRUE(IsValidUtf8(facts->subject)) << facts->subject;
}

TEST(CertFactsTest, ExpiryInYear9999Saturates) {
  // RFC 5280's "no well-defined expiration" date, used by real roots, lies
  // beyond what the clock's nanoseconds hold (year 2262).
  CertSpec spec;
  spec.common_name = "Forever Root";
  auto cert = MakeCert(spec, nullptr);
  ASSERT_EQ(ASN1_TIME_set_string(X509_getm_notAfter(cert.cert.get()),
                                 "99991231235959Z"),
            1);
  X509_sign(cert.cert.get(), cert.key.get(), EVP_sha256());
  std::optional<CertFacts> facts = ReadCertFacts(cert.der());
  ASSERT_TRUE(facts);
  ASSERT_TRUE(facts->not_after);
  EXPECT_EQ(*facts->not_after, std::chrono::system_clock::time_point::max());
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
