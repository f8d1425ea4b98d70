// The landing page's judgement: the pillars PTA depends on (cloud, network
// to Microsoft, the agent host, domain controllers), in the order an outage
// is worked through (docs/runbooks.md), each with a state (OK, warning,
// problem, not enabled, unsupported on this OS, not scraped yet) from its
// collectors' last scrape: their errors and what their metrics say, each
// finding with what it means and the first fix. It judges by thresholds.h
// and the engine's text helpers (scrubbed, one UTC format); where it had no
// finding of its own and `diagnose` had one (a slow endpoint, a heartbeat no
// source judged) it takes the engine's (engine.h). exporter/views renders it.
// Texts are plain words; a span between \x01 and \x02 is a command or a
// setting (code).
// Thread-safety: pure functions of their arguments.
#pragma once

#include <prometheus/metric_family.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "exporter/sdk/collector_summary.h"

namespace entra_pta::verdict {

// A span of a text between these is a command or a setting.
inline constexpr char kCodeOpen = '\x01';
inline constexpr char kCodeClose = '\x02';

enum class PillarState {
  kOk,
  kWarning,  // works, but below a recommendation (e.g. < 3 active agents)
  kProblem,  // a collector failed, or its metrics show a failure
  kNotScrapedYet,
  kNotEnabled,
  kUnsupported,  // every enabled collector of it needs another OS
};

enum class CollectorState {
  kOk,
  kFailed,
  kTimedOut,
  kNotRunYet,
  kNotEnabled,
  kUnsupported,
};

// Lower-case words for a state, used as label, CSS class and data-state.
std::string PillarStateKey(PillarState state);    // "ok", "not-enabled", ...
std::string PillarStateLabel(PillarState state);  // "OK", "NOT ENABLED", ...
std::string CollectorStateKey(CollectorState state);    // "timed-out", ...
std::string CollectorStateLabel(CollectorState state);  // "TIMED OUT", ...

// One thing the metrics or a collector error show. Texts are plain words;
// a span between \x01 and \x02 is shown as code (a command or a setting).
struct PillarFinding {
  bool problem = true;  // false: a warning
  std::string what;     // e.g. "login (https://...) cannot be reached: ..."
  std::string meaning;
  std::string first_fix;
  std::string runbook_anchor;    // section of docs/runbooks.md; may be empty
  std::string failed_collector;  // set when the finding is its failure
};

struct CollectorReport {
  std::string name;
  std::string description;
  CollectorState state = CollectorState::kNotEnabled;
  std::optional<std::chrono::system_clock::time_point> finished_at;
  double duration_seconds = 0;
  std::string error;  // the collector's last error, scrubbed of secrets
  std::string meaning;
  std::string first_fix;
};

struct PillarReport {
  std::string key;       // "cloud", "network", "agent", "domain_controller"
  std::string title;     // "Network to Microsoft"
  std::string question;  // what the pillar answers
  PillarState state = PillarState::kNotEnabled;
  std::string headline;  // one line for the overview
  std::optional<std::chrono::system_clock::time_point> last_scrape;
  std::vector<PillarFinding> findings;  // problems first
  std::vector<std::string> notes;       // what is fine, in numbers
  std::vector<CollectorReport> collectors;
};

// What the page knows of one collector: its table entry and, when it is
// enabled, the scrape runner's account of its last run.
struct CollectorInput : CollectorSummary {
  std::string description;
  bool enabled = false;
};

// The pillars with their state, from every collector (enabled or not) and
// the time. A collector that is in no pillar lands in a last "Other
// collectors" one.
std::vector<PillarReport> AssessPillars(
    const std::vector<CollectorInput>& collectors,
    std::chrono::system_clock::time_point now);

}  // namespace entra_pta::verdict
