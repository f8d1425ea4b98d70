// Shared fixtures of the landing page tests (landing_page_test.cc and
// landing_page_pillars_test.cc): a collector table, collector summaries and
// metric families as the collectors name them, at one fixed "now".
// Thread-safety: plain functions and constants.
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "exporter/sdk/metric_builder.h"
#include "exporter/views/landing_page.h"

namespace entra_pta::landing_page_test {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using Families = std::vector<prometheus::MetricFamily>;

// 2026-11-25 23:41:07 UTC
inline const std::chrono::system_clock::time_point kNow{seconds(1795650067)};

inline std::vector<CollectorEntry> Table() {
  std::vector<CollectorEntry> table;
  for (const char* name : {"heartbeat", "service", "eventlog", "agent",
                           "endpoint", "tls", "domain_controller", "cloud"}) {
    table.push_back(
        {name, std::string("what ") + name + " answers", true, nullptr});
  }
  return table;
}

inline CollectorSummary Ran(const std::string& name, Families families,
                            const std::string& error = "") {
  CollectorSummary s;
  s.name = name;
  s.has_run = true;
  s.success = error.empty();
  s.error = error;
  s.duration_seconds = 0.25;
  s.finished_at = kNow - seconds(12);
  s.families = std::make_shared<const Families>(std::move(families));
  return s;
}

inline prometheus::MetricFamily Gauge(const std::string& name, Labels labels,
                                      double value) {
  auto family = GaugeFamily(name, "test");
  AddSample(family, labels, value);
  return family;
}

inline double UnixSeconds(std::chrono::system_clock::time_point t) {
  return ToUnixSeconds(t);
}

inline const PillarReport& Pillar(const std::vector<PillarReport>& pillars,
                                  const std::string& key) {
  for (const PillarReport& p : pillars) {
    if (p.key == key) return p;
  }
  throw std::runtime_error("no pillar " + key);
}

inline std::string AllText(const PillarReport& p) {
  std::string text = p.headline;
  for (const Finding& f : p.findings) {
    text += "\n" + f.what + "\n" + f.meaning + "\n" + f.first_fix;
    for (const std::string& e : f.evidence) text += "\n" + e;
  }
  for (const std::string& n : p.notes) text += "\n" + n;
  return text;
}

inline Families HealthyHeartbeat() {
  return {
      Gauge("entra_pta_agent_heartbeat_threshold_seconds", {}, 7200),
      Gauge("entra_pta_agent_heartbeat_stale", {{"source", "any"}}, 0),
      Gauge("entra_pta_agent_heartbeat_age_seconds", {{"source", "any"}}, 90),
      Gauge("entra_pta_agent_heartbeat_stale", {{"source", "trace_log"}}, 0),
      Gauge("entra_pta_agent_heartbeat_age_seconds", {{"source", "trace_log"}},
            90)};
}

inline Families Endpoint(const std::string& name, const std::string& url,
                         bool up, const std::string& reason = "",
                         const std::string& proxy = "") {
  Families f = {Gauge("entra_pta_endpoint_up", {{"endpoint", name}}, up),
                Gauge("entra_pta_endpoint_info",
                      {{"endpoint", name}, {"url", url}, {"proxy", proxy}}, 1)};
  if (!reason.empty()) {
    f.push_back(Gauge("entra_pta_endpoint_failure_info",
                      {{"endpoint", name}, {"reason", reason}}, 1));
  }
  return f;
}

inline Families Tls(const std::string& name, bool match,
                    const std::string& issuer, const std::string& root) {
  return {Gauge("entra_pta_tls_issuer_match", {{"endpoint", name}}, match),
          Gauge("entra_pta_tls_chain_verified", {{"endpoint", name}}, match),
          Gauge("entra_pta_tls_cert_info",
                {{"endpoint", name},
                 {"subject", "localhost"},
                 {"issuer", issuer},
                 {"root", root},
                 {"fingerprint_sha256", "ab"},
                 {"serial", "1"}},
                1)};
}

inline Families Concat(Families a, const Families& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace entra_pta::landing_page_test
