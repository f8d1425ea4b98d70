// The verdict engine: the one judgement of "is PTA healthy, and what is the
// first fix". A pure function of the metric families of one run (or of the
// last scrape), the state of each collector's run, the time and the event
// look-back; it returns findings in the order administrators work through a
// PTA outage (docs/runbooks.md): cloud status, outbound network and SSL
// inspection, agent events, services, agent version/certificate and
// heartbeat, domain controllers. Every threshold is in thresholds.h (the
// alert rules' numbers); every text the findings carry is scrubbed of
// secrets here, once, so no view can show one.
// The views (exporter/views: the `diagnose` report, the landing page) only
// render findings.
// Thread-safety: pure functions on caller-owned values.
#pragma once

#include <prometheus/metric_family.h>

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace entra_pta::verdict {

// kSkip: not checked, because the collector is disabled or cannot work on
// this OS.
enum class Severity { kPass, kWarn, kFail, kSkip };

// The pillars PTA depends on, as the landing page groups them.
enum class Pillar { kCloud, kNetwork, kAgent, kDomainController };
std::string_view PillarKey(Pillar pillar);  // "cloud", "domain_controller"

struct Finding {
  std::string id;  // stable, e.g. "network.endpoint.login"
  Pillar pillar = Pillar::kCloud;
  // The step of the triage order: "cloud", "network", "events", "services",
  // "agent", "dc".
  std::string topic;
  std::string name;  // what was checked, e.g. "Endpoint login"
  Severity severity = Severity::kPass;
  std::string summary;                 // the outcome in one line
  std::vector<std::string> evidence;   // numbers, names, reasons
  std::string meaning;                 // what it means for sign-ins; may be ""
  std::vector<std::string> first_fix;  // one or two steps; empty for a pass
  std::string runbook_anchor;  // section of docs/runbooks.md; may be empty
  std::string alert_name;      // the alert rule with the same verdict
};

// How a collector's last run went, when the caller knows it first-hand (the
// landing page, from the scrape runner); otherwise the engine reads
// entra_pta_scrape_collector_success from the families.
struct CollectorOutcome {
  bool success = false;  // false: it failed or timed out
  std::string error;
  bool timed_out = false;
};

struct Input {
  // What the collectors returned, entra_pta_scrape_collector_* included.
  // A family name may appear more than once (one per scrape runner).
  std::vector<const prometheus::MetricFamily*> families;
  // The error of each enabled collector that failed or timed out.
  std::map<std::string, std::string> collector_errors;
  // Every enabled collector that has run; when empty, the engine reads the
  // runs from entra_pta_scrape_collector_success instead.
  std::map<std::string, CollectorOutcome> runs;
  std::chrono::system_clock::time_point now;
  std::chrono::seconds since{24 * 3600};  // the window of the event checks
};

std::vector<Finding> Assess(const Input& input);

// How the engine sees a collector's last run: not run or not enabled, unable
// to work on this OS (entra_pta_<name>_os_supported 0), failed, or fine.
enum class RunState { kDisabled, kUnsupported, kFailed, kOk };
RunState RunStateOf(const Input& input, const std::string& collector);

// Pointers to every family of `families`, for Input::families.
std::vector<const prometheus::MetricFamily*> Borrow(
    const std::vector<prometheus::MetricFamily>& families);

}  // namespace entra_pta::verdict
