// Triage step 2: outbound 443/80 to the agent's endpoints (the endpoint
// collector) and SSL inspection of their certificate chains (tls).
#include <algorithm>
#include <optional>

#include "exporter/verdict/assess.h"
#include "exporter/verdict/text.h"
#include "exporter/verdict/thresholds.h"
#include "exporter/verdict/tls_words.h"

namespace entra_pta::verdict::internal {
namespace {

Finding Network(std::string id, std::string name) {
  return Make(Pillar::kNetwork, "network", std::move(id), std::move(name));
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

struct Probe {
  std::string endpoint, url, proxy, host, port;
};

void Reachable(const Context& context, const Probe& probe, double total,
               Finding& finding) {
  const double status = context.metrics
                            .One("entra_pta_endpoint_http_status_code",
                                 {{"endpoint", probe.endpoint}})
                            .value_or(0);
  finding.summary = "reachable on port " + probe.port + ": HTTP " +
                    FormatCount(status) + " in " + FormatNumber(total, 3) +
                    " s";
  if (total > kEndpointSlowSeconds) {
    finding.severity = Severity::kWarn;
    finding.summary +=
        " (slow: over " + std::to_string(kEndpointSlowSeconds) + " s)";
    finding.first_fix = {
        "Look at the phases above (dns, connect, tls, first byte) to find "
        "the slow hop: often an overloaded proxy or inspection appliance."};
    finding.alert_name = "EntraPTAEndpointSlow";
  }
}

// A failed TLS handshake: was the certificate expired, or the chain not
// valid for the host? (SSL inspection has its own finding.)
void TlsEvidence(const Context& context, const Probe& probe, Finding& finding) {
  const std::map<std::string, std::string> of = {{"endpoint", probe.endpoint}};
  for (const Sample& s :
       context.metrics.All("entra_pta_tls_issuer_match", of)) {
    if (s.value != 0) continue;
    for (const Sample& info :
         context.metrics.All("entra_pta_tls_cert_info", of)) {
      finding.evidence.push_back("certificate issued by \"" +
                                 info.Label("issuer") +
                                 "\": SSL inspection (see the SSL inspection "
                                 "check)");
    }
    return;
  }
  std::optional<double> not_after =
      context.metrics.One("entra_pta_tls_cert_not_after_timestamp_seconds", of);
  if (not_after && *not_after < context.now) {
    finding.evidence.push_back("its certificate expired on " +
                               FormatDate(FromUnixSeconds(*not_after)));
  } else if (context.metrics.One("entra_pta_tls_chain_verified", of)
                 .value_or(1) == 0) {
    std::string issuer;
    for (const Sample& info :
         context.metrics.All("entra_pta_tls_cert_info", of)) {
      issuer = info.Label("issuer");
    }
    finding.evidence.push_back("the chain issued by \"" + issuer +
                               "\" does not verify for this host");
  }
}

void Unreachable(const Context& context, const Probe& probe, Finding& finding) {
  std::string reason = "unknown";
  for (const Sample& f : context.metrics.All("entra_pta_endpoint_failure_info",
                                             {{"endpoint", probe.endpoint}})) {
    reason = f.Label("reason");
  }
  finding.severity = Severity::kFail;
  finding.summary = "unreachable on port " + probe.port + ": " +
                    ReasonInWords(reason) + " (reason " + reason + ")";
  if (reason == "tls") TlsEvidence(context, probe, finding);
  if (reason == "dns") {
    finding.first_fix = {"Resolve-DnsName " + probe.host +
                         " on the server; fix the DNS servers or forwarders."};
  } else if (!probe.proxy.empty()) {
    finding.first_fix = {"The path goes through proxy " + probe.proxy +
                             ": check that it allows CONNECT to " + probe.host +
                             ":" + probe.port + " (and does not inspect it).",
                         "Compare the proxy in the agent's .exe.config with "
                         "`netsh winhttp show proxy`."};
  } else {
    finding.first_fix = {
        "Test-NetConnection -ComputerName " + probe.host + " -Port " +
            probe.port,
        "Open outbound " + probe.port +
            " to this host; compare the proxy in the agent's .exe.config "
            "with `netsh winhttp show proxy`."};
  }
  finding.alert_name = "EntraPTAEndpointUnreachable";
  if (probe.url.rfind("http://", 0) == 0) {
    finding.meaning =
        "The agent checks certificate revocation there (port 80); when it "
        "cannot, its TLS connections to Microsoft can fail.";
  }
}

Finding Endpoint(const Context& context, const Sample& up) {
  Probe probe;
  probe.endpoint = up.Label("endpoint");
  for (const Sample& info : context.metrics.All(
           "entra_pta_endpoint_info", {{"endpoint", probe.endpoint}})) {
    probe.url = info.Label("url");
    probe.proxy = info.Label("proxy");
  }
  probe.host = HostOf(probe.url);
  probe.port = PortOf(probe.url);
  auto phase = [&](const std::string& name) {
    return context.metrics
        .One("entra_pta_endpoint_duration_seconds",
             {{"endpoint", probe.endpoint}, {"phase", name}})
        .value_or(0);
  };
  Finding finding = Network("network.endpoint." + probe.endpoint,
                            "Endpoint " + probe.endpoint);
  finding.evidence.push_back(probe.url.empty() ? "url unknown" : probe.url);
  finding.evidence.push_back(probe.proxy.empty()
                                 ? "direct (no proxy)"
                                 : "through proxy " + probe.proxy);
  finding.evidence.push_back("dns " + FormatNumber(phase("dns"), 3) +
                             " s, connect " +
                             FormatNumber(phase("connect"), 3) + " s, tls " +
                             FormatNumber(phase("tls"), 3) + " s, first byte " +
                             FormatNumber(phase("first_byte"), 3) + " s");
  if (up.value == 1) {
    Reachable(context, probe, phase("total"), finding);
  } else {
    Unreachable(context, probe, finding);
  }
  return finding;
}

struct Inspection {
  int intercepted = 0;
  int root_only = 0;  // issuer allowed, root not: a CA rotation
  std::vector<std::string> fixes;
};

// One endpoint's chain against the allow-lists, into `finding`'s evidence.
void Chain(const Context& context, const Sample& match, Finding& finding,
           Inspection& inspection) {
  const std::string endpoint = match.Label("endpoint");
  std::string issuer = "unknown";
  std::string root = "unknown";
  for (const Sample& info : context.metrics.All("entra_pta_tls_cert_info",
                                                {{"endpoint", endpoint}})) {
    issuer = info.Label("issuer");
    root = info.Label("root");
  }
  if (match.value != 0) {
    finding.evidence.push_back(endpoint + ": issuer \"" + issuer +
                               "\", root \"" + root + "\"");
    return;
  }
  ++inspection.intercepted;
  TlsChainPart parts[2];
  parts[0].name = issuer;
  parts[1].name = root;
  for (const Sample& part : context.metrics.All(
           "entra_pta_tls_chain_part_allowed", {{"endpoint", endpoint}})) {
    TlsChainPart& into = parts[part.Label("part") == "root" ? 1 : 0];
    into.known = true;
    into.allowed = part.value == 1;
    into.name = part.Label("name");
    into.fingerprint = part.Label("fingerprint_sha256");
  }
  auto quote = [](const std::string& text) { return "\"" + text + "\""; };
  const TlsMismatchWords words = DescribeTlsMismatch(parts[0], parts[1], quote);
  if (!words.inspection) ++inspection.root_only;
  finding.evidence.push_back(endpoint + ": " + words.headline + ": " +
                             words.what);
  if (std::find(inspection.fixes.begin(), inspection.fixes.end(), words.fix) ==
      inspection.fixes.end()) {
    inspection.fixes.push_back(words.fix);
  }
}

Finding SslInspection(const Context& context) {
  Finding finding = Network("network.ssl_inspection", "SSL inspection");
  const std::vector<Sample> matches =
      context.metrics.All("entra_pta_tls_issuer_match");
  Inspection inspection;
  for (const Sample& s : matches) Chain(context, s, finding, inspection);
  bool any_https = false;
  for (const Sample& info : context.metrics.All("entra_pta_endpoint_info")) {
    if (info.Label("url").rfind("https://", 0) == 0) any_https = true;
  }
  const std::string of_all = std::to_string(matches.size());
  if (matches.empty() && !any_https) {
    finding.severity = Severity::kSkip;
    finding.summary = "not checked: no https endpoint is probed";
    finding.first_fix = {
        "Set tenant.id (and keep collectors.endpoint.default_targets on) so "
        "the agent's https endpoints are probed."};
  } else if (matches.empty()) {
    finding.severity = Severity::kWarn;
    finding.summary =
        "not checked: no TLS handshake completed, so no certificate chain to "
        "inspect";
    finding.first_fix = {
        "Fix the endpoint failures above, then run diagnose "
        "again."};
  } else if (inspection.intercepted > 0) {
    finding.severity = Severity::kFail;
    finding.summary =
        std::to_string(inspection.intercepted) + " of " + of_all +
        (inspection.root_only == inspection.intercepted
             ? " endpoints present a chain whose issuing CA is allowed but "
               "whose root is not on the allow-list (a CA rotation the "
               "allow-list has not caught up with, or SSL inspection)"
             : " endpoints present a certificate re-signed by another CA: "
               "SSL inspection breaks the agent");
    finding.first_fix = inspection.fixes;
    finding.alert_name = "EntraPTATLSInterceptionDetected";
  } else {
    finding.summary = "no SSL inspection: every https endpoint (" + of_all +
                      ") presents a chain from the allowed issuers";
  }
  return finding;
}

}  // namespace

void AssessNetwork(const Context& context, std::vector<Finding>& out) {
  AddCollectorFinding(context, Pillar::kNetwork, "network", "endpoint",
                      "Enable collectors.endpoint (it is on by default) with "
                      "tenant.id set, so the agent's own hosts are probed.",
                      out);
  if (HasData(context, "endpoint")) {
    for (const Sample& up : context.metrics.All("entra_pta_endpoint_up")) {
      out.push_back(Endpoint(context, up));
    }
  }
  AddCollectorFinding(context, Pillar::kNetwork, "network", "tls",
                      "Enable collectors.tls (on by default; it needs the "
                      "endpoint collector) to detect SSL inspection.",
                      out);
  if (HasData(context, "tls")) out.push_back(SslInspection(context));
}

}  // namespace entra_pta::verdict::internal
