#include "collectors/heartbeat/heartbeat_collector.h"

#include <variant>

#include "collectors/heartbeat/trace_log.h"
#include "exporter/metric_builder.h"

namespace entra_pta::heartbeat {
namespace {

constexpr char kTraceLogSource[] = "trace_log";

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

HeartbeatCollector::HeartbeatCollector(HeartbeatSettings settings,
                                       const Clock& clock)
    : settings_(std::move(settings)),
      file_pattern_(CompileFilePattern(settings_.trace_file_pattern)),
      clock_(clock) {}

Status HeartbeatCollector::Collect(const ScrapeContext& /*context*/,
                                   std::vector<prometheus::MetricFamily>& out) {
  auto threshold = GaugeFamily(
      "entra_pta_agent_heartbeat_threshold_seconds",
      "Heartbeat age above which the agent counts as stale (Entra marks an "
      "agent Inactive after about 120 minutes without contact).");
  AddSample(threshold, {},
            std::chrono::duration<double>(settings_.stale_threshold).count());
  out.push_back(std::move(threshold));

  const std::string dir = ExpandEnvironmentReferences(settings_.trace_dir);
  NewestTraceFileResult found = FindNewestTraceFile(dir, file_pattern_);
  if (auto* error = std::get_if<Status>(&found)) return *error;

  auto stale = GaugeFamily(
      "entra_pta_agent_heartbeat_stale",
      "1 if the newest sign of life from this source is older than the "
      "threshold, or there is none.");
  if (std::holds_alternative<NoTraceFile>(found)) {
    // No trace file at all: the agent has never run here. No timestamp to
    // report, and certainly stale.
    AddSample(stale, {{"source", kTraceLogSource}}, 1);
    out.push_back(std::move(stale));
    return Status::Ok();
  }
  const TraceFile& file = std::get<TraceFile>(found);
  HeartbeatAssessment assessment =
      AssessHeartbeat(file.last_write, clock_.Now(), settings_.stale_threshold);

  auto last = GaugeFamily(
      "entra_pta_agent_last_heartbeat_timestamp_seconds",
      "Unix time of the newest sign of life from this source (for trace_log: "
      "the newest trace file's last write time).");
  AddSample(last, {{"source", kTraceLogSource}},
            ToUnixSeconds(file.last_write));
  auto age =
      GaugeFamily("entra_pta_agent_heartbeat_age_seconds",
                  "Seconds since the newest sign of life from this source.");
  AddSample(age, {{"source", kTraceLogSource}}, assessment.age_seconds);
  AddSample(stale, {{"source", kTraceLogSource}}, assessment.stale ? 1 : 0);
  out.push_back(std::move(last));
  out.push_back(std::move(age));
  out.push_back(std::move(stale));
  return Status::Ok();
}

}  // namespace entra_pta::heartbeat
