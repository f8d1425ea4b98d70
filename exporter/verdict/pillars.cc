#include "exporter/verdict/pillars.h"

#include <algorithm>
#include <set>

#include "exporter/verdict/engine.h"
#include "exporter/verdict/pillar_assess.h"

namespace entra_pta::verdict {
namespace page {

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

bool IsUnsupported(const std::string& name, const CollectorInput& summary) {
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

CollectorReport ReportCollector(const CollectorInput& entry,
                                const CollectorInput* summary) {
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

// Where the page used to be silent and diagnose was not, the page shows the
// engine's finding: a slow endpoint (EntraPTAEndpointSlow) and a heartbeat
// no source could judge in the last scrape.
bool TakenFromEngine(const Finding& f) {
  return f.alert_name == "EntraPTAEndpointSlow" ||
         (f.id == "agent.heartbeat" && f.alert_name.empty());
}

void AdoptEngineFindings(const std::vector<Finding>& engine,
                         PillarReport& pillar) {
  for (const Finding& f : engine) {
    if (PillarKey(f.pillar) != pillar.key || !TakenFromEngine(f) ||
        (f.severity != Severity::kWarn && f.severity != Severity::kFail)) {
      continue;
    }
    const bool shown =
        std::any_of(pillar.findings.begin(), pillar.findings.end(),
                    [&](const PillarFinding& p) {
                      return p.runbook_anchor == f.runbook_anchor;
                    });
    if (shown) continue;
    PillarFinding finding;
    finding.problem = f.severity == Severity::kFail;
    finding.what = f.name + ": " + f.summary;
    for (std::size_t i = 0; i < f.evidence.size(); ++i) {
      finding.what += (i == 0 ? " (" : "; ") + f.evidence[i];
    }
    finding.what += f.evidence.empty() ? "." : ").";
    finding.meaning = f.meaning;
    for (const std::string& step : f.first_fix) {
      finding.first_fix += (finding.first_fix.empty() ? "" : " ") + step;
    }
    finding.runbook_anchor = f.runbook_anchor;
    pillar.findings.push_back(std::move(finding));
  }
}

// The engine's findings on every collector that has run.
std::vector<Finding> EngineFindings(
    const std::vector<CollectorInput>& summaries, TimePoint now) {
  Input input;
  input.now = now;
  for (const CollectorInput& s : summaries) {
    if (!s.enabled || !s.has_run) continue;
    input.runs[s.name] = {s.success, s.error};
    if (!s.families) continue;
    for (const auto& family : *s.families) input.families.push_back(&family);
  }
  return Assess(input);
}

void DecideState(const PillarSpec& spec, PillarReport& pillar) {
  std::vector<const CollectorReport*> enabled, supported;
  for (const CollectorReport& c : pillar.collectors) {
    if (c.state == CollectorState::kNotEnabled) continue;
    enabled.push_back(&c);
    if (c.state != CollectorState::kUnsupported) supported.push_back(&c);
  }
  std::stable_partition(pillar.findings.begin(), pillar.findings.end(),
                        [](const PillarFinding& f) { return f.problem; });
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
                  [](const PillarFinding& f) { return f.problem; });
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

}  // namespace page

using namespace page;  // NOLINT: this file's own helpers

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

namespace {

// The pillars, and an "Other collectors" one for any collector in none.
std::vector<PillarSpec> SpecsFor(const std::vector<CollectorInput>& all) {
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
  for (const CollectorInput& c : all) {
    if (!placed.count(c.name)) other.collectors.push_back(c.name);
  }
  if (!other.collectors.empty()) specs.push_back(other);
  return specs;
}

// Collector failures first: they are the "last error in plain words".
void CollectorFindings(PillarReport& pillar) {
  for (const CollectorReport& c : pillar.collectors) {
    if (c.state != CollectorState::kFailed &&
        c.state != CollectorState::kTimedOut) {
      continue;
    }
    pillar.findings.push_back(MakeFinding(
        true,
        "The " + Code(c.name) + " collector " +
            (c.state == CollectorState::kFailed ? "failed: " : "timed out: ") +
            c.error,
        c.meaning, c.first_fix, "entraptacollectorfailing", c.name));
  }
}

void AssessByKey(const std::string& key, const Families& families,
                 TimePoint now, PillarReport& pillar) {
  if (key == "network") {
    AssessNetwork(families, now, pillar);
  } else if (key == "cloud") {
    AssessCloud(families, now, pillar);
  } else if (key == "agent") {
    AssessServices(families, pillar);
    AssessHeartbeat(families, pillar);
    AssessEvents(families, now, pillar);
    AssessAgentFiles(families, now, pillar);
  } else if (key == "domain_controller") {
    AssessDomainControllers(families, pillar);
  }
}

PillarReport AssessPillar(const PillarSpec& spec,
                          const std::vector<CollectorInput>& all,
                          const std::vector<Finding>& engine, TimePoint now) {
  PillarReport pillar;
  pillar.key = spec.key;
  pillar.title = spec.title;
  pillar.question = spec.question;
  Families families;
  for (const std::string& name : spec.collectors) {
    auto input = std::find_if(all.begin(), all.end(),
                              [&](const auto& c) { return c.name == name; });
    if (input == all.end()) continue;  // a table without it (tests)
    const CollectorInput* run = input->enabled ? &*input : nullptr;
    CollectorReport report = ReportCollector(*input, run);
    if (report.state != CollectorState::kUnsupported) families.Add(run);
    if (report.finished_at &&
        (!pillar.last_scrape || *report.finished_at > *pillar.last_scrape)) {
      pillar.last_scrape = report.finished_at;
    }
    pillar.collectors.push_back(std::move(report));
  }
  CollectorFindings(pillar);
  const bool any_ran = std::any_of(
      pillar.collectors.begin(), pillar.collectors.end(), [](auto& c) {
        return c.state == CollectorState::kOk ||
               c.state == CollectorState::kFailed ||
               c.state == CollectorState::kTimedOut;
      });
  // With nothing to read the state alone says why.
  if (any_ran) {
    AssessByKey(spec.key, families, now, pillar);
    AdoptEngineFindings(engine, pillar);
  }
  DecideState(spec, pillar);
  return pillar;
}

}  // namespace

std::vector<PillarReport> AssessPillars(
    const std::vector<CollectorInput>& collectors, TimePoint now) {
  const std::vector<Finding> engine = EngineFindings(collectors, now);
  std::vector<PillarReport> pillars;
  for (const PillarSpec& spec : SpecsFor(collectors)) {
    pillars.push_back(AssessPillar(spec, collectors, engine, now));
  }
  return pillars;
}

}  // namespace entra_pta::verdict
