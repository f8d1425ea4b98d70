#include "exporter/views/landing_page_model.h"

#include <algorithm>
#include <map>
#include <set>

#include "exporter/verdict/text.h"

namespace entra_pta {
namespace {

using TimePoint = std::chrono::system_clock::time_point;

struct PillarSpec {
  std::string key;  // verdict::PillarKey of the engine's pillar
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
       "Not enabled: one central exporter per tenant runs the `cloud` "
       "collector (it needs a Microsoft Graph sign-in, see the configuration "
       "guide)."},
      {"network",
       "Network to Microsoft",
       "Can this server reach every Microsoft endpoint the agent needs, "
       "without SSL inspection?",
       {"endpoint", "tls"},
       "Not enabled: set `collectors.endpoint.enabled: true` and "
       "`collectors.tls.enabled: true` on each agent server."},
      {"agent",
       "Agent host",
       "Is the agent on this server running, alive, current and free of "
       "error events?",
       {"service", "eventlog", "agent", "heartbeat"},
       "Not enabled: set `collectors.heartbeat.enabled: true` (and on "
       "Windows `service`, `eventlog`, `agent`) on each agent server."},
      {"domain_controller",
       "Domain controllers",
       "Can this server find a domain controller and reach it (LDAP 389, "
       "Kerberos 88)?",
       {"domain_controller"},
       "Not enabled (the default): set "
       "`collectors.domain_controller.enabled: true` on each agent server."},
  };
  return specs;
}

// The pillars, and an "Other collectors" one for any collector in none.
std::vector<PillarSpec> SpecsFor(const std::vector<CollectorEntry>& table) {
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
  for (const CollectorEntry& c : table) {
    if (!placed.count(c.name)) other.collectors.push_back(c.name);
  }
  if (!other.collectors.empty()) specs.push_back(other);
  return specs;
}

std::string Joined(const std::vector<std::string>& lines,
                   const std::string& separator) {
  std::string out;
  for (const std::string& line : lines) {
    out += (out.empty() ? "" : separator) + line;
  }
  return out;
}

// The page's wording of one engine finding: nothing added, nothing judged.
Finding Shown(const verdict::Finding& f) {
  Finding shown;
  shown.problem = f.severity == verdict::Severity::kFail;
  shown.id = f.id;
  shown.what = f.name + ": " + f.summary;
  shown.evidence = f.evidence;
  shown.meaning = f.meaning;
  shown.first_fix = Joined(f.first_fix, " ");
  shown.runbook_anchor = f.runbook_anchor;
  shown.alert_name = f.alert_name;
  return shown;
}

// The engine's input from the runner's summaries: every enabled collector
// that has run, with the families its last scrape returned.
verdict::Input EngineInput(const std::vector<CollectorSummary>& summaries,
                           TimePoint now, const LandingPageOptions& options) {
  verdict::Input input;
  input.now = now;
  input.since = options.event_window;
  for (const CollectorSummary& s : summaries) {
    if (!s.has_run) continue;
    input.runs[s.name] = {s.success, s.error, s.timed_out};
    if (!s.families) continue;
    for (const auto& family : *s.families) input.families.push_back(&family);
  }
  return input;
}

CollectorReport ReportCollector(const CollectorEntry& entry,
                                const CollectorSummary* summary,
                                const verdict::Input& input,
                                const std::vector<verdict::Finding>& all) {
  CollectorReport report;
  report.name = entry.name;
  report.description = entry.description;
  if (summary == nullptr) return report;  // kNotEnabled
  if (!summary->has_run) {
    report.state = CollectorState::kNotRunYet;
    return report;
  }
  report.finished_at = summary->finished_at;
  report.duration_seconds = summary->duration_seconds;
  report.error = verdict::ScrubForDisplay(summary->error);
  switch (verdict::RunStateOf(input, entry.name)) {
    case verdict::RunState::kUnsupported:
      report.state = CollectorState::kUnsupported;
      // The engine's SKIP finding of the collector says where it can run.
      for (const verdict::Finding& f : all) {
        const std::string suffix = ".collector." + entry.name;
        if (f.id.size() > suffix.size() &&
            f.id.compare(f.id.size() - suffix.size(), suffix.size(), suffix) ==
                0 &&
            !f.first_fix.empty()) {
          report.first_fix = f.first_fix.front();
        }
      }
      break;
    case verdict::RunState::kOk:
      report.state = CollectorState::kOk;
      break;
    default:
      report.state = summary->timed_out ? CollectorState::kTimedOut
                                        : CollectorState::kFailed;
  }
  return report;
}

void DecideState(const PillarSpec& spec, PillarReport& pillar,
                 std::size_t passed) {
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
      names += (names.empty() ? "`" : ", `") + c->name + "`";
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
  // A failed collector leaves its part of the pillar unknown: a problem,
  // whatever else its findings say.
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
  } else if (collector_failed) {
    pillar.headline = "A collector of this pillar failed; see its last error.";
  } else if (passed > 0) {
    pillar.headline = "No problem found in the last scrape (" +
                      std::to_string(passed) +
                      (passed == 1 ? " check passed)." : " checks passed).");
  } else {
    pillar.headline = "No problem found in the last scrape.";
  }
}

PillarReport AssessPillar(const PillarSpec& spec,
                          const std::vector<CollectorEntry>& table,
                          const std::vector<CollectorSummary>& summaries,
                          const verdict::Input& input,
                          const std::vector<verdict::Finding>& findings) {
  PillarReport pillar;
  pillar.key = spec.key;
  pillar.title = spec.title;
  pillar.question = spec.question;
  for (const std::string& name : spec.collectors) {
    auto entry = std::find_if(table.begin(), table.end(),
                              [&](const auto& c) { return c.name == name; });
    if (entry == table.end()) continue;  // a table without it (tests)
    auto summary = std::find_if(summaries.begin(), summaries.end(),
                                [&](const auto& s) { return s.name == name; });
    CollectorReport report = ReportCollector(
        *entry, summary == summaries.end() ? nullptr : &*summary, input,
        findings);
    if (report.finished_at &&
        (!pillar.last_scrape || *report.finished_at > *pillar.last_scrape)) {
      pillar.last_scrape = report.finished_at;
    }
    pillar.collectors.push_back(std::move(report));
  }
  std::size_t passed = 0;
  for (const verdict::Finding& f : findings) {
    if (verdict::PillarKey(f.pillar) != spec.key) continue;
    if (f.severity == verdict::Severity::kWarn ||
        f.severity == verdict::Severity::kFail) {
      pillar.findings.push_back(Shown(f));
    } else if (f.severity == verdict::Severity::kPass) {
      pillar.notes.push_back(f.name + ": " + f.summary + ".");
      ++passed;
    }
  }
  DecideState(spec, pillar, passed);
  return pillar;
}

}  // namespace

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
    const std::vector<CollectorSummary>& summaries, TimePoint now,
    const LandingPageOptions& options) {
  const verdict::Input input = EngineInput(summaries, now, options);
  const std::vector<verdict::Finding> findings = verdict::Assess(input);
  std::vector<PillarReport> pillars;
  for (const PillarSpec& spec : SpecsFor(table)) {
    pillars.push_back(AssessPillar(spec, table, summaries, input, findings));
  }
  return pillars;
}

}  // namespace entra_pta
