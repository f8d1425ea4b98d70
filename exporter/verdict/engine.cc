#include "exporter/verdict/engine.h"

#include "exporter/sdk/clock.h"
#include "exporter/verdict/assess.h"
#include "exporter/verdict/text.h"

namespace entra_pta::verdict {
namespace {

// What a finding means for sign-ins, per alert: the words of the alert's
// runbook (docs/runbooks.md), shared by every finding that names the alert.
std::string MeaningOf(const std::string& alert) {
  static const std::map<std::string, std::string> kMeaning = {
      {"EntraPTANoActiveAgents",
       "No agent validates passwords for Entra; sign-ins to Microsoft 365 "
       "and other cloud apps fail until one is active again."},
      {"EntraPTAOnlyOneActiveAgent",
       "A single agent carries every sign-in; if it fails, every hybrid "
       "sign-in fails."},
      {"EntraPTAFewerThanThreeActiveAgents",
       "One more failure leaves a single agent carrying every sign-in."},
      {"EntraPTACloudAgentInactive",
       "Entra has not heard from it for about 120 minutes and sends it no "
       "sign-ins."},
      {"EntraPTAEndpointUnreachable",
       "The PTA agent needs this endpoint and fails the same way (event "
       "31034); Entra marks it inactive after about 120 minutes without "
       "contact."},
      {"EntraPTAEndpointSlow",
       "Sign-ins wait on this path; a slower one times out and fails."},
      {"EntraPTATLSInterceptionDetected",
       "A proxy or firewall on the path re-signs the traffic; the agent's "
       "client certificate cannot pass an inspecting device."},
      {"EntraPTAAgentCannotReachDomainController",
       "Password checks against Active Directory fail: a DC is down, a "
       "firewall blocks LDAP 389 / Kerberos 88, or DNS cannot find the DCs."},
      {"EntraPTAAgentCannotReachCloud",
       "Outbound 443 is blocked, the proxy changed, or SSL inspection breaks "
       "the agent's connection."},
      {"EntraPTAAgentErrorEvents",
       "Common causes: failed password validations against AD, certificate "
       "or registration problems."},
      {"EntraPTAAgentServiceNotRunning",
       "This server authenticates no one; the other agents carry the load."},
      {"EntraPTAUpdaterServiceNotRunning",
       "The agent no longer updates itself and falls behind on fixes."},
      {"EntraPTAAgentOutdated",
       "The updater service is stopped or cannot download updates."},
      {"EntraPTAAgentCertificateExpiring",
       "The agent renews it 30 days ahead, so renewal is failing (outbound "
       "443 to the registration endpoint, SSL inspection)."},
      {"EntraPTAAgentCertificateAboutToExpire",
       "When it expires Entra deletes the agent; it must be registered "
       "again."},
      {"EntraPTAHeartbeatStale",
       "Entra marks an agent inactive after about 120 minutes without "
       "contact and stops sending it sign-ins."},
      {"EntraPTAHeartbeatLate",
       "Early warning: the agent may be hanging or unable to reach "
       "Microsoft."},
      {"EntraPTANoDomainControllerDiscovered",
       "The agent cannot find a domain controller either, so password "
       "checks fail (event 31019)."},
      {"EntraPTANoDomainControllerReachable",
       "Every password this agent validates fails."},
      {"EntraPTADomainControllerUnreachable",
       "The DC is down, being patched, or a firewall blocks the port."},
  };
  auto it = kMeaning.find(alert);
  return it == kMeaning.end() ? std::string() : it->second;
}

std::string Lower(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

// The runbook section and meaning of the alert, and every text scrubbed:
// the one place where a secret from a label or an error is blanked out.
void Finish(Finding& finding) {
  if (!finding.alert_name.empty()) {
    finding.runbook_anchor = Lower(finding.alert_name);
    // A finding may say more precisely what its failure means (a failed
    // collector: which part of the picture is unknown).
    if (finding.meaning.empty())
      finding.meaning = MeaningOf(finding.alert_name);
  } else if (finding.id == "agent.heartbeat" &&
             finding.severity == Severity::kWarn) {
    finding.runbook_anchor = "entraptaheartbeatstale";
  }
  finding.name = ScrubForDisplay(finding.name);
  finding.summary = ScrubForDisplay(finding.summary);
  for (std::string& line : finding.evidence) line = ScrubForDisplay(line);
  for (std::string& line : finding.first_fix) line = ScrubForDisplay(line);
}

}  // namespace

std::string_view PillarKey(Pillar pillar) {
  switch (pillar) {
    case Pillar::kCloud:
      return "cloud";
    case Pillar::kNetwork:
      return "network";
    case Pillar::kAgent:
      return "agent";
    case Pillar::kDomainController:
      return "domain_controller";
  }
  return "cloud";
}

std::vector<const prometheus::MetricFamily*> Borrow(
    const std::vector<prometheus::MetricFamily>& families) {
  std::vector<const prometheus::MetricFamily*> out;
  out.reserve(families.size());
  for (const prometheus::MetricFamily& family : families) {
    out.push_back(&family);
  }
  return out;
}

std::vector<Finding> Assess(const Input& input) {
  const MetricView metrics(input.families);
  const internal::Context context{metrics, input, ToUnixSeconds(input.now)};
  std::vector<Finding> findings;
  internal::AssessCloud(context, findings);
  internal::AssessSignIns(context, findings);
  internal::AssessNetwork(context, findings);
  internal::AssessEvents(context, findings);
  internal::AssessServices(context, findings);
  internal::AssessAgent(context, findings);
  internal::AssessHeartbeat(context, findings);
  internal::AssessDomainControllers(context, findings);
  for (Finding& finding : findings) Finish(finding);
  return findings;
}

}  // namespace entra_pta::verdict
