// What the landing page shows, before it becomes HTML: the verdict engine's
// findings (exporter/verdict/engine.h) for the last scrape, grouped into the
// pillars PTA depends on (cloud, network to Microsoft, the agent host,
// domain controllers), each pillar with a state (OK, warning, problem, not
// enabled, unsupported on this OS, not scraped yet) that follows from its
// findings and its collectors' last runs, and each collector with the
// outcome of its last run. No judgement is made here: every finding, its
// wording, meaning, first fix, runbook section and alert are the engine's,
// the same `diagnose` renders.
// Thread-safety: pure functions of their arguments.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "exporter/sdk/collector_registration.h"
#include "exporter/sdk/collector_summary.h"
#include "exporter/verdict/engine.h"
#include "exporter/verdict/thresholds.h"

namespace entra_pta {

enum class PillarState {
  kOk,
  kWarning,  // a finding of the pillar is a warning
  kProblem,  // a finding failed, or one of its collectors failed
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

// One WARN or FAIL finding of the engine, as the page words it: `what` is
// the engine's name and summary, `first_fix` its steps. Text in backticks
// is a command or a setting (shown as code).
struct Finding {
  bool problem = true;  // FAIL; false: WARN
  std::string id;       // the engine's finding id
  std::string what;     // "Endpoint login: unreachable on port 443: ..."
  std::vector<std::string> evidence;
  std::string meaning;
  std::string first_fix;
  std::string runbook_anchor;  // section of docs/runbooks.md; may be empty
  std::string alert_name;      // may be empty
};

struct CollectorReport {
  std::string name;
  std::string description;
  CollectorState state = CollectorState::kNotEnabled;
  std::optional<std::chrono::system_clock::time_point> finished_at;
  double duration_seconds = 0;
  std::string error;      // the collector's last error, scrubbed of secrets
  std::string first_fix;  // when unsupported: where it can run
};

struct PillarReport {
  std::string key;       // "cloud", "network", "agent", "domain_controller"
  std::string title;     // "Network to Microsoft"
  std::string question;  // what the pillar answers
  PillarState state = PillarState::kNotEnabled;
  std::string headline;  // one line for the overview
  std::optional<std::chrono::system_clock::time_point> last_scrape;
  std::vector<Finding> findings;   // problems first
  std::vector<std::string> notes;  // the engine's passed checks
  std::vector<CollectorReport> collectors;
};

struct LandingPageOptions {
  // The window of the event checks: an agent event counts while its newest
  // occurrence is this recent (diagnose's --since). The page shows the last
  // scrape, and an event older than a few scrape intervals is history
  // (EntraPTAAgentCannotReach* use increase(...[15m])).
  std::chrono::seconds event_window{verdict::kRecentEventMinutes * 60};
};

// The pillars with their state, from the collector table (every collector,
// enabled or not), the runner's summaries (the enabled ones) and the time.
// A collector that is in no pillar lands in a last "Other collectors" one.
std::vector<PillarReport> AssessPillars(
    const std::vector<CollectorEntry>& table,
    const std::vector<CollectorSummary>& summaries,
    std::chrono::system_clock::time_point now,
    const LandingPageOptions& options = {});

}  // namespace entra_pta
