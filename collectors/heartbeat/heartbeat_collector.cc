#include "collectors/heartbeat/heartbeat_collector.h"

#include "collectors/heartbeat/trace_log.h"
#include "exporter/sdk/metric_builder.h"
#include "exporter/util/env_expansion.h"

namespace entra_pta::heartbeat {
namespace {

constexpr char kTraceLogSource[] = "trace_log";
constexpr char kAnySource[] = "any";

std::regex CompileFilePattern(const std::string& pattern) {
  // File names on Windows are case-insensitive; so is the match.
  return std::regex(pattern, std::regex::ECMAScript | std::regex::icase);
}

}  // namespace

HeartbeatSettings ParseHeartbeatSettings(const ConfigSection& section) {
  HeartbeatSettings settings;
  if (auto dir = section.String("trace_dir")) settings.trace_dir = *dir;
  if (auto pattern = section.Regex("trace_file_pattern")) {
    settings.trace_file_pattern = *pattern;
  }
  if (auto threshold = section.Duration("stale_threshold")) {
    if (threshold->count() == 0) {
      section.Fail("stale_threshold",
                   section.path() + ".stale_threshold: must be greater than 0");
    }
    settings.stale_threshold = *threshold;
  }
  if (auto sources = section.Section("sources")) {
    if (auto on = sources->Bool("trace_log")) settings.trace_log_source = *on;
    if (auto on = sources->Bool("bootstrap")) settings.bootstrap_source = *on;
    if (auto on = sources->Bool("cloud")) settings.cloud_source = *on;
    sources->RejectUnknownKeys();
  }
  return settings;
}

HeartbeatAssessment AssessHeartbeat(std::chrono::system_clock::time_point last,
                                    std::chrono::system_clock::time_point now,
                                    std::chrono::milliseconds threshold) {
  HeartbeatAssessment result;
  auto age = now - last;
  if (age < decltype(age)::zero()) age = decltype(age)::zero();
  result.age_seconds = std::chrono::duration<double>(age).count();
  result.stale = age > threshold;
  return result;
}

std::optional<SourceObservation> CombineSources(
    const std::vector<SourceObservation>& sources) {
  SourceObservation any;
  any.source = kAnySource;
  bool readable = false;
  std::optional<bool> every_evidence_stale;
  for (const SourceObservation& source : sources) {
    if (!source.stale) continue;
    readable = true;
    // Without evidence a source says nothing either way: it neither keeps
    // "any" fresh nor makes it stale.
    if (!source.last) continue;
    every_evidence_stale = every_evidence_stale.value_or(true) && *source.stale;
    if (!any.last || *source.last > *any.last) {
      any.last = source.last;
      any.age_seconds = source.age_seconds;
    }
  }
  if (!readable) return std::nullopt;
  any.stale = every_evidence_stale.value_or(false);
  return any;
}

HeartbeatCollector::HeartbeatCollector(HeartbeatSettings settings,
                                       const Clock& clock,
                                       const SignOfLifeTimes* signals)
    : settings_(std::move(settings)),
      file_pattern_(CompileFilePattern(settings_.trace_file_pattern)),
      clock_(clock),
      signals_(signals) {}

SourceObservation HeartbeatCollector::ObserveTraceLog(Status& status) const {
  SourceObservation observation;
  observation.source = kTraceLogSource;
  const std::string dir = ExpandEnvironmentReferences(settings_.trace_dir);
  StatusOr<std::optional<TraceFile>> found =
      FindNewestTraceFile(dir, file_pattern_);
  if (!found.ok()) {
    status = found.status();
    return observation;
  }
  if (!found->has_value()) {
    // No trace file at all: the agent has never run here (or logs
    // elsewhere). No evidence, so unknown rather than stale.
    observation.stale = false;
    return observation;
  }
  const TraceFile& file = **found;
  HeartbeatAssessment assessment =
      AssessHeartbeat(file.last_write, clock_.Now(), settings_.stale_threshold);
  observation.last = file.last_write;
  observation.age_seconds = assessment.age_seconds;
  observation.stale = assessment.stale;
  return observation;
}

SourceObservation HeartbeatCollector::ObserveSignal(
    const std::string& source, std::string_view signal) const {
  SourceObservation observation;
  observation.source = source;
  const auto now = clock_.Now();
  std::optional<std::chrono::system_clock::time_point> last;
  if (signals_ != nullptr) last = signals_->Latest(signal);
  if (!last) {
    // Nothing recorded since the exporter started (no tenant.id to probe,
    // no cloud collector, or simply not yet): no evidence, so unknown.
    // Absence of a probe is not absence of the agent; the endpoint and
    // service alerts cover a host that cannot reach anything.
    observation.stale = false;
    return observation;
  }
  HeartbeatAssessment assessment =
      AssessHeartbeat(*last, now, settings_.stale_threshold);
  observation.last = last;
  observation.age_seconds = assessment.age_seconds;
  observation.stale = assessment.stale;
  return observation;
}

Status HeartbeatCollector::Collect(const ScrapeContext& /*context*/,
                                   std::vector<prometheus::MetricFamily>& out) {
  auto threshold = GaugeFamily(
      "entra_pta_agent_heartbeat_threshold_seconds",
      "Heartbeat age above which the agent counts as stale (Entra marks an "
      "agent Inactive after about 120 minutes without contact).");
  AddSample(threshold, {},
            std::chrono::duration<double>(settings_.stale_threshold).count());
  out.push_back(std::move(threshold));

  Status status = Status::Ok();
  std::vector<SourceObservation> sources;
  if (settings_.trace_log_source) sources.push_back(ObserveTraceLog(status));
  if (settings_.cloud_source) {
    sources.push_back(ObserveSignal("cloud", kCloudSignal));
  }
  if (settings_.bootstrap_source) {
    sources.push_back(ObserveSignal("bootstrap", kBootstrapSignal));
  }
  std::optional<SourceObservation> any = CombineSources(sources);
  if (any) sources.push_back(*any);

  auto last = GaugeFamily(
      "entra_pta_agent_last_heartbeat_timestamp_seconds",
      "Unix time of the newest sign of life from this source (for trace_log: "
      "the newest trace file's last write time).");
  auto age =
      GaugeFamily("entra_pta_agent_heartbeat_age_seconds",
                  "Seconds since the newest sign of life from this source.");
  auto stale = GaugeFamily(
      "entra_pta_agent_heartbeat_stale",
      "1 if the newest sign of life from this source is older than the "
      "threshold; 0 when fresh or when there is no evidence (see "
      "entra_pta_agent_heartbeat_evidence); for source=\"any\", 1 only when "
      "every source with evidence is stale.");
  auto evidence = GaugeFamily(
      "entra_pta_agent_heartbeat_evidence",
      "1 if this source has shown any sign of life (a timestamp to judge), 0 "
      "if not (staleness unknown); for source=\"any\", 1 if any source has.");
  for (const SourceObservation& source : sources) {
    if (source.stale) {
      AddSample(evidence, {{"source", source.source}}, source.last ? 1 : 0);
    }
    if (source.last) {
      AddSample(last, {{"source", source.source}}, ToUnixSeconds(*source.last));
      AddSample(age, {{"source", source.source}}, source.age_seconds);
    }
    if (source.stale) {
      AddSample(stale, {{"source", source.source}}, *source.stale ? 1 : 0);
    }
  }
  for (auto* family : {&last, &age, &stale, &evidence}) {
    if (!family->metric.empty()) out.push_back(std::move(*family));
  }
  return status;
}

}  // namespace entra_pta::heartbeat
