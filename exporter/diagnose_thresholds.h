// The thresholds `entra_pta_exporter diagnose` judges by, in one place. Each
// is the number the matching alert in alerts/entra-pta.rules.yml uses, so a
// report and the alerts agree; diagnose_test.cc reads the rule file and
// fails when the two drift apart.
// Thread-safety: constants only.
#pragma once

namespace entra_pta::diagnose {

// EntraPTAHeartbeatStale: Entra marks an agent inactive after about 120
// minutes; the heartbeat collector's own stale flag (default threshold
// collectors.heartbeat.stale_threshold = 120m) decides staleness.
inline constexpr int kHeartbeatStaleMinutes = 120;
// EntraPTAHeartbeatLate: the early warning, age above this many seconds.
inline constexpr int kHeartbeatLateSeconds = 1800;

// EntraPTAAgentCertificateExpiring (warning) and
// EntraPTAAgentCertificateAboutToExpire (critical): days left before the
// agent's client certificate expires.
inline constexpr int kCertificateWarnDays = 20;
inline constexpr int kCertificateFailDays = 7;

// EntraPTAAgentOutdated: age of the agent binary in days.
inline constexpr int kAgentOutdatedDays = 365;

// EntraPTAFewerThanThreeActiveAgents: Microsoft recommends at least this
// many active agents; 0 and 1 are critical (EntraPTANoActiveAgents,
// EntraPTAOnlyOneActiveAgent).
inline constexpr int kRecommendedActiveAgents = 3;

// EntraPTAEndpointSlow: total probe seconds above which an endpoint is slow.
inline constexpr int kEndpointSlowSeconds = 2;

}  // namespace entra_pta::diagnose
