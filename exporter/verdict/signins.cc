// Triage step 1, what users feel: PTA sign-in failures from Entra's
// sign-in logs and the tenant's directory sync times (the cloud collector),
// and Entra Connect Sync's service where the sync engine shares a server
// with an agent (the service collector).
//
// The engine sees one run or one scrape, so it knows each code's total and
// its last failure, not how many fell inside the alerts' 10-minute window:
// a family fails when a failure is that recent and its count exceeds the
// alert's threshold (an upper bound of the window's count), and says so.
#include <optional>
#include <string_view>

#include "exporter/verdict/assess.h"
#include "exporter/verdict/text.h"
#include "exporter/verdict/thresholds.h"

namespace entra_pta::verdict::internal {
namespace {

struct Family {
  const char* id;
  const char* name;
  const char* codes;  // "80001|80007", as the alert's matcher
  int max;            // the alert fires above this many in the window
  const char* alert;
  const char* meaning;  // the words of the alert's runbook section
  std::vector<std::string> fix;
};

const std::vector<Family>& Families() {
  static const std::vector<Family> kFamilies = {
      {"cloud.signins.ad_unreachable",
       "Sign-ins failed: agent cannot reach Active Directory (AADSTS80001, "
       "80007)",
       kSignInADUnreachableCodes,
       kSignInADUnreachableMax,
       "EntraPTASignInFailuresADUnreachable",
       "Users with the right password are refused: an agent could not reach "
       "or use Active Directory (or no agent was available).",
       {"On each agent server: nltest /dsgetdc:<your AD domain> and "
        "Test-NetConnection -ComputerName <dc> -Port 389 (and 88); check the "
        "agent's service account and event 31019 (section 3).",
        "If no agent is active (80001 also reads \"no Authentication Agent "
        "available\"), fix the agents first."}},
      {"cloud.signins.timeouts",
       "Sign-ins failed: password validation timed out (AADSTS80002, 80014)",
       kSignInTimeoutsCodes,
       kSignInTimeoutsMax,
       "EntraPTASignInFailuresTimeouts",
       "Users are refused because password validation took too long: a slow "
       "domain controller, a slow path to Microsoft, or too few agents.",
       {"Check the domain controllers' response from the agent servers "
        "(nltest /dsgetdc:<your AD domain> /force), the agents' outbound "
        "path (section 2) and the number of active agents."}},
      {"cloud.signins.decryption",
       "Sign-ins failed: agent cannot decrypt the password (AADSTS80010, "
       "80011)",
       kSignInDecryptionCodes,
       kSignInDecryptionMax,
       "EntraPTASignInFailuresDecryption",
       "Every sign-in the broken agent takes fails until a new agent is "
       "registered.",
       {"Find the agent in the failed sign-ins' authentication details; "
        "Restart-Service -Name AzureADConnectAuthenticationAgent there.",
        "If it continues: register a new agent (AADConnectAuthAgentSetup.exe "
        "on a healthy server) and uninstall the broken one."}},
  };
  return kFamilies;
}

// "80001|80007" -> {"80001", "80007"}.
std::vector<std::string> Alternatives(std::string_view matcher) {
  std::vector<std::string> parts;
  for (std::size_t bar; (bar = matcher.find('|')) != std::string_view::npos;
       matcher.remove_prefix(bar + 1)) {
    parts.emplace_back(matcher.substr(0, bar));
  }
  parts.emplace_back(matcher);
  return parts;
}

// The fix for each `reason` of an unavailable Graph source.
std::string UnavailableFix(const std::string& reason,
                           const std::string& permission) {
  if (reason == "not_licensed") {
    return "The sign-in logs need an Entra ID P1 or P2 licence; without one, "
           "turn the cloud collector's sign-in log part off.";
  }
  if (reason == "forbidden" || reason == "unauthorized") {
    return "Grant " + permission +
           " to the exporter's app registration and run `entra_pta_exporter "
           "graph login` again.";
  }
  if (reason == "throttled") {
    return "Graph throttles the tenant (429); the exporter retries after "
           "Retry-After. Find the other tool using the tenant's quota.";
  }
  return "Check outbound 443 to graph.microsoft.com from the exporter's host "
         "and its log lines with collector=cloud.";
}

// The `reason` of the source's one series with value 0; nullopt when the
// source is available or not reported at all.
std::optional<std::string> UnavailableReason(const Context& context,
                                             const std::string& family) {
  for (const Sample& s : context.metrics.All(family)) {
    if (s.value == 0) return s.Label("reason");
  }
  return std::nullopt;
}

Finding FamilyFinding(const Context& context, const Family& family) {
  Finding finding =
      Make(Pillar::kCloud, "cloud", family.id, std::string(family.name));
  const double window = kSignInFailureWindowMinutes * 60.0;
  double total = 0;
  std::optional<double> newest;
  for (const std::string& code : Alternatives(family.codes)) {
    const double count =
        context.metrics.One("entra_pta_signin_failures_total", {{"code", code}})
            .value_or(0);
    total += count;
    std::optional<double> last = context.metrics.One(
        "entra_pta_signin_failure_last_timestamp_seconds", {{"code", code}});
    std::string line = "AADSTS" + code + ": " + FormatCount(count) + " counted";
    if (last) {
      line += ", the last at " + FormatUtcIso(*last) + " (" +
              HumanDuration(context.now - *last) + " ago)";
      if (!newest || *last > *newest) newest = *last;
    }
    finding.evidence.push_back(std::move(line));
  }
  const bool recent = newest && context.now - *newest <= window;
  const std::string in_window =
      "in the last " + std::to_string(kSignInFailureWindowMinutes) + " min";
  if (!recent) {
    finding.summary = "none " + in_window;
    return finding;
  }
  if (total > family.max) {
    finding.severity = Severity::kFail;
    finding.summary = "failures " + in_window + " (up to " +
                      FormatCount(total) + "; the alert fires above " +
                      std::to_string(family.max) + ")";
    finding.alert_name = family.alert;
    finding.meaning = family.meaning;
    finding.first_fix = family.fix;
  } else {
    finding.severity = Severity::kWarn;
    finding.summary = FormatCount(total) + " or fewer " + in_window +
                      ", not above the alert's " + std::to_string(family.max);
    finding.first_fix = family.fix;
  }
  return finding;
}

void SignInFailures(const Context& context, std::vector<Finding>& out) {
  if (context.metrics.All("entra_pta_signin_logs_available").empty()) return;
  if (std::optional<std::string> reason =
          UnavailableReason(context, "entra_pta_signin_logs_available")) {
    Finding finding =
        Make(Pillar::kCloud, "cloud", "cloud.signin_logs", "Sign-in logs");
    finding.severity = Severity::kWarn;
    finding.summary = "Entra's sign-in logs cannot be read (" + *reason +
                      "), so PTA sign-in failures are not counted";
    finding.evidence = {"entra_pta_signin_logs_available{reason=\"" + *reason +
                        "\"} 0"};
    finding.first_fix = {UnavailableFix(*reason, "AuditLog.Read.All")};
    finding.alert_name = "EntraPTASignInLogsUnavailable";
    finding.meaning =
        "The sign-in failure alerts cannot fire while the logs are unread.";
    out.push_back(std::move(finding));
    return;
  }
  for (const Family& family : Families()) {
    out.push_back(FamilyFinding(context, family));
  }
}

Finding DirectorySync(const Context& context) {
  const MetricView& metrics = context.metrics;
  Finding finding =
      Make(Pillar::kCloud, "cloud", "cloud.directory_sync", "Directory sync");
  if (std::optional<std::string> reason =
          UnavailableReason(context, "entra_pta_directory_sync_available")) {
    finding.severity = Severity::kWarn;
    finding.summary =
        "the tenant's sync times cannot be read (" + *reason + ")";
    finding.first_fix = {UnavailableFix(
        *reason, "Organization.Read.All (or Directory.Read.All)")};
    finding.alert_name = "EntraPTADirectorySyncUnavailable";
    finding.meaning = "EntraPTADirectorySyncStale cannot fire meanwhile.";
    return finding;
  }
  std::optional<double> enabled =
      metrics.One("entra_pta_directory_sync_enabled");
  std::optional<double> last =
      metrics.One("entra_pta_directory_sync_last_timestamp_seconds");
  if (std::optional<double> password =
          metrics.One("entra_pta_password_sync_last_timestamp_seconds")) {
    finding.evidence.push_back(
        "last password hash sync at " + FormatUtcIso(*password) + " (" +
        HumanDuration(context.now - *password) + " ago)");
  }
  if (enabled && *enabled == 0) {
    finding.severity = Severity::kWarn;
    finding.summary =
        "directory sync is not enabled for the tenant (PTA's users come from "
        "Entra Connect Sync)";
    finding.first_fix = {
        "Check Entra Connect Sync: Get-ADSyncScheduler on the Entra Connect "
        "server."};
    return finding;
  }
  if (!last) {
    finding.severity = Severity::kWarn;
    finding.summary = "enabled, but Microsoft Graph reports no sync time yet";
    return finding;
  }
  const double age = context.now - *last;
  finding.evidence.insert(finding.evidence.begin(),
                          "last directory sync at " + FormatUtcIso(*last));
  finding.summary = "last sync " + HumanDuration(age) + " ago";
  if (age > kDirectorySyncStaleHours * 3600.0) {
    finding.severity = Severity::kWarn;
    finding.summary +=
        " (more than " + std::to_string(kDirectorySyncStaleHours) + " hours)";
    finding.alert_name = "EntraPTADirectorySyncStale";
    finding.meaning =
        "New users, disabled accounts and UPN changes stop reaching Entra.";
    finding.first_fix = {
        "On the Entra Connect server: Get-Service ADSync and "
        "Get-ADSyncScheduler (SyncCycleEnabled True, not staging), then "
        "Start-ADSyncSyncCycle -PolicyType Delta"};
  }
  return finding;
}

void SyncService(const Context& context, std::vector<Finding>& out) {
  if (!HasData(context, "service")) return;
  std::optional<double> installed = context.metrics.One(
      "entra_pta_service_installed", {{"service", kSyncService}});
  if (!installed) return;  // not in collectors.service.services
  Finding finding =
      Make(Pillar::kAgent, "services", std::string("services.") + kSyncService,
           std::string("Service ") + kSyncService);
  if (*installed == 0) {
    finding.summary =
        "not installed (Entra Connect Sync runs on another server; not an "
        "error)";
    out.push_back(std::move(finding));
    return;
  }
  std::string state = "unknown";
  for (const Sample& s : context.metrics.All("entra_pta_service_state",
                                             {{"service", kSyncService}})) {
    if (s.value == 1) state = s.Label("state");
  }
  finding.evidence = {"state " + state};
  if (state == "running") {
    finding.summary = "running";
  } else {
    finding.severity = Severity::kWarn;
    finding.summary = "not running (" + state + ")";
    finding.alert_name = "EntraPTASyncServiceNotRunning";
    finding.meaning =
        "No directory changes reach Entra; the directory sync goes stale "
        "within hours.";
    finding.first_fix = {"Start-Service -Name ADSync",
                         "Then Start-ADSyncSyncCycle -PolicyType Delta"};
  }
  out.push_back(std::move(finding));
}

}  // namespace

void AssessSignIns(const Context& context, std::vector<Finding>& out) {
  if (HasData(context, "cloud")) {
    SignInFailures(context, out);
    if (!context.metrics.All("entra_pta_directory_sync_available").empty()) {
      out.push_back(DirectorySync(context));
    }
  }
  SyncService(context, out);
}

}  // namespace entra_pta::verdict::internal
