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

// What a failed collector leaves unknown, in words for its pillar.
std::string CollectorFailureMeaning(const std::string& collector) {
  if (collector == "heartbeat") {
    return "The agent's trace directory cannot be read, so the trace-log "
           "sign of life is unknown (other sources still count).";
  }
  if (collector == "endpoint" || collector == "tls") {
    return "The endpoint probes could not run as configured, so "
           "reachability and SSL inspection are unknown.";
  }
  if (collector == "cloud") {
    return "The agent list could not be read from Microsoft Graph; the "
           "numbers shown are from the last successful refresh.";
  }
  if (collector == "service") {
    return "The Service Control Manager could not be queried, so the "
           "agent's services are unknown.";
  }
  if (collector == "eventlog") {
    return "An event channel or the bookmark state could not be read or "
           "written, so agent events may be missed.";
  }
  if (collector == "agent") {
    return "The agent's executable, registry key, TrustSettings.xml or "
           "certificate could not be read.";
  }
  if (collector == "domain_controller") {
    return "The DC locator lookup or a connection could not run, so domain "
           "controller reachability is unknown.";
  }
  return "Its part of the picture is unknown until the collector works "
         "again.";
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

namespace {

RunState StateIn(const Input& input, const MetricView& metrics,
                 const std::string& collector) {
  std::optional<double> success;
  if (input.runs.empty()) {
    success = metrics.One("entra_pta_scrape_collector_success",
                          {{"collector", collector}});
  } else if (auto it = input.runs.find(collector); it != input.runs.end()) {
    success = it->second.success ? 1 : 0;
  }
  if (!success) return RunState::kDisabled;
  std::optional<double> supported =
      metrics.One("entra_pta_" + collector + "_os_supported");
  if (supported && *supported == 0) return RunState::kUnsupported;
  return *success == 1 ? RunState::kOk : RunState::kFailed;
}

}  // namespace

RunState StateOf(const Context& context, const std::string& collector) {
  return StateIn(context.input, context.metrics, collector);
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
      finding.first_fix = {
          "Run the exporter (or diagnose) on the agent's Windows server, or "
          "set collectors." +
          collector + ".enabled: false here."};
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
      const bool timed_out =
          run != context.input.runs.end() && run->second.timed_out;
      finding.summary = "the " + collector + " collector " +
                        (timed_out ? "timed out: " : "failed: ") + error;
      finding.evidence = {"entra_pta_scrape_collector_success{collector=\"" +
                          collector + "\"} 0"};
      finding.first_fix = {
          timed_out ? "Raise scrape_timeout in Prometheus (the exporter uses "
                      "the X-Prometheus-Scrape-Timeout-Seconds header minus "
                      "scrape.timeout_margin) or find the slow target in the "
                      "exporter's log."
                    : CollectorFailureFix(collector)};
      finding.meaning = CollectorFailureMeaning(collector);
      finding.alert_name = "EntraPTACollectorFailing";
      break;
    }
  }
  out.push_back(std::move(finding));
}

}  // namespace entra_pta::verdict::internal

namespace entra_pta::verdict {

RunState RunStateOf(const Input& input, const std::string& collector) {
  return internal::StateIn(input, MetricView(input.families), collector);
}

}  // namespace entra_pta::verdict
