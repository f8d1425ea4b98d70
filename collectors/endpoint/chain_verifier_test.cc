#include "collectors/endpoint/chain_verifier.h"

#include <gtest/gtest.h>

#include "collectors/endpoint/testing/test_pki.h"

namespace entra_pta::endpoint {
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

}  // namespace
}  // namespace entra_pta::endpoint
