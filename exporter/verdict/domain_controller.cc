// Triage step 6: domain controller discovery (DNS SRV) and reachability
// (LDAP/Kerberos ports), from the domain_controller collector.
#include <algorithm>
#include <optional>

#include "exporter/verdict/assess.h"
#include "exporter/verdict/text.h"

namespace entra_pta::verdict::internal {
namespace {

Finding Dc(std::string id, std::string name) {
  return Make(Pillar::kDomainController, "dc", std::move(id), std::move(name));
}

Finding Discovery(const Context& context, const Sample& lookup) {
  const std::string domain = lookup.Label("domain");
  const std::string srv = "_ldap._tcp.dc._msdcs." + domain;
  Finding finding = Dc("dc.discovery." + domain, "DC discovery for " + domain);
  std::optional<double> found =
      context.metrics.One("entra_pta_dc_discovered", {{"domain", domain}});
  const std::vector<std::string> fix = {
      "Resolve-DnsName -Type SRV " + srv +
      " on this server; check its DNS servers."};
  if (lookup.value == 0 && !(found && *found == 0)) {
    finding.severity = Severity::kFail;
    finding.summary = "the SRV lookup of " + srv + " failed";
    finding.first_fix = fix;
    finding.alert_name = "EntraPTANoDomainControllerDiscovered";
  } else if (!found || *found == 0) {
    finding.severity = Severity::kFail;
    finding.summary = "no domain controller found (" + srv + ")";
    finding.first_fix = fix;
    finding.alert_name = "EntraPTANoDomainControllerDiscovered";
  } else {
    finding.summary = FormatCount(*found) + " domain controller(s) found";
  }
  if (std::optional<double> took = context.metrics.One(
          "entra_pta_dns_lookup_duration_seconds", {{"domain", domain}})) {
    finding.evidence.push_back("SRV lookup took " + FormatNumber(*took, 3) +
                               " s");
  }
  return finding;
}

Finding Port(const Context& context, const std::string& port,
             const std::string& domain_hint) {
  Finding finding = Dc("dc.port." + port, "DCs on port " + port);
  std::vector<std::string> down;
  int up = 0;
  for (const Sample& s :
       context.metrics.All("entra_pta_dc_up", {{"port", port}})) {
    const std::string dc = s.Label("dc");
    if (s.value != 1) {
      down.push_back(dc);
      finding.evidence.push_back(dc + ": unreachable");
      continue;
    }
    ++up;
    std::optional<double> took = context.metrics.One(
        "entra_pta_dc_connect_duration_seconds", {{"dc", dc}, {"port", port}});
    finding.evidence.push_back(
        dc + ": reachable" +
        (took ? " (" + FormatNumber(*took, 3) + " s)" : ""));
  }
  if (up == 0) {
    finding.severity = Severity::kFail;
    finding.summary = "no domain controller reachable on port " + port +
                      ": every password this agent validates fails";
    finding.first_fix = {"nltest /dsgetdc:" + domain_hint +
                         "; Test-NetConnection -ComputerName " + down.front() +
                         " -Port " + port +
                         "; look for a firewall change between this server "
                         "and the DCs."};
    finding.alert_name = "EntraPTANoDomainControllerReachable";
  } else if (!down.empty()) {
    finding.severity = Severity::kWarn;
    finding.summary = std::to_string(down.size()) + " of " +
                      std::to_string(down.size() + static_cast<size_t>(up)) +
                      " domain controllers unreachable on port " + port;
    finding.first_fix = {"Test-NetConnection -ComputerName " + down.front() +
                         " -Port " + port +
                         "; the DC is down or a firewall blocks the port."};
    finding.alert_name = "EntraPTADomainControllerUnreachable";
  } else {
    finding.summary =
        "all " + std::to_string(up) + " domain controller(s) reachable";
  }
  return finding;
}

}  // namespace

void AssessDomainControllers(const Context& context,
                             std::vector<Finding>& out) {
  AddCollectorFinding(context, Pillar::kDomainController, "dc",
                      "domain_controller",
                      "Set collectors.domain_controller.enabled: true (and "
                      "domain: on a host outside the AD domain) to check DNS "
                      "SRV discovery and LDAP/Kerberos reachability.",
                      out);
  if (!HasData(context, "domain_controller")) return;
  std::string domain_hint = "<domain>";
  for (const Sample& lookup :
       context.metrics.All("entra_pta_dns_lookup_success")) {
    out.push_back(Discovery(context, lookup));
    domain_hint = lookup.Label("domain");
  }
  std::vector<std::string> ports;
  for (const Sample& s : context.metrics.All("entra_pta_dc_up")) {
    const std::string port = s.Label("port");
    if (std::find(ports.begin(), ports.end(), port) == ports.end()) {
      ports.push_back(port);
    }
  }
  for (const std::string& port : ports) {
    out.push_back(Port(context, port, domain_hint));
  }
}

}  // namespace entra_pta::verdict::internal
