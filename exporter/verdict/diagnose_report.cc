#include "exporter/verdict/diagnose_report.h"

#include "exporter/verdict/engine.h"
#include "exporter/verdict/text.h"

namespace entra_pta::diagnose {
namespace {

// The triage steps in the order docs/runbooks.md works through them.
std::vector<Section> EmptySections(std::chrono::seconds since) {
  return {
      {1, "cloud", "Cloud status of the agents (Microsoft Graph)", {}},
      {2, "network", "Outbound 443/80 and SSL inspection", {}},
      {3,
       "events",
       "Agent events 31019/31034 and other errors in the last " +
           verdict::HumanDuration(static_cast<double>(since.count())),
       {}},
      {4, "services", "Agent and updater services", {}},
      {5, "agent", "Agent version, certificate and heartbeat", {}},
      {6, "dc", "Domain controller discovery and reachability", {}},
  };
}

}  // namespace

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kPass:
      return "PASS";
    case Verdict::kWarn:
      return "WARN";
    case Verdict::kFail:
      return "FAIL";
    case Verdict::kSkip:
      return "SKIP";
  }
  return "SKIP";
}

std::string_view VerdictJsonName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kPass:
      return "pass";
    case Verdict::kWarn:
      return "warn";
    case Verdict::kFail:
      return "fail";
    case Verdict::kSkip:
      return "skip";
  }
  return "skip";
}

Report BuildReport(const DiagnoseInput& input) {
  verdict::Input in;
  in.families = verdict::Borrow(input.families);
  in.collector_errors = input.collector_errors;
  in.now = input.now;
  in.since = input.since;
  Report report;
  report.generated_at = input.now;
  report.since = input.since;
  report.sections = EmptySections(input.since);
  for (verdict::Finding& finding : verdict::Assess(in)) {
    for (Section& section : report.sections) {
      if (section.id != finding.topic) continue;
      section.checks.push_back(
          {std::move(finding.id), std::move(finding.name), finding.severity,
           std::move(finding.summary), std::move(finding.evidence),
           std::move(finding.first_fix), std::move(finding.alert_name)});
    }
  }
  for (Verdict v :
       {Verdict::kPass, Verdict::kWarn, Verdict::kFail, Verdict::kSkip}) {
    report.counts[v] = 0;
  }
  auto rank = [](Verdict v) {
    return v == Verdict::kFail   ? 3
           : v == Verdict::kWarn ? 2
           : v == Verdict::kPass ? 1
                                 : 0;
  };
  for (const Section& section : report.sections) {
    for (const Check& check : section.checks) {
      ++report.counts[check.verdict];
      if (rank(check.verdict) > rank(report.overall)) {
        report.overall = check.verdict;
      }
    }
  }
  return report;
}

int ExitStatus(const Report& report) {
  switch (report.overall) {
    case Verdict::kFail:
      return 2;
    case Verdict::kWarn:
      return 1;
    default:
      return 0;
  }
}

}  // namespace entra_pta::diagnose
