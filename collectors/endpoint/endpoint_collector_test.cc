#include "collectors/endpoint/endpoint_collector.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include "collectors/probe/testing/fake_prober.h"
#include "exporter/testing/fake_clock.h"

namespace entra_pta::endpoint {
namespace {

// The probe engine's types (collectors/probe).
using probe::EndpointSettings;
using probe::FailureReason;
using probe::ParseTargetUrl;
using probe::ProbeHub;
using probe::ProbeResult;
using probe::ProbeRound;

std::string Render(const std::vector<prometheus::MetricFamily>& families) {
  return prometheus::TextSerializer().Serialize(families);
}

ProbeRound SampleRound() {
  std::string error;
  ProbeRound round;
  round.requests = {
      {*ParseTargetUrl("login", "https://login.microsoftonline.com/", &error),
       "http://user:secret@proxy:3128"},
      {*ParseTargetUrl("crl", "http://crl.microsoft.com/", &error), ""}};
  ProbeResult ok;
  ok.http_status = 404;
  ok.phases = {0.01, 0.02, 0.03, 0.04, 0.1};
  ProbeResult failed;
  failed.failure = FailureReason::kDns;
  failed.phases.total = 0.005;
  round.results = {ok, failed};
  return round;
}

TEST(EndpointCollectorTest, FamiliesForAFinishedRound) {
  std::vector<prometheus::MetricFamily> out;
  AppendEndpointFamilies(SampleRound(), out);
  const std::string text = Render(out);
  for (const char* line : {
           "entra_pta_endpoint_up{endpoint=\"login\"} 1",
           "entra_pta_endpoint_up{endpoint=\"crl\"} 0",
           "entra_pta_endpoint_duration_seconds{endpoint=\"login\",phase="
           "\"dns\"} 0.01",
           "entra_pta_endpoint_duration_seconds{endpoint=\"login\",phase="
           "\"tls\"} 0.03",
           "entra_pta_endpoint_duration_seconds{endpoint=\"login\",phase="
           "\"first_byte\"} 0.04",
           "entra_pta_endpoint_duration_seconds{endpoint=\"login\",phase="
           "\"total\"} 0.1",
           "entra_pta_endpoint_duration_seconds{endpoint=\"crl\",phase="
           "\"connect\"} 0",
           "entra_pta_endpoint_http_status_code{endpoint=\"login\"} 404",
           "entra_pta_endpoint_http_status_code{endpoint=\"crl\"} 0",
           "entra_pta_endpoint_info{endpoint=\"login\",url=\"https://"
           "login.microsoftonline.com/\",proxy=\"http://proxy:3128\"} 1",
           "entra_pta_endpoint_info{endpoint=\"crl\",url=\"http://"
           "crl.microsoft.com/\",proxy=\"\"} 1",
           "entra_pta_endpoint_failure_info{endpoint=\"crl\",reason=\"dns\"} 1",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
  EXPECT_EQ(text.find("secret"), std::string::npos);
  EXPECT_EQ(text.find("failure_info{endpoint=\"login\""), std::string::npos);
}

TEST(EndpointCollectorTest, CollectReportsTheDeadlineAndRoundErrors) {
  entra_pta::testing::FakeClock clock;
  auto owned = std::make_unique<probe::testing::FakeProber>();
  probe::testing::FakeProber* prober = owned.get();
  EndpointSettings settings;
  std::string error;
  settings.targets = {*ParseTargetUrl("a", "https://a.example/", &error)};
  auto hub = std::make_shared<ProbeHub>(settings, std::move(owned), clock,
                                        nullptr, nullptr);
  EndpointCollector collector(hub);
  prober->Hold();
  std::vector<prometheus::MetricFamily> out;
  // A probe still running near the deadline is a value (up 0, reason
  // timeout), in time, not a collector failure without series (issue 14
  // defect 7).
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
  Status status = collector.Collect({deadline}, out);
  EXPECT_LT(std::chrono::steady_clock::now(), deadline);
  EXPECT_TRUE(status.ok()) << status.message();
  bool timed_out = false;
  for (const auto& family : out) {
    if (family.name != "entra_pta_endpoint_failure_info") continue;
    for (const auto& metric : family.metric) {
      for (const auto& label : metric.label) {
        if (label.name == "reason" && label.value == "timeout") {
          timed_out = true;
        }
      }
    }
  }
  EXPECT_TRUE(timed_out);
  prober->Release();

  auto owned2 = std::make_unique<probe::testing::FakeProber>();
  owned2->SetStatus(Status::Error("cannot load CA certificates"));
  auto hub2 = std::make_shared<ProbeHub>(settings, std::move(owned2), clock,
                                         nullptr, nullptr);
  EndpointCollector collector2(hub2);
  out.clear();
  status = collector2.Collect(
      {std::chrono::steady_clock::now() + std::chrono::seconds(5)}, out);
  EXPECT_EQ(status.message(), "cannot load CA certificates");
  EXPECT_FALSE(out.empty());  // results still shown
}

}  // namespace
}  // namespace entra_pta::endpoint
