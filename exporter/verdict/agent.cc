// Triage step 5: the agent's version and client certificate (agent
// collector) and its heartbeat (heartbeat collector).
#include <optional>

#include "exporter/verdict/assess.h"
#include "exporter/verdict/text.h"
#include "exporter/verdict/thresholds.h"

namespace entra_pta::verdict::internal {
namespace {

Finding Agent(std::string id, std::string name) {
  return Make(Pillar::kAgent, "agent", std::move(id), std::move(name));
}

// `info` is null when the registry could not be read but the binary could:
// its age is judged all the same.
Finding Version(const Context& context, const Sample* info) {
  Finding finding = Agent("agent.version", "Agent version");
  finding.summary =
      "version " + (info ? info->Label("version") : std::string("unknown"));
  if (info) {
    finding.evidence.push_back("instance " + info->Label("instance_id") +
                               ", tenant " + info->Label("tenant_id"));
  }
  std::optional<double> built =
      context.metrics.One("entra_pta_agent_binary_timestamp_seconds");
  if (!built) return finding;
  const double age = context.now - *built;
  finding.evidence.push_back("binary written at " + FormatUtcIso(*built) +
                             " (" + HumanDuration(age) + " ago)");
  if (age > kAgentOutdatedDays * 86400.0) {
    finding.severity = Severity::kWarn;
    finding.summary += ": older than " + std::to_string(kAgentOutdatedDays) +
                       " days, the updater has not replaced it";
    finding.first_fix = {"Check AzureADConnectAgentUpdater (section 4). " +
                             std::string(kUpgradeInPlace),
                         kCheckVersion};
    finding.alert_name = "EntraPTAAgentOutdated";
  }
  return finding;
}

Finding Certificate(const Context& context, double not_after) {
  const double left = not_after - context.now;
  Finding finding = Agent("agent.certificate", "Agent certificate");
  finding.summary = left > 0 ? "expires in " + HumanDuration(left)
                             : "expired " + HumanDuration(-left) + " ago";
  finding.evidence = {"not after " + FormatUtcIso(not_after) +
                      "; the agent renews it 30 days before expiry"};
  if (left < kCertificateFailDays * 86400.0) {
    finding.severity = Severity::kFail;
    finding.first_fix = {
        "Fix outbound 443 to the registration endpoint (section 2), then " +
            std::string(kRestartBoth) + ".",
        "If that does not renew it, reinstall and register the agent. " +
            std::string(kUpgradeInPlace)};
    finding.alert_name = "EntraPTAAgentCertificateAboutToExpire";
  } else if (left < kCertificateWarnDays * 86400.0) {
    finding.severity = Severity::kWarn;
    finding.summary += ": renewal is failing";
    finding.first_fix = {std::string(kRestartBoth) +
                             "; if the date has not moved a day later, "
                             "upgrade in place.",
                         kUpgradeInPlace};
    finding.alert_name = "EntraPTAAgentCertificateExpiring";
  }
  return finding;
}

// Each source's last sign of life, as evidence.
void HeartbeatSources(const Context& context, Finding& finding) {
  for (const Sample& s :
       context.metrics.All("entra_pta_agent_heartbeat_stale")) {
    const std::string source = s.Label("source");
    if (source == "any") continue;
    std::optional<double> age = context.metrics.One(
        "entra_pta_agent_heartbeat_age_seconds", {{"source", source}});
    finding.evidence.push_back(
        source + ": " +
        (age ? "last sign of life " + HumanDuration(*age) + " ago"
             : std::string("no sign of life recorded (unknown)")) +
        (s.value == 1 ? " (stale)" : ""));
  }
}

// The verdict on the heartbeat once `stale` and `age` of source "any" are
// read; `limit` names the threshold.
void JudgeHeartbeat(std::optional<double> stale, std::optional<double> age,
                    bool no_evidence, const std::string& limit,
                    Finding& finding) {
  if (no_evidence) {
    finding.severity = Severity::kWarn;
    finding.summary = std::string(kHeartbeatUnknown);
    finding.first_fix = {std::string(kHeartbeatUnknownFix)};
  } else if (!stale) {
    finding.severity = Severity::kWarn;
    finding.summary =
        "not checked: no heartbeat source could show a sign of life in one "
        "run";
    finding.first_fix = {
        "Check the trace directory (collectors.heartbeat) and the bootstrap "
        "endpoint (section 2)."};
  } else if (*stale == 1) {
    finding.severity = Severity::kFail;
    finding.summary =
        (age ? "no sign of life for " + HumanDuration(*age)
             : std::string("no sign of life at all (no trace file)")) +
        " (" + limit + ")";
    finding.first_fix = {"Check outbound 443 (section 2), then " +
                         std::string(kRestartBoth)};
    finding.alert_name = "EntraPTAHeartbeatStale";
  } else if (age && *age > kHeartbeatLateSeconds) {
    finding.severity = Severity::kWarn;
    finding.summary = "quiet for " + HumanDuration(*age) + " (" + limit + ")";
    finding.first_fix = {"Check outbound 443 and events 31019/31034, then " +
                         std::string(kRestartBoth)};
    finding.alert_name = "EntraPTAHeartbeatLate";
  } else {
    finding.summary = age ? "last sign of life " + HumanDuration(*age) +
                                " ago (" + limit + ")"
                          : "fresh";
  }
}

}  // namespace

void AssessAgent(const Context& context, std::vector<Finding>& out) {
  AddCollectorFinding(context, Pillar::kAgent, "agent", "agent",
                      kWindowsOnlyHint, out);
  if (!HasData(context, "agent")) return;
  const std::vector<Sample> infos = context.metrics.All("entra_pta_agent_info");
  for (const Sample& info : infos) out.push_back(Version(context, &info));
  if (infos.empty() &&
      context.metrics.One("entra_pta_agent_binary_timestamp_seconds")) {
    out.push_back(Version(context, nullptr));
  }
  if (std::optional<double> not_after = context.metrics.One(
          "entra_pta_agent_certificate_not_after_timestamp_seconds")) {
    out.push_back(Certificate(context, *not_after));
  }
}

void AssessHeartbeat(const Context& context, std::vector<Finding>& out) {
  const MetricView& metrics = context.metrics;
  AddCollectorFinding(context, Pillar::kAgent, "agent", "heartbeat",
                      "Set collectors.heartbeat.enabled: true (on by "
                      "default).",
                      out);
  if (!HasData(context, "heartbeat")) return;
  Finding finding = Agent("agent.heartbeat", "Heartbeat");
  const double threshold =
      metrics.One("entra_pta_agent_heartbeat_threshold_seconds")
          .value_or(kHeartbeatStaleMinutes * 60.0);
  HeartbeatSources(context, finding);
  std::optional<double> stale =
      metrics.One("entra_pta_agent_heartbeat_stale", {{"source", "any"}});
  std::optional<double> age =
      metrics.One("entra_pta_agent_heartbeat_age_seconds", {{"source", "any"}});
  // Without evidence from any source the staleness is unknown: the
  // collector reports stale 0 and the alert does not fire, so say so.
  const bool no_evidence =
      stale && !age &&
      metrics.One("entra_pta_agent_heartbeat_evidence", {{"source", "any"}})
              .value_or(0) == 0;
  const std::string limit = "threshold " + FormatCount(threshold / 60) +
                            " minutes, when Entra marks the agent inactive";
  JudgeHeartbeat(stale, age, no_evidence, limit, finding);
  // With no source to judge, a failed collector has said it already.
  if (stale || StateOf(context, "heartbeat") != RunState::kFailed) {
    out.push_back(std::move(finding));
  }
}

}  // namespace entra_pta::verdict::internal
