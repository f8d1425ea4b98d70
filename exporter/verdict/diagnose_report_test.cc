// BuildReport, table-driven: metric families (as the collectors produce
// them) and a time in, the verdict of each named check and the exit status
// out. Thresholds are probed on both sides of the alert rules' numbers.

#include "exporter/verdict/diagnose_report.h"

#include <gtest/gtest.h>

#include <ostream>

#include "exporter/testing/scenario_collector.h"
#include "exporter/verdict/text.h"
#include "exporter/verdict/thresholds.h"

namespace entra_pta::diagnose {
namespace {

using entra_pta::testing::Counter;
using entra_pta::testing::Gauge;
using prometheus::MetricFamily;
using namespace entra_pta::verdict;  // the thresholds

constexpr double kNow = 1'800'000'000;
constexpr double kDay = 86400;

MetricFamily Success(std::vector<std::pair<std::string, double>> collectors) {
  entra_pta::testing::Samples samples;
  for (const auto& [name, value] : collectors) {
    samples.push_back({{{"collector", name}}, value});
  }
  return Gauge("entra_pta_scrape_collector_success", samples);
}

struct Row {
  std::string name;
  std::vector<MetricFamily> families;
  std::map<std::string, std::string> errors;
  // Expected verdicts of these checks (others are not looked at).
  std::map<std::string, Verdict> expected;
  int exit_status;
  std::vector<std::string> absent = {};  // check ids that must not appear
};

// GoogleTest prints the row by name instead of dumping its bytes.
void PrintTo(const Row& row, std::ostream* out) { *out << row.name; }

// The families one collector reports about one subject, with the numbers
// under test as parameters.

std::vector<MetricFamily> CertificateFamilies(double days_left) {
  return std::vector<MetricFamily>{
      Success({{"agent", 1}}), Gauge("entra_pta_agent_os_supported", {{{}, 1}}),
      Gauge("entra_pta_agent_certificate_not_after_timestamp_seconds",
            {{{}, kNow + days_left * kDay}})};
}

std::vector<MetricFamily> AgentBinaryFamilies(double days_old) {
  return std::vector<MetricFamily>{
      Success({{"agent", 1}}),
      Gauge("entra_pta_agent_info", {{{{"version", "1.5.2482.0"},
                                       {"instance_id", "i"},
                                       {"tenant_id", "t"}},
                                      1}}),
      Gauge("entra_pta_agent_binary_timestamp_seconds",
            {{{}, kNow - days_old * kDay}})};
}

std::vector<MetricFamily> HeartbeatFamilies(double age, double stale) {
  return std::vector<MetricFamily>{
      Success({{"heartbeat", 1}}),
      Gauge("entra_pta_agent_heartbeat_threshold_seconds", {{{}, 7200}}),
      Gauge("entra_pta_agent_heartbeat_age_seconds",
            {{{{"source", "any"}}, age}}),
      Gauge("entra_pta_agent_heartbeat_stale", {{{{"source", "any"}}, stale}})};
}

std::vector<MetricFamily> CloudAgentsFamilies(double active) {
  return std::vector<MetricFamily>{
      Success({{"cloud", 1}}), Gauge("entra_pta_cloud_api_up", {{{}, 1}}),
      Gauge("entra_pta_cloud_agents",
            {{{{"status", "active"}}, active}, {{{"status", "inactive"}}, 0}})};
}

std::vector<MetricFamily> DomainControllerFamilies(double dc1, double dc2) {
  return std::vector<MetricFamily>{
      Success({{"domain_controller", 1}}),
      Gauge("entra_pta_dns_lookup_success", {{{{"domain", "corp.test"}}, 1}}),
      Gauge("entra_pta_dc_discovered", {{{{"domain", "corp.test"}}, 2}}),
      Gauge("entra_pta_dc_up", {{{{"dc", "dc1"}, {"port", "389"}}, dc1},
                                {{{"dc", "dc2"}, {"port", "389"}}, dc2}})};
}

std::vector<MetricFamily> LoginEndpointFamilies(double up, double total,
                                                const std::string& reason) {
  std::vector<MetricFamily> f = {
      Success({{"endpoint", 1}}),
      Gauge("entra_pta_endpoint_up", {{{{"endpoint", "login"}}, up}}),
      Gauge("entra_pta_endpoint_duration_seconds",
            {{{{"endpoint", "login"}, {"phase", "total"}}, total}}),
      Gauge("entra_pta_endpoint_info",
            {{{{"endpoint", "login"},
               {"url", "https://login.microsoftonline.com/"},
               {"proxy", ""}},
              1}})};
  if (!reason.empty()) {
    f.push_back(Gauge("entra_pta_endpoint_failure_info",
                      {{{{"endpoint", "login"}, {"reason", reason}}, 1}}));
  }
  return f;
}

std::vector<MetricFamily> EventFamilies(const std::string& id,
                                        const std::string& level,
                                        double count) {
  return std::vector<MetricFamily>{
      Success({{"eventlog", 1}}),
      Gauge("entra_pta_eventlog_os_supported", {{{}, 1}}),
      Counter("entra_pta_events_total", {{{{"channel", "c"},
                                           {"provider", "p"},
                                           {"event_id", id},
                                           {"level", level}},
                                          count}})};
}

std::vector<MetricFamily> ServiceFamilies(const std::string& name,
                                          double installed,
                                          const std::string& state) {
  std::vector<MetricFamily> f = {
      Success({{"service", 1}}),
      Gauge("entra_pta_service_os_supported", {{{}, 1}}),
      Gauge("entra_pta_service_installed", {{{{"service", name}}, installed}})};
  if (installed == 1) {
    f.push_back(Gauge("entra_pta_service_state",
                      {{{{"service", name}, {"state", "running"}},
                        state == "running" ? 1.0 : 0.0},
                       {{{"service", name}, {"state", "stopped"}},
                        state == "stopped" ? 1.0 : 0.0}}));
  }
  return f;
}

// The collector lines: skipped, unsupported, failed.
std::vector<Row> RowsForCollectors() {
  return {
      {"nothing enabled: all skipped, exit 0",
       {},
       {},
       {{"cloud.collector.cloud", Verdict::kSkip},
        {"network.collector.endpoint", Verdict::kSkip},
        {"events.collector.eventlog", Verdict::kSkip},
        {"services.collector.service", Verdict::kSkip},
        {"agent.collector.agent", Verdict::kSkip},
        {"agent.collector.heartbeat", Verdict::kSkip},
        {"dc.collector.domain_controller", Verdict::kSkip}},
       0},
      {"unsupported on this OS is a skip, not a failure",
       {Success({{"service", 0}}),
        Gauge("entra_pta_service_os_supported", {{{}, 0}})},
       {{"service", "the service collector is unsupported on this OS"}},
       {{"services.collector.service", Verdict::kSkip}},
       0},
      {"a failed collector is a warning with its error",
       {Success({{"agent", 0}})},
       {{"agent", "cannot read TrustSettings.xml"}},
       {{"agent.collector.agent", Verdict::kWarn}},
       1},
  };
}

// The agent: its certificate and its version.
std::vector<Row> RowsForAgent() {
  const double fail_days = kCertificateFailDays;
  const double warn_days = kCertificateWarnDays;
  return {
      {"certificate just above the warning threshold",
       CertificateFamilies(warn_days + 0.01),
       {},
       {{"agent.certificate", Verdict::kPass}},
       0},
      {"certificate just below the warning threshold",
       CertificateFamilies(warn_days - 0.01),
       {},
       {{"agent.certificate", Verdict::kWarn}},
       1},
      {"certificate just above the critical threshold",
       CertificateFamilies(fail_days + 0.01),
       {},
       {{"agent.certificate", Verdict::kWarn}},
       1},
      {"certificate just below the critical threshold",
       CertificateFamilies(fail_days - 0.01),
       {},
       {{"agent.certificate", Verdict::kFail}},
       2},
      {"expired certificate",
       CertificateFamilies(-3),
       {},
       {{"agent.certificate", Verdict::kFail}},
       2},
      {"binary at the outdated threshold",
       AgentBinaryFamilies(kAgentOutdatedDays),
       {},
       {{"agent.version", Verdict::kPass}},
       0},
      {"binary past the outdated threshold",
       AgentBinaryFamilies(kAgentOutdatedDays + 1),
       {},
       {{"agent.version", Verdict::kWarn}},
       1},
  };
}

// The agent heartbeat.
std::vector<Row> RowsForHeartbeat() {
  return {
      {"heartbeat collector failed with no source to judge: one line",
       {Success({{"heartbeat", 0}}),
        Gauge("entra_pta_agent_heartbeat_threshold_seconds", {{{}, 7200}})},
       {{"heartbeat", "trace directory does not exist"}},
       {{"agent.collector.heartbeat", Verdict::kWarn}},
       1,
       {"agent.heartbeat"}},
      {"heartbeat collector fine but no source took part yet",
       {Success({{"heartbeat", 1}}),
        Gauge("entra_pta_agent_heartbeat_threshold_seconds", {{{}, 7200}})},
       {},
       {{"agent.heartbeat", Verdict::kWarn}},
       1},
      {"heartbeat fresh",
       HeartbeatFamilies(kHeartbeatLateSeconds, 0),
       {},
       {{"agent.heartbeat", Verdict::kPass}},
       0},
      {"heartbeat late",
       HeartbeatFamilies(kHeartbeatLateSeconds + 1, 0),
       {},
       {{"agent.heartbeat", Verdict::kWarn}},
       1},
      {"heartbeat stale (the collector's flag decides)",
       HeartbeatFamilies(7201, 1),
       {},
       {{"agent.heartbeat", Verdict::kFail}},
       2},
  };
}

// The cloud collector: Graph and the active agents.
std::vector<Row> RowsForCloud() {
  return {
      {"no active agent",
       CloudAgentsFamilies(0),
       {},
       {{"cloud.active_agents", Verdict::kFail}},
       2},
      {"one active agent",
       CloudAgentsFamilies(1),
       {},
       {{"cloud.active_agents", Verdict::kFail}},
       2},
      {"two active agents",
       CloudAgentsFamilies(2),
       {},
       {{"cloud.active_agents", Verdict::kWarn}},
       1},
      {"three active agents",
       CloudAgentsFamilies(kRecommendedActiveAgents),
       {},
       {{"cloud.active_agents", Verdict::kPass}},
       0},
      {"cloud enabled, Graph not answered yet",
       {Success({{"cloud", 1}})},
       {},
       {{"cloud.api", Verdict::kWarn}},
       1,
       {"cloud.active_agents"}},
      {"cloud refresh failed, no agent list ever",
       {Success({{"cloud", 0}}), Gauge("entra_pta_cloud_api_up", {{{}, 0}})},
       {{"cloud", "invalid_grant, AADSTS50173"}},
       {{"cloud.collector.cloud", Verdict::kWarn}},
       1,
       {"cloud.active_agents"}},
  };
}

// The domain controllers: discovery and ports.
std::vector<Row> RowsForDomainControllers() {
  return {
      {"all DCs reachable",
       DomainControllerFamilies(1, 1),
       {},
       {{"dc.port.389", Verdict::kPass}},
       0},
      {"one DC unreachable",
       DomainControllerFamilies(1, 0),
       {},
       {{"dc.port.389", Verdict::kWarn}},
       1},
      {"no DC reachable",
       DomainControllerFamilies(0, 0),
       {},
       {{"dc.port.389", Verdict::kFail}},
       2},
      {"no DC discovered",
       {Success({{"domain_controller", 1}}),
        Gauge("entra_pta_dns_lookup_success", {{{{"domain", "corp.test"}}, 1}}),
        Gauge("entra_pta_dc_discovered", {{{{"domain", "corp.test"}}, 0}})},
       {},
       {{"dc.discovery.corp.test", Verdict::kFail}},
       2},
      {"SRV lookup failed",
       {Success({{"domain_controller", 0}}),
        Gauge("entra_pta_dns_lookup_success",
              {{{{"domain", "corp.test"}}, 0}})},
       {{"domain_controller", "SERVFAIL"}},
       {{"dc.discovery.corp.test", Verdict::kFail},
        {"dc.collector.domain_controller", Verdict::kWarn}},
       2},
  };
}

// The network: endpoints and TLS inspection.
std::vector<Row> RowsForNetwork() {
  return {
      {"endpoint reachable",
       LoginEndpointFamilies(1, 0.2, ""),
       {},
       {{"network.endpoint.login", Verdict::kPass}},
       0},
      {"endpoint slow",
       LoginEndpointFamilies(1, kEndpointSlowSeconds + 0.5, ""),
       {},
       {{"network.endpoint.login", Verdict::kWarn}},
       1},
      {"endpoint unreachable",
       LoginEndpointFamilies(0, 2, "timeout"),
       {},
       {{"network.endpoint.login", Verdict::kFail}},
       2},
      {"tls: no https endpoint to inspect",
       {Success({{"endpoint", 1}, {"tls", 1}}),
        Gauge("entra_pta_endpoint_up", {{{{"endpoint", "crl"}}, 1}}),
        Gauge("entra_pta_endpoint_info",
              {{{{"endpoint", "crl"},
                 {"url", "http://crl.microsoft.com/"},
                 {"proxy", ""}},
                1}})},
       {},
       {{"network.ssl_inspection", Verdict::kSkip}},
       0},
      {"tls: https endpoint failed before the handshake",
       [] {
         auto f = LoginEndpointFamilies(0, 2, "timeout");
         f.push_back(Success({{"tls", 1}}));
         return f;
       }(),
       {},
       {{"network.ssl_inspection", Verdict::kWarn}},
       2},
      {"tls: re-signed chain",
       {Success({{"tls", 1}}),
        Gauge("entra_pta_tls_issuer_match", {{{{"endpoint", "login"}}, 0}})},
       {},
       {{"network.ssl_inspection", Verdict::kFail}},
       2},
  };
}

// The event log.
std::vector<Row> RowsForEvents() {
  return {
      {"event 31019 seen",
       EventFamilies("31019", "error", 1),
       {},
       {{"events.31019", Verdict::kFail}, {"events.31034", Verdict::kPass}},
       2},
      {"event 31034 seen",
       EventFamilies("31034", "warning", 4),
       {},
       {{"events.31034", Verdict::kFail}},
       2},
      {"another error event",
       EventFamilies("10001", "critical", 2),
       {},
       {{"events.other_errors", Verdict::kWarn}},
       1},
      {"information events only",
       EventFamilies("10001", "information", 9),
       {},
       {{"events.other_errors", Verdict::kPass}},
       0},
  };
}

// The Windows services.
std::vector<Row> RowsForServices() {
  const std::string agent = "AzureADConnectAuthenticationAgent";
  const std::string updater = "AzureADConnectAgentUpdater";
  return {
      {"agent service stopped",
       ServiceFamilies(agent, 1, "stopped"),
       {},
       {{"services." + agent, Verdict::kFail}},
       2},
      {"agent service not installed",
       ServiceFamilies(agent, 0, ""),
       {},
       {{"services." + agent, Verdict::kFail}},
       2},
      {"updater stopped",
       ServiceFamilies(updater, 1, "stopped"),
       {},
       {{"services." + updater, Verdict::kWarn}},
       1},
      {"updater running",
       ServiceFamilies(updater, 1, "running"),
       {},
       {{"services." + updater, Verdict::kPass}},
       0},
  };
}

// Every row, by subject in the order of the report.
std::vector<Row> Rows() {
  std::vector<Row> rows;
  for (std::vector<Row> (*part)() :
       {RowsForCollectors, RowsForAgent, RowsForHeartbeat, RowsForCloud,
        RowsForDomainControllers, RowsForNetwork, RowsForEvents,
        RowsForServices}) {
    for (Row& row : part()) rows.push_back(std::move(row));
  }
  return rows;
}

class BuildReportTest : public ::testing::TestWithParam<Row> {};

TEST_P(BuildReportTest, Verdicts) {
  const Row& row = GetParam();
  DiagnoseInput input;
  input.families = row.families;
  input.collector_errors = row.errors;
  input.now = std::chrono::system_clock::time_point(
      std::chrono::seconds(static_cast<long long>(kNow)));
  const Report report = BuildReport(input);
  std::map<std::string, Verdict> actual;
  for (const Section& section : report.sections) {
    for (const Check& check : section.checks) {
      actual[check.id] = check.verdict;
      if (check.verdict == Verdict::kWarn || check.verdict == Verdict::kFail) {
        EXPECT_FALSE(check.fix.empty()) << check.id << " has no fix";
        EXPECT_LE(check.fix.size(), 2u) << check.id;
      }
    }
  }
  for (const auto& [id, verdict] : row.expected) {
    ASSERT_EQ(actual.count(id), 1u) << row.name << ": no check " << id;
    EXPECT_EQ(VerdictName(actual[id]), VerdictName(verdict))
        << row.name << ": " << id;
  }
  for (const std::string& id : row.absent) {
    EXPECT_EQ(actual.count(id), 0u) << row.name << ": unexpected " << id;
  }
  EXPECT_EQ(ExitStatus(report), row.exit_status) << row.name;
}

INSTANTIATE_TEST_SUITE_P(Table, BuildReportTest, ::testing::ValuesIn(Rows()),
                         [](const ::testing::TestParamInfo<Row>& param) {
                           std::string name;
                           for (char c : param.param.name) {
                             name += std::isalnum(static_cast<unsigned char>(c))
                                         ? c
                                         : '_';
                           }
                           return name;
                         });

TEST(BuildReportTest, FailedCollectorCarriesItsError) {
  DiagnoseInput input;
  input.families = {Success({{"agent", 0}})};
  input.collector_errors = {{"agent", "cannot read TrustSettings.xml"}};
  const Report report = BuildReport(input);
  const Check& check = report.sections[4].checks[0];
  EXPECT_EQ(check.id, "agent.collector.agent");
  EXPECT_NE(check.summary.find("cannot read TrustSettings.xml"),
            std::string::npos);
  EXPECT_EQ(check.alert, "EntraPTACollectorFailing");
}

TEST(FormatTest, UtcAndDurations) {
  using verdict::FormatUtcIso;
  using verdict::HumanDuration;
  EXPECT_EQ(FormatUtcIso(1'800'000'000), "2027-01-15T08:00:00Z");
  EXPECT_EQ(FormatUtcIso(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(HumanDuration(45), "45s");
  EXPECT_EQ(HumanDuration(725), "12m 5s");
  EXPECT_EQ(HumanDuration(7200), "2h");
  EXPECT_EQ(HumanDuration(12000), "3h 20m");
  EXPECT_EQ(HumanDuration(17 * 86400 + 5), "17 days");
  EXPECT_EQ(HumanDuration(-5), "0s");
}

}  // namespace
}  // namespace entra_pta::diagnose
