// The findings about the collectors themselves: not enabled, unsupported on
// this OS, or failed (EntraPTACollectorFailing).
#include <optional>

#include "exporter/verdict/assess.h"
#include "exporter/verdict/text.h"

namespace entra_pta::verdict::internal {
namespace {

// What a failed collector's error most often needs.
std::string CollectorFailureFix(const std::string& collector) {
  if (collector == "cloud") {
    return "For a sign-in error (invalid_grant, AADSTS...) run "
           "`entra_pta_exporter graph login` again; otherwise check outbound "
           "443 to graph.microsoft.com.";
  }
  if (collector == "heartbeat") {
    return "Check that the exporter's account can read the agent's Trace "
           "directory (collectors.heartbeat.trace_dir).";
  }
  if (collector == "agent") {
    return "Check the file, registry key or certificate named in the error "
           "(collectors.agent); the exporter's account needs read access.";
  }
  if (collector == "endpoint") {
    return "Fix the proxy or ca_file setting named in the error "
           "(collectors.endpoint).";
  }
  if (collector == "domain_controller") {
    return "Check the DNS server and domain named in the error "
           "(collectors.domain_controller).";
  }
  return "Read the error and the exporter log lines with collector=" +
         collector + " (docs/runbooks.md#entraptacollectorfailing).";
}

}  // namespace

Finding Make(Pillar pillar, std::string topic, std::string id,
             std::string name) {
  Finding finding;
  finding.pillar = pillar;
  finding.topic = std::move(topic);
  finding.id = std::move(id);
  finding.name = std::move(name);
  return finding;
}

std::string FormatCount(double value) { return FormatNumber(value, 0); }

RunState StateOf(const Context& context, const std::string& collector) {
  std::optional<double> success;
  if (context.input.runs.empty()) {
    success = context.metrics.One("entra_pta_scrape_collector_success",
                                  {{"collector", collector}});
  } else if (auto it = context.input.runs.find(collector);
             it != context.input.runs.end()) {
    success = it->second.success ? 1 : 0;
  }
  if (!success) return RunState::kDisabled;
  std::optional<double> supported =
      context.metrics.One("entra_pta_" + collector + "_os_supported");
  if (supported && *supported == 0) return RunState::kUnsupported;
  return *success == 1 ? RunState::kOk : RunState::kFailed;
}

bool HasData(const Context& context, const std::string& collector) {
  const RunState state = StateOf(context, collector);
  return state == RunState::kOk || state == RunState::kFailed;
}

void AddCollectorFinding(const Context& context, Pillar pillar,
                         const std::string& topic, const std::string& collector,
                         const std::string& enable_hint,
                         std::vector<Finding>& out) {
  Finding finding = Make(pillar, topic, topic + ".collector." + collector,
                         "Collector " + collector);
  switch (StateOf(context, collector)) {
    case RunState::kOk:
      return;
    case RunState::kDisabled:
      finding.severity = Severity::kSkip;
      finding.summary =
          "not checked: the " + collector + " collector is not enabled";
      finding.first_fix = {enable_hint};
      if (std::size_t at = finding.first_fix[0].find("<name>");
          at != std::string::npos) {
        finding.first_fix[0].replace(at, 6, collector);
      }
      break;
    case RunState::kUnsupported:
      finding.severity = Severity::kSkip;
      finding.summary = "not checked: the " + collector +
                        " collector is unsupported on this OS (it reads the "
                        "Windows host the agent runs on)";
      finding.first_fix = {"Run diagnose on the Windows agent server itself."};
      break;
    case RunState::kFailed: {
      finding.severity = Severity::kWarn;
      auto it = context.input.collector_errors.find(collector);
      auto run = context.input.runs.find(collector);
      std::string error =
          it != context.input.collector_errors.end() ? it->second : "";
      if (error.empty() && run != context.input.runs.end()) {
        error = run->second.error;
      }
      if (error.empty()) error = "no reason recorded";
      finding.summary = "the " + collector + " collector failed: " + error;
      finding.evidence = {"entra_pta_scrape_collector_success{collector=\"" +
                          collector + "\"} 0"};
      finding.first_fix = {CollectorFailureFix(collector)};
      finding.alert_name = "EntraPTACollectorFailing";
      break;
    }
  }
  out.push_back(std::move(finding));
}

}  // namespace entra_pta::verdict::internal
