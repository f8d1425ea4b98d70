#include "exporter/verdict/diagnose_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <set>
#include <utility>

#include "exporter/sdk/clock.h"
#include "exporter/verdict/diagnose_thresholds.h"
#include "exporter/verdict/tls_words.h"

namespace entra_pta::diagnose {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;

// The agent's service names, as DESIGN.md and the alert rules know them.
constexpr char kAgentService[] = "AzureADConnectAuthenticationAgent";
constexpr char kUpdaterService[] = "AzureADConnectAgentUpdater";

// The fixes, shared by several checks; worded like the alerts' "First fix".
constexpr char kRestartBoth[] =
    "Restart-Service -Name AzureADConnectAuthenticationAgent, "
    "AzureADConnectAgentUpdater";
constexpr char kUpgradeInPlace[] =
    "In-place upgrade: download AADConnectAuthAgentSetup.exe (Entra admin "
    "center > Pass-through authentication > Download) and run it on this "
    "server, one server at a time.";
constexpr char kCheckVersion[] =
    "Then check: (Get-Item 'C:\\Program Files\\Microsoft Azure AD Connect "
    "Authentication Agent\\AzureADConnectAuthenticationAgentService.exe')"
    ".VersionInfo.FileVersion";

// For the collectors that read the Windows host (off by default elsewhere).
constexpr char kWindowsOnlyHint[] =
    "It reads the Windows host: run diagnose on the agent server, where it "
    "is on by default (collectors.<name>.enabled).";

struct Sample {
  const ClientMetric* metric;
  double value;
};

std::string Label(const ClientMetric& metric, std::string_view name) {
  for (const auto& label : metric.label) {
    if (label.name == name) return label.value;
  }
  return "";
}

std::string FormatNumber(double value, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string FormatCount(double value) { return FormatNumber(value, 0); }

// Read access to the families of one run, by name and labels.
class Metrics {
 public:
  explicit Metrics(const std::vector<MetricFamily>& families)
      : families_(families) {}

  // Every sample of `name` whose labels include all of `labels`, in the
  // order the collectors produced them.
  std::vector<Sample> All(
      std::string_view name,
      const std::map<std::string, std::string>& labels = {}) const {
    std::vector<Sample> out;
    for (const MetricFamily& family : families_) {
      if (family.name != name) continue;
      for (const ClientMetric& metric : family.metric) {
        bool match = true;
        for (const auto& [key, value] : labels) {
          if (Label(metric, key) != value) match = false;
        }
        if (!match) continue;
        double value = 0;
        switch (family.type) {
          case prometheus::MetricType::Counter:
            value = metric.counter.value;
            break;
          case prometheus::MetricType::Gauge:
            value = metric.gauge.value;
            break;
          default:
            value = metric.untyped.value;
        }
        out.push_back({&metric, value});
      }
    }
    return out;
  }

  std::optional<double> One(
      std::string_view name,
      const std::map<std::string, std::string>& labels = {}) const {
    std::vector<Sample> all = All(name, labels);
    if (all.empty()) return std::nullopt;
    return all.front().value;
  }

 private:
  const std::vector<MetricFamily>& families_;
};

enum class CollectorState { kDisabled, kUnsupported, kFailed, kOk };

CollectorState StateOf(const Metrics& metrics, const std::string& collector) {
  std::optional<double> success = metrics.One(
      "entra_pta_scrape_collector_success", {{"collector", collector}});
  if (!success) return CollectorState::kDisabled;
  std::optional<double> supported =
      metrics.One("entra_pta_" + collector + "_os_supported");
  if (supported && *supported == 0) return CollectorState::kUnsupported;
  return *success == 1 ? CollectorState::kOk : CollectorState::kFailed;
}

bool HasData(CollectorState state) {
  return state == CollectorState::kOk || state == CollectorState::kFailed;
}

// What a failed collector's error most often needs.
std::string CollectorFailureFix(const std::string& collector) {
  if (collector == "cloud") {
    return "For a sign-in error (invalid_grant, AADSTS...) run "
           "`entra_pta_exporter graph login` again; otherwise check outbound "
           "443 to graph.microsoft.com.";
  }
  if (collector == "heartbeat") {
    return "Check that the exporter's account can read the agent's Trace "
           "directory (collectors.heartbeat.trace_dir).";
  }
  if (collector == "agent") {
    return "Check the file, registry key or certificate named in the error "
           "(collectors.agent); the exporter's account needs read access.";
  }
  if (collector == "endpoint") {
    return "Fix the proxy or ca_file setting named in the error "
           "(collectors.endpoint).";
  }
  if (collector == "domain_controller") {
    return "Check the DNS server and domain named in the error "
           "(collectors.domain_controller).";
  }
  return "Read the error and the exporter log lines with collector=" +
         collector + " (docs/runbooks.md#entraptacollectorfailing).";
}

// The SKIP/WARN line for a collector that gave no (full) answer; nothing
// for one that worked.
void AddCollectorCheck(Section& section, const Metrics& metrics,
                       const DiagnoseInput& input, const std::string& collector,
                       const std::string& enable_hint) {
  const CollectorState state = StateOf(metrics, collector);
  Check check;
  check.id = section.id + ".collector." + collector;
  check.name = "Collector " + collector;
  switch (state) {
    case CollectorState::kOk:
      return;
    case CollectorState::kDisabled:
      check.verdict = Verdict::kSkip;
      check.summary =
          "not checked: the " + collector + " collector is not enabled";
      check.fix = {enable_hint};
      if (std::size_t at = check.fix[0].find("<name>");
          at != std::string::npos) {
        check.fix[0].replace(at, 6, collector);
      }
      break;
    case CollectorState::kUnsupported:
      check.verdict = Verdict::kSkip;
      check.summary = "not checked: the " + collector +
                      " collector is unsupported on this OS (it reads the "
                      "Windows host the agent runs on)";
      check.fix = {"Run diagnose on the Windows agent server itself."};
      break;
    case CollectorState::kFailed: {
      check.verdict = Verdict::kWarn;
      auto it = input.collector_errors.find(collector);
      const std::string error =
          it != input.collector_errors.end() && !it->second.empty()
              ? it->second
              : "no reason recorded";
      check.summary = "the " + collector + " collector failed: " + error;
      check.evidence = {"entra_pta_scrape_collector_success{collector=\"" +
                        collector + "\"} 0"};
      check.fix = {CollectorFailureFix(collector)};
      check.alert = "EntraPTACollectorFailing";
      break;
    }
  }
  section.checks.push_back(std::move(check));
}

std::string HostOf(const std::string& url) {
  std::size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  std::size_t end = url.find_first_of(":/?#", start);
  if (end != std::string::npos && url[end] == ':' &&
      url.find('@', start) != std::string::npos) {
    start = url.find('@', start) + 1;
    end = url.find_first_of(":/?#", start);
  }
  return url.substr(start,
                    end == std::string::npos ? std::string::npos : end - start);
}

std::string PortOf(const std::string& url) {
  std::size_t start = url.find("://");
  std::size_t host_start = start == std::string::npos ? 0 : start + 3;
  std::size_t end = url.find_first_of("/?#", host_start);
  std::string authority =
      url.substr(host_start, end == std::string::npos ? std::string::npos
                                                      : end - host_start);
  std::size_t colon = authority.rfind(':');
  if (colon != std::string::npos &&
      authority.find(']', colon) == std::string::npos) {
    return authority.substr(colon + 1);
  }
  return url.rfind("http://", 0) == 0 ? "80" : "443";
}

std::string ReasonInWords(const std::string& reason) {
  if (reason == "dns") return "the name did not resolve";
  if (reason == "connect_refused") return "TCP connection refused";
  if (reason == "timeout") return "no connection or answer in time";
  if (reason == "tls") return "TLS handshake or certificate check failed";
  if (reason == "proxy") return "the proxy is unreachable or refused";
  if (reason == "http") return "connected, but no valid HTTP answer";
  return reason;
}

// --- 1. Cloud status --------------------------------------------------------

Section CloudSection(const Metrics& metrics, const DiagnoseInput& input) {
  Section section{
      1, "cloud", "Cloud status of the agents (Microsoft Graph)", {}};
  AddCollectorCheck(
      section, metrics, input, "cloud",
      "Enable it on one central exporter: tenant.id, "
      "collectors.cloud.enabled: true and client_id, then run "
      "`entra_pta_exporter graph login` once; or look in the Entra admin "
      "center (Entra Connect > Connect Sync > Pass-through authentication).");
  if (!HasData(StateOf(metrics, "cloud"))) return section;

  std::optional<double> api_up = metrics.One("entra_pta_cloud_api_up");
  std::optional<double> active =
      metrics.One("entra_pta_cloud_agents", {{"status", "active"}});
  if (!api_up) {
    section.checks.push_back(
        {"cloud.api",
         "Microsoft Graph",
         Verdict::kWarn,
         "not checked: Microsoft Graph did not answer before the deadline",
         {},
         {"Run diagnose again with a longer --timeout; check outbound 443 "
          "to graph.microsoft.com."},
         ""});
    return section;
  }
  if (!active) return section;  // failed refresh, never a good one

  const double inactive =
      metrics.One("entra_pta_cloud_agents", {{"status", "inactive"}})
          .value_or(0);
  Check count;
  count.id = "cloud.active_agents";
  count.name = "Active agents in the tenant";
  count.summary = FormatCount(*active) + " active, " + FormatCount(inactive) +
                  " inactive (Microsoft recommends at least " +
                  std::to_string(kRecommendedActiveAgents) + " active)";
  if (std::optional<double> refreshed =
          metrics.One("entra_pta_cloud_last_refresh_timestamp_seconds")) {
    count.evidence.push_back("agent list refreshed at " +
                             FormatUtc(*refreshed));
  }
  if (*api_up == 0) {
    count.evidence.push_back(
        "the latest refresh failed; these numbers are from the last good one");
  }
  for (const Sample& s : metrics.All("entra_pta_cloud_agent_active")) {
    count.evidence.push_back(Label(*s.metric, "machine_name") + " (" +
                             Label(*s.metric, "external_ip") +
                             "): " + (s.value == 1 ? "active" : "inactive"));
  }
  if (*active == 0) {
    count.verdict = Verdict::kFail;
    count.summary = "no active PTA agent: nobody can sign in; " + count.summary;
    count.fix = {
        "On any agent server: " + std::string(kRestartBoth) +
            ", and check outbound 443 to *.msappproxy.net (section 2).",
        "Consider the emergency switch to password hash sync if it is "
        "enabled."};
    count.alert = "EntraPTANoActiveAgents";
  } else if (*active == 1) {
    count.verdict = Verdict::kFail;
    count.summary =
        "only one active agent, one failure from a tenant-wide "
        "lockout; " +
        count.summary;
    count.fix = {
        "Find the inactive agents below, restart their services "
        "and check their outbound 443 path."};
    count.alert = "EntraPTAOnlyOneActiveAgent";
  } else if (*active < kRecommendedActiveAgents) {
    count.verdict = Verdict::kWarn;
    count.fix = {
        "Repair or re-register the inactive agents, or install an "
        "additional agent."};
    count.alert = "EntraPTAFewerThanThreeActiveAgents";
  }
  section.checks.push_back(std::move(count));

  for (const Sample& s : metrics.All("entra_pta_cloud_agent_active")) {
    if (s.value != 0) continue;
    const std::string machine = Label(*s.metric, "machine_name");
    const std::string id = Label(*s.metric, "agent_id");
    Check check;
    check.id = "cloud.agent." + id;
    check.name = "Agent " + machine;
    check.verdict = Verdict::kWarn;
    check.summary = "Entra reports the agent on " + machine + " inactive";
    check.evidence = {"agent id " + id + ", external IP " +
                      Label(*s.metric, "external_ip")};
    std::optional<double> last =
        metrics.One("entra_pta_cloud_agent_last_active_timestamp_seconds",
                    {{"agent_id", id}});
    check.evidence.push_back(
        last ? "last seen active at " + FormatUtc(*last) + " (" +
                   HumanDuration(ToUnixSeconds(input.now) - *last) + " ago)"
             : "never seen active by this exporter");
    check.fix = {"On " + machine +
                 ": Get-Service AzureADConnectAuthenticationAgent, test "
                 "outbound 443, then " +
                 kRestartBoth};
    check.alert = "EntraPTACloudAgentInactive";
    section.checks.push_back(std::move(check));
  }
  return section;
}

// --- 2. Network -------------------------------------------------------------

Section NetworkSection(const Metrics& metrics, const DiagnoseInput& input) {
  Section section{2, "network", "Outbound 443/80 and SSL inspection", {}};
  AddCollectorCheck(section, metrics, input, "endpoint",
                    "Enable collectors.endpoint (it is on by default) with "
                    "tenant.id set, so the agent's own hosts are probed.");
  if (HasData(StateOf(metrics, "endpoint"))) {
    for (const Sample& up : metrics.All("entra_pta_endpoint_up")) {
      const std::string endpoint = Label(*up.metric, "endpoint");
      std::string url;
      std::string proxy;
      for (const Sample& info :
           metrics.All("entra_pta_endpoint_info", {{"endpoint", endpoint}})) {
        url = Label(*info.metric, "url");
        proxy = Label(*info.metric, "proxy");
      }
      const std::map<std::string, std::string> of = {{"endpoint", endpoint}};
      auto phase = [&](const std::string& name) {
        return metrics
            .One("entra_pta_endpoint_duration_seconds",
                 {{"endpoint", endpoint}, {"phase", name}})
            .value_or(0);
      };
      Check check;
      check.id = "network.endpoint." + endpoint;
      check.name = "Endpoint " + endpoint;
      check.evidence.push_back(url.empty() ? "url unknown" : url);
      check.evidence.push_back(proxy.empty() ? "direct (no proxy)"
                                             : "through proxy " + proxy);
      check.evidence.push_back(
          "dns " + FormatNumber(phase("dns"), 3) + " s, connect " +
          FormatNumber(phase("connect"), 3) + " s, tls " +
          FormatNumber(phase("tls"), 3) + " s, first byte " +
          FormatNumber(phase("first_byte"), 3) + " s");
      const std::string host = HostOf(url);
      const std::string port = PortOf(url);
      const double total = phase("total");
      if (up.value == 1) {
        const double status =
            metrics.One("entra_pta_endpoint_http_status_code", of).value_or(0);
        check.summary = "reachable on port " + port + ": HTTP " +
                        FormatCount(status) + " in " + FormatNumber(total, 3) +
                        " s";
        if (total > kEndpointSlowSeconds) {
          check.verdict = Verdict::kWarn;
          check.summary +=
              " (slow: over " + std::to_string(kEndpointSlowSeconds) + " s)";
          check.fix = {
              "Look at the phases above (dns, connect, tls, first "
              "byte) to find the slow hop: often an overloaded proxy "
              "or inspection appliance."};
          check.alert = "EntraPTAEndpointSlow";
        }
      } else {
        std::string reason = "unknown";
        for (const Sample& f :
             metrics.All("entra_pta_endpoint_failure_info", of)) {
          reason = Label(*f.metric, "reason");
        }
        check.verdict = Verdict::kFail;
        check.summary = "unreachable on port " + port + ": " +
                        ReasonInWords(reason) + " (reason " + reason + ")";
        for (const Sample& s : metrics.All("entra_pta_tls_issuer_match", of)) {
          if (s.value != 0) continue;
          for (const Sample& info :
               metrics.All("entra_pta_tls_cert_info", of)) {
            check.evidence.push_back(
                "certificate issued by \"" + Label(*info.metric, "issuer") +
                "\": SSL inspection (see the SSL inspection check)");
          }
        }
        if (reason == "dns") {
          check.fix = {"Resolve-DnsName " + host +
                       " on the server; fix the DNS servers or forwarders."};
        } else if (!proxy.empty()) {
          check.fix = {"The path goes through proxy " + proxy +
                           ": check that it allows CONNECT to " + host + ":" +
                           port + " (and does not inspect it).",
                       "Compare the proxy in the agent's .exe.config with "
                       "`netsh winhttp show proxy`."};
        } else {
          check.fix = {
              "Test-NetConnection -ComputerName " + host + " -Port " + port,
              "Open outbound " + port +
                  " to this host; compare the proxy in the agent's "
                  ".exe.config with `netsh winhttp show proxy`."};
        }
        check.alert = "EntraPTAEndpointUnreachable";
      }
      section.checks.push_back(std::move(check));
    }
  }

  AddCollectorCheck(section, metrics, input, "tls",
                    "Enable collectors.tls (on by default; it needs the "
                    "endpoint collector) to detect SSL inspection.");
  if (HasData(StateOf(metrics, "tls"))) {
    Check check;
    check.id = "network.ssl_inspection";
    check.name = "SSL inspection";
    std::vector<Sample> matches = metrics.All("entra_pta_tls_issuer_match");
    int intercepted = 0;
    int root_only = 0;  // issuer allowed, root not: a CA rotation
    std::vector<std::string> fixes;
    auto quote = [](const std::string& text) { return "\"" + text + "\""; };
    for (const Sample& s : matches) {
      const std::string endpoint = Label(*s.metric, "endpoint");
      std::string issuer = "unknown";
      std::string root = "unknown";
      for (const Sample& info :
           metrics.All("entra_pta_tls_cert_info", {{"endpoint", endpoint}})) {
        issuer = Label(*info.metric, "issuer");
        root = Label(*info.metric, "root");
      }
      if (s.value != 0) {
        check.evidence.push_back(endpoint + ": issuer \"" + issuer +
                                 "\", root \"" + root + "\"");
        continue;
      }
      ++intercepted;
      TlsChainPart parts[2];
      parts[0].name = issuer;
      parts[1].name = root;
      for (const Sample& part : metrics.All("entra_pta_tls_chain_part_allowed",
                                            {{"endpoint", endpoint}})) {
        TlsChainPart& into =
            parts[Label(*part.metric, "part") == "root" ? 1 : 0];
        into.known = true;
        into.allowed = part.value == 1;
        into.name = Label(*part.metric, "name");
        into.fingerprint = Label(*part.metric, "fingerprint_sha256");
      }
      const TlsMismatchWords words =
          DescribeTlsMismatch(parts[0], parts[1], quote);
      if (!words.inspection) ++root_only;
      check.evidence.push_back(endpoint + ": " + words.headline + ": " +
                               words.what);
      if (std::find(fixes.begin(), fixes.end(), words.fix) == fixes.end()) {
        fixes.push_back(words.fix);
      }
    }
    bool any_https = false;
    for (const Sample& info : metrics.All("entra_pta_endpoint_info")) {
      if (Label(*info.metric, "url").rfind("https://", 0) == 0) {
        any_https = true;
      }
    }
    if (matches.empty() && !any_https) {
      check.verdict = Verdict::kSkip;
      check.summary = "not checked: no https endpoint is probed";
      check.fix = {
          "Set tenant.id (and keep collectors.endpoint.default_targets on) "
          "so the agent's https endpoints are probed."};
    } else if (matches.empty()) {
      check.verdict = Verdict::kWarn;
      check.summary =
          "not checked: no TLS handshake completed, so no certificate chain "
          "to inspect";
      check.fix = {
          "Fix the endpoint failures above, then run diagnose "
          "again."};
    } else if (intercepted > 0) {
      check.verdict = Verdict::kFail;
      check.summary =
          std::to_string(intercepted) + " of " +
          std::to_string(matches.size()) +
          (root_only == intercepted
               ? " endpoints present a chain whose issuing CA is allowed but "
                 "whose root is not on the allow-list (a CA rotation the "
                 "allow-list has not caught up with, or SSL inspection)"
               : " endpoints present a certificate re-signed by another "
                 "CA: SSL inspection breaks the agent");
      check.fix = fixes;
      check.alert = "EntraPTATLSInterceptionDetected";
    } else {
      check.summary = "no SSL inspection: every https endpoint (" +
                      std::to_string(matches.size()) +
                      ") presents a chain from the allowed issuers";
    }
    section.checks.push_back(std::move(check));
  }
  return section;
}

// --- 3. Events --------------------------------------------------------------

struct EventTally {
  double count = 0;
  double last = 0;
};

Section EventsSection(const Metrics& metrics, const DiagnoseInput& input) {
  Section section{3,
                  "events",
                  "Agent events 31019/31034 and other errors in the last " +
                      HumanDuration(static_cast<double>(input.since.count())),
                  {}};
  AddCollectorCheck(section, metrics, input, "eventlog", kWindowsOnlyHint);
  if (!HasData(StateOf(metrics, "eventlog"))) return section;

  for (const Sample& s : metrics.All("entra_pta_eventlog_channel_up")) {
    if (s.value == 1) continue;
    const std::string channel = Label(*s.metric, "channel");
    section.checks.push_back(
        {"events.channel." + channel,
         "Channel " + channel,
         Verdict::kWarn,
         "the channel does not exist or could not be read",
         {"entra_pta_eventlog_channel_up{channel=\"" + channel + "\"} 0"},
         {"Check that the PTA agent is installed on this server "
          "(Get-WinEvent -ListLog '" +
          channel + "')."},
         ""});
  }

  auto tally = [&](const std::string& id) {
    EventTally t;
    for (const Sample& s :
         metrics.All("entra_pta_events_total", {{"event_id", id}})) {
      t.count += s.value;
    }
    for (const Sample& s : metrics.All("entra_pta_event_last_timestamp_seconds",
                                       {{"event_id", id}})) {
      t.last = std::max(t.last, s.value);
    }
    return t;
  };
  const std::string window =
      "in the last " + HumanDuration(static_cast<double>(input.since.count()));
  struct Named {
    std::string id;
    std::string meaning;
    std::vector<std::string> fix;
    std::string alert;
  };
  const std::vector<Named> named = {
      {"31019",
       "the agent could not reach a domain controller",
       {"nltest /dsgetdc:<your AD domain> on this server; Test-NetConnection "
        "-ComputerName <dc> -Port 389 (and 88); see section 6."},
       "EntraPTAAgentCannotReachDomainController"},
      {"31034",
       "the agent could not reach the Microsoft cloud",
       {"Test outbound 443 (section 2) and look for SSL inspection of "
        "*.msappproxy.net / *.servicebus.windows.net."},
       "EntraPTAAgentCannotReachCloud"},
  };
  for (const Named& n : named) {
    EventTally t = tally(n.id);
    Check check;
    check.id = "events." + n.id;
    check.name = "Event " + n.id;
    if (t.count > 0) {
      check.verdict = Verdict::kFail;
      check.summary = FormatCount(t.count) + " event(s) " + n.id + " " +
                      window + ": " + n.meaning;
      if (t.last > 0) {
        check.evidence.push_back("newest at " + FormatUtc(t.last));
      }
      check.fix = n.fix;
      check.alert = n.alert;
    } else {
      check.summary = "none " + window;
    }
    section.checks.push_back(std::move(check));
  }

  // Every other error or critical event, per channel and ID.
  std::map<std::pair<std::string, std::string>, std::map<std::string, double>>
      others;  // (channel, id) -> level -> count
  for (const Sample& s : metrics.All("entra_pta_events_total")) {
    const std::string id = Label(*s.metric, "event_id");
    const std::string level = Label(*s.metric, "level");
    if (id == "31019" || id == "31034") continue;
    if (level != "error" && level != "critical") continue;
    if (s.value <= 0) continue;
    others[{Label(*s.metric, "channel"), id}][level] += s.value;
  }
  Check check;
  check.id = "events.other_errors";
  check.name = "Other error events";
  if (others.empty()) {
    check.summary = "no other error or critical events " + window;
  } else {
    check.verdict = Verdict::kWarn;
    double total = 0;
    std::set<std::string> channels;
    for (const auto& [key, levels] : others) {
      for (const auto& [level, count] : levels) {
        total += count;
        check.evidence.push_back("event " + key.second + " (" + level + ") x" +
                                 FormatCount(count) + " in " + key.first);
      }
      channels.insert(key.first);
    }
    check.summary =
        FormatCount(total) + " other error/critical event(s) " + window;
    check.fix = {"Read them: Get-WinEvent -LogName '" + *channels.begin() +
                 "' -MaxEvents 20 | Format-List TimeCreated, Id, Message"};
    check.alert = "EntraPTAAgentErrorEvents";
  }
  section.checks.push_back(std::move(check));
  return section;
}

// --- 4. Services ------------------------------------------------------------

Section ServicesSection(const Metrics& metrics, const DiagnoseInput& input) {
  Section section{4, "services", "Agent and updater services", {}};
  AddCollectorCheck(section, metrics, input, "service", kWindowsOnlyHint);
  if (!HasData(StateOf(metrics, "service"))) return section;

  for (const Sample& installed : metrics.All("entra_pta_service_installed")) {
    const std::string service = Label(*installed.metric, "service");
    const bool is_agent = service == kAgentService;
    const std::map<std::string, std::string> of = {{"service", service}};
    Check check;
    check.id = "services." + service;
    check.name = "Service " + service;
    // The agent not running is critical; the updater and any other
    // configured service only stop updates (EntraPTAUpdaterServiceNotRunning).
    const Verdict bad = is_agent ? Verdict::kFail : Verdict::kWarn;
    check.alert = is_agent ? "EntraPTAAgentServiceNotRunning"
                           : (service == kUpdaterService
                                  ? "EntraPTAUpdaterServiceNotRunning"
                                  : "");
    if (installed.value == 0) {
      check.verdict = bad;
      check.summary = "not installed";
      check.fix = {
          "Install the PTA agent (AADConnectAuthAgentSetup.exe), or "
          "correct the name in collectors.service.services."};
      section.checks.push_back(std::move(check));
      continue;
    }
    std::string state = "unknown";
    for (const Sample& s : metrics.All("entra_pta_service_state", of)) {
      if (s.value == 1) state = Label(*s.metric, "state");
    }
    std::string start_mode = "unknown";
    for (const Sample& s : metrics.All("entra_pta_service_start_mode", of)) {
      if (s.value == 1) start_mode = Label(*s.metric, "start_mode");
    }
    check.evidence.push_back("state " + state + ", start mode " + start_mode);
    for (const Sample& s : metrics.All("entra_pta_service_info", of)) {
      // Appended: `literal + std::string&&` makes GCC 12 at -O3 warn
      // -Wrestrict inside libstdc++ (GCC bug 105651).
      std::string identity = "\"";
      identity += Label(*s.metric, "display_name");
      identity += "\" as ";
      identity += Label(*s.metric, "run_as");
      check.evidence.push_back(std::move(identity));
    }
    if (std::optional<double> started =
            metrics.One("entra_pta_service_process_start_time_seconds", of)) {
      check.evidence.push_back("process started at " + FormatUtc(*started));
    }
    if (std::optional<double> memory =
            metrics.One("entra_pta_service_process_memory_bytes", of)) {
      check.evidence.push_back(
          "working set " + FormatNumber(*memory / (1024 * 1024), 1) + " MiB");
    }
    if (state == "running") {
      check.summary = "running";
      check.alert.clear();
    } else {
      check.verdict = bad;
      check.summary = "not running (" + state + ")";
      check.fix = {kRestartBoth};
      if (start_mode == "disabled" || start_mode == "manual") {
        check.fix.push_back("Set-Service -Name " + service +
                            " -StartupType Automatic");
      } else {
        check.fix.push_back(
            "If it stops again, read the agent's Admin event log (section "
            "3).");
      }
    }
    section.checks.push_back(std::move(check));
  }
  return section;
}

// --- 5. Agent version, certificate, heartbeat --------------------------------

Section AgentSection(const Metrics& metrics, const DiagnoseInput& input) {
  Section section{5, "agent", "Agent version, certificate and heartbeat", {}};
  const double now = ToUnixSeconds(input.now);
  AddCollectorCheck(section, metrics, input, "agent", kWindowsOnlyHint);
  if (HasData(StateOf(metrics, "agent"))) {
    for (const Sample& info : metrics.All("entra_pta_agent_info")) {
      Check check;
      check.id = "agent.version";
      check.name = "Agent version";
      check.summary = "version " + Label(*info.metric, "version");
      check.evidence.push_back("instance " +
                               Label(*info.metric, "instance_id") +
                               ", tenant " + Label(*info.metric, "tenant_id"));
      if (std::optional<double> built =
              metrics.One("entra_pta_agent_binary_timestamp_seconds")) {
        const double age = now - *built;
        check.evidence.push_back("binary written at " + FormatUtc(*built) +
                                 " (" + HumanDuration(age) + " ago)");
        if (age > kAgentOutdatedDays * 86400.0) {
          check.verdict = Verdict::kWarn;
          check.summary += ": older than " +
                           std::to_string(kAgentOutdatedDays) +
                           " days, the updater has not replaced it";
          check.fix = {"Check AzureADConnectAgentUpdater (section 4). " +
                           std::string(kUpgradeInPlace),
                       kCheckVersion};
          check.alert = "EntraPTAAgentOutdated";
        }
      }
      section.checks.push_back(std::move(check));
    }
    if (std::optional<double> not_after = metrics.One(
            "entra_pta_agent_certificate_not_after_timestamp_seconds")) {
      const double left = *not_after - now;
      Check check;
      check.id = "agent.certificate";
      check.name = "Agent certificate";
      check.summary = left > 0 ? "expires in " + HumanDuration(left)
                               : "expired " + HumanDuration(-left) + " ago";
      check.evidence = {"not after " + FormatUtc(*not_after) +
                        "; the agent renews it 30 days before expiry"};
      if (left < kCertificateFailDays * 86400.0) {
        check.verdict = Verdict::kFail;
        check.fix = {
            "Fix outbound 443 to the registration endpoint "
            "(section 2), then " +
                std::string(kRestartBoth) + ".",
            "If that does not renew it, reinstall and register the "
            "agent. " +
                std::string(kUpgradeInPlace)};
        check.alert = "EntraPTAAgentCertificateAboutToExpire";
      } else if (left < kCertificateWarnDays * 86400.0) {
        check.verdict = Verdict::kWarn;
        check.summary += ": renewal is failing";
        check.fix = {std::string(kRestartBoth) +
                         "; if the date has not moved a day later, upgrade in "
                         "place.",
                     kUpgradeInPlace};
        check.alert = "EntraPTAAgentCertificateExpiring";
      }
      section.checks.push_back(std::move(check));
    }
  }

  AddCollectorCheck(section, metrics, input, "heartbeat",
                    "Set collectors.heartbeat.enabled: true (on by default).");
  if (HasData(StateOf(metrics, "heartbeat"))) {
    Check check;
    check.id = "agent.heartbeat";
    check.name = "Heartbeat";
    const double threshold =
        metrics.One("entra_pta_agent_heartbeat_threshold_seconds")
            .value_or(kHeartbeatStaleMinutes * 60.0);
    for (const Sample& s : metrics.All("entra_pta_agent_heartbeat_stale")) {
      const std::string source = Label(*s.metric, "source");
      if (source == "any") continue;
      std::optional<double> age = metrics.One(
          "entra_pta_agent_heartbeat_age_seconds", {{"source", source}});
      check.evidence.push_back(
          source + ": " +
          (age ? "last sign of life " + HumanDuration(*age) + " ago"
               : std::string("no sign of life recorded (unknown)")) +
          (s.value == 1 ? " (stale)" : ""));
    }
    std::optional<double> stale =
        metrics.One("entra_pta_agent_heartbeat_stale", {{"source", "any"}});
    std::optional<double> age = metrics.One(
        "entra_pta_agent_heartbeat_age_seconds", {{"source", "any"}});
    // Without evidence from any source the staleness is unknown: the
    // collector reports stale 0 and the alert does not fire, so say so.
    const bool no_evidence =
        stale && !age &&
        metrics.One("entra_pta_agent_heartbeat_evidence", {{"source", "any"}})
                .value_or(0) == 0;
    const std::string limit = "threshold " + FormatCount(threshold / 60) +
                              " minutes, when Entra marks the agent inactive";
    if (no_evidence) {
      check.verdict = Verdict::kWarn;
      check.summary = std::string(kHeartbeatUnknown);
      check.fix = {std::string(kHeartbeatUnknownFix)};
    } else if (!stale) {
      check.verdict = Verdict::kWarn;
      check.summary =
          "not checked: no heartbeat source could show a sign of "
          "life in one run";
      check.fix = {
          "Check the trace directory (collectors.heartbeat) and the "
          "bootstrap endpoint (section 2)."};
    } else if (*stale == 1) {
      check.verdict = Verdict::kFail;
      check.summary =
          (age ? "no sign of life for " + HumanDuration(*age)
               : std::string("no sign of life at all (no trace file)")) +
          " (" + limit + ")";
      check.fix = {"Check outbound 443 (section 2), then " +
                   std::string(kRestartBoth)};
      check.alert = "EntraPTAHeartbeatStale";
    } else if (age && *age > kHeartbeatLateSeconds) {
      check.verdict = Verdict::kWarn;
      check.summary = "quiet for " + HumanDuration(*age) + " (" + limit + ")";
      check.fix = {"Check outbound 443 and events 31019/31034, then " +
                   std::string(kRestartBoth)};
      check.alert = "EntraPTAHeartbeatLate";
    } else {
      check.summary = age ? "last sign of life " + HumanDuration(*age) +
                                " ago (" + limit + ")"
                          : "fresh";
    }
    // With no source to judge, a failed collector has said it already.
    if (stale || StateOf(metrics, "heartbeat") != CollectorState::kFailed) {
      section.checks.push_back(std::move(check));
    }
  }
  return section;
}

// --- 6. Domain controllers
// ----------------------------------------------------

Section DomainControllerSection(const Metrics& metrics,
                                const DiagnoseInput& input) {
  Section section{6, "dc", "Domain controller discovery and reachability", {}};
  AddCollectorCheck(section, metrics, input, "domain_controller",
                    "Set collectors.domain_controller.enabled: true (and "
                    "domain: on a host outside the AD domain) to check DNS "
                    "SRV discovery and LDAP/Kerberos reachability.");
  if (!HasData(StateOf(metrics, "domain_controller"))) return section;

  for (const Sample& lookup : metrics.All("entra_pta_dns_lookup_success")) {
    const std::string domain = Label(*lookup.metric, "domain");
    const std::string srv = "_ldap._tcp.dc._msdcs." + domain;
    Check check;
    check.id = "dc.discovery." + domain;
    check.name = "DC discovery for " + domain;
    std::optional<double> found =
        metrics.One("entra_pta_dc_discovered", {{"domain", domain}});
    const std::vector<std::string> fix = {"Resolve-DnsName -Type SRV " + srv +
                                          " on this server; check its DNS "
                                          "servers."};
    if (lookup.value == 0 && !(found && *found == 0)) {
      check.verdict = Verdict::kFail;
      check.summary = "the SRV lookup of " + srv + " failed";
      check.fix = fix;
      check.alert = "EntraPTANoDomainControllerDiscovered";
    } else if (!found || *found == 0) {
      check.verdict = Verdict::kFail;
      check.summary = "no domain controller found (" + srv + ")";
      check.fix = fix;
      check.alert = "EntraPTANoDomainControllerDiscovered";
    } else {
      check.summary = FormatCount(*found) + " domain controller(s) found";
    }
    if (std::optional<double> took = metrics.One(
            "entra_pta_dns_lookup_duration_seconds", {{"domain", domain}})) {
      check.evidence.push_back("SRV lookup took " + FormatNumber(*took, 3) +
                               " s");
    }
    section.checks.push_back(std::move(check));
  }

  std::string domain_hint = "<domain>";
  for (const Sample& s : metrics.All("entra_pta_dns_lookup_success")) {
    domain_hint = Label(*s.metric, "domain");
  }
  std::vector<std::string> ports;
  for (const Sample& s : metrics.All("entra_pta_dc_up")) {
    const std::string port = Label(*s.metric, "port");
    if (std::find(ports.begin(), ports.end(), port) == ports.end()) {
      ports.push_back(port);
    }
  }
  for (const std::string& port : ports) {
    Check check;
    check.id = "dc.port." + port;
    check.name = "DCs on port " + port;
    std::vector<std::string> down;
    int up = 0;
    for (const Sample& s : metrics.All("entra_pta_dc_up", {{"port", port}})) {
      const std::string dc = Label(*s.metric, "dc");
      if (s.value == 1) {
        ++up;
        std::optional<double> took =
            metrics.One("entra_pta_dc_connect_duration_seconds",
                        {{"dc", dc}, {"port", port}});
        check.evidence.push_back(
            dc + ": reachable" +
            (took ? " (" + FormatNumber(*took, 3) + " s)" : ""));
      } else {
        down.push_back(dc);
        check.evidence.push_back(dc + ": unreachable");
      }
    }
    if (up == 0) {
      check.verdict = Verdict::kFail;
      check.summary = "no domain controller reachable on port " + port +
                      ": every password this agent validates fails";
      check.fix = {"nltest /dsgetdc:" + domain_hint +
                   "; Test-NetConnection "
                   "-ComputerName " +
                   down.front() + " -Port " + port +
                   "; look for a firewall change between this server and the "
                   "DCs."};
      check.alert = "EntraPTANoDomainControllerReachable";
    } else if (!down.empty()) {
      check.verdict = Verdict::kWarn;
      check.summary = std::to_string(down.size()) + " of " +
                      std::to_string(down.size() + static_cast<size_t>(up)) +
                      " domain controllers unreachable on port " + port;
      check.fix = {"Test-NetConnection -ComputerName " + down.front() +
                   " -Port " + port +
                   "; the DC is down or a firewall blocks the port."};
      check.alert = "EntraPTADomainControllerUnreachable";
    } else {
      check.summary =
          "all " + std::to_string(up) + " domain controller(s) reachable";
    }
    section.checks.push_back(std::move(check));
  }
  return section;
}

}  // namespace

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kPass:
      return "PASS";
    case Verdict::kWarn:
      return "WARN";
    case Verdict::kFail:
      return "FAIL";
    case Verdict::kSkip:
      return "SKIP";
  }
  return "SKIP";
}

std::string_view VerdictJsonName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kPass:
      return "pass";
    case Verdict::kWarn:
      return "warn";
    case Verdict::kFail:
      return "fail";
    case Verdict::kSkip:
      return "skip";
  }
  return "skip";
}

Report BuildReport(const DiagnoseInput& input) {
  const Metrics metrics(input.families);
  Report report;
  report.generated_at = input.now;
  report.since = input.since;
  report.sections = {
      CloudSection(metrics, input),  NetworkSection(metrics, input),
      EventsSection(metrics, input), ServicesSection(metrics, input),
      AgentSection(metrics, input),  DomainControllerSection(metrics, input)};
  for (Verdict v :
       {Verdict::kPass, Verdict::kWarn, Verdict::kFail, Verdict::kSkip}) {
    report.counts[v] = 0;
  }
  auto rank = [](Verdict v) {
    return v == Verdict::kFail   ? 3
           : v == Verdict::kWarn ? 2
           : v == Verdict::kPass ? 1
                                 : 0;
  };
  for (const Section& section : report.sections) {
    for (const Check& check : section.checks) {
      ++report.counts[check.verdict];
      if (rank(check.verdict) > rank(report.overall)) {
        report.overall = check.verdict;
      }
    }
  }
  return report;
}

int ExitStatus(const Report& report) {
  switch (report.overall) {
    case Verdict::kFail:
      return 2;
    case Verdict::kWarn:
      return 1;
    default:
      return 0;
  }
}

std::string FormatUtc(double unix_seconds) {
  using namespace std::chrono;
  const auto t =
      sys_seconds(seconds(static_cast<long long>(std::floor(unix_seconds))));
  const auto day = floor<days>(t);
  const year_month_day ymd(day);
  const hh_mm_ss<seconds> time(t - day);
  char buffer[64];
  std::snprintf(
      buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02dZ",
      static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
      static_cast<unsigned>(ymd.day()), static_cast<int>(time.hours().count()),
      static_cast<int>(time.minutes().count()),
      static_cast<int>(time.seconds().count()));
  return buffer;
}

std::string HumanDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
  const long long s = static_cast<long long>(std::floor(seconds));
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) {
    return std::to_string(s / 60) + "m" +
           (s % 60 ? " " + std::to_string(s % 60) + "s" : "");
  }
  if (s < 2 * 86400) {
    return std::to_string(s / 3600) + "h" +
           (s % 3600 / 60 ? " " + std::to_string(s % 3600 / 60) + "m" : "");
  }
  return std::to_string(s / 86400) + " days";
}

}  // namespace entra_pta::diagnose
