#include "exporter/collector_table.h"

#include <algorithm>

#include "collectors/agent/agent_collector.h"
#include "collectors/cloud/cloud_collector.h"
#include "collectors/domain_controller/domain_controller_collector.h"
#include "collectors/endpoint/curl_prober.h"
#include "collectors/endpoint/endpoint_collector.h"
#include "collectors/eventlog/eventlog_collector.h"
#include "collectors/heartbeat/heartbeat_collector.h"
#include "collectors/service/service_collector.h"
#include "collectors/tls/tls_collector.h"

namespace entra_pta {
namespace {

// The probe engine the endpoint collector creates and the tls collector
// reads, so one handshake per target serves both.
constexpr char kProbeHubKey[] = "endpoint.probe_hub";

}  // namespace

const std::vector<CollectorEntry>& DefaultCollectorTable() {
  static const std::vector<CollectorEntry> table = {
      {"heartbeat",
       "Last sign of life of the PTA agent (trace log, bootstrap probe, cloud "
       "status) and whether it is older "
       "than the staleness threshold.",
       true,
       [](const ConfigSection& section, const CollectorDeps& deps) {
         return std::make_unique<heartbeat::HeartbeatCollector>(
             heartbeat::ParseHeartbeatSettings(section), deps.clock,
             deps.signals);
       }},
      {"service",
       "State, start mode, account, start time and memory of the agent's "
       "Windows services (Service Control Manager).",
       service::ServiceControlSupported(),
       [](const ConfigSection& section, const CollectorDeps&) {
         return std::make_unique<service::ServiceCollector>(
             service::ParseServiceSettings(section),
             service::MakeSystemServiceControl(),
             service::ServiceControlSupported());
       }},
      {"eventlog",
       "Counts of the agent's Windows Event Log events by ID, level and "
       "provider, read incrementally with a bookmark per channel.",
       eventlog::EventSourceSupported(),
       [](const ConfigSection& section, const CollectorDeps& deps) {
         return std::make_unique<eventlog::EventlogCollector>(
             eventlog::ParseEventlogSettings(section),
             eventlog::MakeSystemEventSource(),
             eventlog::EventSourceSupported(), deps.clock, deps.logger);
       }},
      {"agent",
       "Installed agent version and ids, binary age, and expiry of the "
       "agent's client certificate.",
       agent::AgentHostSupported(),
       [](const ConfigSection& section, const CollectorDeps&) {
         return std::make_unique<agent::AgentCollector>(
             agent::ParseAgentSettings(section), agent::MakeSystemAgentHost(),
             agent::AgentHostSupported());
       }},
      {"endpoint",
       "Can this host reach each Microsoft endpoint the agent needs (through "
       "the agent's proxy), and how long does each phase take?",
       true,
       [](const ConfigSection& section, const CollectorDeps& deps) {
         const TenantSettings no_tenant;
         endpoint::EndpointSettings settings = endpoint::ParseEndpointSettings(
             section, deps.tenant != nullptr ? *deps.tenant : no_tenant);
         auto prober = std::make_unique<endpoint::CurlProber>(settings.ca_file,
                                                              deps.clock);
         auto hub = std::make_shared<endpoint::ProbeHub>(
             std::move(settings), std::move(prober), deps.clock, deps.signals,
             deps.logger);
         if (deps.shared != nullptr) deps.shared->Put(kProbeHubKey, hub);
         return std::make_unique<endpoint::EndpointCollector>(hub);
       }},
      {"tls",
       "Is the certificate chain each https endpoint presents Microsoft's, "
       "or re-signed by an SSL-inspection device?",
       true,
       [](const ConfigSection& section, const CollectorDeps& deps) {
         tls::AllowList allow = tls::ParseAllowList(section);
         std::shared_ptr<endpoint::ProbeHub> hub =
             deps.shared != nullptr
                 ? deps.shared->Find<endpoint::ProbeHub>(kProbeHubKey)
                 : nullptr;
         if (hub == nullptr) {
           throw std::logic_error(
               "the tls collector must follow the endpoint collector in the "
               "collector table");
         }
         return std::make_unique<tls::TlsCollector>(std::move(allow), hub);
       }},
      {"domain_controller",
       "Whether this host finds its domain controllers in DNS (SRV "
       "_ldap._tcp.dc._msdcs.<domain>) and reaches each on the LDAP and "
       "Kerberos ports.",
       false,
       [](const ConfigSection& section, const CollectorDeps&) {
         auto network = domain_controller::SystemNetwork();
         return std::make_unique<domain_controller::DomainControllerCollector>(
             domain_controller::ParseDomainControllerSettings(section,
                                                              *network),
             network);
       }},
      {"cloud",
       "What Entra (Microsoft Graph) says about every PTA agent of the "
       "tenant: active or inactive, and how many are active.",
       false,
       [](const ConfigSection& section, const CollectorDeps& deps) {
         static const TenantSettings kNoTenant;
         cloud::CloudSettings settings = cloud::ParseCloudSettings(
             section, deps.tenant != nullptr ? *deps.tenant : kNoTenant);
         return std::make_unique<cloud::CloudCollector>(
             settings,
             [settings](const std::atomic<bool>* cancel) {
               return cloud::MakeCloudHttpClient(settings, cancel);
             },
             deps.clock, deps.signals);
       }},
      // The Windows collectors are enabled by default only where their
      // backend works; elsewhere they report "unsupported on this OS".
  };
  return table;
}

std::vector<std::string> CollectorNames(
    const std::vector<CollectorEntry>& table) {
  std::vector<std::string> names;
  for (const auto& entry : table) names.push_back(entry.name);
  return names;
}

std::vector<std::string> ParseEnabledList(
    const std::string& list, const std::vector<CollectorEntry>& table) {
  std::vector<std::string> names;
  std::string known;
  for (const auto& entry : table)
    known += (known.empty() ? "" : ", ") + entry.name;
  std::size_t pos = 0;
  while (pos <= list.size()) {
    std::size_t comma = list.find(',', pos);
    if (comma == std::string::npos) comma = list.size();
    std::string name = list.substr(pos, comma - pos);
    pos = comma + 1;
    if (name.empty()) {
      if (list.empty()) break;  // "--collectors.enabled=" enables none.
      throw FlagError("--collectors.enabled: empty collector name in \"" +
                      list + "\"");
    }
    bool exists =
        std::any_of(table.begin(), table.end(),
                    [&](const CollectorEntry& e) { return e.name == name; });
    if (!exists) {
      throw FlagError("--collectors.enabled: unknown collector \"" + name +
                      "\" (known: " + known + ")");
    }
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      throw FlagError("--collectors.enabled: \"" + name + "\" is listed twice");
    }
    names.push_back(name);
  }
  return names;
}

std::vector<ScrapeRunner::NamedCollector> BuildCollectors(
    const std::vector<CollectorEntry>& table, const Config& config,
    const std::optional<std::vector<std::string>>& enabled_override,
    const CollectorDeps& deps) {
  std::vector<ScrapeRunner::NamedCollector> built;
  SharedObjects shared;
  CollectorDeps deps_with_tenant = deps;
  deps_with_tenant.tenant = &config.tenant;
  deps_with_tenant.shared = &shared;
  for (const CollectorEntry& entry : table) {
    auto found = config.collector_sections.find(entry.name);
    ConfigSection section =
        found != config.collector_sections.end()
            ? found->second
            : ConfigSection(config.file, "collectors." + entry.name);
    bool enabled = section.Bool("enabled").value_or(entry.enabled_by_default);
    std::unique_ptr<Collector> collector =
        entry.create(section, deps_with_tenant);
    section.RejectUnknownKeys();
    if (enabled_override) {
      enabled = std::find(enabled_override->begin(), enabled_override->end(),
                          entry.name) != enabled_override->end();
    }
    if (enabled) built.push_back({entry.name, std::move(collector)});
  }
  return built;
}

}  // namespace entra_pta
