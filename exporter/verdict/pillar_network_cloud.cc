// The landing page's network and cloud pillars.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "exporter/verdict/pillar_assess.h"
#include "exporter/verdict/text.h"
#include "exporter/verdict/thresholds.h"
#include "exporter/verdict/tls_words.h"

namespace entra_pta::verdict::page {

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

// What the last scrape says about each endpoint, by endpoint name.
struct NetworkView {
  std::map<std::string, std::string> url, proxy, reason;
  std::map<std::string, double> issuer_match, chain_verified, not_after;
  std::map<std::string, Sample> cert_info;

  // "login (https://... through the proxy ...)".
  std::string Where(const std::string& endpoint) {
    std::string text = D(endpoint);
    if (auto it = url.find(endpoint); it != url.end() && !it->second.empty()) {
      text += " (" + D(it->second);
      if (!proxy[endpoint].empty()) {
        text += " through the proxy " + D(proxy[endpoint]);
      }
      text += ")";
    }
    return text;
  }
};

NetworkView ReadNetwork(const Families& f) {
  NetworkView v;
  for (const Sample& s : f.Get("entra_pta_endpoint_info")) {
    v.url[s.Label("endpoint")] = s.Label("url");
    v.proxy[s.Label("endpoint")] = s.Label("proxy");
  }
  for (const Sample& s : f.Get("entra_pta_endpoint_failure_info")) {
    if (s.value == 1) v.reason[s.Label("endpoint")] = s.Label("reason");
  }
  for (const Sample& s : f.Get("entra_pta_tls_issuer_match")) {
    v.issuer_match[s.Label("endpoint")] = s.value;
  }
  for (const Sample& s : f.Get("entra_pta_tls_chain_verified")) {
    v.chain_verified[s.Label("endpoint")] = s.value;
  }
  for (const Sample& s :
       f.Get("entra_pta_tls_cert_not_after_timestamp_seconds")) {
    v.not_after[s.Label("endpoint")] = s.value;
  }
  for (const Sample& s : f.Get("entra_pta_tls_cert_info")) {
    v.cert_info[s.Label("endpoint")] = s;
  }
  return v;
}

void InspectionFindings(const Families& f, NetworkView& v,
                        PillarReport& pillar) {
  std::map<std::string, std::map<std::string, TlsChainPart>> parts;
  for (const Sample& s : f.Get("entra_pta_tls_chain_part_allowed")) {
    TlsChainPart& part = parts[s.Label("endpoint")][s.Label("part")];
    part.known = true;
    part.allowed = s.value == 1;
    part.name = s.Label("name");
    part.fingerprint = s.Label("fingerprint_sha256");
  }
  for (const auto& [endpoint, match] : v.issuer_match) {
    if (match != 0) continue;
    const Sample& cert = v.cert_info[endpoint];
    TlsChainPart issuer = parts[endpoint]["issuer"];
    TlsChainPart root = parts[endpoint]["root"];
    if (!issuer.known) issuer.name = cert.Label("issuer");
    if (!root.known) root.name = cert.Label("root");
    const TlsMismatchWords words = DescribeTlsMismatch(issuer, root, Quoted);
    PillarFinding finding;
    finding.what =
        words.headline + " on " + v.Where(endpoint) + ": " + words.what + ".";
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
}

// One finding per unreachable endpoint; returns how many were reachable.
int UnreachableFindings(const Families& f, NetworkView& v, TimePoint now,
                        PillarReport& pillar) {
  int up_count = 0;
  for (const Sample& s : f.Get("entra_pta_endpoint_up")) {
    const std::string endpoint = s.Label("endpoint");
    if (s.value == 1) {
      ++up_count;
      continue;
    }
    const std::string why =
        v.reason.count(endpoint) ? v.reason[endpoint] : std::string();
    if (why == "tls" && v.issuer_match.count(endpoint) &&
        v.issuer_match[endpoint] == 0) {
      continue;  // the SSL-inspection finding says it better
    }
    PillarFinding finding;
    finding.what =
        v.Where(endpoint) + " cannot be reached: " + ReasonWords(why);
    if (why == "tls" && v.not_after.count(endpoint) &&
        FromUnixSeconds(v.not_after[endpoint]) < now) {
      finding.what += "; its certificate expired on " +
                      FormatDate(FromUnixSeconds(v.not_after[endpoint]));
    } else if (why == "tls" && v.chain_verified.count(endpoint) &&
               v.chain_verified[endpoint] == 0) {
      finding.what += "; the chain issued by " +
                      Quoted(v.cert_info[endpoint].Label("issuer")) +
                      " does not verify for this host";
    }
    finding.what += ".";
    const HostPort host_port = UrlHostPort(v.url[endpoint]);
    finding.meaning =
        v.url[endpoint].rfind("http://", 0) == 0
            ? "The agent checks certificate revocation there (port 80); "
              "when it cannot, its TLS connections to Microsoft can fail."
            : "The PTA agent needs this endpoint and fails the same way "
              "(event 31034); Entra marks it inactive after about 120 "
              "minutes without contact.";
    finding.first_fix = EndpointFix(why, {D(host_port.host), D(host_port.port)},
                                    D(v.proxy[endpoint]));
    finding.runbook_anchor = "entraptaendpointunreachable";
    pillar.findings.push_back(std::move(finding));
  }
  return up_count;
}

void AssessNetwork(const Families& f, TimePoint now, PillarReport& pillar) {
  NetworkView v = ReadNetwork(f);
  InspectionFindings(f, v, pillar);
  const int up_count = UnreachableFindings(f, v, now, pillar);
  const std::size_t total = f.Get("entra_pta_endpoint_up").size();
  if (total > 0) {
    pillar.notes.push_back(std::to_string(up_count) + " of " +
                           std::to_string(total) + " endpoints reachable.");
  }
  int genuine = 0;
  for (const auto& [endpoint, match] : v.issuer_match) {
    if (match == 1) ++genuine;
  }
  if (!v.issuer_match.empty()) {
    pillar.notes.push_back(std::to_string(genuine) + " of " +
                           std::to_string(v.issuer_match.size()) +
                           " TLS certificates issued by the expected CAs "
                           "(no SSL inspection).");
  }
  std::set<std::string> proxies;
  for (const auto& [endpoint, p] : v.proxy) {
    if (!p.empty()) proxies.insert(D(p));
  }
  for (const std::string& p : proxies) {
    pillar.notes.push_back("Probes go through the proxy " + p + ".");
  }
}

// The number of active agents against the recommendation.
void ActiveAgentFindings(double active, PillarReport& pillar) {
  const long long n = Whole(active);
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
  } else if (n < kRecommendedActiveAgents) {
    pillar.findings.push_back(MakeFinding(
        false,
        "Only " + std::to_string(n) +
            " PTA agents are active; Microsoft recommends at least " +
            std::to_string(kRecommendedActiveAgents) + ".",
        "One more failure leaves a single agent carrying every sign-in.",
        "Repair or re-register the inactive agents, or install an "
        "additional agent.",
        "entraptafewerthanthreeactiveagents"));
  }
}

// Each agent Entra reports inactive.
void InactiveAgentFindings(const Families& f, TimePoint now,
                           PillarReport& pillar) {
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
                           FormatUtcSpaced(FromUnixSeconds(*last_refresh)) + "."
                     : "Microsoft Graph has not been read successfully since "
                       "the exporter started.");
  }
  if (active && (*api_up == 1 || last_refresh)) {
    ActiveAgentFindings(*active, pillar);
  }
  InactiveAgentFindings(f, now, pillar);
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

}  // namespace entra_pta::verdict::page
