// The diagnose command end to end, minus the real collectors: scripted
// collectors (ScenarioCollector) return what the real ones return in each
// situation, RunDiagnose runs them through the ScrapeRunner and renders the
// report, and the output is compared with the golden files under
// tests/golden/diagnose/<scenario>.{txt,json,md}.
//
// To regenerate the golden files after an intended change of the report:
//   ENTRA_PTA_UPDATE_GOLDEN=1 build/exporter/exporter_diagnose_test
// then review the diff (git diff tests/golden/diagnose) before committing.
//
// Also here: flag parsing, configuration errors, and the check that the
// thresholds in exporter/verdict/thresholds.h are the ones the alert rules use.

#include "exporter/daemon/diagnose.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <random>
#include <sstream>

#include "collectors/heartbeat/heartbeat_collector.h"
#include "exporter/testing/fake_clock.h"
#include "exporter/testing/scenario_collector.h"
#include "exporter/verdict/thresholds.h"
#include "exporter/views/diagnose_render.h"

namespace entra_pta::diagnose {
namespace {

using entra_pta::testing::Counter;
using entra_pta::testing::FakeClock;
using entra_pta::testing::Gauge;
using entra_pta::testing::ScenarioCollector;
using prometheus::MetricFamily;
using namespace entra_pta::verdict;  // the thresholds

constexpr double kNow = 1'800'000'000;  // FakeClock's default time
constexpr double kDay = 86400;
constexpr char kAgent[] = "AzureADConnectAuthenticationAgent";
constexpr char kUpdater[] = "AzureADConnectAgentUpdater";
constexpr char kAdminChannel[] =
    "Microsoft-AzureADConnect-AuthenticationAgent/Admin";
constexpr char kUpdaterChannel[] =
    "Microsoft-AzureADConnect-AgentUpdater/Admin";
constexpr char kTenant[] = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";

// What one collector does in a scenario.
struct Script {
  bool enabled = true;
  std::vector<MetricFamily> families;
  std::string error;  // non-empty: the collector fails with it
};
using Scenario = std::map<std::string, Script>;

// The table's collectors, in the real table's order.
const std::vector<std::string>& CollectorOrder() {
  static const std::vector<std::string> names = {
      "heartbeat", "service", "eventlog",          "agent",
      "endpoint",  "tls",     "domain_controller", "cloud"};
  return names;
}

// --- Healthy output of each collector, as the real collectors produce it --

Script HealthyHeartbeat() {
  return {
      true,
      {Gauge("entra_pta_agent_heartbeat_threshold_seconds", {{{}, 7200}}),
       Gauge("entra_pta_agent_last_heartbeat_timestamp_seconds",
             {{{{"source", "trace_log"}}, kNow - 600},
              {{{"source", "bootstrap"}}, kNow - 180},
              {{{"source", "any"}}, kNow - 180}}),
       Gauge("entra_pta_agent_heartbeat_age_seconds",
             {{{{"source", "trace_log"}}, 600},
              {{{"source", "bootstrap"}}, 180},
              {{{"source", "any"}}, 180}}),
       Gauge("entra_pta_agent_heartbeat_stale", {{{{"source", "trace_log"}}, 0},
                                                 {{{"source", "bootstrap"}}, 0},
                                                 {{{"source", "any"}}, 0}})},
      ""};
}

MetricFamily ServiceStates(const std::string& agent_state,
                           const std::string& updater_state) {
  entra_pta::testing::Samples samples;
  for (const char* state :
       {"stopped", "start_pending", "stop_pending", "running",
        "continue_pending", "pause_pending", "paused"}) {
    samples.push_back({{{"service", kAgent}, {"state", state}},
                       agent_state == state ? 1.0 : 0.0});
    samples.push_back({{{"service", kUpdater}, {"state", state}},
                       updater_state == state ? 1.0 : 0.0});
  }
  return Gauge("entra_pta_service_state", samples);
}

MetricFamily StartModes(const std::string& agent_mode,
                        const std::string& updater_mode) {
  entra_pta::testing::Samples samples;
  for (const char* mode :
       {"boot", "system", "auto", "delayed_auto", "manual", "disabled"}) {
    samples.push_back({{{"service", kAgent}, {"start_mode", mode}},
                       agent_mode == mode ? 1.0 : 0.0});
    samples.push_back({{{"service", kUpdater}, {"start_mode", mode}},
                       updater_mode == mode ? 1.0 : 0.0});
  }
  return Gauge("entra_pta_service_start_mode", samples);
}

Script HealthyService() {
  return {
      true,
      {Gauge("entra_pta_service_os_supported", {{{}, 1}}),
       Gauge("entra_pta_service_installed",
             {{{{"service", kAgent}}, 1}, {{{"service", kUpdater}}, 1}}),
       ServiceStates("running", "running"), StartModes("auto", "auto"),
       Gauge("entra_pta_service_info",
             {{{{"service", kAgent},
                {"display_name",
                 "Microsoft Azure AD Connect Authentication Agent"},
                {"run_as", "NT AUTHORITY\\NetworkService"}},
               1},
              {{{"service", kUpdater},
                {"display_name", "Microsoft Azure AD Connect Agent Updater"},
                {"run_as", "LocalSystem"}},
               1}}),
       Gauge("entra_pta_service_process_start_time_seconds",
             {{{{"service", kAgent}}, kNow - 3 * kDay},
              {{{"service", kUpdater}}, kNow - 3 * kDay}}),
       Gauge("entra_pta_service_process_memory_bytes",
             {{{{"service", kAgent}}, 84557824},
              {{{"service", kUpdater}}, 31457280}})},
      ""};
}

Script HealthyEventlog() {
  return {
      true,
      {Gauge("entra_pta_eventlog_os_supported", {{{}, 1}}),
       Gauge("entra_pta_eventlog_channel_up",
             {{{{"channel", kAdminChannel}}, 1},
              {{{"channel", kUpdaterChannel}}, 1}}),
       Counter("entra_pta_events_total", {{{{"channel", kAdminChannel},
                                            {"provider",
                                             "Microsoft-AzureADConnect-"
                                             "AuthenticationAgent"},
                                            {"event_id", "12000"},
                                            {"level", "information"}},
                                           14}}),
       Gauge("entra_pta_event_last_timestamp_seconds",
             {{{{"channel", kAdminChannel}, {"event_id", "12000"}},
               kNow - 3600}}),
       Gauge("entra_pta_event_id_info",
             {{{{"event_id", "31019"}, {"meaning", "dc_unreachable"}}, 1},
              {{{"event_id", "31034"}, {"meaning", "cloud_unreachable"}}, 1}})},
      ""};
}

Script HealthyAgent() {
  return {true,
          {Gauge("entra_pta_agent_os_supported", {{{}, 1}}),
           Gauge("entra_pta_agent_info",
                 {{{{"version", "1.5.2482.0"},
                    {"instance_id", "7d3a4c55-1e2f-4a6b-9c8d-0e1f2a3b4c5d"},
                    {"tenant_id", kTenant}},
                   1}}),
           Gauge("entra_pta_agent_binary_timestamp_seconds",
                 {{{}, kNow - 90 * kDay}}),
           Gauge("entra_pta_agent_certificate_not_after_timestamp_seconds",
                 {{{}, kNow + 200 * kDay}})},
          ""};
}

struct Probe {
  std::string name;
  std::string url;
  bool up;
  std::string reason;  // when down
  double total;
};

Script EndpointScript(const std::vector<Probe>& probes,
                      const std::string& proxy = "") {
  entra_pta::testing::Samples up, duration, status, info, failure;
  for (const Probe& p : probes) {
    up.push_back({{{"endpoint", p.name}}, p.up ? 1.0 : 0.0});
    const bool tls = p.url.rfind("https://", 0) == 0;
    const double reached = p.up || p.reason == "tls" ? 1 : 0;
    duration.push_back({{{"endpoint", p.name}, {"phase", "dns"}}, 0.002});
    duration.push_back(
        {{{"endpoint", p.name}, {"phase", "connect"}},
         p.reason == "dns" ? 0 : (p.reason == "timeout" ? 2.0 : 0.011)});
    duration.push_back(
        {{{"endpoint", p.name}, {"phase", "tls"}}, tls ? reached * 0.025 : 0});
    duration.push_back(
        {{{"endpoint", p.name}, {"phase", "first_byte"}}, p.up ? 0.041 : 0});
    duration.push_back({{{"endpoint", p.name}, {"phase", "total"}}, p.total});
    status.push_back({{{"endpoint", p.name}}, p.up ? 404.0 : 0.0});
    info.push_back(
        {{{"endpoint", p.name}, {"url", p.url}, {"proxy", proxy}}, 1});
    if (!p.up)
      failure.push_back({{{"endpoint", p.name}, {"reason", p.reason}}, 1});
  }
  Script script{true,
                {Gauge("entra_pta_endpoint_up", up),
                 Gauge("entra_pta_endpoint_duration_seconds", duration),
                 Gauge("entra_pta_endpoint_http_status_code", status),
                 Gauge("entra_pta_endpoint_info", info)},
                ""};
  if (!failure.empty()) {
    script.families.push_back(
        Gauge("entra_pta_endpoint_failure_info", failure));
  }
  return script;
}

std::vector<Probe> HealthyProbes() {
  return {{"registration",
           std::string("https://") + kTenant + ".registration.msappproxy.net/",
           true, "", 0.081},
          {"login", "https://login.microsoftonline.com/", true, "", 0.064},
          {"crl_microsoft", "http://crl.microsoft.com/", true, "", 0.023}};
}

struct Chain {
  std::string endpoint;
  std::string issuer;
  std::string root;
  bool allowed;
  // Root on the allow-list while the issuer is (a CA rotation): -1 means
  // as `allowed`.
  int root_allowed = -1;
};

Script TlsScript(const std::vector<Chain>& chains) {
  entra_pta::testing::Samples match, verified, info, not_after, version, parts;
  for (const Chain& c : chains) {
    const bool root_allowed =
        c.root_allowed < 0 ? c.allowed : c.root_allowed == 1;
    parts.push_back({{{"endpoint", c.endpoint},
                      {"part", "issuer"},
                      {"name", c.issuer},
                      {"fingerprint_sha256", "1c0a"}},
                     c.allowed ? 1.0 : 0.0});
    parts.push_back({{{"endpoint", c.endpoint},
                      {"part", "root"},
                      {"name", c.root},
                      {"fingerprint_sha256", "2b0f"}},
                     root_allowed ? 1.0 : 0.0});
    match.push_back(
        {{{"endpoint", c.endpoint}}, c.allowed && root_allowed ? 1.0 : 0.0});
    verified.push_back({{{"endpoint", c.endpoint}}, c.allowed ? 1.0 : 0.0});
    info.push_back({{{"endpoint", c.endpoint},
                     {"subject", "*.msappproxy.net"},
                     {"issuer", c.issuer},
                     {"root", c.root},
                     {"fingerprint_sha256", "9f0c"},
                     {"serial", "5a"}},
                    1});
    not_after.push_back({{{"endpoint", c.endpoint}}, kNow + 120 * kDay});
    version.push_back({{{"endpoint", c.endpoint}, {"version", "TLSv1.2"}}, 1});
  }
  return {true,
          {Gauge("entra_pta_tls_issuer_match", match),
           Gauge("entra_pta_tls_chain_verified", verified),
           Gauge("entra_pta_tls_cert_info", info),
           Gauge("entra_pta_tls_cert_not_after_timestamp_seconds", not_after),
           Gauge("entra_pta_tls_version_info", version),
           Gauge("entra_pta_tls_chain_part_allowed", parts)},
          ""};
}

std::vector<Chain> GenuineChains() {
  return {{"registration", "Microsoft Azure RSA TLS Issuing CA 04",
           "DigiCert Global Root G2", true},
          {"login", "Microsoft Azure RSA TLS Issuing CA 08",
           "DigiCert Global Root G2", true}};
}

struct DcPort {
  std::string dc;
  std::string port;
  bool up;
};

Script DomainControllerScript(const std::vector<DcPort>& ports,
                              double discovered = 2) {
  entra_pta::testing::Samples up, took;
  for (const DcPort& p : ports) {
    up.push_back({{{"dc", p.dc}, {"port", p.port}}, p.up ? 1.0 : 0.0});
    if (p.up) took.push_back({{{"dc", p.dc}, {"port", p.port}}, 0.0008});
  }
  Script script{true,
                {Gauge("entra_pta_dns_lookup_duration_seconds",
                       {{{{"domain", "corp.example.com"}}, 0.0021}}),
                 Gauge("entra_pta_dns_lookup_success",
                       {{{{"domain", "corp.example.com"}}, 1}}),
                 Gauge("entra_pta_dc_discovered",
                       {{{{"domain", "corp.example.com"}}, discovered}}),
                 Gauge("entra_pta_dc_up", up)},
                ""};
  if (!took.empty()) {
    script.families.push_back(
        Gauge("entra_pta_dc_connect_duration_seconds", took));
  }
  return script;
}

std::vector<DcPort> HealthyDcs() {
  return {{"dc1.corp.example.com", "389", true},
          {"dc1.corp.example.com", "88", true},
          {"dc2.corp.example.com", "389", true},
          {"dc2.corp.example.com", "88", true}};
}

struct CloudAgent {
  std::string id;
  std::string machine;
  std::string ip;
  bool active;
};

Script CloudScript(const std::vector<CloudAgent>& agents) {
  entra_pta::testing::Samples active, last;
  double n_active = 0;
  for (const CloudAgent& a : agents) {
    active.push_back({{{"agent_id", a.id},
                       {"machine_name", a.machine},
                       {"external_ip", a.ip}},
                      a.active ? 1.0 : 0.0});
    last.push_back({{{"agent_id", a.id}, {"machine_name", a.machine}},
                    a.active ? kNow - 120 : kNow - 3 * 3600});
    if (a.active) ++n_active;
  }
  return {true,
          {Gauge("entra_pta_cloud_api_up", {{{}, 1}}),
           Gauge("entra_pta_cloud_last_refresh_timestamp_seconds",
                 {{{}, kNow - 120}}),
           Gauge("entra_pta_cloud_agents",
                 {{{{"status", "active"}}, n_active},
                  {{{"status", "inactive"}},
                   static_cast<double>(agents.size()) - n_active}}),
           Gauge("entra_pta_cloud_agent_active", active),
           Gauge("entra_pta_cloud_agent_last_active_timestamp_seconds", last)},
          ""};
}

std::vector<CloudAgent> ThreeActiveAgents() {
  return {{"3f1c0b6e-0001", "pta01.corp.example.com", "203.0.113.10", true},
          {"8d2e9a41-0002", "pta02.corp.example.com", "203.0.113.11", true},
          {"c4b7d2f0-0003", "pta03.corp.example.com", "203.0.113.12", true}};
}

Scenario Healthy() {
  return {{"heartbeat", HealthyHeartbeat()},
          {"service", HealthyService()},
          {"eventlog", HealthyEventlog()},
          {"agent", HealthyAgent()},
          {"endpoint", EndpointScript(HealthyProbes())},
          {"tls", TlsScript(GenuineChains())},
          {"domain_controller", DomainControllerScript(HealthyDcs())},
          {"cloud", CloudScript(ThreeActiveAgents())}};
}

// --- The scenarios ----------------------------------------------------------

Scenario CloudAgentInactive() {
  Scenario s = Healthy();
  std::vector<CloudAgent> agents = ThreeActiveAgents();
  agents.push_back(
      {"e5f6a7b8-0004", "pta04.corp.example.com", "203.0.113.13", false});
  s["cloud"] = CloudScript(agents);
  return s;
}

Scenario EndpointBlocked() {
  Scenario s = Healthy();
  std::vector<Probe> probes = HealthyProbes();
  probes[0] = {probes[0].name, probes[0].url, false, "timeout", 3.0};
  probes[2] = {probes[2].name, probes[2].url, false, "connect_refused", 0.013};
  s["endpoint"] = EndpointScript(probes, "http://proxy.corp.example.com:8080");
  s["tls"] = TlsScript({GenuineChains()[1]});
  return s;
}

Scenario SslInspection() {
  Scenario s = Healthy();
  std::vector<Probe> probes = HealthyProbes();
  probes[0] = {probes[0].name, probes[0].url, false, "tls", 0.09};
  probes[1] = {probes[1].name, probes[1].url, false, "tls", 0.07};
  s["endpoint"] = EndpointScript(probes, "http://proxy.corp.example.com:8080");
  s["tls"] = TlsScript(
      {{"registration", "Contoso SSL Inspection CA", "Contoso Root CA", false},
       {"login", "Contoso SSL Inspection CA", "Contoso Root CA", false}});
  return s;
}

Scenario Event31019Burst() {
  Scenario s = Healthy();
  Script& events = s["eventlog"];
  const std::string provider = "Microsoft-AzureADConnect-AuthenticationAgent";
  events.families[2] =
      Counter("entra_pta_events_total", {{{{"channel", kAdminChannel},
                                           {"provider", provider},
                                           {"event_id", "12000"},
                                           {"level", "information"}},
                                          14},
                                         {{{"channel", kAdminChannel},
                                           {"provider", provider},
                                           {"event_id", "31019"},
                                           {"level", "error"}},
                                          57},
                                         {{{"channel", kAdminChannel},
                                           {"provider", provider},
                                           {"event_id", "10001"},
                                           {"level", "error"}},
                                          2}});
  events.families[3] = Gauge(
      "entra_pta_event_last_timestamp_seconds",
      {{{{"channel", kAdminChannel}, {"event_id", "12000"}}, kNow - 3600},
       {{{"channel", kAdminChannel}, {"event_id", "31019"}}, kNow - 240},
       {{{"channel", kAdminChannel}, {"event_id", "10001"}}, kNow - 7200}});
  return s;
}

Scenario ServiceStopped() {
  Scenario s = Healthy();
  Script& service = s["service"];
  service.families[2] = ServiceStates("stopped", "stopped");
  service.families[3] = StartModes("auto", "disabled");
  service.families.resize(5);  // no process: no start time, no memory
  return s;
}

Scenario CertificateAndHeartbeat() {
  Scenario s = Healthy();
  s["agent"].families[3] =
      Gauge("entra_pta_agent_certificate_not_after_timestamp_seconds",
            {{{}, kNow + 5 * kDay}});
  s["agent"].families[2] = Gauge("entra_pta_agent_binary_timestamp_seconds",
                                 {{{}, kNow - 400 * kDay}});
  s["heartbeat"] = {
      true,
      {Gauge("entra_pta_agent_heartbeat_threshold_seconds", {{{}, 7200}}),
       Gauge("entra_pta_agent_last_heartbeat_timestamp_seconds",
             {{{{"source", "trace_log"}}, kNow - 9000},
              {{{"source", "any"}}, kNow - 9000}}),
       Gauge("entra_pta_agent_heartbeat_age_seconds",
             {{{{"source", "trace_log"}}, 9000}, {{{"source", "any"}}, 9000}}),
       Gauge("entra_pta_agent_heartbeat_stale", {{{{"source", "trace_log"}}, 1},
                                                 {{{"source", "bootstrap"}}, 0},
                                                 {{{"source", "any"}}, 1}}),
       Gauge("entra_pta_agent_heartbeat_evidence",
             {{{{"source", "trace_log"}}, 1},
              {{{"source", "bootstrap"}}, 0},
              {{{"source", "any"}}, 1}})},
      ""};
  return s;
}

Scenario DcUnreachable() {
  Scenario s = Healthy();
  s["domain_controller"] =
      DomainControllerScript({{"dc1.corp.example.com", "389", false},
                              {"dc1.corp.example.com", "88", true},
                              {"dc2.corp.example.com", "389", false},
                              {"dc2.corp.example.com", "88", false}});
  return s;
}

Scenario CollectorError() {
  Scenario s = Healthy();
  // The agent collector without its certificate (TrustSettings.xml
  // unreadable); the heartbeat collector without its Trace directory.
  s["agent"].families.resize(3);
  s["agent"].error =
      "cannot read C:\\ProgramData\\Microsoft\\Azure AD Connect "
      "Authentication Agent\\Config\\TrustSettings.xml: Access is denied.";
  s["heartbeat"] = {
      true,
      {Gauge("entra_pta_agent_heartbeat_threshold_seconds", {{{}, 7200}}),
       Gauge("entra_pta_agent_last_heartbeat_timestamp_seconds",
             {{{{"source", "bootstrap"}}, kNow - 180},
              {{{"source", "any"}}, kNow - 180}}),
       Gauge("entra_pta_agent_heartbeat_age_seconds",
             {{{{"source", "bootstrap"}}, 180}, {{{"source", "any"}}, 180}}),
       Gauge("entra_pta_agent_heartbeat_stale",
             {{{{"source", "bootstrap"}}, 0}, {{{"source", "any"}}, 0}})},
      "cannot read the trace directory C:\\ProgramData\\Microsoft\\Azure AD "
      "Connect Authentication Agent\\Trace: Access is denied."};
  return s;
}

// A Linux host with the defaults: the Windows collectors are disabled
// there, cloud and domain_controller are off by default.
Scenario LinuxDefaults() {
  Scenario s = Healthy();
  for (const char* name :
       {"service", "eventlog", "agent", "cloud", "domain_controller"}) {
    s[name].enabled = false;
  }
  // The agent collector enabled by hand on Linux: unsupported.
  s["agent"] = {true,
                {Gauge("entra_pta_agent_os_supported", {{{}, 0}})},
                "the agent collector is unsupported on this OS"};
  return s;
}

// --- Running a scenario
// -------------------------------------------------------

std::vector<CollectorEntry> ScenarioTable(const Scenario& scenario) {
  std::vector<CollectorEntry> table;
  for (const std::string& name : CollectorOrder()) {
    auto it = scenario.find(name);
    Script script = it != scenario.end() ? it->second : Script{false, {}, ""};
    table.push_back({name, "scenario " + name, script.enabled,
                     [script](const ConfigSection&, const CollectorDeps&) {
                       return std::make_unique<ScenarioCollector>(
                           script.families, script.error);
                     }});
  }
  return table;
}

struct Outcome {
  int status;
  std::string out;
  std::string err;
};

Outcome RunScenario(const Scenario& scenario, OutputFormat format,
                    const std::vector<std::string>& extra_args = {}) {
  std::vector<std::string> args = extra_args;
  DiagnoseFlags flags = ParseDiagnoseFlags(args);
  flags.output = format;
  FakeClock clock;
  std::ostringstream out, err;
  int status = RunDiagnose(flags, ScenarioTable(scenario), clock, out, err,
                           /*colour=*/false);
  return {status, out.str(), err.str()};
}

std::string GoldenPath(const std::string& name) {
  return std::string(ENTRA_PTA_SOURCE_DIR) + "/tests/golden/diagnose/" + name;
}

void ExpectGolden(const std::string& name, const std::string& actual) {
  const std::string path = GoldenPath(name);
  const char* update = std::getenv("ENTRA_PTA_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing golden file " << path
                  << " (regenerate: ENTRA_PTA_UPDATE_GOLDEN=1)";
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str())
      << "golden file " << path
      << " differs (if intended: ENTRA_PTA_UPDATE_GOLDEN=1, review the diff)";
}

struct GoldenCase {
  std::string name;
  Scenario (*scenario)();
  int exit_status;
};

// GoogleTest prints the case by name instead of dumping its bytes.
void PrintTo(const GoldenCase& golden, std::ostream* out) {
  *out << golden.name;
}

class DiagnoseGoldenTest : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(DiagnoseGoldenTest, MatchesGoldenOutputsAndExitStatus) {
  const GoldenCase& c = GetParam();
  const Scenario scenario = c.scenario();
  Outcome text = RunScenario(scenario, OutputFormat::kText);
  Outcome json = RunScenario(scenario, OutputFormat::kJson);
  Outcome markdown = RunScenario(scenario, OutputFormat::kMarkdown);
  EXPECT_EQ(text.status, c.exit_status);
  EXPECT_EQ(json.status, c.exit_status);
  EXPECT_EQ(markdown.status, c.exit_status);
  EXPECT_EQ(text.err, "");
  EXPECT_EQ(text.out.find('\033'), std::string::npos) << "no colour";
  const auto parsed = nlohmann::json::parse(json.out);
  EXPECT_EQ(parsed["exit_status"], c.exit_status);
  ExpectGolden(c.name + ".txt", text.out);
  ExpectGolden(c.name + ".json", json.out);
  ExpectGolden(c.name + ".md", markdown.out);
}

INSTANTIATE_TEST_SUITE_P(
    Scenarios, DiagnoseGoldenTest,
    ::testing::Values(GoldenCase{"healthy", Healthy, 0},
                      GoldenCase{"cloud_agent_inactive", CloudAgentInactive, 1},
                      GoldenCase{"endpoint_blocked", EndpointBlocked, 2},
                      GoldenCase{"ssl_inspection", SslInspection, 2},
                      GoldenCase{"event_31019_burst", Event31019Burst, 2},
                      GoldenCase{"service_stopped", ServiceStopped, 2},
                      GoldenCase{"certificate_and_heartbeat",
                                 CertificateAndHeartbeat, 2},
                      GoldenCase{"dc_unreachable", DcUnreachable, 2},
                      GoldenCase{"collector_error", CollectorError, 1},
                      GoldenCase{"linux_defaults", LinuxDefaults, 0}),
    [](const ::testing::TestParamInfo<GoldenCase>& param) {
      return param.param.name;
    });

std::map<std::string, std::string> Verdicts(const std::string& json_text) {
  std::map<std::string, std::string> verdicts;
  const nlohmann::json parsed = nlohmann::json::parse(json_text);
  for (const auto& section : parsed["sections"]) {
    for (const auto& check : section["checks"]) {
      verdicts[check["id"].get<std::string>()] =
          check["verdict"].get<std::string>();
    }
  }
  return verdicts;
}

TEST(DiagnoseTest, SectionsComeInTheOrderAdminsWork) {
  auto parsed =
      nlohmann::json::parse(RunScenario(Healthy(), OutputFormat::kJson).out);
  std::vector<std::string> ids;
  for (const auto& section : parsed["sections"]) ids.push_back(section["id"]);
  EXPECT_EQ(ids, (std::vector<std::string>{"cloud", "network", "events",
                                           "services", "agent", "dc"}));
}

// Issue 14 defect 1: no heartbeat source with evidence (no trace file, no
// tenant.id to probe) is unknown: a WARN that says so, not a FAIL pointing
// at EntraPTAHeartbeatStale; the same words as the landing page.
TEST(DiagnoseTest, HeartbeatWithoutEvidenceIsUnknownNotStale) {
  Scenario s = Healthy();
  for (double any_stale : {0.0, 1.0}) {
    s["heartbeat"] = {
        true,
        {Gauge("entra_pta_agent_heartbeat_threshold_seconds", {{{}, 7200}}),
         Gauge("entra_pta_agent_heartbeat_stale",
               {{{{"source", "trace_log"}}, 0},
                {{{"source", "bootstrap"}}, 0},
                {{{"source", "any"}}, any_stale}}),
         Gauge("entra_pta_agent_heartbeat_evidence",
               {{{{"source", "trace_log"}}, 0},
                {{{"source", "bootstrap"}}, 0},
                {{{"source", "any"}}, 0}})},
        ""};
    EXPECT_EQ(
        Verdicts(RunScenario(s, OutputFormat::kJson).out).at("agent.heartbeat"),
        "warn")
        << any_stale;
    Outcome text = RunScenario(s, OutputFormat::kText);
    EXPECT_NE(
        text.out.find("[WARN] Heartbeat: " + std::string(kHeartbeatUnknown)),
        std::string::npos)
        << text.out;
    EXPECT_NE(text.out.find("trace_log: no sign of life recorded (unknown)"),
              std::string::npos)
        << text.out;
    EXPECT_EQ(text.out.find("alert: EntraPTAHeartbeatStale"), std::string::npos)
        << text.out;
  }
}

TEST(DiagnoseTest, ServiceFixIsTheExactPowerShellForBothServices) {
  Outcome text = RunScenario(ServiceStopped(), OutputFormat::kText);
  EXPECT_NE(text.out.find("fix: Restart-Service -Name "
                          "AzureADConnectAuthenticationAgent, "
                          "AzureADConnectAgentUpdater"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("Set-Service -Name AzureADConnectAgentUpdater "
                          "-StartupType Automatic"),
            std::string::npos);
}

TEST(DiagnoseTest, CollectorsEnabledFlagTurnsTheOthersIntoSkips) {
  Outcome json = RunScenario(Healthy(), OutputFormat::kJson,
                             {"--collectors.enabled=endpoint,tls"});
  EXPECT_EQ(json.status, 0);
  auto verdicts = Verdicts(json.out);
  EXPECT_EQ(verdicts["cloud.collector.cloud"], "skip");
  EXPECT_EQ(verdicts["services.collector.service"], "skip");
  EXPECT_EQ(verdicts["dc.collector.domain_controller"], "skip");
  EXPECT_EQ(verdicts["network.endpoint.login"], "pass");
  EXPECT_EQ(verdicts["network.ssl_inspection"], "pass");
}

TEST(DiagnoseTest, ConfigErrorIsExitTwoWithLocationAndNoReport) {
  const auto dir =
      std::filesystem::temp_directory_path() /
      ("entra_pta_diagnose_test_" + std::to_string(std::random_device()()));
  std::filesystem::create_directories(dir);
  const std::string file = (dir / "bad.yml").string();
  std::ofstream(file) << "collectors:\n  endpoint:\n    timeout: soon\n";
  for (OutputFormat format : {OutputFormat::kText, OutputFormat::kJson}) {
    Outcome o = RunScenario(Healthy(), format, {"--config.file=" + file});
    EXPECT_EQ(o.status, kExitConfigError);
    // The scripted collectors read no keys, so `timeout` is an unknown key
    // here (with the real endpoint collector: an invalid duration).
    EXPECT_NE(o.err.find(file + ":3:"), std::string::npos) << o.err;
    if (format == OutputFormat::kText) {
      EXPECT_EQ(o.out, "");
    } else {
      auto parsed = nlohmann::json::parse(o.out);
      EXPECT_EQ(parsed["result"], "config_error");
      EXPECT_EQ(parsed["exit_status"], 2);
      EXPECT_EQ(parsed["error"]["file"], file);
      EXPECT_EQ(parsed["error"]["line"], 3);
      EXPECT_GT(parsed["error"]["column"], 0);
      EXPECT_EQ(parsed.count("sections"), 0u);
    }
  }
  std::filesystem::remove_all(dir);
}

TEST(DiagnoseTest, FlagErrors) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--output=yaml"},
                                             {"--since=yesterday"},
                                             {"--since=0s"},
                                             {"--timeout"},
                                             {"--web.listen-address=:1"},
                                             {"--frobnicate=1"}}) {
    EXPECT_THROW(ParseDiagnoseFlags(args), FlagError) << args[0];
  }
  DiagnoseFlags flags = ParseDiagnoseFlags(
      {"--output", "markdown", "--since=2h", "--timeout=5s",
       "--config.file=x.yml", "--collectors.enabled=tls,endpoint"});
  EXPECT_EQ(flags.output, OutputFormat::kMarkdown);
  EXPECT_EQ(flags.since, std::chrono::hours(2));
  EXPECT_EQ(flags.timeout, std::chrono::seconds(5));
  EXPECT_EQ(flags.exporter.config_file, "x.yml");
  EXPECT_EQ(flags.exporter.collectors_enabled, "tls,endpoint");
}

TEST(DiagnoseTest, UnknownCollectorInFlagIsAConfigErrorExit) {
  std::ostringstream out, err;
  int status = DiagnoseMain({"--collectors.enabled=nope", "--output=json"},
                            ScenarioTable(Healthy()), out, err);
  EXPECT_EQ(status, kExitConfigError);
  EXPECT_NE(err.str().find("unknown collector \"nope\""), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(out.str())["result"], "config_error");
}

TEST(DiagnoseTest, FlagErrorWithJsonOutputInTwoWords) {
  std::ostringstream out, err;
  int status = DiagnoseMain({"--output", "json", "--since=forever"},
                            ScenarioTable(Healthy()), out, err);
  EXPECT_EQ(status, kExitConfigError);
  auto parsed = nlohmann::json::parse(out.str());
  EXPECT_EQ(parsed["result"], "config_error");
  EXPECT_EQ(parsed["error"].count("line"), 0u);
  EXPECT_NE(err.str().find("--since: invalid duration"), std::string::npos);
}

// Issue 14 defect 4: every duration is bounded, flags included.
// Issue 14 defect 8: allowed_issuers names the new issuing CA after a CA
// rotation but allowed_roots lacks its root: diagnose says the root is the
// part not allowed, with its fingerprint, and to allow it, instead of
// "re-signed by another CA".
TEST(DiagnoseTest, RootNotAllowedAfterACaRotationSaysWhichPartAndTheFix) {
  Scenario s = Healthy();
  s["tls"] = TlsScript({{"registration", "Microsoft TLS RSA Issuing CA 10",
                         "Microsoft TLS RSA Root G3", true, 0},
                        GenuineChains()[1]});
  Outcome text = RunScenario(s, OutputFormat::kText);
  EXPECT_NE(text.out.find("registration: Certificate chain root not on the "
                          "allow-list: the leaf's issuing CA \"Microsoft TLS "
                          "RSA Issuing CA 10\" is allowed, but the chain's "
                          "root \"Microsoft TLS RSA Root G3\" (SHA-256 "
                          "\"2b0f\") is not on collectors.tls.allowed_roots"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("allow the root: add \"Microsoft TLS RSA Root G3\" "
                          "or \"sha256:2b0f\" to collectors.tls.allowed_roots"),
            std::string::npos)
      << text.out;
  EXPECT_EQ(text.out.find("re-signed by another CA"), std::string::npos)
      << text.out;
  // Re-signing by a device: the issuer is not allowed; exempt the hosts.
  s["tls"] = TlsScript({{"registration", "Contoso SSL Inspection CA",
                         "DigiCert Global Root G2", false, 1},
                        GenuineChains()[1]});
  text = RunScenario(s, OutputFormat::kText);
  EXPECT_NE(text.out.find("the leaf's issuing CA \"Contoso SSL Inspection "
                          "CA\" (SHA-256 \"1c0a\") is not on "
                          "collectors.tls.allowed_issuers"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("from SSL inspection on the proxy or firewall"),
            std::string::npos)
      << text.out;
}

TEST(DiagnoseTest, DurationFlagsAreBounded) {
  for (const char* flag : {"--timeout=1000y", "--since=366d"}) {
    std::ostringstream out, err;
    EXPECT_EQ(DiagnoseMain({flag}, ScenarioTable(Healthy()), out, err),
              kExitConfigError)
        << flag;
    EXPECT_NE(err.str().find("is too long (at most 365d)"), std::string::npos)
        << err.str();
  }
}

TEST(DiagnoseTest, DiagnoseTableKeepsTheCollectorsAndTheirConfigChecks) {
  const std::vector<CollectorEntry>& table = DefaultCollectorTable();
  std::vector<CollectorEntry> adapted =
      DiagnoseCollectorTable(table, std::chrono::hours(2), "unused-dir");
  ASSERT_EQ(adapted.size(), table.size());
  for (std::size_t i = 0; i < table.size(); ++i) {
    EXPECT_EQ(adapted[i].name, table[i].name);
    EXPECT_EQ(adapted[i].enabled_by_default, table[i].enabled_by_default);
  }
  // The replaced eventlog factory still validates collectors.eventlog.
  Config config =
      ParseConfig("collectors:\n  eventlog:\n    look_back: later\n", "cfg.yml",
                  CollectorNames(adapted));
  FakeClock clock;
  EXPECT_THROW(BuildCollectors(adapted, config, std::nullopt,
                               CollectorDeps{clock, nullptr}),
               ConfigError);
  Config bad_key = ParseConfig("collectors:\n  eventlog:\n    since: 2h\n",
                               "cfg.yml", CollectorNames(adapted));
  EXPECT_THROW(BuildCollectors(adapted, bad_key, std::nullopt,
                               CollectorDeps{clock, nullptr}),
               ConfigError);
}

TEST(DiagnoseTest, HelpExitsZero) {
  std::ostringstream out, err;
  EXPECT_EQ(DiagnoseMain({"--help"}, ScenarioTable(Healthy()), out, err), 0);
  EXPECT_NE(out.str().find("--since=DURATION"), std::string::npos);
}

TEST(DiagnoseTest, ColourOnlyWhenAsked) {
  DiagnoseInput input;
  input.now = std::chrono::system_clock::time_point(
      std::chrono::seconds(1'800'000'000));
  Report report = BuildReport(input);
  EXPECT_NE(RenderText(report, true).find("\033["), std::string::npos);
  EXPECT_EQ(RenderText(report, false).find("\033["), std::string::npos);
}

// The cloud collector answers from a background refresh; diagnose asks it
// again until the answer is there.
class SlowCloud final : public Collector {
 public:
  Status Collect(const ScrapeContext&,
                 std::vector<MetricFamily>& out) override {
    if (++calls_ >= 3) {
      for (const auto& family : CloudScript(ThreeActiveAgents()).families) {
        out.push_back(family);
      }
    }
    return Status::Ok();
  }
  int calls_ = 0;
};

TEST(DiagnoseTest, WaitsForTheCloudCollectorsFirstAnswer) {
  auto cloud = std::make_shared<SlowCloud>();
  std::vector<ScrapeRunner::NamedCollector> collectors = {{"cloud", cloud}};
  FakeClock clock;
  std::ostringstream log;
  Logger logger(log, clock);
  CollectorRun run = RunCollectorsOnce(std::move(collectors), logger, clock,
                                       std::chrono::seconds(5));
  EXPECT_EQ(cloud->calls_, 3);
  bool found = false;
  for (const auto& family : run.families) {
    if (family.name == "entra_pta_cloud_api_up") found = true;
  }
  EXPECT_TRUE(found);
}

// The heartbeat collector runs after the others, so the bootstrap sign of
// life the endpoint collector records in this run counts.
class RecordsBootstrap final : public Collector {
 public:
  explicit RecordsBootstrap(std::vector<std::string>& order) : order_(order) {}
  Status Collect(const ScrapeContext&, std::vector<MetricFamily>&) override {
    order_.push_back("endpoint");
    return Status::Ok();
  }
  std::vector<std::string>& order_;
};
class ReadsBootstrap final : public Collector {
 public:
  explicit ReadsBootstrap(std::vector<std::string>& order) : order_(order) {}
  Status Collect(const ScrapeContext&, std::vector<MetricFamily>&) override {
    order_.push_back("heartbeat");
    return Status::Ok();
  }
  std::vector<std::string>& order_;
};

TEST(DiagnoseTest, HeartbeatRunsAfterTheOtherCollectors) {
  std::vector<std::string> order;
  std::vector<ScrapeRunner::NamedCollector> collectors = {
      {"heartbeat", std::make_shared<ReadsBootstrap>(order)},
      {"endpoint", std::make_shared<RecordsBootstrap>(order)}};
  FakeClock clock;
  std::ostringstream log;
  Logger logger(log, clock);
  RunCollectorsOnce(std::move(collectors), logger, clock,
                    std::chrono::seconds(5));
  EXPECT_EQ(order, (std::vector<std::string>{"endpoint", "heartbeat"}));
}

// --- The thresholds agree with alerts/entra-pta.rules.yml
// ------------------------

std::map<std::string, YAML::Node> AlertRules() {
  std::map<std::string, YAML::Node> rules;
  YAML::Node root = YAML::LoadFile(std::string(ENTRA_PTA_SOURCE_DIR) +
                                   "/alerts/entra-pta.rules.yml");
  for (const auto& group : root["groups"]) {
    for (const auto& rule : group["rules"]) {
      if (rule["alert"]) {
        rules[rule["alert"].as<std::string>()] =
            static_cast<const YAML::Node&>(rule);
      }
    }
  }
  return rules;
}

std::string Expr(const std::map<std::string, YAML::Node>& rules,
                 const std::string& alert) {
  auto it = rules.find(alert);
  if (it == rules.end()) return "<no alert " + alert + ">";
  return it->second["expr"].as<std::string>();
}

TEST(DiagnoseThresholdsTest, AgreeWithTheAlertRules) {
  const auto rules = AlertRules();
  auto contains = [](const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  };
  EXPECT_PRED2(contains, Expr(rules, "EntraPTAAgentCertificateExpiring"),
               "< " + std::to_string(kCertificateWarnDays) + " * 86400");
  EXPECT_PRED2(contains, Expr(rules, "EntraPTAAgentCertificateAboutToExpire"),
               "< " + std::to_string(kCertificateFailDays) + " * 86400");
  EXPECT_PRED2(contains, Expr(rules, "EntraPTAAgentOutdated"),
               "> " + std::to_string(kAgentOutdatedDays) + " * 86400");
  EXPECT_PRED2(contains, Expr(rules, "EntraPTAHeartbeatLate"),
               "> " + std::to_string(kHeartbeatLateSeconds));
  EXPECT_PRED2(contains, Expr(rules, "EntraPTAFewerThanThreeActiveAgents"),
               "< " + std::to_string(kRecommendedActiveAgents) + " > 1");
  EXPECT_PRED2(contains, Expr(rules, "EntraPTAOnlyOneActiveAgent"), "== 1");
  EXPECT_PRED2(contains, Expr(rules, "EntraPTANoActiveAgents"), "== 0");
  EXPECT_PRED2(contains, Expr(rules, "EntraPTAEndpointSlow"),
               "> " + std::to_string(kEndpointSlowSeconds) + "\n");
  // The landing page names an agent event as long as the alerts' window
  // still counts it.
  for (const char* alert :
       {"EntraPTAAgentCannotReachDomainController",
        "EntraPTAAgentCannotReachCloud", "EntraPTAAgentErrorEvents"}) {
    EXPECT_PRED2(contains, Expr(rules, alert),
                 "[" + std::to_string(kRecentEventMinutes) + "m]")
        << alert;
  }
  // The stale alert relies on the collector's flag and needs evidence; its
  // threshold is the heartbeat collector's default, and its text names the
  // measured age and the threshold metric, never a fixed number of minutes.
  EXPECT_EQ(heartbeat::HeartbeatSettings().stale_threshold,
            std::chrono::minutes(kHeartbeatStaleMinutes));
  EXPECT_PRED2(contains, Expr(rules, "EntraPTAHeartbeatStale"),
               "entra_pta_agent_heartbeat_evidence{source=\"any\"} == 1");
  const std::string stale_summary =
      rules.at("EntraPTAHeartbeatStale")["annotations"]["summary"]
          .as<std::string>();
  EXPECT_PRED2(contains, stale_summary, "$value | humanizeDuration");
  EXPECT_EQ(stale_summary.find("120 minutes"), std::string::npos);
  EXPECT_PRED2(contains,
               rules.at("EntraPTAHeartbeatStale")["annotations"]["description"]
                   .as<std::string>(),
               "entra_pta_agent_heartbeat_threshold_seconds");
  // Every alert diagnose names exists in the rule file.
  for (const GoldenCase& c :
       {GoldenCase{"", Healthy, 0}, GoldenCase{"", CloudAgentInactive, 0},
        GoldenCase{"", EndpointBlocked, 0}, GoldenCase{"", SslInspection, 0},
        GoldenCase{"", Event31019Burst, 0}, GoldenCase{"", ServiceStopped, 0},
        GoldenCase{"", CertificateAndHeartbeat, 0},
        GoldenCase{"", DcUnreachable, 0}, GoldenCase{"", CollectorError, 0}}) {
    auto parsed = nlohmann::json::parse(
        RunScenario(c.scenario(), OutputFormat::kJson).out);
    for (const auto& section : parsed["sections"]) {
      for (const auto& check : section["checks"]) {
        const std::string alert = check["alert"];
        if (!alert.empty()) {
          EXPECT_EQ(rules.count(alert), 1u) << alert;
        }
      }
    }
  }
}

}  // namespace
}  // namespace entra_pta::diagnose
