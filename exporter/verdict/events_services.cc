// Triage steps 3 and 4: the agent's events 31019/31034 and other errors in
// the look-back window (eventlog collector), and its services (service).
#include <algorithm>
#include <optional>
#include <set>

#include "exporter/verdict/assess.h"
#include "exporter/verdict/text.h"

namespace entra_pta::verdict::internal {
namespace {

struct NamedEvent {
  std::string id;
  std::string meaning;
  std::vector<std::string> fix;
  std::string alert;
};

const std::vector<NamedEvent>& NamedEvents() {
  static const std::vector<NamedEvent> named = {
      {"31019",
       "the agent could not reach a domain controller",
       {"nltest /dsgetdc:<your AD domain> on this server; Test-NetConnection "
        "-ComputerName <dc> -Port 389 (and 88); see section 6."},
       "EntraPTAAgentCannotReachDomainController"},
      {"31034",
       "the agent could not reach the Microsoft cloud",
       {"Test outbound 443 (section 2) and look for SSL inspection of "
        "*.msappproxy.net / *.servicebus.windows.net."},
       "EntraPTAAgentCannotReachCloud"},
  };
  return named;
}

Finding Event(std::string id, std::string name) {
  return Make(Pillar::kAgent, "events", std::move(id), std::move(name));
}

// Whether the newest event `id` of `channel` lies in the window: the
// judgement both views share. The landing page reads counters that run
// since the exporter started and passes its look-back; diagnose runs the
// eventlog collector with look_back = --since, so every event it counted is
// in the window and the two agree. An event without a time (the collector
// always writes one) cannot be placed outside the window, so it counts.
bool InWindow(const Context& context, const std::string& channel,
              const std::string& id, double* newest) {
  std::optional<double> last =
      context.metrics.One("entra_pta_event_last_timestamp_seconds",
                          {{"channel", channel}, {"event_id", id}});
  if (!last) return true;
  if (newest != nullptr) *newest = std::max(*newest, *last);
  return *last >=
         context.now - static_cast<double>(context.input.since.count());
}

Finding Named(const Context& context, const NamedEvent& n,
              const std::string& window) {
  double count = 0;
  double last = 0;
  for (const Sample& s :
       context.metrics.All("entra_pta_events_total", {{"event_id", n.id}})) {
    if (s.value > 0 && InWindow(context, s.Label("channel"), n.id, &last)) {
      count += s.value;
    }
  }
  Finding finding = Event("events." + n.id, "Event " + n.id);
  if (count > 0) {
    finding.severity = Severity::kFail;
    finding.summary = "event " + n.id + " logged " + window + ": " + n.meaning;
    if (last > 0) finding.evidence.push_back("newest at " + FormatUtcIso(last));
    finding.evidence.push_back(FormatCount(count) +
                               " counted in entra_pta_events_total");
    finding.first_fix = n.fix;
    finding.alert_name = n.alert;
  } else {
    finding.summary = "none " + window;
  }
  return finding;
}

// Every other error or critical event, per channel and ID.
Finding OtherErrors(const Context& context, const std::string& window) {
  std::map<std::pair<std::string, std::string>, std::map<std::string, double>>
      others;  // (channel, id) -> level -> count
  for (const Sample& s : context.metrics.All("entra_pta_events_total")) {
    const std::string id = s.Label("event_id");
    const std::string level = s.Label("level");
    if (id == "31019" || id == "31034") continue;
    if (level != "error" && level != "critical") continue;
    if (s.value <= 0 || !InWindow(context, s.Label("channel"), id, nullptr)) {
      continue;
    }
    others[{s.Label("channel"), id}][level] += s.value;
  }
  Finding finding = Event("events.other_errors", "Other error events");
  if (others.empty()) {
    finding.summary = "no other error or critical events " + window;
    return finding;
  }
  finding.severity = Severity::kWarn;
  double total = 0;
  std::set<std::string> channels;
  for (const auto& [key, levels] : others) {
    for (const auto& [level, count] : levels) {
      total += count;
      finding.evidence.push_back("event " + key.second + " (" + level + ") x" +
                                 FormatCount(count) + " in " + key.first);
    }
    channels.insert(key.first);
  }
  finding.summary = "other error/critical events logged " + window + " (" +
                    FormatCount(total) + " counted)";
  finding.first_fix = {"Read them: Get-WinEvent -LogName '" +
                       *channels.begin() +
                       "' -MaxEvents 20 | Format-List TimeCreated, Id, "
                       "Message"};
  finding.alert_name = "EntraPTAAgentErrorEvents";
  return finding;
}

Finding Service(const Context& context, const Sample& installed);

}  // namespace

void AssessEvents(const Context& context, std::vector<Finding>& out) {
  AddCollectorFinding(context, Pillar::kAgent, "events", "eventlog",
                      kWindowsOnlyHint, out);
  if (!HasData(context, "eventlog")) return;
  for (const Sample& s : context.metrics.All("entra_pta_eventlog_channel_up")) {
    if (s.value == 1) continue;
    const std::string channel = s.Label("channel");
    Finding finding = Event("events.channel." + channel, "Channel " + channel);
    finding.severity = Severity::kWarn;
    finding.summary = "the channel does not exist or could not be read";
    finding.evidence = {"entra_pta_eventlog_channel_up{channel=\"" + channel +
                        "\"} 0"};
    finding.first_fix = {
        "Check that the PTA agent is installed on this server (Get-WinEvent "
        "-ListLog '" +
        channel + "')."};
    out.push_back(std::move(finding));
  }
  const std::string window =
      "in the last " +
      HumanDuration(static_cast<double>(context.input.since.count()));
  for (const NamedEvent& n : NamedEvents()) {
    out.push_back(Named(context, n, window));
  }
  out.push_back(OtherErrors(context, window));
}

namespace {

std::string ActiveLabel(const Context& context, const std::string& family,
                        const std::string& service, const std::string& label) {
  std::string value = "unknown";
  for (const Sample& s : context.metrics.All(family, {{"service", service}})) {
    if (s.value == 1) value = s.Label(label);
  }
  return value;
}

void ServiceEvidence(const Context& context, const std::string& service,
                     Finding& finding) {
  const std::map<std::string, std::string> of = {{"service", service}};
  for (const Sample& s : context.metrics.All("entra_pta_service_info", of)) {
    // Appended: `literal + std::string&&` makes GCC 12 at -O3 warn
    // -Wrestrict inside libstdc++ (GCC bug 105651).
    std::string identity = "\"";
    identity += s.Label("display_name");
    identity += "\" as ";
    identity += s.Label("run_as");
    finding.evidence.push_back(std::move(identity));
  }
  if (std::optional<double> started = context.metrics.One(
          "entra_pta_service_process_start_time_seconds", of)) {
    finding.evidence.push_back("process started at " + FormatUtcIso(*started));
  }
  if (std::optional<double> memory =
          context.metrics.One("entra_pta_service_process_memory_bytes", of)) {
    finding.evidence.push_back(
        "working set " + FormatNumber(*memory / (1024 * 1024), 1) + " MiB");
  }
}

Finding Service(const Context& context, const Sample& installed) {
  const std::string service = installed.Label("service");
  const bool is_agent = service == kAgentService;
  Finding finding = Make(Pillar::kAgent, "services", "services." + service,
                         "Service " + service);
  // The agent not running is critical; the updater and any other
  // configured service only stop updates (EntraPTAUpdaterServiceNotRunning).
  const Severity bad = is_agent ? Severity::kFail : Severity::kWarn;
  finding.alert_name = is_agent ? "EntraPTAAgentServiceNotRunning"
                                : (service == kUpdaterService
                                       ? "EntraPTAUpdaterServiceNotRunning"
                                       : "");
  if (installed.value == 0) {
    finding.severity = bad;
    finding.summary = "not installed";
    finding.first_fix = {
        "Install the PTA agent (AADConnectAuthAgentSetup.exe), or correct "
        "the name in collectors.service.services."};
    return finding;
  }
  const std::string state =
      ActiveLabel(context, "entra_pta_service_state", service, "state");
  const std::string start_mode = ActiveLabel(
      context, "entra_pta_service_start_mode", service, "start_mode");
  finding.evidence.push_back("state " + state + ", start mode " + start_mode);
  ServiceEvidence(context, service, finding);
  if (state == "running") {
    finding.summary = "running";
    finding.alert_name.clear();
    return finding;
  }
  finding.severity = bad;
  finding.summary = "not running (" + state + ")";
  finding.first_fix = {kRestartBoth};
  if (start_mode == "disabled" || start_mode == "manual") {
    finding.first_fix.push_back("Set-Service -Name " + service +
                                " -StartupType Automatic");
  } else {
    finding.first_fix.push_back(
        "If it stops again, read the agent's Admin event log (section 3).");
  }
  return finding;
}

}  // namespace

void AssessServices(const Context& context, std::vector<Finding>& out) {
  AddCollectorFinding(context, Pillar::kAgent, "services", "service",
                      kWindowsOnlyHint, out);
  if (!HasData(context, "service")) return;
  for (const Sample& installed :
       context.metrics.All("entra_pta_service_installed")) {
    if (installed.Label("service") == kSyncService) continue;  // signins.cc
    out.push_back(Service(context, installed));
  }
}

}  // namespace entra_pta::verdict::internal
