// The verdict engine fed from the text of a scrape: the eventlog, heartbeat,
// agent and tls collectors run over their test inputs (as their own tests
// do), their families are serialized with prometheus-cpp's TextSerializer as
// /metrics serves them and parsed back (exporter/testing/text_exposition.h),
// and the engine judges what came back. A metric renamed in a collector but
// not in the engine fails here. (The cloud, endpoint, service and domain
// controller collectors, through the scrape runner and the same text round
// trip: verdict_on_collectors_test.cc.)
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "collectors/agent/agent_collector.h"
#include "collectors/agent/testing/fake_agent_host.h"
#include "collectors/eventlog/event_xml.h"
#include "collectors/eventlog/eventlog_collector.h"
#include "collectors/eventlog/testing/fake_event_source.h"
#include "collectors/heartbeat/heartbeat_collector.h"
#include "collectors/probe/testing/fake_prober.h"
#include "collectors/probe/testing/test_pki.h"
#include "collectors/tls/tls_collector.h"
#include "exporter/testing/fake_clock.h"
#include "exporter/testing/text_exposition.h"
#include "exporter/verdict/engine.h"
#include "exporter/verdict/thresholds.h"

namespace entra_pta::verdict {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr double kDay = 86400;

class EngineOnScrapeTextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() /
        ("entra-pta-verdict-text-" +
         std::string(
             ::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // One run of `collector` named `name`, through the text format, judged
  // with the event window `since`.
  std::vector<Finding> Judge(const std::string& name, Collector& collector,
                             seconds since = seconds(24 * 3600)) {
    std::vector<prometheus::MetricFamily> out;
    const Status status =
        collector.Collect(ScrapeContext{std::chrono::steady_clock::now()}, out);
    auto parsed = entra_pta::testing::ThroughTextExposition(out);
    EXPECT_TRUE(parsed.ok()) << parsed.status().message();
    if (parsed.ok()) families_ = *parsed;
    Input input;
    input.families = Borrow(families_);
    input.runs[name] = {status.ok(), status.message()};
    input.now = clock_.Now();
    input.since = since;
    return Assess(input);
  }

  static const Finding& Find(const std::vector<Finding>& findings,
                             const std::string& id) {
    for (const Finding& f : findings) {
      if (f.id == id) return f;
    }
    ADD_FAILURE() << "no finding " << id;
    static const Finding kNone;
    return kNone;
  }

  double Now() const { return ToUnixSeconds(clock_.Now()); }

  fs::path dir_;
  entra_pta::testing::FakeClock clock_;
  std::vector<prometheus::MetricFamily> families_;
};

TEST_F(EngineOnScrapeTextTest, ParserReadsWhatTheSerializerWrites) {
  auto parsed = entra_pta::testing::ParseTextExposition(
      "# HELP a_total Help.\n# TYPE a_total counter\n"
      "a_total{x=\"q\\\"uo\\\\te\\nd\",y=\"\"} 3\n# TYPE b gauge\nb NaN\n");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].type, prometheus::MetricType::Counter);
  EXPECT_EQ((*parsed)[0].metric[0].label[0].value, "q\"uo\\te\nd");
  EXPECT_EQ((*parsed)[0].metric[0].counter.value, 3);
  EXPECT_TRUE(std::isnan((*parsed)[1].metric[0].gauge.value));
  EXPECT_FALSE(entra_pta::testing::ParseTextExposition("c{x=\"open 1\n").ok());
  EXPECT_FALSE(entra_pta::testing::ParseTextExposition("c one\n").ok());
}

// Event 31019 a minute ago, 31034 half an hour ago: both count in a 1 h
// window (diagnose --since 1h), only 31019 in the page's 15 minutes.
TEST_F(EngineOnScrapeTextTest, EventlogNamedEventsInTheWindow) {
  const std::string channel =
      "Microsoft-AzureADConnect-AuthenticationAgent/Admin";
  auto event = [&](int id, double created) {
    return eventlog::testing::FakeEvent{
        "<Event><System><Provider Name='Microsoft-AzureADConnect-"
        "AuthenticationAgent'/><EventID>" +
            std::to_string(id) +
            "</EventID><Level>2</Level><TimeCreated SystemTime='" +
            eventlog::FormatSystemTime(created) + "'/></System></Event>",
        created};
  };
  auto run = [&](seconds since) {
    eventlog::EventlogSettings settings;
    settings.channels = {channel};
    settings.state_dir = (dir_ / std::to_string(since.count())).string();
    settings.look_back = hours(2);
    auto source = std::make_unique<eventlog::testing::FakeEventSource>();
    source->channels[channel] = {event(31019, Now() - 60),
                                 event(31034, Now() - 30 * 60)};
    eventlog::EventlogCollector collector(settings, std::move(source), true,
                                          clock_, nullptr);
    return Judge("eventlog", collector, since);
  };
  const auto hour = run(hours(1));
  EXPECT_EQ(Find(hour, "events.31019").severity, Severity::kFail);
  EXPECT_EQ(Find(hour, "events.31019").alert_name,
            "EntraPTAAgentCannotReachDomainController");
  EXPECT_EQ(Find(hour, "events.31034").severity, Severity::kFail);
  EXPECT_EQ(Find(hour, "events.31034").alert_name,
            "EntraPTAAgentCannotReachCloud");
  const auto page = run(minutes(kRecentEventMinutes));
  EXPECT_EQ(Find(page, "events.31019").severity, Severity::kFail);
  EXPECT_EQ(Find(page, "events.31034").severity, Severity::kPass)
      << Find(page, "events.31034").summary;
  EXPECT_EQ(Find(page, "events.31034").alert_name, "");
}

TEST_F(EngineOnScrapeTextTest, HeartbeatStaleAndLate) {
  heartbeat::HeartbeatSettings settings;
  settings.trace_dir = dir_.string();
  settings.bootstrap_source = false;
  settings.cloud_source = false;
  const fs::path file = dir_ / "AzureADConnectAuthenticationAgent_1.log";
  std::ofstream(file) << "Passthrough Authentication request succeeded\n";
  auto written_ago = [&](seconds ago) {
    fs::last_write_time(file,
                        std::chrono::file_clock::from_sys(clock_.Now() - ago));
  };
  heartbeat::HeartbeatCollector collector(settings, clock_, nullptr);
  written_ago(minutes(kHeartbeatStaleMinutes) + minutes(1));
  const Finding stale = Find(Judge("heartbeat", collector), "agent.heartbeat");
  EXPECT_EQ(stale.severity, Severity::kFail) << stale.summary;
  EXPECT_EQ(stale.alert_name, "EntraPTAHeartbeatStale");
  written_ago(seconds(kHeartbeatLateSeconds) + minutes(1));
  const Finding late = Find(Judge("heartbeat", collector), "agent.heartbeat");
  EXPECT_EQ(late.severity, Severity::kWarn) << late.summary;
  EXPECT_EQ(late.alert_name, "EntraPTAHeartbeatLate");
  written_ago(minutes(1));
  EXPECT_EQ(Find(Judge("heartbeat", collector), "agent.heartbeat").severity,
            Severity::kPass);
}

TEST_F(EngineOnScrapeTextTest, AgentOutdatedWithACertificateAboutToExpire) {
  agent::AgentSettings settings;
  settings.binary_path = "C:\\agent\\Agent.exe";
  settings.registry_key = "SOFTWARE\\Agent";
  settings.trust_settings_path = std::string(ENTRA_PTA_SOURCE_DIR) +
                                 "/collectors/agent/testdata/TrustSettings.xml";
  auto host = std::make_unique<agent::testing::FakeAgentHost>();
  host->files[settings.binary_path] =
      agent::FileVersion{"1.5.2482.0", Now() - (kAgentOutdatedDays + 1) * kDay};
  host->registry[settings.registry_key] =
      agent::AgentIds{"0b1c2d3e-aaaa-bbbb-cccc-000000000001",
                      "72f988bf-86f1-41af-91ab-2d7cd011db47"};
  host->certificates["3F29132A414EAEDF42645B75D3968C030DF00CEC"] =
      Now() + (kCertificateFailDays - 1) * kDay;
  agent::AgentCollector collector(settings, std::move(host), true);
  const auto findings = Judge("agent", collector);
  const Finding& version = Find(findings, "agent.version");
  EXPECT_EQ(version.severity, Severity::kWarn) << version.summary;
  EXPECT_EQ(version.alert_name, "EntraPTAAgentOutdated");
  EXPECT_NE(version.summary.find("1.5.2482.0"), std::string::npos);
  const Finding& certificate = Find(findings, "agent.certificate");
  EXPECT_EQ(certificate.severity, Severity::kFail) << certificate.summary;
  EXPECT_EQ(certificate.alert_name, "EntraPTAAgentCertificateAboutToExpire");
}

TEST_F(EngineOnScrapeTextTest, TlsReSignedChainIsSslInspection) {
  using probe::testing::CertSpec;
  using probe::testing::MakeCert;
  CertSpec ca;
  ca.is_ca = true;
  ca.common_name = "Corp Inspection CA";
  auto inspector = MakeCert(ca, nullptr);
  CertSpec leaf;
  leaf.common_name = "login.test";
  leaf.san = "DNS:login.test";
  auto forged = MakeCert(leaf, &inspector);
  probe::EndpointSettings settings;
  std::string error;
  settings.targets = {
      *probe::ParseTargetUrl("login", "https://login.test/", &error)};
  auto prober = std::make_unique<probe::testing::FakeProber>();
  probe::ProbeResult result;
  result.http_status = 200;
  result.tls.handshake_done = true;
  result.tls.version = "TLSv1.2";
  result.tls.chain_der = {forged.der(), inspector.der()};
  prober->Set("login", result);
  auto hub = std::make_shared<probe::ProbeHub>(settings, std::move(prober),
                                               clock_, nullptr, nullptr);
  tls::TlsCollector collector(tls::DefaultAllowList(), hub);
  const auto findings = Judge("tls", collector);
  const Finding& inspection = Find(findings, "network.ssl_inspection");
  EXPECT_EQ(inspection.severity, Severity::kFail) << inspection.summary;
  EXPECT_EQ(inspection.alert_name, "EntraPTATLSInterceptionDetected");
  ASSERT_FALSE(inspection.evidence.empty());
  EXPECT_NE(inspection.evidence[0].find("Corp Inspection CA"),
            std::string::npos)
      << inspection.evidence[0];
}

}  // namespace
}  // namespace entra_pta::verdict
