#include "collectors/probe/chain_verifier.h"

#include <gtest/gtest.h>

#include "collectors/probe/testing/test_pki.h"

namespace entra_pta::probe {
namespace {

using testing::CertSpec;
using testing::MakeCert;
using testing::TestCert;

class ChainVerifierTest : public ::testing::Test {
 protected:
  ChainVerifierTest() {
    CertSpec root_spec;
    root_spec.common_name = "Test Root";
    root_spec.is_ca = true;
    root = MakeCert(root_spec, nullptr);
    CertSpec ca_spec = root_spec;
    ca_spec.common_name = "Test Issuing CA";
    ca = MakeCert(ca_spec, &root);
    CertSpec leaf_spec;
    leaf_spec.common_name = "login.example";
    leaf_spec.san = "DNS:login.example,IP:127.0.0.1";
    leaf = MakeCert(leaf_spec, &ca);
    store.reset(X509_STORE_new(), X509_STORE_free);
    X509_STORE_add_cert(store.get(), root.cert.get());
  }
  TestCert root, ca, leaf;
  std::shared_ptr<X509_STORE> store;
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

TEST_F(ChainVerifierTest, GenuineChainVerifiesToTheAnchor) {
  ChainVerdict v =
      VerifyChain({leaf.der(), ca.der()}, "login.example", store.get(), now);
  EXPECT_TRUE(v.verified) << v.error;
  ASSERT_EQ(v.chain_der.size(), 3u);
  EXPECT_EQ(v.chain_der.back(), root.der());
  EXPECT_TRUE(VerifyChain({leaf.der(), ca.der()}, "127.0.0.1", store.get(), now)
                  .verified);
}

TEST_F(ChainVerifierTest, WrongHostUntrustedRootAndExpiryFail) {
  ChainVerdict v =
      VerifyChain({leaf.der(), ca.der()}, "other.example", store.get(), now);
  EXPECT_FALSE(v.verified);
  EXPECT_EQ(v.error, "hostname mismatch");
  std::shared_ptr<X509_STORE> empty(X509_STORE_new(), X509_STORE_free);
  v = VerifyChain({leaf.der(), ca.der()}, "login.example", empty.get(), now);
  EXPECT_FALSE(v.verified);
  EXPECT_EQ(v.error, "unable to get local issuer certificate");
  v = VerifyChain({leaf.der(), ca.der()}, "login.example", store.get(),
                  now + std::chrono::hours(24 * 400));
  EXPECT_FALSE(v.verified);
  EXPECT_EQ(v.error, "certificate has expired");
  v = VerifyChain({leaf.der()}, "login.example", store.get(), now);
  EXPECT_FALSE(v.verified);  // intermediate missing
}

TEST_F(ChainVerifierTest, VerdictsAreCachedOnlyWithinTheirWindow) {
  VerifiedChainCache cache(2);
  const std::vector<std::string> chain = {leaf.der(), ca.der()};
  ChainVerdict v = VerifyChain(chain, "login.example", store.get(), now);
  ASSERT_TRUE(v.verified);
  EXPECT_LE(v.valid_from, now);
  EXPECT_GT(v.valid_until, now);
  cache.Insert("login.example", chain, v);
  EXPECT_TRUE(cache.Find("login.example", chain, now));
  EXPECT_FALSE(cache.Find("other.example", chain, now));
  EXPECT_FALSE(cache.Find("login.example", {leaf.der()}, now));
  EXPECT_FALSE(cache.Find("login.example", chain, v.valid_until));
  EXPECT_FALSE(cache.Find("login.example", chain,
                          v.valid_from - std::chrono::seconds(1)));
  ChainVerdict failed = VerifyChain(chain, "x.example", store.get(), now);
  cache.Insert("x.example", chain, failed);
  EXPECT_FALSE(cache.Find("x.example", chain, now));
}

TEST_F(ChainVerifierTest, GarbageIsAnErrorNotACrash) {
  EXPECT_EQ(VerifyChain({}, "x", store.get(), now).error,
            "the server presented no certificate");
  EXPECT_EQ(VerifyChain({"\x30\x03garbage"}, "x", store.get(), now).error,
            "the server presented a certificate that does not parse");
  EXPECT_EQ(VerifyChain({leaf.der() + "trailing"}, "x", store.get(), now).error,
            "the server presented a certificate that does not parse");
}

TEST_F(ChainVerifierTest, HostileChainsAndHostsAreErrorsNotCrashes) {
  // A huge chain (a handshake is bounded by OpenSSL's 100 KiB message
  // limit; this is about as many as fit) and truncated certificates.
  std::vector<std::string> huge = {leaf.der()};
  for (int i = 0; i < 250; ++i) huge.push_back(ca.der());
  ChainVerdict v = VerifyChain(huge, "login.example", store.get(), now);
  EXPECT_TRUE(v.verified) << v.error;  // the extras are just unused
  for (std::size_t cut : {std::size_t{1}, std::size_t{10},
                          leaf.der().size() / 2, leaf.der().size() - 1}) {
    EXPECT_EQ(VerifyChain({leaf.der().substr(0, cut), ca.der()},
                          "login.example", store.get(), now)
                  .error,
              "the server presented a certificate that does not parse");
  }
  for (const std::string& host :
       {std::string("login.example\0.evil", 19), std::string(""),
        std::string("\"quoted\"\n"), std::string(300, 'a'),
        std::string("999.1.1.1"), std::string("::ffff:127.0.0.1"),
        std::string("login.example.")}) {
    v = VerifyChain({leaf.der(), ca.der()}, host, store.get(), now);
    if (host == "::ffff:127.0.0.1" || host == "login.example.") continue;
    EXPECT_FALSE(v.verified) << host;
    EXPECT_FALSE(v.error.empty()) << host;
  }
}

TEST(Asn1TimeTest, DatesBeyondTheClockSaturate) {
  struct Case {
    const char* asn1;
    std::optional<std::chrono::system_clock::time_point> expected;
  };
  using TimePoint = std::chrono::system_clock::time_point;
  for (const Case& c : std::vector<Case>{
           {"20300101000000Z", TimePoint(std::chrono::seconds(1893456000))},
           {"99991231235959Z", TimePoint::max()},  // RFC 5280 "no expiry"
           {"22620411234748Z", TimePoint::max()},  // just past the clock
           {"00010101000000Z", TimePoint::min()},
       }) {
    std::unique_ptr<ASN1_TIME, decltype(&ASN1_TIME_free)> time(ASN1_TIME_new(),
                                                               ASN1_TIME_free);
    ASSERT_EQ(ASN1_TIME_set_string(time.get(), c.asn1), 1) << c.asn1;
    EXPECT_EQ(Asn1TimeToTimePoint(time.get()), c.expected) << c.asn1;
  }
}

TEST_F(ChainVerifierTest, RootValidUntilYear9999KeepsTheWindowRight) {
  CertSpec root_spec;
  root_spec.common_name = "Forever Root";
  root_spec.is_ca = true;
  TestCert forever = MakeCert(root_spec, nullptr);
  ASSERT_EQ(ASN1_TIME_set_string(X509_getm_notAfter(forever.cert.get()),
                                 "99991231235959Z"),
            1);
  X509_sign(forever.cert.get(), forever.key.get(), EVP_sha256());
  CertSpec leaf_spec;
  leaf_spec.common_name = "login.example";
  leaf_spec.san = "DNS:login.example";
  leaf_spec.not_after = now + std::chrono::hours(24 * 30);
  TestCert forever_leaf = MakeCert(leaf_spec, &forever);
  std::shared_ptr<X509_STORE> anchors(X509_STORE_new(), X509_STORE_free);
  X509_STORE_add_cert(anchors.get(), forever.cert.get());
  ChainVerdict v =
      VerifyChain({forever_leaf.der()}, "login.example", anchors.get(), now);
  ASSERT_TRUE(v.verified) << v.error;
  // The leaf's expiry bounds the window, not an overflowed root expiry.
  EXPECT_EQ(std::chrono::system_clock::to_time_t(v.valid_until),
            std::chrono::system_clock::to_time_t(leaf_spec.not_after));
}

}  // namespace
}  // namespace entra_pta::probe
