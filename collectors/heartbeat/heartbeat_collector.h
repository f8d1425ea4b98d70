// The heartbeat collector: when did this PTA agent last show a sign of life,
// and is that older than the threshold (120 minutes by default, the point at
// which Entra marks an agent Inactive)? Sources, each its own `source` label:
// the agent's trace log ("trace_log"), Entra's own view recorded by the cloud
// collector on the SignOfLifeTimes ("cloud"), and the endpoint collector's last
// successful reach of the tenant's bootstrap endpoint ("bootstrap"). A
// combined source="any" says whether every source is stale.
// Thread-safety: Collect() may run on any thread; the collector holds only
// immutable settings, a thread-safe Clock and a thread-safe SignOfLifeTimes.
#pragma once

#include <chrono>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "exporter/sdk/clock.h"
#include "exporter/sdk/collector.h"
#include "exporter/sdk/config_section.h"
#include "exporter/sdk/sign_of_life_times.h"

namespace entra_pta::heartbeat {

struct HeartbeatSettings {
  // %NAME% references are expanded from the environment when collecting.
  std::string trace_dir =
      "%ProgramData%\\Microsoft\\Azure AD Connect Authentication Agent\\Trace";
  std::string trace_file_pattern =
      "^AzureADConnectAuthenticationAgent_.*\\.log$";
  std::chrono::milliseconds stale_threshold = std::chrono::minutes(120);
  // Which sources are reported (collectors.heartbeat.sources.<name>). The
  // cloud source needs the cloud collector running in this same exporter,
  // so it is off by default.
  bool trace_log_source = true;
  bool bootstrap_source = true;
  bool cloud_source = false;
};

// The SignOfLifeTimes names this collector reads; the endpoint and cloud
// collectors record them.
inline constexpr char kBootstrapSignal[] = "bootstrap";
inline constexpr char kCloudSignal[] = "cloud";

// Reads collectors.heartbeat (all keys optional). Throws ConfigError.
HeartbeatSettings ParseHeartbeatSettings(const ConfigSection& section);

struct HeartbeatAssessment {
  double age_seconds = 0;  // never negative: a future timestamp counts as now
  bool stale = false;
};

// What one source found, before it becomes samples. `last` is empty when the
// source has no sign of life to show (no evidence: `stale` is then false,
// the age unknown); `stale` is empty when the source could not be read at
// all (it then takes no part in source="any").
struct SourceObservation {
  std::string source;
  std::optional<std::chrono::system_clock::time_point> last;
  std::optional<bool> stale;
  double age_seconds = 0;  // meaningful only when `last` is set
};

// The source="any" rule: the agent is stale only when at least one source
// has evidence and every source with evidence is stale; its last sign of
// life is the newest of all sources. Without evidence from any source "any"
// is not stale (unknown). nullopt when no source could be read.
std::optional<SourceObservation> CombineSources(
    const std::vector<SourceObservation>& sources);

// Pure staleness rule: stale when the age exceeds the threshold.
HeartbeatAssessment AssessHeartbeat(std::chrono::system_clock::time_point last,
                                    std::chrono::system_clock::time_point now,
                                    std::chrono::milliseconds threshold);

class HeartbeatCollector final : public Collector {
 public:
  // `clock` and `signals` must outlive the collector; `signals` may be null
  // only when the cloud and bootstrap sources are both off.
  HeartbeatCollector(HeartbeatSettings settings, const Clock& clock,
                     const SignOfLifeTimes* signals);

  Status Collect(const ScrapeContext& context,
                 std::vector<prometheus::MetricFamily>& out) override;

 private:
  SourceObservation ObserveTraceLog(Status& status) const;
  SourceObservation ObserveSignal(const std::string& source,
                                  std::string_view signal) const;

  HeartbeatSettings settings_;
  std::regex file_pattern_;
  const Clock& clock_;
  const SignOfLifeTimes* signals_;
};

}  // namespace entra_pta::heartbeat
