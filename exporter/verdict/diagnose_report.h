// The report of `entra_pta_exporter diagnose`: the verdict engine's findings
// (exporter/verdict/engine.h) for one run of every enabled collector (plus
// each failed collector's error), grouped into the sections administrators
// work through a PTA outage in (docs/runbooks.md): cloud status, outbound
// network and SSL inspection, agent events, services, agent
// version/certificate and heartbeat, domain controllers. No verdict is made
// here; the renderers are in diagnose_render.h.
// Thread-safety: pure functions on caller-owned values.
#pragma once

#include <prometheus/metric_family.h>

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "exporter/verdict/engine.h"

namespace entra_pta::diagnose {

// The engine's severity of a finding. A SKIP never changes the exit status
// (see ExitStatus).
using Verdict = verdict::Severity;

std::string_view VerdictName(Verdict verdict);      // "PASS", "WARN", ...
std::string_view VerdictJsonName(Verdict verdict);  // "pass", "warn", ...

struct Check {
  std::string id;    // stable, e.g. "network.endpoint.login"
  std::string name;  // what was checked, e.g. "Endpoint login"
  Verdict verdict = Verdict::kPass;
  std::string summary;                // the outcome in one line
  std::vector<std::string> evidence;  // numbers, names, reasons
  std::vector<std::string> fix;       // one or two lines; empty for PASS
  std::string alert;  // the alert rule with the same verdict, if any
};

struct Section {
  int number = 0;
  std::string id;  // "cloud", "network", "events", "services", "agent", "dc"
  std::string title;
  std::vector<Check> checks;
};

struct Report {
  std::chrono::system_clock::time_point generated_at;
  std::chrono::seconds since{0};  // the window of the event checks
  std::vector<Section> sections;
  // The worst verdict among PASS/WARN/FAIL checks; kSkip when every check
  // was skipped.
  Verdict overall = Verdict::kSkip;
  std::map<Verdict, int> counts;  // every verdict present, 0 when none
};

struct DiagnoseInput {
  // What the collectors returned, entra_pta_scrape_collector_* included.
  // A family name may appear more than once (one per scrape runner).
  std::vector<prometheus::MetricFamily> families;
  // The error of each enabled collector that failed or timed out.
  std::map<std::string, std::string> collector_errors;
  std::chrono::system_clock::time_point now;
  std::chrono::seconds since{24 * 3600};
};

Report BuildReport(const DiagnoseInput& input);

// 0 when no check warned or failed (SKIPs included), 1 when the worst is a
// WARN, 2 when a check failed. Configuration errors are exit status 2 too,
// but produce no report (diagnose.h).
int ExitStatus(const Report& report);

}  // namespace entra_pta::diagnose
