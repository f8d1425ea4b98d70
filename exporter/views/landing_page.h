// The landing page (`/`): what a person opening the exporter in a browser
// needs at a glance. The collectors are grouped into the pillars PTA depends
// on (cloud, network to Microsoft, the agent host, domain controllers), in
// the order an outage is worked through (docs/runbooks.md). Each pillar gets
// a state (OK, warning, problem, not enabled, unsupported on this OS, not
// scraped yet) from its collectors' last scrape: their errors and what their
// metrics say (an unreachable endpoint, SSL inspection, a stale heartbeat,
// ...), each finding with what it means and the first fix, in the words of
// docs/runbooks.md and alerts/entra-pta.rules.yml.
//
// The page only reads the last scrape of /metrics; opening it never runs a
// collector. Everything shown is HTML-escaped, URL user information and
// token- or secret-like values are blanked out, and the page has no script
// (the server's CSP forbids one) and says every state in words, not only in
// colour.
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "exporter/sdk/collector_registration.h"
#include "exporter/sdk/collector_summary.h"

namespace entra_pta {

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
struct Finding {
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
  std::vector<Finding> findings;   // problems first
  std::vector<std::string> notes;  // what is fine, in numbers
  std::vector<CollectorReport> collectors;
};

// The pillars with their state, from the collector table (every collector,
// enabled or not), the runner's summaries (the enabled ones) and the time.
// A collector that is in no pillar lands in a last "Other collectors" one.
std::vector<PillarReport> AssessPillars(
    const std::vector<CollectorEntry>& table,
    const std::vector<CollectorSummary>& summaries,
    std::chrono::system_clock::time_point now);

struct LandingPageInfo {
  std::string version;
  std::string revision;
  std::string listen_address;
};

// The whole page (UTF-8 HTML, no script).
std::string LandingPageHtml(const std::vector<CollectorEntry>& table,
                            const std::vector<CollectorSummary>& summaries,
                            const LandingPageInfo& info,
                            std::chrono::system_clock::time_point now);

// `text` with what must never be shown blanked out: the user information of
// URLs ("http://user:pw@proxy" -> "http://***@proxy"), the values after
// secret-, token- and password-like keys ("client_secret=..."), bearer
// tokens; C0 control characters become spaces.
std::string ScrubForDisplay(const std::string& text);

// "2026-11-25 23:41:07 UTC".
std::string FormatUtc(std::chrono::system_clock::time_point t);

// "just now", "45 s ago", "12 min ago", "3 h 5 min ago", "2 d 4 h ago";
// "in the future" when t is after now (a clock step).
std::string FormatAge(std::chrono::system_clock::time_point t,
                      std::chrono::system_clock::time_point now);

}  // namespace entra_pta
