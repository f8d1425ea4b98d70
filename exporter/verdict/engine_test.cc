// The verdict engine on hand-made families: each pillar's findings, every
// threshold of thresholds.h probed on both sides, the per-collector run
// state, and the scrubbing of secrets from everything it returns.
#include "exporter/verdict/engine.h"

#include <gtest/gtest.h>

#include "exporter/testing/scenario_collector.h"
#include "exporter/verdict/thresholds.h"

namespace entra_pta::verdict {
namespace {

using entra_pta::testing::Counter;
using entra_pta::testing::Gauge;
using prometheus::MetricFamily;

constexpr double kNow = 1'800'000'000;
constexpr double kDay = 86400;

MetricFamily Ran(const std::string& collector, double success = 1) {
  return Gauge("entra_pta_scrape_collector_success",
               {{{{"collector", collector}}, success}});
}

std::vector<Finding> Judge(const std::vector<MetricFamily>& families,
                           std::map<std::string, std::string> errors = {}) {
  Input input;
  input.families = Borrow(families);
  input.collector_errors = std::move(errors);
  input.now = std::chrono::system_clock::time_point(
      std::chrono::seconds(static_cast<long long>(kNow)));
  return Assess(input);
}

Finding Get(const std::vector<Finding>& findings, const std::string& id) {
  for (const Finding& f : findings) {
    if (f.id == id) return f;
  }
  ADD_FAILURE() << "no finding " << id;
  return Finding();
}

std::vector<MetricFamily> Certificate(double days_left) {
  return {Ran("agent"),
          Gauge("entra_pta_agent_certificate_not_after_timestamp_seconds",
                {{{}, kNow + days_left * kDay}})};
}

std::vector<MetricFamily> Binary(double days_old) {
  return {Ran("agent"),
          Gauge("entra_pta_agent_info", {{{{"version", "1.5"}}, 1}}),
          Gauge("entra_pta_agent_binary_timestamp_seconds",
                {{{}, kNow - days_old * kDay}})};
}

std::vector<MetricFamily> Heartbeat(double age) {
  return {Ran("heartbeat"),
          Gauge("entra_pta_agent_heartbeat_age_seconds",
                {{{{"source", "any"}}, age}}),
          Gauge("entra_pta_agent_heartbeat_stale", {{{{"source", "any"}}, 0}})};
}

std::vector<MetricFamily> Cloud(double active) {
  return {Ran("cloud"), Gauge("entra_pta_cloud_api_up", {{{}, 1}}),
          Gauge("entra_pta_cloud_agents", {{{{"status", "active"}}, active},
                                           {{{"status", "inactive"}}, 1}})};
}

std::vector<MetricFamily> Endpoint(double total) {
  return {Ran("endpoint"),
          Gauge("entra_pta_endpoint_up", {{{{"endpoint", "login"}}, 1}}),
          Gauge("entra_pta_endpoint_duration_seconds",
                {{{{"endpoint", "login"}, {"phase", "total"}}, total}})};
}

struct Probe {
  std::string name;
  std::vector<MetricFamily> families;
  std::string id;
  Severity expected;
};

// Each threshold just inside and just outside, or at the rule's exact
// comparison (">" and "<" exclude the value itself).
std::vector<Probe> Probes() {
  const double eps = 0.01;
  return {
      {"certificate warn, above", Certificate(kCertificateWarnDays + eps),
       "agent.certificate", Severity::kPass},
      {"certificate warn, below", Certificate(kCertificateWarnDays - eps),
       "agent.certificate", Severity::kWarn},
      {"certificate fail, above", Certificate(kCertificateFailDays + eps),
       "agent.certificate", Severity::kWarn},
      {"certificate fail, below", Certificate(kCertificateFailDays - eps),
       "agent.certificate", Severity::kFail},
      {"outdated, at", Binary(kAgentOutdatedDays), "agent.version",
       Severity::kPass},
      {"outdated, above", Binary(kAgentOutdatedDays + eps), "agent.version",
       Severity::kWarn},
      {"heartbeat late, at", Heartbeat(kHeartbeatLateSeconds),
       "agent.heartbeat", Severity::kPass},
      {"heartbeat late, above", Heartbeat(kHeartbeatLateSeconds + eps),
       "agent.heartbeat", Severity::kWarn},
      {"agents, recommended", Cloud(kRecommendedActiveAgents),
       "cloud.active_agents", Severity::kPass},
      {"agents, one fewer", Cloud(kRecommendedActiveAgents - 1),
       "cloud.active_agents", Severity::kWarn},
      {"agents, one", Cloud(1), "cloud.active_agents", Severity::kFail},
      {"agents, none", Cloud(0), "cloud.active_agents", Severity::kFail},
      {"endpoint slow, at", Endpoint(kEndpointSlowSeconds),
       "network.endpoint.login", Severity::kPass},
      {"endpoint slow, above", Endpoint(kEndpointSlowSeconds + eps),
       "network.endpoint.login", Severity::kWarn},
  };
}

TEST(VerdictEngineTest, EveryThresholdOnBothSides) {
  for (const Probe& probe : Probes()) {
    EXPECT_EQ(Get(Judge(probe.families), probe.id).severity, probe.expected)
        << probe.name;
  }
}

TEST(VerdictEngineTest, CloudInactiveAgentHasMeaningAndRunbook) {
  auto families = Cloud(3);
  families.push_back(
      Gauge("entra_pta_cloud_agent_active", {{{{"agent_id", "a2"},
                                               {"machine_name", "pta02"},
                                               {"external_ip", "203.0.113.2"}},
                                              0}}));
  const Finding f = Get(Judge(families), "cloud.agent.a2");
  EXPECT_EQ(f.pillar, Pillar::kCloud);
  EXPECT_EQ(f.topic, "cloud");
  EXPECT_EQ(f.severity, Severity::kWarn);
  EXPECT_EQ(f.alert_name, "EntraPTACloudAgentInactive");
  EXPECT_EQ(f.runbook_anchor, "entraptacloudagentinactive");
  EXPECT_NE(f.meaning.find("120 minutes"), std::string::npos);
  EXPECT_EQ(f.evidence.back(), "never seen active by this exporter");
}

// The landing page named an expired server certificate behind a TLS
// failure; diagnose did not. The engine does, for both.
TEST(VerdictEngineTest, NetworkTlsFailureNamesTheExpiredCertificate) {
  const std::vector<MetricFamily> families = {
      Ran("endpoint"),
      Gauge("entra_pta_endpoint_up", {{{{"endpoint", "login"}}, 0}}),
      Gauge("entra_pta_endpoint_failure_info",
            {{{{"endpoint", "login"}, {"reason", "tls"}}, 1}}),
      Gauge("entra_pta_tls_cert_not_after_timestamp_seconds",
            {{{{"endpoint", "login"}}, kNow - 2 * kDay}})};
  const Finding f = Get(Judge(families), "network.endpoint.login");
  EXPECT_EQ(f.pillar, Pillar::kNetwork);
  EXPECT_EQ(f.severity, Severity::kFail);
  EXPECT_EQ(f.evidence.back(), "its certificate expired on 2027-01-13");
}

TEST(VerdictEngineTest, AgentHeartbeatWithoutEvidenceIsAWarning) {
  const std::vector<MetricFamily> families = {
      Ran("heartbeat"),
      Gauge("entra_pta_agent_heartbeat_stale", {{{{"source", "any"}}, 0}}),
      Gauge("entra_pta_agent_heartbeat_evidence", {{{{"source", "any"}}, 0}})};
  const Finding f = Get(Judge(families), "agent.heartbeat");
  EXPECT_EQ(f.pillar, Pillar::kAgent);
  EXPECT_EQ(f.severity, Severity::kWarn);
  EXPECT_EQ(f.summary, kHeartbeatUnknown);
  EXPECT_EQ(f.runbook_anchor, "entraptaheartbeatstale");
  EXPECT_TRUE(f.alert_name.empty());
}

TEST(VerdictEngineTest, DomainControllerLookupFailed) {
  const std::vector<MetricFamily> families = {
      Ran("domain_controller"),
      Gauge("entra_pta_dns_lookup_success", {{{{"domain", "corp.test"}}, 0}})};
  const Finding f = Get(Judge(families), "dc.discovery.corp.test");
  EXPECT_EQ(f.pillar, Pillar::kDomainController);
  EXPECT_EQ(f.severity, Severity::kFail);
  EXPECT_EQ(f.alert_name, "EntraPTANoDomainControllerDiscovered");
  EXPECT_EQ(f.runbook_anchor, "entraptanodomaincontrollerdiscovered");
}

// Both views judge events by the window they pass (the page its 15
// minutes, diagnose its --since): an event counts while its newest
// occurrence is inside it, however long the counter has been running.
TEST(VerdictEngineTest, EventsCountOnlyInsideTheWindow) {
  auto judge = [](double age, std::chrono::seconds since) {
    const std::vector<MetricFamily> families = {
        Ran("eventlog"),
        Counter(
            "entra_pta_events_total",
            {{{{"channel", "c"}, {"event_id", "31019"}, {"level", "error"}}, 3},
             {{{"channel", "c"}, {"event_id", "4"}, {"level", "error"}}, 1}}),
        Gauge("entra_pta_event_last_timestamp_seconds",
              {{{{"channel", "c"}, {"event_id", "31019"}}, kNow - age},
               {{{"channel", "c"}, {"event_id", "4"}}, kNow - age}})};
    Input input;
    input.families = Borrow(families);
    input.now = std::chrono::system_clock::time_point(
        std::chrono::seconds(static_cast<long long>(kNow)));
    input.since = since;
    return Assess(input);
  };
  const std::chrono::seconds window(kRecentEventMinutes * 60);
  const double edge = static_cast<double>(window.count());
  EXPECT_EQ(Get(judge(edge, window), "events.31019").severity, Severity::kFail);
  EXPECT_EQ(Get(judge(edge, window), "events.other_errors").severity,
            Severity::kWarn);
  EXPECT_EQ(Get(judge(edge + 1, window), "events.31019").severity,
            Severity::kPass);
  EXPECT_EQ(Get(judge(edge + 1, window), "events.other_errors").severity,
            Severity::kPass);
  // The same events in diagnose's default day.
  const Finding day = Get(judge(3600, std::chrono::hours(24)), "events.31019");
  EXPECT_EQ(day.severity, Severity::kFail);
  EXPECT_EQ(day.alert_name, "EntraPTAAgentCannotReachDomainController");
  EXPECT_EQ(day.summary,
            "event 31019 logged in the last 24h: the agent could not reach "
            "a domain controller");
}

TEST(VerdictEngineTest, RunStateFromTheCallerWinsOverTheFamilies) {
  Input input;
  input.now = std::chrono::system_clock::time_point(
      std::chrono::seconds(static_cast<long long>(kNow)));
  input.runs["heartbeat"] = {false, "trace directory does not exist"};
  const std::vector<Finding> findings = Assess(input);
  const Finding failed = Get(findings, "agent.collector.heartbeat");
  EXPECT_EQ(failed.severity, Severity::kWarn);
  EXPECT_EQ(failed.summary,
            "the heartbeat collector failed: trace directory does not exist");
  EXPECT_EQ(failed.runbook_anchor, "entraptacollectorfailing");
  // Not in the runs: not enabled.
  EXPECT_EQ(Get(findings, "cloud.collector.cloud").severity, Severity::kSkip);
}

TEST(VerdictEngineTest, SecretsNeverLeaveTheEngine) {
  const std::vector<MetricFamily> families = {
      Ran("endpoint"), Ran("cloud", 0),
      Gauge("entra_pta_endpoint_up", {{{{"endpoint", "login"}}, 0}}),
      Gauge("entra_pta_endpoint_info",
            {{{{"endpoint", "login"},
               {"url", "https://login.test/"},
               {"proxy", "http://user:hunter2@proxy:3128"}},
              1}}),
      Gauge("entra_pta_endpoint_failure_info",
            {{{{"endpoint", "login"}, {"reason", "proxy"}}, 1}})};
  const std::vector<Finding> findings =
      Judge(families, {{"cloud",
                        "token endpoint: client_secret=s3cr3t refused; "
                        "Authorization: Bearer eyJabc"}});
  bool proxy_shown = false;
  for (const Finding& f : findings) {
    std::string all = f.name + f.summary + f.meaning;
    for (const std::string& line : f.evidence) all += line;
    for (const std::string& line : f.first_fix) all += line;
    for (const char* secret : {"hunter2", "s3cr3t", "eyJabc"}) {
      EXPECT_EQ(all.find(secret), std::string::npos) << f.id << ": " << all;
    }
    proxy_shown |= all.find("http://***@proxy:3128") != std::string::npos;
  }
  EXPECT_TRUE(proxy_shown);
  EXPECT_EQ(Get(findings, "cloud.collector.cloud").summary,
            "the cloud collector failed: token endpoint: client_secret=*** "
            "refused; Authorization: Bearer ***");
}

}  // namespace
}  // namespace entra_pta::verdict
