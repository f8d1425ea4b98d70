#include "collectors/tls/issuer_allow_list.h"

#include <gtest/gtest.h>

namespace entra_pta::tls {
namespace {

CertFacts Cert(std::string subject, std::string issuer, std::string fp = "") {
  CertFacts facts;
  facts.self_issued = subject == issuer;
  facts.subject = std::move(subject);
  facts.issuer = std::move(issuer);
  facts.fingerprint_sha256 = std::move(fp);
  return facts;
}

const CertFacts kLeaf =
    Cert("login.microsoftonline.com", "Microsoft Azure RSA TLS Issuing CA 04");
const CertFacts kIssuing = Cert("Microsoft Azure RSA TLS Issuing CA 04",
                                "DigiCert Global Root G2", "11");
const CertFacts kRoot =
    Cert("DigiCert Global Root G2", "DigiCert Global Root G2", "22");

TEST(JudgeIssuerTest, GenuineVerifiedChainMatches) {
  IssuerVerdict v = JudgeIssuer(DefaultAllowList(),
                                {{kLeaf, kIssuing}, {kLeaf, kIssuing, kRoot}});
  EXPECT_TRUE(v.match);
  EXPECT_EQ(v.issuer, "Microsoft Azure RSA TLS Issuing CA 04");
  EXPECT_EQ(v.root, "DigiCert Global Root G2");
}

TEST(JudgeIssuerTest, UnverifiedChainUsesTheTopCertificatesIssuer) {
  IssuerVerdict v = JudgeIssuer(DefaultAllowList(), {{kLeaf, kIssuing}, {}});
  EXPECT_TRUE(v.match);
  EXPECT_EQ(v.root, "DigiCert Global Root G2");
}

TEST(JudgeIssuerTest, InspectionProxyChainDoesNotMatch) {
  CertFacts forged =
      Cert("login.microsoftonline.com", "Contoso SSL Inspection CA");
  IssuerVerdict v = JudgeIssuer(DefaultAllowList(), {{forged}, {}});
  EXPECT_FALSE(v.match);
  EXPECT_EQ(v.issuer, "Contoso SSL Inspection CA");
  EXPECT_EQ(v.root, "Contoso SSL Inspection CA");
  // A genuine-looking issuer name under a foreign root still fails.
  CertFacts fake_issuing =
      Cert("Microsoft Azure RSA TLS Issuing CA 04", "Contoso Root");
  v = JudgeIssuer(DefaultAllowList(), {{kLeaf, fake_issuing}, {}});
  EXPECT_FALSE(v.match);
  EXPECT_EQ(v.root, "Contoso Root");
}

// Issue 14 defect 8: after a CA rotation allowed_issuers lists the new
// issuing CA but allowed_roots lacks its root; the verdict says which part
// failed, with the fingerprints, so the views can advise allowing the root
// instead of calling it SSL inspection.
TEST(JudgeIssuerTest, SaysWhichPartIsNotAllowedWithFingerprints) {
  const CertFacts new_issuing =
      Cert("Microsoft TLS RSA Issuing CA 10", "New Root 2030", "aa");
  const CertFacts new_root = Cert("New Root 2030", "New Root 2030", "bb");
  const CertFacts leaf =
      Cert("login.microsoftonline.com", "Microsoft TLS RSA Issuing CA 10");
  AllowList allow = DefaultAllowList();
  allow.issuer_names = {"Microsoft TLS RSA Issuing CA 10"};
  IssuerVerdict v =
      JudgeIssuer(allow, {{leaf, new_issuing}, {leaf, new_issuing, new_root}});
  EXPECT_FALSE(v.match);
  EXPECT_TRUE(v.issuer_allowed);
  EXPECT_FALSE(v.root_allowed);
  EXPECT_EQ(v.issuer_fingerprint, "aa");
  EXPECT_EQ(v.root, "New Root 2030");
  EXPECT_EQ(v.root_fingerprint, "bb");
  // Re-signed by an inspection appliance: the issuer is the part that fails.
  CertFacts forged =
      Cert("login.microsoftonline.com", "Contoso SSL Inspection CA");
  v = JudgeIssuer(DefaultAllowList(), {{forged}, {}});
  EXPECT_FALSE(v.issuer_allowed);
  EXPECT_FALSE(v.root_allowed);
  v = JudgeIssuer(DefaultAllowList(),
                  {{kLeaf, kIssuing}, {kLeaf, kIssuing, kRoot}});
  EXPECT_TRUE(v.issuer_allowed);
  EXPECT_TRUE(v.root_allowed);
  EXPECT_EQ(v.issuer_fingerprint, "11");
  EXPECT_EQ(v.root_fingerprint, "22");
}

TEST(JudgeIssuerTest, NamesAreCaseInsensitiveAndFingerprintsWork) {
  AllowList allow;
  allow.issuer_names = {"microsoft azure rsa tls issuing ca 04"};
  allow.root_fingerprints = {"22"};
  EXPECT_TRUE(
      JudgeIssuer(allow, {{kLeaf, kIssuing}, {kLeaf, kIssuing, kRoot}}).match);
  // Root known only by name when unverified: a fingerprint rule can't match.
  EXPECT_FALSE(JudgeIssuer(allow, {{kLeaf, kIssuing}, {}}).match);
  allow.issuer_names.clear();
  allow.issuer_fingerprints = {"11"};
  EXPECT_TRUE(
      JudgeIssuer(allow, {{kLeaf, kIssuing}, {kLeaf, kIssuing, kRoot}}).match);
  EXPECT_FALSE(JudgeIssuer(allow, {{}, {}}).match);
}

TEST(ParseAllowListTest, ListsReplaceTheDefaultsAndAreValidated) {
  ConfigSection section = *ParseConfigRoot(R"(tls:
  allowed_issuers: [Test Issuing CA, "sha256:)" +
                                               std::string(64, 'B') +
                                               R"("]
)",
                                           "c.yml")
                               .Section("tls");
  AllowList allow = ParseAllowList(section);
  section.RejectUnknownKeys();
  EXPECT_EQ(allow.issuer_names, std::vector<std::string>{"Test Issuing CA"});
  EXPECT_EQ(allow.issuer_fingerprints,
            std::vector<std::string>{std::string(64, 'b')});
  EXPECT_EQ(allow.root_names, DefaultAllowList().root_names);
  try {
    ParseAllowList(
        *ParseConfigRoot("tls:\n  allowed_roots: [x, \"sha256:12\"]\n", "c.yml")
             .Section("tls"));
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(),
                 "c.yml:2:22: tls.allowed_roots[1]: invalid SHA-256 "
                 "fingerprint \"sha256:12\" (use sha256: and 64 hex digits, "
                 "colons allowed)");
  }
}

}  // namespace
}  // namespace entra_pta::tls
