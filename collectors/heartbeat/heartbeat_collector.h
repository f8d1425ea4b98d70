// The heartbeat collector: when did this PTA agent last show a sign of life,
// and is that older than the threshold (120 minutes by default, the point at
// which Entra marks an agent Inactive)? This version reads one source, the
// agent's trace log (source="trace_log").
// Thread-safety: Collect() may run on any thread; the collector holds only
// immutable settings and a thread-safe Clock.
#pragma once

#include <chrono>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "exporter/clock.h"
#include "exporter/collector.h"
#include "exporter/config_section.h"

namespace entra_pta::heartbeat {

struct HeartbeatSettings {
  // %NAME% references are expanded from the environment when collecting.
  std::string trace_dir =
      "%ProgramData%\\Microsoft\\Azure AD Connect Authentication Agent\\Trace";
  std::string trace_file_pattern =
      "^AzureADConnectAuthenticationAgent_.*\\.log$";
  std::chrono::milliseconds stale_threshold = std::chrono::minutes(120);
};

// Reads collectors.heartbeat (all keys optional). Throws ConfigError.
HeartbeatSettings ParseHeartbeatSettings(const ConfigSection& section);

struct HeartbeatAssessment {
  double age_seconds = 0;  // never negative: a future timestamp counts as now
  bool stale = false;
};

// Pure staleness rule: stale when the age exceeds the threshold.
HeartbeatAssessment AssessHeartbeat(std::chrono::system_clock::time_point last,
                                    std::chrono::system_clock::time_point now,
                                    std::chrono::milliseconds threshold);

class HeartbeatCollector final : public Collector {
 public:
  // `clock` must outlive the collector.
  HeartbeatCollector(HeartbeatSettings settings, const Clock& clock);

  Status Collect(const ScrapeContext& context,
                 std::vector<prometheus::MetricFamily>& out) override;

 private:
  HeartbeatSettings settings_;
  std::regex file_pattern_;
  const Clock& clock_;
};

}  // namespace entra_pta::heartbeat
