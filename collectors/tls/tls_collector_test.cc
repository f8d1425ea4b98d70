#include "collectors/tls/tls_collector.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include "collectors/probe/chain_verifier.h"
#include "collectors/probe/testing/test_pki.h"

namespace entra_pta::tls {
namespace {

using probe::testing::CertSpec;
using probe::testing::MakeCert;

TEST(TlsCollectorTest, GenuineAndInterceptedChains) {
  CertSpec ca_spec;
  ca_spec.is_ca = true;
  ca_spec.common_name = "DigiCert Global Root G2";
  auto root = MakeCert(ca_spec, nullptr);
  ca_spec.common_name = "Microsoft Azure RSA TLS Issuing CA 04";
  auto issuing = MakeCert(ca_spec, &root);
  ca_spec.common_name = "mitmproxy";
  auto mitm = MakeCert(ca_spec, nullptr);
  CertSpec leaf_spec;
  leaf_spec.common_name = "login.example";
  leaf_spec.san = "DNS:login.example";
  leaf_spec.serial = 77;
  auto genuine_leaf = MakeCert(leaf_spec, &issuing);
  auto forged_leaf = MakeCert(leaf_spec, &mitm);

  std::shared_ptr<X509_STORE> store(X509_STORE_new(), X509_STORE_free);
  X509_STORE_add_cert(store.get(), root.cert.get());
  std::string error;
  probe::ProbeRound round;
  round.requests = {
      {*probe::ParseTargetUrl("genuine", "https://login.example/", &error), ""},
      {*probe::ParseTargetUrl("forged", "https://login.example/", &error), ""},
      {*probe::ParseTargetUrl("plain", "http://crl.example/", &error), ""},
      {*probe::ParseTargetUrl("nohandshake", "https://x.example/", &error),
       ""}};
  probe::ProbeResult genuine;
  genuine.tls.handshake_done = true;
  genuine.tls.version = "TLSv1.3";
  genuine.tls.chain_der = {genuine_leaf.der(), issuing.der()};
  probe::ChainVerdict verdict =
      probe::VerifyChain(genuine.tls.chain_der, "login.example", store.get(),
                         std::chrono::system_clock::now());
  ASSERT_TRUE(verdict.verified) << verdict.error;
  genuine.tls.verified = true;
  genuine.tls.verified_chain_der = verdict.chain_der;
  probe::ProbeResult forged;
  forged.tls.handshake_done = true;
  forged.tls.version = "TLSv1.2";
  forged.tls.chain_der = {forged_leaf.der()};
  probe::ProbeResult plain;
  probe::ProbeResult nohandshake;
  nohandshake.failure = probe::FailureReason::kTls;
  round.results = {genuine, forged, plain, nohandshake};

  std::vector<prometheus::MetricFamily> out;
  CertFactsCache cache(3);  // smaller than the chains: eviction runs too
  AppendTlsFamilies(DefaultAllowList(), round, cache, out);
  const std::string text = prometheus::TextSerializer().Serialize(out);
  for (const char* line : {
           "entra_pta_tls_issuer_match{endpoint=\"genuine\"} 1",
           "entra_pta_tls_issuer_match{endpoint=\"forged\"} 0",
           "entra_pta_tls_chain_verified{endpoint=\"genuine\"} 1",
           "entra_pta_tls_chain_verified{endpoint=\"forged\"} 0",
           "entra_pta_tls_cert_info{endpoint=\"forged\",subject=\"login."
           "example\",issuer=\"mitmproxy\",root=\"mitmproxy\"",
           "issuer=\"Microsoft Azure RSA TLS Issuing CA 04\",root=\"DigiCert "
           "Global Root G2\"",
           "serial=\"4d\"",
           "entra_pta_tls_version_info{endpoint=\"genuine\",version=\"TLSv1."
           "3\"} 1",
           "entra_pta_tls_cert_not_after_timestamp_seconds{endpoint="
           "\"genuine\"}",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
  EXPECT_EQ(text.find("endpoint=\"plain\""), std::string::npos);
  EXPECT_EQ(text.find("endpoint=\"nohandshake\""), std::string::npos);
}

}  // namespace
}  // namespace entra_pta::tls
