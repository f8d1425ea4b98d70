#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <limits>
#include <regex>
#include <set>
#include <sstream>

#include "exporter/sdk/metric_builder.h"
#include "exporter/verdict/thresholds.h"
#include "exporter/views/landing_page.h"
#include "exporter/views/landing_page_test_fixtures.h"

namespace entra_pta {
namespace {

using namespace landing_page_test;  // NOLINT: fixtures, chrono units

TEST(LandingPageTest, SlowEndpointIsAWarningLikeInDiagnose) {
  auto slow = [](double total) {
    Families f = Endpoint("login", "https://login.test/", true);
    f.push_back(Gauge("entra_pta_endpoint_duration_seconds",
                      {{"endpoint", "login"}, {"phase", "total"}}, total));
    return f;
  };
  const double limit = verdict::kEndpointSlowSeconds;
  auto at = AssessPillars(Table(), {Ran("endpoint", slow(limit))}, kNow);
  EXPECT_EQ(Pillar(at, "network").state, PillarState::kOk)
      << AllText(Pillar(at, "network"));
  auto above =
      AssessPillars(Table(), {Ran("endpoint", slow(limit + 0.5))}, kNow);
  const PillarReport& network = Pillar(above, "network");
  EXPECT_EQ(network.state, PillarState::kWarning) << AllText(network);
  ASSERT_EQ(network.findings.size(), 1u);
  EXPECT_FALSE(network.findings[0].problem);
  EXPECT_EQ(network.findings[0].runbook_anchor, "entraptaendpointslow");
  EXPECT_NE(network.findings[0].what.find("Endpoint login: reachable on port "
                                          "443: HTTP 0 in 2.500 s (slow: "
                                          "over 2 s)"),
            std::string::npos)
      << network.findings[0].what;
  EXPECT_NE(network.findings[0].first_fix.find("slow hop"), std::string::npos);
}

// ... and a heartbeat collector that ran without any source taking part.
TEST(LandingPageTest, HeartbeatWithNoSourceInTheRunIsAWarningLikeInDiagnose) {
  Families none = {
      Gauge("entra_pta_agent_heartbeat_threshold_seconds", {}, 7200)};
  auto pillars = AssessPillars(Table(), {Ran("heartbeat", none)}, kNow);
  const PillarReport& agent = Pillar(pillars, "agent");
  EXPECT_EQ(agent.state, PillarState::kWarning) << AllText(agent);
  ASSERT_EQ(agent.findings.size(), 1u);
  EXPECT_EQ(agent.findings[0].what.rfind("Heartbeat: not checked", 0), 0u)
      << agent.findings[0].what;
  EXPECT_EQ(agent.findings[0].runbook_anchor, "entraptaheartbeatstale");
}

// The page judges by exporter/verdict/thresholds.h: each threshold on both
// sides.
TEST(LandingPageTest, ThresholdsOnBothSides) {
  auto agent_state = [](const Families& families, const std::string& name) {
    return Pillar(AssessPillars(Table(), {Ran(name, families)}, kNow), "agent")
        .state;
  };
  auto heartbeat = [](double age) {
    Families f = HealthyHeartbeat();
    f[2] = Gauge("entra_pta_agent_heartbeat_age_seconds", {{"source", "any"}},
                 age);
    return f;
  };
  EXPECT_EQ(agent_state(heartbeat(verdict::kHeartbeatLateSeconds), "heartbeat"),
            PillarState::kOk);
  EXPECT_EQ(
      agent_state(heartbeat(verdict::kHeartbeatLateSeconds + 1), "heartbeat"),
      PillarState::kWarning);
  auto certificate = [](int days, int plus_hours) {
    return Families{
        Gauge("entra_pta_agent_certificate_not_after_timestamp_seconds", {},
              UnixSeconds(kNow + hours(24 * days + plus_hours)))};
  };
  EXPECT_EQ(agent_state(certificate(verdict::kCertificateWarnDays, 1), "agent"),
            PillarState::kOk);
  EXPECT_EQ(
      agent_state(certificate(verdict::kCertificateWarnDays, -1), "agent"),
      PillarState::kWarning);
  EXPECT_EQ(agent_state(certificate(verdict::kCertificateFailDays, 1), "agent"),
            PillarState::kWarning);
  EXPECT_EQ(
      agent_state(certificate(verdict::kCertificateFailDays, -1), "agent"),
      PillarState::kProblem);
  auto binary = [](int plus_hours) {
    return Families{Gauge(
        "entra_pta_agent_binary_timestamp_seconds", {},
        UnixSeconds(kNow -
                    hours(24 * verdict::kAgentOutdatedDays + plus_hours)))};
  };
  EXPECT_EQ(agent_state(binary(0), "agent"), PillarState::kOk);
  EXPECT_EQ(agent_state(binary(1), "agent"), PillarState::kWarning);
  auto event = [](minutes age) {
    return Families{
        Gauge("entra_pta_eventlog_channel_up", {{"channel", "c"}}, 1),
        Gauge("entra_pta_events_total",
              {{"channel", "c"}, {"event_id", "31034"}, {"level", "error"}}, 1),
        Gauge("entra_pta_event_id_info",
              {{"event_id", "31034"}, {"meaning", "cloud_unreachable"}}, 1),
        Gauge("entra_pta_event_last_timestamp_seconds",
              {{"channel", "c"}, {"event_id", "31034"}},
              UnixSeconds(kNow - age))};
  };
  EXPECT_EQ(
      agent_state(event(minutes(verdict::kRecentEventMinutes)), "eventlog"),
      PillarState::kProblem);
  EXPECT_EQ(
      agent_state(event(minutes(verdict::kRecentEventMinutes + 1)), "eventlog"),
      PillarState::kOk);
  auto cloud = [](double active) {
    Families f = {
        Gauge("entra_pta_cloud_api_up", {}, 1),
        Gauge("entra_pta_cloud_agents", {{"status", "active"}}, active),
        Gauge("entra_pta_cloud_agents", {{"status", "inactive"}}, 0)};
    return Pillar(AssessPillars(Table(), {Ran("cloud", f)}, kNow), "cloud")
        .state;
  };
  EXPECT_EQ(cloud(verdict::kRecommendedActiveAgents), PillarState::kOk);
  EXPECT_EQ(cloud(verdict::kRecommendedActiveAgents - 1),
            PillarState::kWarning);
}

TEST(LandingPageTest, RecentNamedEventsServicesAndCertificate) {
  const std::string channel =
      "Microsoft-AzureADConnect-AuthenticationAgent/Admin";
  Families events = {
      Gauge("entra_pta_eventlog_channel_up", {{"channel", channel}}, 1),
      Gauge("entra_pta_event_id_info",
            {{"event_id", "31034"}, {"meaning", "cloud_unreachable"}}, 1),
      Gauge("entra_pta_event_id_info",
            {{"event_id", "31019"}, {"meaning", "dc_unreachable"}}, 1),
      Gauge("entra_pta_events_total",
            {{"channel", channel}, {"event_id", "31034"}, {"level", "error"}},
            2),
      Gauge("entra_pta_events_total",
            {{"channel", channel}, {"event_id", "31019"}, {"level", "error"}},
            1),
      Gauge("entra_pta_event_last_timestamp_seconds",
            {{"channel", channel}, {"event_id", "31034"}},
            UnixSeconds(kNow - minutes(4))),
      Gauge("entra_pta_event_last_timestamp_seconds",
            {{"channel", channel}, {"event_id", "31019"}},
            UnixSeconds(kNow - hours(3)))};
  Families services = {
      Gauge("entra_pta_service_installed",
            {{"service", "AzureADConnectAuthenticationAgent"}}, 1),
      Gauge("entra_pta_service_state",
            {{"service", "AzureADConnectAuthenticationAgent"},
             {"state", "running"}},
            1),
      Gauge("entra_pta_service_installed",
            {{"service", "AzureADConnectAgentUpdater"}}, 1),
      Gauge("entra_pta_service_state",
            {{"service", "AzureADConnectAgentUpdater"}, {"state", "stopped"}},
            1)};
  Families agent = {
      Gauge("entra_pta_agent_certificate_not_after_timestamp_seconds", {},
            UnixSeconds(kNow + hours(24 * 10)))};
  auto pillars = AssessPillars(
      Table(),
      {Ran("service", services), Ran("eventlog", events), Ran("agent", agent)},
      kNow);
  const PillarReport& p = Pillar(pillars, "agent");
  EXPECT_EQ(p.state, PillarState::kProblem);
  const std::string text = AllText(p);
  EXPECT_NE(text.find("Event 31034: event 31034 logged in the last 15m: the "
                      "agent could not reach the Microsoft cloud"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("newest at 2026-11-25T23:37:07Z"), std::string::npos)
      << text;
  // 3 h old: history, not the current state.
  EXPECT_NE(text.find("Event 31019: none in the last 15m."), std::string::npos)
      << text;
  EXPECT_NE(text.find("Service AzureADConnectAgentUpdater: not running "
                      "(stopped)"),
            std::string::npos);
  EXPECT_NE(text.find("Service AzureADConnectAuthenticationAgent: running."),
            std::string::npos);
  EXPECT_NE(text.find("Agent certificate: expires in 10 days: renewal is "
                      "failing"),
            std::string::npos)
      << text;
  // Problems before warnings.
  EXPECT_TRUE(p.findings.front().problem);
  EXPECT_FALSE(p.findings.back().problem);
}

TEST(LandingPageTest, CollectorsOutsideThePillarsGetTheirOwnSection) {
  std::vector<CollectorEntry> table = Table();
  table.push_back({"future", "a later collector", true, nullptr});
  auto pillars = AssessPillars(table, {Ran("future", {}, "it broke")}, kNow);
  ASSERT_EQ(pillars.size(), 5u);
  EXPECT_EQ(pillars[4].key, "other");
  EXPECT_EQ(pillars[4].state, PillarState::kProblem);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(LandingPageTest, EveryRunbookLinkHasItsSection) {
  // The page links each finding to the runbook section of its alert (the
  // engine's anchor is the alert name in lower case); every alert name the
  // engine (exporter/verdict/*.cc) can give must be an alert section of
  // docs/runbooks.md (anchor = heading in lower case).
  std::string source;
  for (const auto& entry : std::filesystem::directory_iterator(
           std::string(ENTRA_PTA_SOURCE_DIR) + "/exporter/verdict")) {
    if (entry.path().extension() == ".cc") {
      source += ReadFile(entry.path().string());
    }
  }
  const std::string runbooks =
      ReadFile(std::string(ENTRA_PTA_SOURCE_DIR) + "/docs/runbooks.md");
  ASSERT_FALSE(source.empty());
  ASSERT_FALSE(runbooks.empty());
  std::set<std::string> sections;
  const std::regex heading("\\n### (EntraPTA[A-Za-z]+)");
  for (auto it =
           std::sregex_iterator(runbooks.begin(), runbooks.end(), heading);
       it != std::sregex_iterator(); ++it) {
    std::string anchor = (*it)[1];
    for (char& c : anchor) c = static_cast<char>(std::tolower(c));
    sections.insert(anchor);
  }
  ASSERT_GT(sections.size(), 10u);
  std::set<std::string> used;
  const std::regex literal("\"(EntraPTA[A-Za-z]+|entrapta[a-z]+)\"");
  for (auto it = std::sregex_iterator(source.begin(), source.end(), literal);
       it != std::sregex_iterator(); ++it) {
    std::string anchor = (*it)[1];
    for (char& c : anchor) c = static_cast<char>(std::tolower(c));
    used.insert(anchor);
  }
  EXPECT_GT(used.size(), 15u);
  for (const std::string& anchor : used) {
    EXPECT_TRUE(sections.count(anchor)) << anchor;
  }
}

TEST(LandingPageTest, AbsurdSampleValuesDoNotBreakThePage) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  Families heartbeat = {
      Gauge("entra_pta_agent_heartbeat_stale", {{"source", "any"}}, 1),
      Gauge("entra_pta_agent_heartbeat_age_seconds", {{"source", "any"}}, inf),
      Gauge("entra_pta_agent_heartbeat_threshold_seconds", {}, nan)};
  Families agent = {
      Gauge("entra_pta_agent_certificate_not_after_timestamp_seconds", {},
            -inf),
      Gauge("entra_pta_agent_binary_timestamp_seconds", {}, nan)};
  Families cloud = {
      Gauge("entra_pta_cloud_api_up", {}, 1),
      Gauge("entra_pta_cloud_agents", {{"status", "active"}}, inf),
      Gauge("entra_pta_cloud_agents", {{"status", "inactive"}}, nan),
      Gauge("entra_pta_cloud_last_refresh_timestamp_seconds", {}, 1e300)};
  auto summaries = {Ran("heartbeat", heartbeat), Ran("agent", agent),
                    Ran("cloud", cloud)};
  std::string html = LandingPageHtml(Table(), summaries, {}, kNow);
  EXPECT_NE(html.find("id=\"pillar-agent\" data-state=\"problem\""),
            std::string::npos);
  EXPECT_NE(html.find("</html>"), std::string::npos);
}

// Entra Connect Sync's service on the agent pillar: most agent servers do
// not have it, which is no problem; stopped where installed is a warning
// with its own runbook (the engine's services.ADSync finding).
TEST(LandingPageTest, SyncServiceAbsentIsFineStoppedWarns) {
  auto agent_state = [](const char* sync_state) {
    Families f = {Gauge("entra_pta_service_installed",
                        {{"service", "AzureADConnectAuthenticationAgent"}}, 1),
                  Gauge("entra_pta_service_installed", {{"service", "ADSync"}},
                        sync_state ? 1 : 0),
                  Gauge("entra_pta_service_state",
                        {{"service", "AzureADConnectAuthenticationAgent"},
                         {"state", "running"}},
                        1)};
    if (sync_state) {
      for (const char* s : {"running", "stopped"}) {
        f.push_back(Gauge("entra_pta_service_state",
                          {{"service", "ADSync"}, {"state", s}},
                          std::string(s) == sync_state ? 1 : 0));
      }
    }
    return Pillar(AssessPillars(Table(), {Ran("service", f)}, kNow), "agent");
  };
  const PillarReport absent = agent_state(nullptr);
  EXPECT_EQ(absent.state, PillarState::kOk) << AllText(absent);
  EXPECT_TRUE(absent.findings.empty()) << AllText(absent);

  const PillarReport stopped = agent_state("stopped");
  EXPECT_EQ(stopped.state, PillarState::kWarning) << AllText(stopped);
  ASSERT_EQ(stopped.findings.size(), 1u) << AllText(stopped);
  EXPECT_FALSE(stopped.findings[0].problem);
  EXPECT_EQ(stopped.findings[0].runbook_anchor,
            "entraptasyncservicenotrunning");

  EXPECT_EQ(agent_state("running").state, PillarState::kOk);
}

TEST(LandingPageTest, TimeInWords) {
  EXPECT_EQ(FormatUtc(kNow), "2026-11-25 23:41:07 UTC");
  EXPECT_EQ(FormatAge(kNow, kNow), "just now");
  EXPECT_EQ(FormatAge(kNow - seconds(45), kNow), "45 s ago");
  EXPECT_EQ(FormatAge(kNow - minutes(12), kNow), "12 min ago");
  EXPECT_EQ(FormatAge(kNow - minutes(185), kNow), "3 h 5 min ago");
  EXPECT_EQ(FormatAge(kNow - hours(52), kNow), "2 d 4 h ago");
  EXPECT_EQ(FormatAge(kNow + minutes(5), kNow), "in the future");
}

}  // namespace
}  // namespace entra_pta
