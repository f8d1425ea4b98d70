// The scripted scenarios of the diagnose tests: see
// diagnose_test_scenarios.h.

#include "exporter/daemon/diagnose_test_scenarios.h"

#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "exporter/testing/fake_clock.h"
#include "exporter/testing/scenario_collector.h"

namespace entra_pta::diagnose::scenarios {
namespace {

using entra_pta::testing::Counter;
using entra_pta::testing::FakeClock;
using entra_pta::testing::Gauge;
using entra_pta::testing::ScenarioCollector;
using prometheus::MetricFamily;

constexpr double kNow = 1'800'000'000;  // FakeClock's default time
constexpr double kDay = 86400;
constexpr char kAgent[] = "AzureADConnectAuthenticationAgent";
constexpr char kUpdater[] = "AzureADConnectAgentUpdater";
constexpr char kAdminChannel[] =
    "Microsoft-AzureADConnect-AuthenticationAgent/Admin";
constexpr char kUpdaterChannel[] =
    "Microsoft-AzureADConnect-AgentUpdater/Admin";
constexpr char kTenant[] = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";

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

}  // namespace

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

namespace {

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

}  // namespace

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

namespace {

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

}  // namespace

Scenario ServiceStopped() {
  Scenario s = Healthy();
  Script& service = s["service"];
  service.families[2] = ServiceStates("stopped", "stopped");
  service.families[3] = StartModes("auto", "disabled");
  service.families.resize(5);  // no process: no start time, no memory
  return s;
}

namespace {

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

}  // namespace

// --- Running a scenario ----------------------------------------------------

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

Outcome RunScenario(const Scenario& scenario, OutputFormat format,
                    const std::vector<std::string>& extra_args) {
  std::vector<std::string> args = extra_args;
  DiagnoseFlags flags = ParseDiagnoseFlags(args);
  flags.output = format;
  FakeClock clock;
  std::ostringstream out, err;
  int status = RunDiagnose(flags, ScenarioTable(scenario), clock, out, err,
                           /*colour=*/false);
  return {status, out.str(), err.str()};
}

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

void PrintTo(const GoldenCase& golden, std::ostream* out) {
  *out << golden.name;
}

const std::vector<GoldenCase>& GoldenCases() {
  static const std::vector<GoldenCase> cases = {
      GoldenCase{"healthy", Healthy, 0},
      GoldenCase{"cloud_agent_inactive", CloudAgentInactive, 1},
      GoldenCase{"endpoint_blocked", EndpointBlocked, 2},
      GoldenCase{"ssl_inspection", SslInspection, 2},
      GoldenCase{"event_31019_burst", Event31019Burst, 2},
      GoldenCase{"service_stopped", ServiceStopped, 2},
      GoldenCase{"certificate_and_heartbeat", CertificateAndHeartbeat, 2},
      GoldenCase{"dc_unreachable", DcUnreachable, 2},
      GoldenCase{"collector_error", CollectorError, 1},
      GoldenCase{"linux_defaults", LinuxDefaults, 0}};
  return cases;
}

}  // namespace entra_pta::diagnose::scenarios
