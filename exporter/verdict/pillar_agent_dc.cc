// The landing page's agent-host and domain-controller pillars.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "exporter/verdict/pillar_assess.h"
#include "exporter/verdict/text.h"
#include "exporter/verdict/thresholds.h"

namespace entra_pta::verdict::page {

std::string PortName(const std::string& port) {
  if (port == "389") return "389 (LDAP)";
  if (port == "88") return "88 (Kerberos)";
  if (port == "636") return "636 (LDAPS)";
  if (port == "3268") return "3268 (Global Catalog)";
  return port;
}

void AssessHeartbeat(const Families& f, PillarReport& pillar) {
  std::optional<double> stale =
      f.Value("entra_pta_agent_heartbeat_stale", {{"source", "any"}});
  std::optional<double> age =
      f.Value("entra_pta_agent_heartbeat_age_seconds", {{"source", "any"}});
  std::optional<double> threshold =
      f.Value("entra_pta_agent_heartbeat_threshold_seconds");
  auto words = [](double seconds) {
    return PlainDuration(std::chrono::seconds(Whole(seconds)));
  };
  std::string sources;
  for (const Sample& s : f.Get("entra_pta_agent_heartbeat_stale")) {
    const std::string source = s.Label("source");
    if (source == "any") continue;
    std::optional<double> source_age =
        f.Value("entra_pta_agent_heartbeat_age_seconds", {{"source", source}});
    sources += (sources.empty() ? "" : "; ") + D(source) + ": " +
               (source_age ? "last sign " + words(*source_age) + " ago"
                           : std::string("no sign of life recorded (unknown)"));
  }
  const bool no_evidence =
      stale && !age &&
      f.Value("entra_pta_agent_heartbeat_evidence", {{"source", "any"}})
              .value_or(0) == 0;
  if (no_evidence) {
    pillar.findings.push_back(MakeFinding(
        false,
        "Heartbeat " + std::string(kHeartbeatUnknown) + "." +
            (sources.empty() ? std::string() : " Sources: " + sources + "."),
        "The exporter cannot tell whether the agent is alive; a stale agent "
        "would go unnoticed until it has evidence to judge.",
        kHeartbeatUnknownFix, "entraptaheartbeatstale"));
  } else if (stale && *stale == 1) {
    PillarFinding finding;
    if (age) {
      finding.what = "No sign of life from the agent for " + words(*age) +
                     (threshold ? " (threshold " + words(*threshold) + ")"
                                : std::string()) +
                     ".";
      finding.first_fix =
          "Check outbound 443, then " +
          Code("Restart-Service -Name AzureADConnectAuthenticationAgent") +
          " and " + Code("Restart-Service -Name AzureADConnectAgentUpdater") +
          ".";
    } else {
      finding.what =
          "No sign of life from the agent: the trace directory holds no agent "
          "trace log.";
      finding.first_fix = "Check " + Code("collectors.heartbeat.trace_dir") +
                          " and whether the agent is installed on this server.";
    }
    if (!sources.empty()) finding.what += " Sources: " + sources + ".";
    finding.meaning =
        "Entra marks an agent inactive after about 120 minutes without "
        "contact and stops sending it sign-ins.";
    finding.runbook_anchor = "entraptaheartbeatstale";
    pillar.findings.push_back(std::move(finding));
  } else if (age && *age > kHeartbeatLateSeconds) {
    pillar.findings.push_back(MakeFinding(
        false,
        "The agent has been quiet for " + words(*age) +
            "; at 120 minutes Entra marks it inactive.",
        "Early warning: the agent may be hanging or unable to reach "
        "Microsoft.",
        "Check outbound 443 and events 31019/31034, then restart both "
        "agent services.",
        "entraptaheartbeatlate"));
  } else if (age) {
    pillar.notes.push_back(
        "Last sign of life from the agent " + words(*age) + " ago" +
        (threshold ? " (stale after " + words(*threshold) + ")"
                   : std::string()) +
        ".");
  }
}

void AssessServices(const Families& f, PillarReport& pillar) {
  std::map<std::string, std::string> state;
  for (const Sample& s : f.Get("entra_pta_service_state")) {
    if (s.value == 1) state[s.Label("service")] = s.Label("state");
  }
  std::vector<std::string> running;
  for (const Sample& s : f.Get("entra_pta_service_installed")) {
    const std::string service = s.Label("service");
    const bool updater = ContainsNoCase(service, "updater");
    // Entra Connect Sync's engine: absent on most agent servers, which is
    // no fault (signins.cc judges it for diagnose).
    const bool sync = service == "ADSync";
    if (sync && s.value == 0) continue;
    std::string problem;
    if (s.value == 0) {
      problem = "is not installed";
    } else if (state[service] != "running") {
      problem = "is " + (state[service].empty() ? std::string("not running")
                                                : D(state[service]));
    } else {
      running.push_back(D(service));
      continue;
    }
    const std::string name = D(service);
    if (sync) {
      pillar.findings.push_back(MakeFinding(
          false, "The service " + name + " " + problem + ".",
          "No directory changes reach Entra; the directory sync goes stale "
          "within hours.",
          Code("Start-Service -Name ADSync") + ", then " +
              Code("Start-ADSyncSyncCycle -PolicyType Delta") + ".",
          "entraptasyncservicenotrunning"));
    } else if (updater) {
      pillar.findings.push_back(MakeFinding(
          false, "The service " + name + " " + problem + ".",
          "The agent no longer updates itself and falls behind on fixes.",
          Code("Set-Service -Name " + name + " -StartupType Automatic") +
              ", then " + Code("Restart-Service -Name " + name) + ".",
          "entraptaupdaterservicenotrunning"));
    } else {
      pillar.findings.push_back(MakeFinding(
          true, "The service " + name + " " + problem + ".",
          "This server authenticates no one; the other agents carry the "
          "load.",
          Code("Restart-Service -Name " + name) +
              "; if it stops again, read the agent's Admin event log.",
          "entraptaagentservicenotrunning"));
    }
  }
  if (!running.empty()) {
    std::string note = "Running: ";
    for (std::size_t i = 0; i < running.size(); ++i) {
      note += (i ? ", " : "") + running[i];
    }
    pillar.notes.push_back(note + ".");
  }
}

// An event whose ID collectors.eventlog.named_event_ids names, `age` ago.
PillarFinding NamedEventFinding(const std::string& id,
                                const std::string& meaning,
                                const std::string& channel,
                                const std::string& age) {
  if (meaning == "dc_unreachable") {
    return MakeFinding(
        true,
        "The agent logged event " + D(id) + " " + age +
            ": it could not reach a domain controller to validate a "
            "password, so those sign-ins failed.",
        "Password checks against Active Directory fail: a DC is down, "
        "a firewall blocks LDAP 389 / Kerberos 88, or DNS cannot find "
        "the DCs.",
        Code("nltest /dsgetdc:<your AD domain>") +
            " on the agent server; see the Domain controllers section.",
        "entraptaagentcannotreachdomaincontroller");
  } else if (meaning == "cloud_unreachable") {
    return MakeFinding(
        true,
        "The agent logged event " + D(id) + " " + age +
            ": it could not reach the Microsoft cloud.",
        "Outbound 443 is blocked, the proxy changed, or SSL inspection "
        "breaks the agent's connection.",
        "Test outbound 443 from the server (see the Network section) "
        "and look for SSL inspection.",
        "entraptaagentcannotreachcloud");
  } else {
    return MakeFinding(
        true,
        "The agent logged event " + D(id) + " (" + D(meaning) + ") " + age +
            " in " + D(channel) + ".",
        "A named event ID (collectors.eventlog.named_event_ids) was "
        "logged in the last " +
            std::to_string(kRecentEventMinutes) + " minutes.",
        Code("Get-WinEvent -LogName '" + D(channel) +
             "' -MaxEvents 20 | Format-List TimeCreated, Id, "
             "LevelDisplayName, Message"),
        "entraptaagenterrorevents");
  }
}

void AssessEvents(const Families& f, TimePoint now, PillarReport& pillar) {
  std::map<std::string, std::string> meaning;
  for (const Sample& s : f.Get("entra_pta_event_id_info")) {
    meaning[s.Label("event_id")] = s.Label("meaning");
  }
  std::set<std::pair<std::string, std::string>> error_ids;  // channel, id
  double total = 0;
  for (const Sample& s : f.Get("entra_pta_events_total")) {
    total += s.value;
    const std::string level = s.Label("level");
    if (level == "error" || level == "critical") {
      error_ids.insert({s.Label("channel"), s.Label("event_id")});
    }
  }
  constexpr auto kRecent = std::chrono::minutes(kRecentEventMinutes);
  int recent_named = 0;
  for (const Sample& s : f.Get("entra_pta_event_last_timestamp_seconds")) {
    const TimePoint when = FromUnixSeconds(s.value);
    if (now - when > kRecent) continue;
    const std::string id = s.Label("event_id");
    const std::string channel = s.Label("channel");
    const std::string age = FormatAge(when, now);
    auto named = meaning.find(id);
    if (named != meaning.end()) {
      ++recent_named;
      pillar.findings.push_back(
          NamedEventFinding(id, named->second, channel, age));
    } else if (error_ids.count({channel, id})) {
      pillar.findings.push_back(
          MakeFinding(false,
                      "The agent logged error event " + D(id) + " " + age +
                          " in " + D(channel) + ".",
                      "Common causes: failed password validations against AD, "
                      "certificate or registration problems.",
                      Code("Get-WinEvent -LogName '" + D(channel) +
                           "' -MaxEvents 20 | Format-List TimeCreated, Id, "
                           "LevelDisplayName, Message"),
                      "entraptaagenterrorevents"));
    }
  }
  for (const Sample& s : f.Get("entra_pta_eventlog_channel_up")) {
    if (s.value == 0) {
      pillar.notes.push_back("The event channel " + D(s.Label("channel")) +
                             " could not be read (missing when the agent is "
                             "not installed).");
    }
  }
  if (!f.Get("entra_pta_eventlog_channel_up").empty()) {
    pillar.notes.push_back(
        std::to_string(Whole(total)) +
        " agent events read since the exporter started" +
        (recent_named == 0
             ? "; no named event (31019, 31034) in the last " +
                   std::to_string(kRecentEventMinutes) + " minutes."
             : std::string(".")));
  }
}

void AssessAgentFiles(const Families& f, TimePoint now, PillarReport& pillar) {
  for (const Sample& s : f.Get("entra_pta_agent_info")) {
    if (!s.Label("version").empty()) {
      pillar.notes.push_back("Agent version " + D(s.Label("version")) + ".");
    }
  }
  if (auto not_after =
          f.Value("entra_pta_agent_certificate_not_after_timestamp_seconds")) {
    const TimePoint expiry = FromUnixSeconds(*not_after);
    const auto left = expiry - now;
    const std::string date = FormatDate(expiry);
    const std::string fix =
        "Restart both agent services (renewal is retried at start); if the "
        "date does not move within a day, upgrade the agent in place.";
    if (left < std::chrono::hours(0)) {
      pillar.findings.push_back(MakeFinding(
          true, "The agent's client certificate expired on " + date + ".",
          "Entra deletes an agent whose certificate expired; it must be "
          "registered again.",
          "Reinstall the agent and register it again (needs a Hybrid "
          "Identity Administrator).",
          "entraptaagentcertificateabouttoexpire"));
    } else if (left < std::chrono::hours(24 * kCertificateFailDays)) {
      pillar.findings.push_back(MakeFinding(
          true,
          "The agent's client certificate expires on " + date + ", in " +
              PlainDuration(
                  std::chrono::duration_cast<std::chrono::seconds>(left)) +
              ".",
          "Renewal has failed for three weeks; when it expires Entra "
          "deletes the agent.",
          fix, "entraptaagentcertificateabouttoexpire"));
    } else if (left < std::chrono::hours(24 * kCertificateWarnDays)) {
      pillar.findings.push_back(MakeFinding(
          false,
          "The agent's client certificate expires on " + date + ", in " +
              PlainDuration(
                  std::chrono::duration_cast<std::chrono::seconds>(left)) +
              ".",
          "The agent renews it 30 days ahead, so renewal is failing "
          "(outbound 443 to the registration endpoint, SSL inspection).",
          fix, "entraptaagentcertificateexpiring"));
    } else {
      pillar.notes.push_back("Client certificate valid until " + date + ".");
    }
  }
  if (auto built = f.Value("entra_pta_agent_binary_timestamp_seconds")) {
    const auto age = now - FromUnixSeconds(*built);
    if (age > std::chrono::hours(24 * kAgentOutdatedDays)) {
      pillar.findings.push_back(MakeFinding(
          false,
          "The agent executable is " +
              PlainDuration(
                  std::chrono::duration_cast<std::chrono::seconds>(age)) +
              " old; the updater should have replaced it.",
          "The updater service is stopped or cannot download updates.",
          "Check AzureADConnectAgentUpdater, then upgrade the agent in "
          "place with the current installer.",
          "entraptaagentoutdated"));
    }
  }
}

// DNS SRV discovery of the domain's DCs.
void DiscoveryFindings(const Families& f, PillarReport& pillar) {
  for (const Sample& s : f.Get("entra_pta_dns_lookup_success")) {
    const std::string domain = D(s.Label("domain"));
    const std::string srv = "_ldap._tcp.dc._msdcs." + domain;
    if (s.value == 0) {
      // The collector fails with the lookup's error; that finding gets the
      // lookup's meaning and fix instead of a second finding.
      PillarFinding lookup{
          true,
          "The DNS lookup of " + srv + " failed.",
          "The agent cannot find a domain controller either, so password "
          "checks fail (event 31019).",
          Code("Resolve-DnsName -Type SRV " + srv) + " and " +
              Code("Get-DnsClientServerAddress") + " on the server; check " +
              Code("collectors.domain_controller.dns_server") + ".",
          "entraptanodomaincontrollerdiscovered",
          ""};
      auto failure =
          std::find_if(pillar.findings.begin(), pillar.findings.end(),
                       [](const PillarFinding& finding) {
                         return finding.failed_collector == "domain_controller";
                       });
      if (failure != pillar.findings.end()) {
        failure->meaning = lookup.meaning;
        failure->first_fix = lookup.first_fix;
        failure->runbook_anchor = lookup.runbook_anchor;
      } else {
        pillar.findings.push_back(std::move(lookup));
      }
      continue;
    }
    std::optional<double> found =
        f.Value("entra_pta_dc_discovered", {{"domain", s.Label("domain")}});
    if (found && *found == 0) {
      pillar.findings.push_back(MakeFinding(
          true,
          "No domain controller is registered for " + domain + ": " + srv +
              " has no records.",
          "The agent cannot find a domain controller, so password checks "
          "fail (event 31019).",
          Code("Resolve-DnsName -Type SRV " + srv) + "; on a DC, " +
              Code("dcdiag /test:dns") + " checks the registration.",
          "entraptanodomaincontrollerdiscovered"));
    } else if (found) {
      pillar.notes.push_back(std::to_string(Whole(*found)) +
                             " domain controllers found for " + domain + ".");
    }
  }
}

void AssessDomainControllers(const Families& f, PillarReport& pillar) {
  DiscoveryFindings(f, pillar);
  std::map<std::string, std::vector<Sample>> by_port;
  for (const Sample& s : f.Get("entra_pta_dc_up")) {
    by_port[s.Label("port")].push_back(s);
  }
  for (const auto& [port, samples] : by_port) {
    int up = 0;
    for (const Sample& s : samples) up += s.value == 1 ? 1 : 0;
    if (up == 0) {
      pillar.findings.push_back(MakeFinding(
          true,
          "No domain controller answers on port " + D(PortName(port)) + " (" +
              std::to_string(samples.size()) + " tried).",
          "Every password this agent validates fails.",
          Code("Test-NetConnection -ComputerName " +
               D(samples.front().Label("dc")) + " -Port " + D(port)) +
              " to each DC; usually a firewall change between this server "
              "and the DCs.",
          "entraptanodomaincontrollerreachable"));
      continue;
    }
    for (const Sample& s : samples) {
      if (s.value == 1) continue;
      pillar.findings.push_back(MakeFinding(
          false,
          D(s.Label("dc")) + " does not answer on port " + D(PortName(port)) +
              "; other domain controllers do.",
          "The DC is down, being patched, or a firewall blocks the port.",
          Code("Test-NetConnection -ComputerName " + D(s.Label("dc")) +
               " -Port " + D(port)) +
              "; if the DC is gone for good, remove its stale DNS records.",
          "entraptadomaincontrollerunreachable"));
    }
    pillar.notes.push_back(
        std::to_string(up) + " of " + std::to_string(samples.size()) +
        " domain controllers reachable on port " + D(PortName(port)) + ".");
  }
}

}  // namespace entra_pta::verdict::page
