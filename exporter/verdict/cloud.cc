// Triage step 1: what Entra itself says about the tenant's agents
// (Microsoft Graph, the cloud collector).
#include <optional>

#include "exporter/verdict/assess.h"
#include "exporter/verdict/text.h"
#include "exporter/verdict/thresholds.h"

namespace entra_pta::verdict::internal {
namespace {

Finding Cloud(std::string id, std::string name) {
  return Make(Pillar::kCloud, "cloud", std::move(id), std::move(name));
}

// The number of active agents against the recommendation.
Finding ActiveAgents(const Context& context, double api_up, double active) {
  const MetricView& metrics = context.metrics;
  const double inactive =
      metrics.One("entra_pta_cloud_agents", {{"status", "inactive"}})
          .value_or(0);
  Finding count = Cloud("cloud.active_agents", "Active agents in the tenant");
  count.summary = FormatCount(active) + " active, " + FormatCount(inactive) +
                  " inactive (Microsoft recommends at least " +
                  std::to_string(kRecommendedActiveAgents) + " active)";
  if (std::optional<double> refreshed =
          metrics.One("entra_pta_cloud_last_refresh_timestamp_seconds")) {
    count.evidence.push_back("agent list refreshed at " +
                             FormatUtcIso(*refreshed));
  }
  if (api_up == 0) {
    count.evidence.push_back(
        "the latest refresh failed; these numbers are from the last good one");
  }
  for (const Sample& s : metrics.All("entra_pta_cloud_agent_active")) {
    count.evidence.push_back(s.Label("machine_name") + " (" +
                             s.Label("external_ip") +
                             "): " + (s.value == 1 ? "active" : "inactive"));
  }
  if (active == 0) {
    count.severity = Severity::kFail;
    count.summary = "no active PTA agent: nobody can sign in; " + count.summary;
    count.first_fix = {
        "On any agent server: " + std::string(kRestartBoth) +
            ", and check outbound 443 to *.msappproxy.net (section 2).",
        "Consider the emergency switch to password hash sync if it is "
        "enabled."};
    count.alert_name = "EntraPTANoActiveAgents";
  } else if (active == 1) {
    count.severity = Severity::kFail;
    count.summary =
        "only one active agent, one failure from a tenant-wide lockout; " +
        count.summary;
    count.first_fix = {
        "Find the inactive agents below, restart their services and check "
        "their outbound 443 path."};
    count.alert_name = "EntraPTAOnlyOneActiveAgent";
  } else if (active < kRecommendedActiveAgents) {
    count.severity = Severity::kWarn;
    count.first_fix = {
        "Repair or re-register the inactive agents, or install an "
        "additional agent."};
    count.alert_name = "EntraPTAFewerThanThreeActiveAgents";
  }
  return count;
}

void InactiveAgents(const Context& context, std::vector<Finding>& out) {
  const MetricView& metrics = context.metrics;
  for (const Sample& s : metrics.All("entra_pta_cloud_agent_active")) {
    if (s.value != 0) continue;
    const std::string machine = s.Label("machine_name");
    const std::string id = s.Label("agent_id");
    Finding finding = Cloud("cloud.agent." + id, "Agent " + machine);
    finding.severity = Severity::kWarn;
    finding.summary = "Entra reports the agent on " + machine + " inactive";
    finding.evidence = {"agent id " + id + ", external IP " +
                        s.Label("external_ip")};
    std::optional<double> last =
        metrics.One("entra_pta_cloud_agent_last_active_timestamp_seconds",
                    {{"agent_id", id}});
    finding.evidence.push_back(
        last ? "last seen active at " + FormatUtcIso(*last) + " (" +
                   HumanDuration(context.now - *last) + " ago)"
             : "never seen active by this exporter");
    finding.first_fix = {"On " + machine +
                         ": Get-Service AzureADConnectAuthenticationAgent, "
                         "test outbound 443, then " +
                         kRestartBoth};
    finding.alert_name = "EntraPTACloudAgentInactive";
    out.push_back(std::move(finding));
  }
}

}  // namespace

void AssessCloud(const Context& context, std::vector<Finding>& out) {
  AddCollectorFinding(
      context, Pillar::kCloud, "cloud", "cloud",
      "Enable it on one central exporter: tenant.id, "
      "collectors.cloud.enabled: true and client_id, then run "
      "`entra_pta_exporter graph login` once; or look in the Entra admin "
      "center (Entra Connect > Connect Sync > Pass-through authentication).",
      out);
  if (!HasData(context, "cloud")) return;
  std::optional<double> api_up = context.metrics.One("entra_pta_cloud_api_up");
  std::optional<double> active =
      context.metrics.One("entra_pta_cloud_agents", {{"status", "active"}});
  if (!api_up) {
    Finding finding = Cloud("cloud.api", "Microsoft Graph");
    finding.severity = Severity::kWarn;
    finding.summary =
        "not checked: no answer from Microsoft Graph yet (the first refresh "
        "of the agent list has not finished)";
    finding.first_fix = {
        "Wait for the first refresh (diagnose: run it again with a longer "
        "--timeout); check outbound 443 to graph.microsoft.com."};
    out.push_back(std::move(finding));
    return;
  }
  if (!active) return;  // failed refresh, never a good one
  out.push_back(ActiveAgents(context, *api_up, *active));
  InactiveAgents(context, out);
}

}  // namespace entra_pta::verdict::internal
