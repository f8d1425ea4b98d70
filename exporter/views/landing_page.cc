#include "exporter/views/landing_page.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "exporter/http/http_server.h"
#include "exporter/verdict/diagnose_thresholds.h"
#include "exporter/verdict/tls_words.h"

namespace entra_pta {
namespace {

using TimePoint = std::chrono::system_clock::time_point;

constexpr char kCodeOpen = '\x01';
constexpr char kCodeClose = '\x02';
constexpr const char* kDocsBase =
    "https://github.com/entra-pta-exporter/entra-pta-exporter/blob/main/docs/";

// --- Text helpers ----------------------------------------------------------

// Dynamic text (from metrics, errors, configuration): scrubbed, and unable
// to open or close a code span because control characters are gone.
std::string D(const std::string& text) { return ScrubForDisplay(text); }

// A command or setting, shown as code.
std::string Code(const std::string& text) {
  return std::string(1, kCodeOpen) + text + std::string(1, kCodeClose);
}

// Appended rather than `"\"" + D(text)`: GCC 12 at -O3 warns -Wrestrict
// inside libstdc++ for a literal + a temporary string (GCC bug 105651).
std::string Quoted(const std::string& text) {
  std::string quoted = "\"";
  quoted += D(text);
  quoted += '"';
  return quoted;
}

bool StartsWithNoCase(const std::string& text, std::size_t at,
                      const std::string& word) {
  if (at + word.size() > text.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    char c = text[at + i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != word[i]) return false;
  }
  return true;
}

bool ContainsNoCase(const std::string& text, const std::string& word) {
  for (std::size_t i = 0; i + word.size() <= text.size(); ++i) {
    if (StartsWithNoCase(text, i, word)) return true;
  }
  return false;
}

// Escapes `text` for HTML; \x01...\x02 become <code>...</code>.
std::string RenderText(const std::string& text) {
  std::string out;
  bool in_code = false;
  std::string plain;
  auto flush = [&] {
    out += HtmlEscape(plain);
    plain.clear();
  };
  for (char c : text) {
    if (c == kCodeOpen && !in_code) {
      flush();
      out += "<code>";
      in_code = true;
    } else if (c == kCodeClose && in_code) {
      flush();
      out += "</code>";
      in_code = false;
    } else if (c != kCodeOpen && c != kCodeClose) {
      plain += c;
    }
  }
  flush();
  if (in_code) out += "</code>";
  return out;
}

std::string PlainDuration(std::chrono::seconds d) {
  long long s = d.count();
  if (s < 60) return std::to_string(s) + " s";
  long long m = s / 60;
  if (m < 60) return std::to_string(m) + " min";
  long long h = m / 60;
  if (h < 48) {
    std::string out = std::to_string(h) + " h";
    if (m % 60 != 0) out += " " + std::to_string(m % 60) + " min";
    return out;
  }
  long long days = h / 24;
  std::string out = std::to_string(days) + " d";
  if (h % 24 != 0 && days < 30) out += " " + std::to_string(h % 24) + " h";
  return out;
}

// Metric values bounded to +-9e9 (seconds: years 1685 to 2255, within a
// nanosecond system_clock), so a NaN, infinite or absurd sample cannot
// overflow a conversion.
double Bounded(double seconds) {
  if (std::isnan(seconds)) return 0;
  return std::clamp(seconds, -9e9, 9e9);
}

TimePoint FromUnixSeconds(double seconds) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(
      std::chrono::duration<double>(Bounded(seconds))));
}

long long Whole(double value) { return std::llround(Bounded(value)); }

std::string FormatDate(TimePoint t) {
  std::string full = FormatUtc(t);
  return full.substr(0, 10);
}

std::string FormatSeconds(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, seconds < 10 ? "%.2f" : "%.0f", seconds);
  return buf;
}

// Host and port of an "scheme://host[:port]/..." URL, for the fix commands.
struct HostPort {
  std::string host;
  std::string port;
};
HostPort UrlHostPort(const std::string& url) {
  HostPort out;
  std::size_t scheme_end = url.find("://");
  std::string scheme =
      scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  std::size_t start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  std::size_t end = url.find_first_of("/?#", start);
  std::string authority = url.substr(
      start, end == std::string::npos ? std::string::npos : end - start);
  if (std::size_t at = authority.rfind('@'); at != std::string::npos) {
    authority = authority.substr(at + 1);
  }
  std::size_t colon = authority.rfind(':');
  if (colon != std::string::npos &&
      authority.find(']', colon) == std::string::npos) {
    out.host = authority.substr(0, colon);
    out.port = authority.substr(colon + 1);
  } else {
    out.host = authority;
    out.port = scheme == "http" ? "80" : "443";
  }
  return out;
}

// --- Reading the last scrape's families ------------------------------------

struct Sample {
  std::map<std::string, std::string> labels;
  double value = 0;
  std::string Label(const std::string& name) const {
    auto it = labels.find(name);
    return it == labels.end() ? std::string() : it->second;
  }
};

class Families {
 public:
  void Add(const CollectorSummary* summary) {
    if (summary == nullptr || !summary->families) return;
    for (const auto& family : *summary->families) families_.push_back(&family);
  }

  std::vector<Sample> Get(const std::string& name) const {
    std::vector<Sample> out;
    for (const prometheus::MetricFamily* family : families_) {
      if (family->name != name) continue;
      for (const prometheus::ClientMetric& metric : family->metric) {
        Sample sample;
        for (const auto& label : metric.label) {
          sample.labels[label.name] = label.value;
        }
        switch (family->type) {
          case prometheus::MetricType::Counter:
            sample.value = metric.counter.value;
            break;
          case prometheus::MetricType::Gauge:
            sample.value = metric.gauge.value;
            break;
          case prometheus::MetricType::Untyped:
            sample.value = metric.untyped.value;
            break;
          default:
            continue;
        }
        out.push_back(std::move(sample));
      }
    }
    return out;
  }

  // The value of the sample whose labels include every one given.
  std::optional<double> Value(
      const std::string& name,
      const std::map<std::string, std::string>& labels = {}) const {
    for (const Sample& sample : Get(name)) {
      bool match = std::all_of(labels.begin(), labels.end(), [&](auto& kv) {
        return sample.Label(kv.first) == kv.second;
      });
      if (match) return sample.value;
    }
    return std::nullopt;
  }

  bool empty() const { return families_.empty(); }

 private:
  std::vector<const prometheus::MetricFamily*> families_;
};

Finding MakeFinding(bool problem, std::string what, std::string meaning,
                    std::string first_fix, std::string runbook_anchor,
                    std::string failed_collector = "") {
  Finding finding;
  finding.problem = problem;
  finding.what = std::move(what);
  finding.meaning = std::move(meaning);
  finding.first_fix = std::move(first_fix);
  finding.runbook_anchor = std::move(runbook_anchor);
  finding.failed_collector = std::move(failed_collector);
  return finding;
}

// --- Pillars -----------------------------------------------------------------

struct PillarSpec {
  std::string key;
  std::string title;
  std::string question;
  std::vector<std::string> collectors;
  std::string when_not_enabled;
};

const std::vector<PillarSpec>& PillarSpecs() {
  static const std::vector<PillarSpec> specs = {
      {"cloud",
       "Cloud",
       "What does Entra itself say about the tenant's PTA agents?",
       {"cloud"},
       "Not enabled: one central exporter per tenant runs the " +
           Code("cloud") +
           " collector (it needs a Microsoft Graph sign-in, see the "
           "configuration guide)."},
      {"network",
       "Network to Microsoft",
       "Can this server reach every Microsoft endpoint the agent needs, "
       "without SSL inspection?",
       {"endpoint", "tls"},
       "Not enabled: set " + Code("collectors.endpoint.enabled: true") +
           " and " + Code("collectors.tls.enabled: true") +
           " on each agent server."},
      {"agent",
       "Agent host",
       "Is the agent on this server running, alive, current and free of "
       "error events?",
       {"service", "eventlog", "agent", "heartbeat"},
       "Not enabled: set " + Code("collectors.heartbeat.enabled: true") +
           " (and on Windows " + Code("service") + ", " + Code("eventlog") +
           ", " + Code("agent") + ") on each agent server."},
      {"domain_controller",
       "Domain controllers",
       "Can this server find a domain controller and reach it (LDAP 389, "
       "Kerberos 88)?",
       {"domain_controller"},
       "Not enabled (the default): set " +
           Code("collectors.domain_controller.enabled: true") +
           " on each agent server."},
  };
  return specs;
}

std::string PortName(const std::string& port) {
  if (port == "389") return "389 (LDAP)";
  if (port == "88") return "88 (Kerberos)";
  if (port == "636") return "636 (LDAPS)";
  if (port == "3268") return "3268 (Global Catalog)";
  return port;
}

std::string ReasonWords(const std::string& reason) {
  if (reason == "dns") return "the host name does not resolve";
  if (reason == "connect_refused") {
    return "the TCP connection was refused or the network is unreachable";
  }
  if (reason == "timeout") {
    return "no connection or no answer in time (dropped by a firewall, or "
           "stalled)";
  }
  if (reason == "tls") {
    return "the TLS handshake failed or the certificate chain does not "
           "verify";
  }
  if (reason == "proxy") {
    return "the proxy is unreachable, did not answer, or refused the CONNECT";
  }
  if (reason == "http") return "it connected, but got no valid HTTP answer";
  return "the reason is unknown (see the exporter's log)";
}

std::string EndpointFix(const std::string& reason, const HostPort& where,
                        const std::string& proxy) {
  const std::string test = Code("Test-NetConnection -ComputerName " +
                                where.host + " -Port " + where.port);
  if (reason == "dns") {
    return "On the server, " + Code("Resolve-DnsName " + where.host) +
           "; check its DNS servers, or whether the name is only reachable "
           "through the proxy.";
  }
  if (reason == "connect_refused") {
    return test +
           " from the server; a firewall or proxy rule rejects "
           "outbound port " +
           where.port + ".";
  }
  if (reason == "timeout") {
    return test +
           " from the server; a timeout is usually a firewall that "
           "silently drops outbound port " +
           where.port + ".";
  }
  if (reason == "tls") {
    return "Check the certificate the server receives for " + where.host +
           " (runbook step 2): expired, wrong host name, or issued by an "
           "unknown CA.";
  }
  if (reason == "proxy") {
    return "Compare the agent's proxy (its .exe.config) with " +
           Code("netsh winhttp show proxy") + "; the proxy " +
           (proxy.empty() ? std::string() : proxy + " ") +
           "must accept CONNECT to " + where.host + ":" + where.port + ".";
  }
  if (reason == "http") {
    return "Something else answers on " + where.host + ":" + where.port +
           " (a captive portal or a misrouted proxy): " + test +
           ", then check the proxy.";
  }
  return test + " from the server.";
}

void AssessNetwork(const Families& f, TimePoint now, PillarReport& pillar) {
  std::map<std::string, std::string> url, proxy, reason;
  for (const Sample& s : f.Get("entra_pta_endpoint_info")) {
    url[s.Label("endpoint")] = s.Label("url");
    proxy[s.Label("endpoint")] = s.Label("proxy");
  }
  for (const Sample& s : f.Get("entra_pta_endpoint_failure_info")) {
    if (s.value == 1) reason[s.Label("endpoint")] = s.Label("reason");
  }
  std::map<std::string, double> issuer_match, chain_verified, not_after;
  std::map<std::string, Sample> cert_info;
  for (const Sample& s : f.Get("entra_pta_tls_issuer_match")) {
    issuer_match[s.Label("endpoint")] = s.value;
  }
  for (const Sample& s : f.Get("entra_pta_tls_chain_verified")) {
    chain_verified[s.Label("endpoint")] = s.value;
  }
  for (const Sample& s :
       f.Get("entra_pta_tls_cert_not_after_timestamp_seconds")) {
    not_after[s.Label("endpoint")] = s.value;
  }
  for (const Sample& s : f.Get("entra_pta_tls_cert_info")) {
    cert_info[s.Label("endpoint")] = s;
  }

  auto where = [&](const std::string& endpoint) {
    std::string text = D(endpoint);
    if (auto it = url.find(endpoint); it != url.end() && !it->second.empty()) {
      text += " (" + D(it->second);
      if (!proxy[endpoint].empty()) {
        text += " through the proxy " + D(proxy[endpoint]);
      }
      text += ")";
    }
    return text;
  };

  std::map<std::string, std::map<std::string, TlsChainPart>> parts;
  for (const Sample& s : f.Get("entra_pta_tls_chain_part_allowed")) {
    TlsChainPart& part = parts[s.Label("endpoint")][s.Label("part")];
    part.known = true;
    part.allowed = s.value == 1;
    part.name = s.Label("name");
    part.fingerprint = s.Label("fingerprint_sha256");
  }
  for (const auto& [endpoint, match] : issuer_match) {
    if (match != 0) continue;
    const Sample& cert = cert_info[endpoint];
    TlsChainPart issuer = parts[endpoint]["issuer"];
    TlsChainPart root = parts[endpoint]["root"];
    if (!issuer.known) issuer.name = cert.Label("issuer");
    if (!root.known) root.name = cert.Label("root");
    const TlsMismatchWords words = DescribeTlsMismatch(issuer, root, Quoted);
    Finding finding;
    finding.what =
        words.headline + " on " + where(endpoint) + ": " + words.what + ".";
    finding.meaning =
        words.inspection
            ? "A proxy or firewall on the path re-signs the traffic. The "
              "agent authenticates to Microsoft with a client certificate "
              "that an inspecting device cannot forward, so the agent fails "
              "even where a browser on the same server works."
            : "The issuing CA is one you allowed, so this is most likely a "
              "CA rotation whose root the allow-list does not name yet; "
              "until it does, the exporter reports the chain as not "
              "genuine and EntraPTATLSInterceptionDetected fires.";
    finding.first_fix = words.fix;
    finding.runbook_anchor = "entraptatlsinterceptiondetected";
    pillar.findings.push_back(std::move(finding));
  }

  int up_count = 0;
  int total = 0;
  for (const Sample& s : f.Get("entra_pta_endpoint_up")) {
    const std::string endpoint = s.Label("endpoint");
    ++total;
    if (s.value == 1) {
      ++up_count;
      continue;
    }
    const std::string why =
        reason.count(endpoint) ? reason[endpoint] : std::string();
    if (why == "tls" && issuer_match.count(endpoint) &&
        issuer_match[endpoint] == 0) {
      continue;  // the SSL-inspection finding above says it better
    }
    Finding finding;
    finding.what = where(endpoint) + " cannot be reached: " + ReasonWords(why);
    if (why == "tls" && not_after.count(endpoint) &&
        FromUnixSeconds(not_after[endpoint]) < now) {
      finding.what += "; its certificate expired on " +
                      FormatDate(FromUnixSeconds(not_after[endpoint]));
    } else if (why == "tls" && chain_verified.count(endpoint) &&
               chain_verified[endpoint] == 0) {
      finding.what += "; the chain issued by " +
                      Quoted(cert_info[endpoint].Label("issuer")) +
                      " does not verify for this host";
    }
    finding.what += ".";
    const HostPort host_port = UrlHostPort(url[endpoint]);
    finding.meaning =
        url[endpoint].rfind("http://", 0) == 0
            ? "The agent checks certificate revocation there (port 80); "
              "when it cannot, its TLS connections to Microsoft can fail."
            : "The PTA agent needs this endpoint and fails the same way "
              "(event 31034); Entra marks it inactive after about 120 "
              "minutes without contact.";
    finding.first_fix = EndpointFix(why, {D(host_port.host), D(host_port.port)},
                                    D(proxy[endpoint]));
    finding.runbook_anchor = "entraptaendpointunreachable";
    pillar.findings.push_back(std::move(finding));
  }
  if (total > 0) {
    pillar.notes.push_back(std::to_string(up_count) + " of " +
                           std::to_string(total) + " endpoints reachable.");
  }
  int genuine = 0;
  for (const auto& [endpoint, match] : issuer_match) {
    if (match == 1) ++genuine;
  }
  if (!issuer_match.empty()) {
    pillar.notes.push_back(std::to_string(genuine) + " of " +
                           std::to_string(issuer_match.size()) +
                           " TLS certificates issued by the expected CAs "
                           "(no SSL inspection).");
  }
  std::set<std::string> proxies;
  for (const auto& [endpoint, p] : proxy) {
    if (!p.empty()) proxies.insert(D(p));
  }
  for (const std::string& p : proxies) {
    pillar.notes.push_back("Probes go through the proxy " + p + ".");
  }
}

void AssessCloud(const Families& f, TimePoint now, PillarReport& pillar) {
  std::optional<double> api_up = f.Value("entra_pta_cloud_api_up");
  if (!api_up) {
    pillar.notes.push_back(
        "Waiting for the first refresh of the agent list from Microsoft "
        "Graph.");
    return;
  }
  std::optional<double> last_refresh =
      f.Value("entra_pta_cloud_last_refresh_timestamp_seconds");
  std::optional<double> active =
      f.Value("entra_pta_cloud_agents", {{"status", "active"}});
  std::optional<double> inactive =
      f.Value("entra_pta_cloud_agents", {{"status", "inactive"}});
  if (*api_up == 0) {
    pillar.notes.push_back(
        last_refresh ? "The agent numbers are from the last successful "
                       "refresh, " +
                           FormatUtc(FromUnixSeconds(*last_refresh)) + "."
                     : "Microsoft Graph has not been read successfully since "
                       "the exporter started.");
  }
  if (active && (*api_up == 1 || last_refresh)) {
    const long long n = Whole(*active);
    if (n == 0) {
      pillar.findings.push_back(MakeFinding(
          true,
          "Entra reports no active PTA agent in the tenant: every hybrid "
          "user's cloud sign-in fails now.",
          "No agent validates passwords for Entra; sign-ins to Microsoft "
          "365 and other cloud apps fail until one is active again.",
          "On any agent server " +
              Code("Restart-Service -Name AzureADConnectAuthenticationAgent") +
              " and check outbound 443 to *.msappproxy.net; consider the "
              "emergency switch to password hash sync if it is enabled.",
          "entraptanoactiveagents"));
    } else if (n == 1) {
      pillar.findings.push_back(MakeFinding(
          true,
          "Only one PTA agent is active: one failure away from a "
          "tenant-wide lockout.",
          "A single agent carries every sign-in; if it fails, every hybrid "
          "sign-in fails.",
          "Find the inactive agents (listed here), restart their services "
          "and check their outbound 443 path.",
          "entraptaonlyoneactiveagent"));
    } else if (n < 3) {
      pillar.findings.push_back(MakeFinding(
          false,
          "Only " + std::to_string(n) +
              " PTA agents are active; Microsoft recommends at least 3.",
          "One more failure leaves a single agent carrying every sign-in.",
          "Repair or re-register the inactive agents, or install an "
          "additional agent.",
          "entraptafewerthanthreeactiveagents"));
    }
  }
  std::map<std::string, double> last_active;
  for (const Sample& s :
       f.Get("entra_pta_cloud_agent_last_active_timestamp_seconds")) {
    last_active[s.Label("agent_id")] = s.value;
  }
  for (const Sample& s : f.Get("entra_pta_cloud_agent_active")) {
    if (s.value != 0) continue;
    const std::string machine = D(s.Label("machine_name"));
    std::string what = "Entra reports the agent on " + machine + " (agent id " +
                       D(s.Label("agent_id")) + ", external IP " +
                       D(s.Label("external_ip")) + ") as inactive";
    if (auto it = last_active.find(s.Label("agent_id"));
        it != last_active.end()) {
      what +=
          "; last seen active " + FormatAge(FromUnixSeconds(it->second), now);
    }
    pillar.findings.push_back(MakeFinding(
        false, what + ".",
        "Entra has not heard from it for about 120 minutes and sends it no "
        "sign-ins.",
        "On " + machine + ": " +
            Code("Get-Service AzureADConnectAuthenticationAgent") +
            ", test outbound 443, then restart both agent services.",
        "entraptacloudagentinactive"));
  }
  if (active && inactive) {
    std::string note = std::to_string(Whole(*active)) + " active, " +
                       std::to_string(Whole(*inactive)) + " inactive agents";
    if (last_refresh) {
      note += " (Microsoft Graph, refreshed " +
              FormatAge(FromUnixSeconds(*last_refresh), now) + ")";
    }
    pillar.notes.push_back(note + ".");
  }
}

void AssessHeartbeat(const Families& f, PillarReport& pillar) {
  std::optional<double> stale =
      f.Value("entra_pta_agent_heartbeat_stale", {{"source", "any"}});
  std::optional<double> age =
      f.Value("entra_pta_agent_heartbeat_age_seconds", {{"source", "any"}});
  std::optional<double> threshold =
      f.Value("entra_pta_agent_heartbeat_threshold_seconds");
  auto words = [](double seconds) {
    return PlainDuration(std::chrono::seconds(Whole(seconds)));
  };
  std::string sources;
  for (const Sample& s : f.Get("entra_pta_agent_heartbeat_stale")) {
    const std::string source = s.Label("source");
    if (source == "any") continue;
    std::optional<double> source_age =
        f.Value("entra_pta_agent_heartbeat_age_seconds", {{"source", source}});
    sources += (sources.empty() ? "" : "; ") + D(source) + ": " +
               (source_age ? "last sign " + words(*source_age) + " ago"
                           : std::string("no sign of life recorded (unknown)"));
  }
  const bool no_evidence =
      stale && !age &&
      f.Value("entra_pta_agent_heartbeat_evidence", {{"source", "any"}})
              .value_or(0) == 0;
  if (no_evidence) {
    pillar.findings.push_back(MakeFinding(
        false,
        "Heartbeat " + std::string(diagnose::kHeartbeatUnknown) + "." +
            (sources.empty() ? std::string() : " Sources: " + sources + "."),
        "The exporter cannot tell whether the agent is alive; a stale agent "
        "would go unnoticed until it has evidence to judge.",
        diagnose::kHeartbeatUnknownFix, "entraptaheartbeatstale"));
  } else if (stale && *stale == 1) {
    Finding finding;
    if (age) {
      finding.what = "No sign of life from the agent for " + words(*age) +
                     (threshold ? " (threshold " + words(*threshold) + ")"
                                : std::string()) +
                     ".";
      finding.first_fix =
          "Check outbound 443, then " +
          Code("Restart-Service -Name AzureADConnectAuthenticationAgent") +
          " and " + Code("Restart-Service -Name AzureADConnectAgentUpdater") +
          ".";
    } else {
      finding.what =
          "No sign of life from the agent: the trace directory holds no agent "
          "trace log.";
      finding.first_fix = "Check " + Code("collectors.heartbeat.trace_dir") +
                          " and whether the agent is installed on this server.";
    }
    if (!sources.empty()) finding.what += " Sources: " + sources + ".";
    finding.meaning =
        "Entra marks an agent inactive after about 120 minutes without "
        "contact and stops sending it sign-ins.";
    finding.runbook_anchor = "entraptaheartbeatstale";
    pillar.findings.push_back(std::move(finding));
  } else if (age && *age > 1800) {
    pillar.findings.push_back(MakeFinding(
        false,
        "The agent has been quiet for " + words(*age) +
            "; at 120 minutes Entra marks it inactive.",
        "Early warning: the agent may be hanging or unable to reach "
        "Microsoft.",
        "Check outbound 443 and events 31019/31034, then restart both "
        "agent services.",
        "entraptaheartbeatlate"));
  } else if (age) {
    pillar.notes.push_back(
        "Last sign of life from the agent " + words(*age) + " ago" +
        (threshold ? " (stale after " + words(*threshold) + ")"
                   : std::string()) +
        ".");
  }
}

void AssessServices(const Families& f, PillarReport& pillar) {
  std::map<std::string, std::string> state;
  for (const Sample& s : f.Get("entra_pta_service_state")) {
    if (s.value == 1) state[s.Label("service")] = s.Label("state");
  }
  std::vector<std::string> running;
  for (const Sample& s : f.Get("entra_pta_service_installed")) {
    const std::string service = s.Label("service");
    const bool updater = ContainsNoCase(service, "updater");
    std::string problem;
    if (s.value == 0) {
      problem = "is not installed";
    } else if (state[service] != "running") {
      problem = "is " + (state[service].empty() ? std::string("not running")
                                                : D(state[service]));
    } else {
      running.push_back(D(service));
      continue;
    }
    const std::string name = D(service);
    if (updater) {
      pillar.findings.push_back(MakeFinding(
          false, "The service " + name + " " + problem + ".",
          "The agent no longer updates itself and falls behind on fixes.",
          Code("Set-Service -Name " + name + " -StartupType Automatic") +
              ", then " + Code("Restart-Service -Name " + name) + ".",
          "entraptaupdaterservicenotrunning"));
    } else {
      pillar.findings.push_back(MakeFinding(
          true, "The service " + name + " " + problem + ".",
          "This server authenticates no one; the other agents carry the "
          "load.",
          Code("Restart-Service -Name " + name) +
              "; if it stops again, read the agent's Admin event log.",
          "entraptaagentservicenotrunning"));
    }
  }
  if (!running.empty()) {
    std::string note = "Running: ";
    for (std::size_t i = 0; i < running.size(); ++i) {
      note += (i ? ", " : "") + running[i];
    }
    pillar.notes.push_back(note + ".");
  }
}

void AssessEvents(const Families& f, TimePoint now, PillarReport& pillar) {
  std::map<std::string, std::string> meaning;
  for (const Sample& s : f.Get("entra_pta_event_id_info")) {
    meaning[s.Label("event_id")] = s.Label("meaning");
  }
  std::set<std::pair<std::string, std::string>> error_ids;  // channel, id
  double total = 0;
  for (const Sample& s : f.Get("entra_pta_events_total")) {
    total += s.value;
    const std::string level = s.Label("level");
    if (level == "error" || level == "critical") {
      error_ids.insert({s.Label("channel"), s.Label("event_id")});
    }
  }
  constexpr auto kRecent = std::chrono::minutes(15);
  int recent_named = 0;
  for (const Sample& s : f.Get("entra_pta_event_last_timestamp_seconds")) {
    const TimePoint when = FromUnixSeconds(s.value);
    if (now - when > kRecent) continue;
    const std::string id = s.Label("event_id");
    const std::string channel = s.Label("channel");
    const std::string age = FormatAge(when, now);
    auto named = meaning.find(id);
    if (named != meaning.end()) {
      ++recent_named;
      if (named->second == "dc_unreachable") {
        pillar.findings.push_back(MakeFinding(
            true,
            "The agent logged event " + D(id) + " " + age +
                ": it could not reach a domain controller to validate a "
                "password, so those sign-ins failed.",
            "Password checks against Active Directory fail: a DC is down, "
            "a firewall blocks LDAP 389 / Kerberos 88, or DNS cannot find "
            "the DCs.",
            Code("nltest /dsgetdc:<your AD domain>") +
                " on the agent server; see the Domain controllers section.",
            "entraptaagentcannotreachdomaincontroller"));
      } else if (named->second == "cloud_unreachable") {
        pillar.findings.push_back(MakeFinding(
            true,
            "The agent logged event " + D(id) + " " + age +
                ": it could not reach the Microsoft cloud.",
            "Outbound 443 is blocked, the proxy changed, or SSL inspection "
            "breaks the agent's connection.",
            "Test outbound 443 from the server (see the Network section) "
            "and look for SSL inspection.",
            "entraptaagentcannotreachcloud"));
      } else {
        pillar.findings.push_back(MakeFinding(
            true,
            "The agent logged event " + D(id) + " (" + D(named->second) + ") " +
                age + " in " + D(channel) + ".",
            "A named event ID (collectors.eventlog.named_event_ids) was "
            "logged in the last 15 minutes.",
            Code("Get-WinEvent -LogName '" + D(channel) +
                 "' -MaxEvents 20 | Format-List TimeCreated, Id, "
                 "LevelDisplayName, Message"),
            "entraptaagenterrorevents"));
      }
    } else if (error_ids.count({channel, id})) {
      pillar.findings.push_back(
          MakeFinding(false,
                      "The agent logged error event " + D(id) + " " + age +
                          " in " + D(channel) + ".",
                      "Common causes: failed password validations against AD, "
                      "certificate or registration problems.",
                      Code("Get-WinEvent -LogName '" + D(channel) +
                           "' -MaxEvents 20 | Format-List TimeCreated, Id, "
                           "LevelDisplayName, Message"),
                      "entraptaagenterrorevents"));
    }
  }
  for (const Sample& s : f.Get("entra_pta_eventlog_channel_up")) {
    if (s.value == 0) {
      pillar.notes.push_back("The event channel " + D(s.Label("channel")) +
                             " could not be read (missing when the agent is "
                             "not installed).");
    }
  }
  if (!f.Get("entra_pta_eventlog_channel_up").empty()) {
    pillar.notes.push_back(
        std::to_string(Whole(total)) +
        " agent events read since the exporter started" +
        (recent_named == 0 ? "; no named event (31019, 31034) in the last 15 "
                             "minutes."
                           : "."));
  }
}

void AssessAgentFiles(const Families& f, TimePoint now, PillarReport& pillar) {
  for (const Sample& s : f.Get("entra_pta_agent_info")) {
    if (!s.Label("version").empty()) {
      pillar.notes.push_back("Agent version " + D(s.Label("version")) + ".");
    }
  }
  if (auto not_after =
          f.Value("entra_pta_agent_certificate_not_after_timestamp_seconds")) {
    const TimePoint expiry = FromUnixSeconds(*not_after);
    const auto left = expiry - now;
    const std::string date = FormatDate(expiry);
    const std::string fix =
        "Restart both agent services (renewal is retried at start); if the "
        "date does not move within a day, upgrade the agent in place.";
    if (left < std::chrono::hours(0)) {
      pillar.findings.push_back(MakeFinding(
          true, "The agent's client certificate expired on " + date + ".",
          "Entra deletes an agent whose certificate expired; it must be "
          "registered again.",
          "Reinstall the agent and register it again (needs a Hybrid "
          "Identity Administrator).",
          "entraptaagentcertificateabouttoexpire"));
    } else if (left < std::chrono::hours(24 * 7)) {
      pillar.findings.push_back(MakeFinding(
          true,
          "The agent's client certificate expires on " + date + ", in " +
              PlainDuration(
                  std::chrono::duration_cast<std::chrono::seconds>(left)) +
              ".",
          "Renewal has failed for three weeks; when it expires Entra "
          "deletes the agent.",
          fix, "entraptaagentcertificateabouttoexpire"));
    } else if (left < std::chrono::hours(24 * 20)) {
      pillar.findings.push_back(MakeFinding(
          false,
          "The agent's client certificate expires on " + date + ", in " +
              PlainDuration(
                  std::chrono::duration_cast<std::chrono::seconds>(left)) +
              ".",
          "The agent renews it 30 days ahead, so renewal is failing "
          "(outbound 443 to the registration endpoint, SSL inspection).",
          fix, "entraptaagentcertificateexpiring"));
    } else {
      pillar.notes.push_back("Client certificate valid until " + date + ".");
    }
  }
  if (auto built = f.Value("entra_pta_agent_binary_timestamp_seconds")) {
    const auto age = now - FromUnixSeconds(*built);
    if (age > std::chrono::hours(24 * 365)) {
      pillar.findings.push_back(MakeFinding(
          false,
          "The agent executable is " +
              PlainDuration(
                  std::chrono::duration_cast<std::chrono::seconds>(age)) +
              " old; the updater should have replaced it.",
          "The updater service is stopped or cannot download updates.",
          "Check AzureADConnectAgentUpdater, then upgrade the agent in "
          "place with the current installer.",
          "entraptaagentoutdated"));
    }
  }
}

void AssessDomainControllers(const Families& f, PillarReport& pillar) {
  for (const Sample& s : f.Get("entra_pta_dns_lookup_success")) {
    const std::string domain = D(s.Label("domain"));
    const std::string srv = "_ldap._tcp.dc._msdcs." + domain;
    if (s.value == 0) {
      // The collector fails with the lookup's error; that finding gets the
      // lookup's meaning and fix instead of a second finding.
      Finding lookup{
          true,
          "The DNS lookup of " + srv + " failed.",
          "The agent cannot find a domain controller either, so password "
          "checks fail (event 31019).",
          Code("Resolve-DnsName -Type SRV " + srv) + " and " +
              Code("Get-DnsClientServerAddress") + " on the server; check " +
              Code("collectors.domain_controller.dns_server") + ".",
          "entraptanodomaincontrollerdiscovered",
          ""};
      auto failure =
          std::find_if(pillar.findings.begin(), pillar.findings.end(),
                       [](const Finding& finding) {
                         return finding.failed_collector == "domain_controller";
                       });
      if (failure != pillar.findings.end()) {
        failure->meaning = lookup.meaning;
        failure->first_fix = lookup.first_fix;
        failure->runbook_anchor = lookup.runbook_anchor;
      } else {
        pillar.findings.push_back(std::move(lookup));
      }
      continue;
    }
    std::optional<double> found =
        f.Value("entra_pta_dc_discovered", {{"domain", s.Label("domain")}});
    if (found && *found == 0) {
      pillar.findings.push_back(MakeFinding(
          true,
          "No domain controller is registered for " + domain + ": " + srv +
              " has no records.",
          "The agent cannot find a domain controller, so password checks "
          "fail (event 31019).",
          Code("Resolve-DnsName -Type SRV " + srv) + "; on a DC, " +
              Code("dcdiag /test:dns") + " checks the registration.",
          "entraptanodomaincontrollerdiscovered"));
    } else if (found) {
      pillar.notes.push_back(std::to_string(Whole(*found)) +
                             " domain controllers found for " + domain + ".");
    }
  }
  std::map<std::string, std::vector<Sample>> by_port;
  for (const Sample& s : f.Get("entra_pta_dc_up")) {
    by_port[s.Label("port")].push_back(s);
  }
  for (const auto& [port, samples] : by_port) {
    int up = 0;
    for (const Sample& s : samples) up += s.value == 1 ? 1 : 0;
    if (up == 0) {
      pillar.findings.push_back(MakeFinding(
          true,
          "No domain controller answers on port " + D(PortName(port)) + " (" +
              std::to_string(samples.size()) + " tried).",
          "Every password this agent validates fails.",
          Code("Test-NetConnection -ComputerName " +
               D(samples.front().Label("dc")) + " -Port " + D(port)) +
              " to each DC; usually a firewall change between this server "
              "and the DCs.",
          "entraptanodomaincontrollerreachable"));
      continue;
    }
    for (const Sample& s : samples) {
      if (s.value == 1) continue;
      pillar.findings.push_back(MakeFinding(
          false,
          D(s.Label("dc")) + " does not answer on port " + D(PortName(port)) +
              "; other domain controllers do.",
          "The DC is down, being patched, or a firewall blocks the port.",
          Code("Test-NetConnection -ComputerName " + D(s.Label("dc")) +
               " -Port " + D(port)) +
              "; if the DC is gone for good, remove its stale DNS records.",
          "entraptadomaincontrollerunreachable"));
    }
    pillar.notes.push_back(
        std::to_string(up) + " of " + std::to_string(samples.size()) +
        " domain controllers reachable on port " + D(PortName(port)) + ".");
  }
}

// --- Collectors
// ----------------------------------------------------------------

struct FailureText {
  std::string meaning;
  std::string first_fix;
};

FailureText CollectorFailureText(const std::string& name) {
  if (name == "heartbeat") {
    return {
        "The exporter cannot read the agent's trace directory, so the "
        "trace-log sign of life is unknown (other sources still count).",
        "Check " + Code("collectors.heartbeat.trace_dir") +
            " and that the exporter's account may read it."};
  }
  if (name == "endpoint" || name == "tls") {
    return {
        "The endpoint probes could not run as configured, so "
        "reachability and SSL inspection are unknown.",
        "Check " + Code("collectors.endpoint.agent_config_file") +
            " (with proxy_from_agent_config) and " +
            Code("collectors.endpoint.ca_file") + "."};
  }
  if (name == "cloud") {
    return {
        "The agent list could not be read from Microsoft Graph; the "
        "numbers shown are from the last successful refresh.",
        "A revoked or expired sign-in needs " +
            Code("entra_pta_exporter graph login") +
            " again; a removed consent needs "
            "Policy.Read.HybridAuthentication granted again; check "
            "outbound 443 to graph.microsoft.com and "
            "login.microsoftonline.com."};
  }
  if (name == "service") {
    return {
        "The Service Control Manager could not be queried, so the agent's "
        "services are unknown.",
        "Run the exporter under an account that may query services "
        "(the installed service runs as LocalSystem)."};
  }
  if (name == "eventlog") {
    return {
        "An event channel or the bookmark state could not be read or "
        "written, so agent events may be missed.",
        "Check that " + Code("collectors.eventlog.state_dir") +
            " is writable and the account may read the agent's event "
            "log."};
  }
  if (name == "agent") {
    return {
        "The agent's executable, registry key, TrustSettings.xml or "
        "certificate could not be read.",
        "Check that the agent is installed where " + Code("collectors.agent") +
            " points and that its certificate is in LocalMachine\\My."};
  }
  if (name == "domain_controller") {
    return {
        "The DC locator lookup or a connection could not run, so domain "
        "controller reachability is unknown.",
        Code("Resolve-DnsName -Type SRV _ldap._tcp.dc._msdcs.<domain>") +
            "; check " + Code("collectors.domain_controller.dns_server") +
            " and " + Code("collectors.domain_controller.domain") + "."};
  }
  return {
      "The collector's metrics are missing from the scrape.",
      "Read the exporter's log lines with " + Code("collector=" + name) + "."};
}

bool IsUnsupported(const std::string& name, const CollectorSummary& summary) {
  if (!summary.families) return false;
  const std::string family = "entra_pta_" + name + "_os_supported";
  for (const auto& f : *summary.families) {
    if (f.name != family) continue;
    for (const auto& metric : f.metric) {
      if (metric.gauge.value == 0) return true;
    }
  }
  return false;
}

CollectorReport ReportCollector(const CollectorEntry& entry,
                                const CollectorSummary* summary) {
  CollectorReport report;
  report.name = entry.name;
  report.description = entry.description;
  if (summary == nullptr) {
    report.state = CollectorState::kNotEnabled;
    return report;
  }
  if (!summary->has_run) {
    report.state = CollectorState::kNotRunYet;
    return report;
  }
  report.finished_at = summary->finished_at;
  report.duration_seconds = summary->duration_seconds;
  report.error = D(summary->error);
  if (IsUnsupported(entry.name, *summary)) {
    report.state = CollectorState::kUnsupported;
    report.meaning =
        "This collector reads the Windows host of the agent; "
        "on this OS it can only say that it is unsupported.";
    report.first_fix =
        "Run the exporter on the agent's Windows server, or "
        "set " +
        Code("collectors." + entry.name + ".enabled: false") + " here.";
    return report;
  }
  if (summary->success) {
    report.state = CollectorState::kOk;
    return report;
  }
  if (summary->timed_out) {
    report.state = CollectorState::kTimedOut;
    report.meaning =
        "It did not finish within the scrape deadline, so its series were "
        "left out of that scrape.";
    report.first_fix =
        "Raise scrape_timeout in Prometheus (the exporter uses the "
        "X-Prometheus-Scrape-Timeout-Seconds header minus " +
        Code("scrape.timeout_margin") +
        ") or find the slow target in the exporter's log.";
    return report;
  }
  report.state = CollectorState::kFailed;
  FailureText text = CollectorFailureText(entry.name);
  report.meaning = text.meaning;
  report.first_fix = text.first_fix;
  return report;
}

void DecideState(const PillarSpec& spec, PillarReport& pillar) {
  std::vector<const CollectorReport*> enabled, supported;
  for (const CollectorReport& c : pillar.collectors) {
    if (c.state == CollectorState::kNotEnabled) continue;
    enabled.push_back(&c);
    if (c.state != CollectorState::kUnsupported) supported.push_back(&c);
  }
  std::stable_partition(pillar.findings.begin(), pillar.findings.end(),
                        [](const Finding& f) { return f.problem; });
  if (enabled.empty()) {
    pillar.state = PillarState::kNotEnabled;
    pillar.headline = spec.when_not_enabled;
    return;
  }
  if (supported.empty()) {
    pillar.state = PillarState::kUnsupported;
    std::string names;
    for (const CollectorReport* c : enabled) {
      names += (names.empty() ? "" : ", ") + Code(c->name);
    }
    pillar.headline =
        "Unsupported on this OS: " + names + " read the agent's Windows host.";
    return;
  }
  const bool any_run = std::any_of(
      supported.begin(), supported.end(),
      [](auto* c) { return c->state != CollectorState::kNotRunYet; });
  if (!any_run) {
    pillar.state = PillarState::kNotScrapedYet;
    pillar.headline =
        "Not scraped yet: the state appears after the next scrape of "
        "/metrics.";
    return;
  }
  const bool collector_failed =
      std::any_of(supported.begin(), supported.end(), [](auto* c) {
        return c->state == CollectorState::kFailed ||
               c->state == CollectorState::kTimedOut;
      });
  const bool problem_found =
      std::any_of(pillar.findings.begin(), pillar.findings.end(),
                  [](const Finding& f) { return f.problem; });
  if (collector_failed || problem_found) {
    pillar.state = PillarState::kProblem;
  } else if (!pillar.findings.empty()) {
    pillar.state = PillarState::kWarning;
  } else {
    pillar.state = PillarState::kOk;
  }
  if (!pillar.findings.empty()) {
    pillar.headline = pillar.findings.front().what;
  } else if (!pillar.notes.empty()) {
    pillar.headline = pillar.notes.front();
  } else {
    pillar.headline = "No problem found in the last scrape.";
  }
}

// --- HTML
// ----------------------------------------------------------------------

constexpr const char* kStyle =
    "*{box-sizing:border-box}"
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',"
    "'DejaVu Sans',sans-serif;margin:0;color:#1f2328;background:#f6f8fa;"
    "line-height:1.45}"
    "header{background:#1f2937;color:#f9fafb;padding:1em 2em}"
    "header h1{margin:0 0 .2em;font-size:1.5em}"
    "header p{margin:.2em 0;color:#d1d5db}"
    "nav a{color:#93c5fd;margin-right:1.2em}"
    "main{max-width:72em;margin:0 auto;padding:1em 2em 3em}"
    "h2{margin:.2em 0 .4em;font-size:1.25em}"
    "table{border-collapse:collapse;width:100%;background:#fff}"
    "th,td{border:1px solid #d0d7de;padding:.45em .7em;text-align:left;"
    "vertical-align:top}"
    "th{background:#f0f3f6}"
    "code{font-family:ui-monospace,'DejaVu Sans Mono',Consolas,monospace;"
    "font-size:.9em;background:#eef1f4;padding:.05em .3em;border-radius:3px;"
    "overflow-wrap:anywhere}"
    ".badge{display:inline-block;min-width:6.5em;text-align:center;"
    "font-weight:700;font-size:.85em;padding:.15em .6em;border-radius:1em;"
    "border:1px solid}"
    ".badge.ok{background:#dafbe1;color:#0f5323;border-color:#4ac26b}"
    ".badge.warning{background:#fff8c5;color:#6b4400;border-color:#d4a72c}"
    ".badge.problem{background:#ffebe9;color:#8a0b1f;border-color:#ff8182}"
    ".badge.neutral{background:#eaeef2;color:#353c44;border-color:#afb8c1}"
    ".summary{font-size:1.1em;font-weight:600;margin:.6em 0}"
    ".pillar{background:#fff;border:1px solid #d0d7de;border-left-width:.5em;"
    "border-radius:6px;padding:1em 1.4em;margin:1.2em 0}"
    ".pillar.ok{border-left-color:#1a7f37}"
    ".pillar.warning{border-left-color:#bf8700}"
    ".pillar.problem{border-left-color:#cf222e}"
    ".pillar.neutral{border-left-color:#8c959f}"
    ".question{color:#59636e;margin:0 0 .6em}"
    ".findings{list-style:none;padding:0;margin:.6em 0}"
    ".finding{border:1px solid #d0d7de;border-radius:6px;padding:.5em .9em;"
    "margin:.5em 0}"
    ".finding.problem{background:#fff5f5}"
    ".finding.warning{background:#fffbe6}"
    ".finding p{margin:.25em 0}"
    ".notes{margin:.4em 0;padding-left:1.2em;color:#2d333b}"
    "table.collectors,table.overview{table-layout:fixed}"
    "table.collectors th:nth-child(1){width:26%}"
    "table.overview th:nth-child(1){width:11em}"
    "th:nth-child(2){width:14em}"
    "th:nth-child(3){width:14.5em}"
    ".error{color:#8a0b1f;overflow-wrap:anywhere}"
    ".muted{color:#59636e}"
    "footer{max-width:72em;margin:0 auto;padding:0 2em 2em;color:#59636e}";

bool IsNeutral(PillarState s) {
  return s == PillarState::kNotEnabled || s == PillarState::kUnsupported ||
         s == PillarState::kNotScrapedYet;
}

std::string Badge(PillarState state) {
  const std::string css = IsNeutral(state) ? "neutral" : PillarStateKey(state);
  return "<span class=\"badge " + css + "\">" +
         HtmlEscape(PillarStateLabel(state)) + "</span>";
}

std::string CollectorBadge(CollectorState state) {
  std::string css = "neutral";
  if (state == CollectorState::kOk) css = "ok";
  if (state == CollectorState::kFailed || state == CollectorState::kTimedOut) {
    css = "problem";
  }
  return "<span class=\"badge " + css + "\">" +
         HtmlEscape(CollectorStateLabel(state)) + "</span>";
}

std::string When(const std::optional<TimePoint>& t, TimePoint now) {
  if (!t) return "<span class=\"muted\">never</span>";
  return HtmlEscape(FormatUtc(*t)) + "<br><span class=\"muted\">" +
         HtmlEscape(FormatAge(*t, now)) + "</span>";
}

void RenderFinding(std::ostringstream& html, const Finding& f) {
  const char* level = f.problem ? "problem" : "warning";
  html << "<li class=\"finding " << level << "\"><p class=\"what\"><strong>"
       << (f.problem ? "Problem:" : "Warning:") << "</strong> "
       << RenderText(f.what) << "</p>";
  if (!f.meaning.empty()) {
    html << "<p class=\"meaning\"><strong>What it means:</strong> "
         << RenderText(f.meaning) << "</p>";
  }
  if (!f.first_fix.empty()) {
    html << "<p class=\"fix\"><strong>First fix:</strong> "
         << RenderText(f.first_fix);
    if (!f.runbook_anchor.empty()) {
      html << " <a href=\"" << kDocsBase << "runbooks.md#"
           << HtmlEscape(f.runbook_anchor) << "\">Runbook</a>";
    }
    html << "</p>";
  }
  html << "</li>\n";
}

void RenderPillar(std::ostringstream& html, const PillarReport& p,
                  TimePoint now) {
  const std::string key = PillarStateKey(p.state);
  const std::string css = IsNeutral(p.state) ? "neutral" : key;
  html << "<section class=\"pillar " << css << "\" id=\"pillar-"
       << HtmlEscape(p.key) << "\" data-state=\"" << key
       << "\" aria-labelledby=\"title-" << HtmlEscape(p.key)
       << "\">\n<h2 id=\"title-" << HtmlEscape(p.key) << "\">"
       << HtmlEscape(p.title) << " " << Badge(p.state)
       << "</h2>\n<p class=\"question\">" << HtmlEscape(p.question) << "</p>\n";
  if (p.state == PillarState::kNotEnabled ||
      p.state == PillarState::kUnsupported ||
      p.state == PillarState::kNotScrapedYet) {
    html << "<p class=\"headline\">" << RenderText(p.headline) << "</p>\n";
  }
  if (p.last_scrape) {
    html << "<p class=\"last-scrape muted\">Last scrape: "
         << HtmlEscape(FormatUtc(*p.last_scrape)) << " ("
         << HtmlEscape(FormatAge(*p.last_scrape, now)) << ")</p>\n";
  }
  if (!p.findings.empty()) {
    html << "<ul class=\"findings\">\n";
    for (const Finding& f : p.findings) RenderFinding(html, f);
    html << "</ul>\n";
  }
  if (!p.notes.empty()) {
    html << "<ul class=\"notes\">";
    for (const std::string& note : p.notes) {
      html << "<li>" << RenderText(note) << "</li>";
    }
    html << "</ul>\n";
  }
  html << "<table class=\"collectors\"><thead><tr><th>Collector</th>"
          "<th>State</th><th>Last run</th><th>Last error</th></tr></thead>"
          "<tbody>\n";
  for (const CollectorReport& c : p.collectors) {
    html << "<tr id=\"collector-" << HtmlEscape(c.name) << "\" data-state=\""
         << CollectorStateKey(c.state) << "\"><td><code>" << HtmlEscape(c.name)
         << "</code><br><span class=\"muted\">" << HtmlEscape(c.description)
         << "</span></td><td>" << CollectorBadge(c.state) << "</td><td>";
    if (c.finished_at) {
      html << When(c.finished_at, now) << "<br><span class=\"muted\">took "
           << HtmlEscape(FormatSeconds(c.duration_seconds)) << " s</span>";
    } else if (c.state == CollectorState::kNotEnabled) {
      html << "<span class=\"muted\">disabled: set <code>collectors."
           << HtmlEscape(c.name) << ".enabled: true</code></span>";
    } else {
      html << "<span class=\"muted\">not run yet</span>";
    }
    html << "</td><td>";
    if (!c.error.empty()) {
      html << "<span class=\"error\">" << RenderText(c.error) << "</span>";
      if (c.state == CollectorState::kUnsupported) {
        html << "<br><span class=\"muted\">" << RenderText(c.first_fix)
             << "</span>";
      }
    } else {
      html << "<span class=\"muted\">none</span>";
    }
    html << "</td></tr>\n";
  }
  html << "</tbody></table>\n</section>\n";
}

}  // namespace

// --- Public
// --------------------------------------------------------------------

std::string PillarStateKey(PillarState state) {
  switch (state) {
    case PillarState::kOk:
      return "ok";
    case PillarState::kWarning:
      return "warning";
    case PillarState::kProblem:
      return "problem";
    case PillarState::kNotScrapedYet:
      return "not-scraped-yet";
    case PillarState::kNotEnabled:
      return "not-enabled";
    case PillarState::kUnsupported:
      return "unsupported";
  }
  return "unknown";
}

std::string PillarStateLabel(PillarState state) {
  switch (state) {
    case PillarState::kOk:
      return "OK";
    case PillarState::kWarning:
      return "WARNING";
    case PillarState::kProblem:
      return "PROBLEM";
    case PillarState::kNotScrapedYet:
      return "NOT SCRAPED YET";
    case PillarState::kNotEnabled:
      return "NOT ENABLED";
    case PillarState::kUnsupported:
      return "UNSUPPORTED ON THIS OS";
  }
  return "UNKNOWN";
}

std::string CollectorStateKey(CollectorState state) {
  switch (state) {
    case CollectorState::kOk:
      return "ok";
    case CollectorState::kFailed:
      return "failed";
    case CollectorState::kTimedOut:
      return "timed-out";
    case CollectorState::kNotRunYet:
      return "not-run-yet";
    case CollectorState::kNotEnabled:
      return "not-enabled";
    case CollectorState::kUnsupported:
      return "unsupported";
  }
  return "unknown";
}

std::string CollectorStateLabel(CollectorState state) {
  switch (state) {
    case CollectorState::kOk:
      return "OK";
    case CollectorState::kFailed:
      return "FAILED";
    case CollectorState::kTimedOut:
      return "TIMED OUT";
    case CollectorState::kNotRunYet:
      return "NOT RUN YET";
    case CollectorState::kNotEnabled:
      return "NOT ENABLED";
    case CollectorState::kUnsupported:
      return "UNSUPPORTED ON THIS OS";
  }
  return "UNKNOWN";
}

std::vector<PillarReport> AssessPillars(
    const std::vector<CollectorEntry>& table,
    const std::vector<CollectorSummary>& summaries, TimePoint now) {
  auto summary_of = [&](const std::string& name) -> const CollectorSummary* {
    for (const CollectorSummary& s : summaries) {
      if (s.name == name) return &s;
    }
    return nullptr;
  };
  auto entry_of = [&](const std::string& name) -> const CollectorEntry* {
    for (const CollectorEntry& e : table) {
      if (e.name == name) return &e;
    }
    return nullptr;
  };

  std::vector<PillarSpec> specs = PillarSpecs();
  std::set<std::string> placed;
  for (const PillarSpec& spec : specs) {
    placed.insert(spec.collectors.begin(), spec.collectors.end());
  }
  PillarSpec other{"other",
                   "Other collectors",
                   "Collectors that belong to none of the pillars above.",
                   {},
                   "Not enabled."};
  for (const CollectorEntry& entry : table) {
    if (!placed.count(entry.name)) other.collectors.push_back(entry.name);
  }
  if (!other.collectors.empty()) specs.push_back(other);

  std::vector<PillarReport> pillars;
  for (const PillarSpec& spec : specs) {
    PillarReport pillar;
    pillar.key = spec.key;
    pillar.title = spec.title;
    pillar.question = spec.question;
    Families families;
    for (const std::string& name : spec.collectors) {
      const CollectorEntry* entry = entry_of(name);
      if (entry == nullptr) continue;  // a table without it (tests)
      const CollectorSummary* summary = summary_of(name);
      CollectorReport report = ReportCollector(*entry, summary);
      if (report.state != CollectorState::kUnsupported) families.Add(summary);
      if (report.finished_at &&
          (!pillar.last_scrape || *report.finished_at > *pillar.last_scrape)) {
        pillar.last_scrape = report.finished_at;
      }
      pillar.collectors.push_back(std::move(report));
    }
    // Collector failures first: they are the "last error in plain words".
    for (const CollectorReport& c : pillar.collectors) {
      if (c.state != CollectorState::kFailed &&
          c.state != CollectorState::kTimedOut) {
        continue;
      }
      pillar.findings.push_back(MakeFinding(
          true,
          "The " + Code(c.name) + " collector " +
              (c.state == CollectorState::kFailed ? "failed: "
                                                  : "timed out: ") +
              c.error,
          c.meaning, c.first_fix, "entraptacollectorfailing", c.name));
    }
    const bool any_ran = std::any_of(
        pillar.collectors.begin(), pillar.collectors.end(), [](auto& c) {
          return c.state == CollectorState::kOk ||
                 c.state == CollectorState::kFailed ||
                 c.state == CollectorState::kTimedOut;
        });
    if (!any_ran) {
      // Nothing to read: the state alone says why.
    } else if (spec.key == "network") {
      AssessNetwork(families, now, pillar);
    } else if (spec.key == "cloud") {
      AssessCloud(families, now, pillar);
    } else if (spec.key == "agent") {
      AssessServices(families, pillar);
      AssessHeartbeat(families, pillar);
      AssessEvents(families, now, pillar);
      AssessAgentFiles(families, now, pillar);
    } else if (spec.key == "domain_controller") {
      AssessDomainControllers(families, pillar);
    }
    DecideState(spec, pillar);
    pillars.push_back(std::move(pillar));
  }
  return pillars;
}

std::string LandingPageHtml(const std::vector<CollectorEntry>& table,
                            const std::vector<CollectorSummary>& summaries,
                            const LandingPageInfo& info, TimePoint now) {
  const std::vector<PillarReport> pillars =
      AssessPillars(table, summaries, now);
  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width, "
          "initial-scale=1\"><title>Entra PTA Exporter</title><style>"
       << kStyle << "</style></head><body>\n<header><h1>Entra PTA Exporter</h1>"
       << "<p>Prometheus exporter for Microsoft Entra ID Pass-through "
          "Authentication agents. Version "
       << HtmlEscape(D(info.version)) << " (revision "
       << HtmlEscape(D(info.revision)) << "), listening on "
       << HtmlEscape(D(info.listen_address)) << ". Page generated "
       << HtmlEscape(FormatUtc(now)) << ".</p>\n<nav aria-label=\"Links\">"
       << "<a href=\"/metrics\">/metrics</a><a href=\"/health\">/health</a>"
          "<a href=\"/version\">/version</a>"
       << "<a href=\"" << kDocsBase << "runbooks.md\">Runbooks</a>"
       << "<a href=\"" << kDocsBase << "metrics.md\">Metrics reference</a>"
       << "<a href=\"" << kDocsBase
       << "configuration.md\">Configuration</a></nav></header>\n<main>\n";

  int attention = 0;
  for (const PillarReport& p : pillars) {
    if (p.state == PillarState::kProblem || p.state == PillarState::kWarning) {
      ++attention;
    }
  }
  html << "<section id=\"overview\" aria-labelledby=\"overview-title\">"
          "<h2 id=\"overview-title\">At a glance</h2>\n<p class=\"summary\" "
          "id=\"summary\">";
  auto any = [&](PillarState state) {
    return std::any_of(pillars.begin(), pillars.end(),
                       [&](const PillarReport& p) { return p.state == state; });
  };
  if (attention == 0 && any(PillarState::kOk)) {
    html << "No problem found in the last scrape.";
  } else if (attention == 0 && any(PillarState::kNotScrapedYet)) {
    html << "Nothing scraped yet: the state appears after the next scrape of "
            "/metrics.";
  } else if (attention == 0) {
    html << "No collector that can run here is enabled.";
  } else {
    html << attention << (attention == 1 ? " pillar needs" : " pillars need")
         << " attention.";
  }
  html << "</p>\n<table class=\"overview\"><thead><tr><th>Pillar</th>"
          "<th>State</th><th>Last scrape</th><th>In short</th></tr></thead>"
          "<tbody>\n";
  for (const PillarReport& p : pillars) {
    html << "<tr id=\"overview-" << HtmlEscape(p.key) << "\" data-state=\""
         << PillarStateKey(p.state) << "\"><td><a href=\"#pillar-"
         << HtmlEscape(p.key) << "\">" << HtmlEscape(p.title) << "</a></td><td>"
         << Badge(p.state) << "</td><td>" << When(p.last_scrape, now)
         << "</td><td>" << RenderText(p.headline) << "</td></tr>\n";
  }
  html << "</tbody></table>\n<p class=\"muted\">This page shows the outcome "
          "of the last scrape of <a href=\"/metrics\">/metrics</a>; opening "
          "it runs no check. Reload it after Prometheus's next scrape.</p>"
          "\n</section>\n";
  for (const PillarReport& p : pillars) RenderPillar(html, p, now);
  html << "</main>\n<footer>Alerts and their runbooks: "
          "<code>alerts/entra-pta.rules.yml</code>, <a href=\""
       << kDocsBase << "runbooks.md\">docs/runbooks.md</a>.</footer>\n"
       << "</body></html>\n";
  return html.str();
}

std::string ScrubForDisplay(const std::string& input) {
  std::string text = input;
  for (char& c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = ' ';
  }
  // URL user information: scheme://user:password@host -> scheme://***@host.
  for (std::size_t pos = text.find("://"); pos != std::string::npos;
       pos = text.find("://", pos + 3)) {
    const std::size_t start = pos + 3;
    std::size_t end = text.find_first_of("/?# \"'<>", start);
    if (end == std::string::npos) end = text.size();
    const std::size_t at = text.rfind('@', end - 1);
    if (at != std::string::npos && at >= start && at < end) {
      text.replace(start, at - start, "***");
    }
  }
  // key=value and "key":"value" for secret-like keys.
  static const char* const kKeys[] = {
      "client_secret", "refresh_token", "access_token", "id_token",
      "device_code",   "password",      "passwd",       "secret",
      "token",         "api_key",       "apikey"};
  for (const char* key_text : kKeys) {
    const std::string key = key_text;
    for (std::size_t i = 0; i + key.size() < text.size(); ++i) {
      if (!StartsWithNoCase(text, i, key)) continue;
      std::size_t v = i + key.size();
      bool json = false;
      if (text[v] == '"') {
        ++v;
        json = true;
      }
      while (v < text.size() && text[v] == ' ') ++v;
      if (v >= text.size() || (text[v] != '=' && text[v] != ':')) continue;
      if (text[v] == ':' && !json) continue;  // "token: expired" is prose
      ++v;
      while (v < text.size() && text[v] == ' ') ++v;
      const bool quoted = v < text.size() && text[v] == '"';
      if (quoted) ++v;
      std::size_t e = v;
      while (e < text.size() && (quoted ? text[e] != '"'
                                        : std::string(" &,;\"'").find(
                                              text[e]) == std::string::npos)) {
        ++e;
      }
      if (e > v && text.compare(v, e - v, "***") != 0) {
        text.replace(v, e - v, "***");
      }
      i = v;
    }
  }
  // Authorization: Bearer <token>
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!StartsWithNoCase(text, i, "bearer ")) continue;
    std::size_t v = i + 7;
    std::size_t e = v;
    while (e < text.size() && text[e] != ' ' && text[e] != '"' &&
           text[e] != '\'') {
      ++e;
    }
    if (e > v && text.compare(v, e - v, "***") != 0) {
      text.replace(v, e - v, "***");
    }
    i = v;
  }
  return text;
}

std::string FormatUtc(TimePoint t) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(t);
  const auto day = floor<days>(secs);
  const year_month_day ymd{day};
  const hh_mm_ss hms{secs - day};
  char buf[64];
  std::snprintf(
      buf, sizeof buf, "%04d-%02u-%02u %02d:%02d:%02d UTC",
      static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
      static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
      static_cast<int>(hms.minutes().count()),
      static_cast<int>(hms.seconds().count()));
  return buf;
}

std::string FormatAge(TimePoint t, TimePoint now) {
  if (t > now + std::chrono::seconds(1)) return "in the future";
  const auto age = std::chrono::duration_cast<std::chrono::seconds>(now - t);
  if (age < std::chrono::seconds(1)) return "just now";
  return PlainDuration(age) + " ago";
}

}  // namespace entra_pta
