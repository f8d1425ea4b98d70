// Every threshold the verdict engine judges by, in one place. Each one an
// alert in alerts/entra-pta.rules.yml also uses is that alert's number, so
// the landing page, `diagnose` and the alerts agree;
// exporter/daemon/diagnose_rules_test.cc reads the rule file and fails when
// the two drift apart, and exporter/verdict/engine_test.cc probes every
// threshold on both sides through the engine.
// The words for a verdict both views state live here too.
// Thread-safety: constants only.
#pragma once

namespace entra_pta::verdict {

// EntraPTAHeartbeatStale: Entra marks an agent inactive after about 120
// minutes; the heartbeat collector's own stale flag (default threshold
// collectors.heartbeat.stale_threshold = 120m) decides staleness.
inline constexpr int kHeartbeatStaleMinutes = 120;
// EntraPTAHeartbeatLate: the early warning, age above this many seconds.
inline constexpr int kHeartbeatLateSeconds = 1800;
// No heartbeat source has evidence (entra_pta_agent_heartbeat_evidence
// {source="any"} 0): staleness is unknown and EntraPTAHeartbeatStale does not
// fire; both views say so instead of calling the agent stale or fresh.
inline constexpr char kHeartbeatUnknown[] =
    "unknown: no heartbeat source has shown a sign of life yet (no agent "
    "trace file, no bootstrap probe success, no cloud view), so staleness "
    "cannot be judged and EntraPTAHeartbeatStale cannot fire";
inline constexpr char kHeartbeatUnknownFix[] =
    "Point collectors.heartbeat.trace_dir at the agent's Trace directory and "
    "set tenant.id so the exporter probes the tenant's bootstrap endpoint.";

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

// The landing page's event window (Input::since; diagnose passes --since):
// an agent event counts while its newest occurrence is at most this many
// minutes old. The page shows the last scrape, and an event older than a few
// scrape intervals is history, not the current state
// (EntraPTAAgentCannotReach* use increase(...[15m])).
inline constexpr int kRecentEventMinutes = 15;

// EntraPTASignInFailures*: failed PTA sign-ins of one code family within
// this many minutes (increase(...[10m]) in the rules) above which each
// alert fires: AD unreachable (80001, 80007), timeouts (80002, 80014),
// decryption (80010, 80011). docs/runbooks.md says why these numbers.
inline constexpr int kSignInFailureWindowMinutes = 10;
inline constexpr int kSignInADUnreachableMax = 5;
inline constexpr int kSignInTimeoutsMax = 10;
inline constexpr int kSignInDecryptionMax = 2;
// The codes of each family, as the rules' code=~"..." matchers spell them.
inline constexpr const char* kSignInADUnreachableCodes = "80001|80007";
inline constexpr const char* kSignInTimeoutsCodes = "80002|80014";
inline constexpr const char* kSignInDecryptionCodes = "80010|80011";

// EntraPTADirectorySyncStale: hours since the last directory sync, while
// sync is enabled (Entra Connect Sync's default cycle is 30 minutes).
inline constexpr int kDirectorySyncStaleHours = 3;

}  // namespace entra_pta::verdict
