#include "collectors/domain_controller/domain_controller_collector.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>

#include "collectors/domain_controller/dns_resolver.h"
#include "exporter/sdk/metric_builder.h"
#include "exporter/util/ascii.h"
#include "exporter/util/deadline.h"
#include "exporter/util/duration.h"

namespace entra_pta::domain_controller {
namespace {

using SteadyClock = std::chrono::steady_clock;

double Seconds(SteadyClock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// Ends our own waits a little before the scrape deadline, so the results
// reach the scrape runner in time instead of being reported as a timeout.
SteadyClock::time_point WorkDeadline(SteadyClock::time_point deadline) {
  const auto now = SteadyClock::now();
  if (deadline <= now) return now;
  auto margin = (deadline - now) / 10;
  if (margin > std::chrono::milliseconds(100)) {
    margin = std::chrono::milliseconds(100);
  }
  return deadline - margin;
}

std::string ToLower(std::string text) {
  for (char& c : text) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return text;
}

}  // namespace

std::string DcLocatorName(const std::string& domain) {
  std::string name = "_ldap._tcp.dc._msdcs." + ToLower(domain);
  if (!name.empty() && name.back() == '.') name.pop_back();
  return name;
}

std::optional<std::vector<std::uint16_t>> ParsePortList(
    const std::string& text) {
  std::vector<std::uint16_t> ports;
  for (const std::string& part : SplitCommaList(text)) {
    unsigned port = 0;
    auto [end, ec] =
        std::from_chars(part.data(), part.data() + part.size(), port);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size() ||
        port == 0 || port > 65535) {
      return std::nullopt;
    }
    if (std::find(ports.begin(), ports.end(), port) != ports.end()) {
      return std::nullopt;
    }
    ports.push_back(static_cast<std::uint16_t>(port));
  }
  if (ports.empty() || ports.size() > 16) return std::nullopt;
  return ports;
}

DomainControllerSettings ParseDomainControllerSettings(
    const ConfigSection& section, Network& network) {
  DomainControllerSettings settings;
  const std::string prefix = section.path() + ".";
  if (auto domain = section.String("domain")) {
    if (!IsValidDnsName(*domain)) {
      section.Fail("domain", prefix + "domain: invalid DNS domain \"" +
                                 *domain + "\" (e.g. corp.example.com)");
    }
    settings.domain = ToLower(*domain);
    if (settings.domain.back() == '.') settings.domain.pop_back();
  }
  if (auto servers = section.String("dns_server")) {
    auto parsed = ParseEndpointList(*servers, 53);
    if (!parsed) {
      section.Fail("dns_server",
                   prefix + "dns_server: invalid address list \"" + *servers +
                       "\" (use 1 to 8 IPv4 addresses with optional ports, "
                       "separated by commas, e.g. 10.0.0.10 or "
                       "10.0.0.10,10.0.0.11 or 127.0.0.1:5353)");
    }
    settings.dns_servers = std::move(*parsed);
  }
  if (auto ports = section.String("ports")) {
    auto parsed = ParsePortList(*ports);
    if (!parsed) {
      section.Fail("ports", prefix + "ports: invalid port list \"" + *ports +
                                "\" (use 1 to 16 distinct ports separated "
                                "by commas, e.g. \"389,88\")");
    }
    settings.ports = *parsed;
  }
  for (auto [key, field] :
       {std::pair{"dns_timeout", &settings.dns_timeout},
        std::pair{"connect_timeout", &settings.connect_timeout}}) {
    if (auto timeout = section.Duration(key)) {
      if (timeout->count() == 0) {
        section.Fail(key, prefix + key + ": must be greater than 0");
      }
      *field = *timeout;
    }
  }
  if (settings.domain.empty() && section.Bool("enabled").value_or(false) &&
      !network.MachineDomain()) {
    section.Fail("enabled",
                 prefix +
                     "domain: required, because this machine is not joined to "
                     "an Active Directory domain (set the domain whose DCs to "
                     "check, e.g. corp.example.com)");
  }
  return settings;
}

DomainControllerCollector::DomainControllerCollector(
    DomainControllerSettings settings, std::shared_ptr<Network> network)
    : settings_(std::move(settings)), network_(std::move(network)) {}

Status DomainControllerCollector::Collect(
    const ScrapeContext& context, std::vector<prometheus::MetricFamily>& out) {
  std::string domain = settings_.domain;
  if (domain.empty()) {
    auto machine_domain = network_->MachineDomain();
    if (!machine_domain) {
      return Status::Error(
          "no domain to check: set collectors.domain_controller.domain (this "
          "machine is not joined to an Active Directory domain)");
    }
    domain = ToLower(*machine_domain);
  }
  const DnsResolver resolver(settings_.dns_servers);
  const std::string srv_name = DcLocatorName(domain);
  const SteadyClock::time_point deadline = WorkDeadline(context.deadline);

  const SteadyClock::time_point dns_start = SteadyClock::now();
  // What we are willing to wait: the DNS timeout, or less when the scrape
  // deadline comes first.
  const SteadyClock::time_point dns_deadline =
      std::min(deadline, dns_start + settings_.dns_timeout);
  SrvLookup lookup = resolver.LookupSrv(srv_name, dns_deadline);
  const auto dns_budget = std::chrono::duration_cast<std::chrono::milliseconds>(
      dns_deadline - dns_start);
  const double dns_seconds = Seconds(SteadyClock::now() - dns_start);

  auto lookup_duration = GaugeFamily(
      "entra_pta_dns_lookup_duration_seconds",
      "How long the DNS SRV lookup of the domain's domain controllers took "
      "(until the answer, the error or the timeout).");
  AddSample(lookup_duration, {{"domain", domain}}, dns_seconds);
  out.push_back(std::move(lookup_duration));
  auto lookup_success = GaugeFamily(
      "entra_pta_dns_lookup_success",
      "1 if the DNS SRV lookup of the domain's domain controllers got a "
      "NOERROR answer; 0 on NXDOMAIN, SERVFAIL, a timeout or a bad answer.");
  AddSample(lookup_success, {{"domain", domain}}, lookup.status.ok() ? 1 : 0);
  out.push_back(std::move(lookup_success));
  auto discovered =
      GaugeFamily("entra_pta_dc_discovered",
                  "Number of domain controllers the DNS SRV lookup "
                  "(_ldap._tcp.dc._msdcs.<domain>) returned.");

  if (!lookup.status.ok()) {
    if (lookup.no_such_name) {
      AddSample(discovered, {{"domain", domain}}, 0);
      out.push_back(std::move(discovered));
    }
    const std::string where =
        "DNS SRV lookup of " + srv_name + " at " + resolver.ServersText();
    if (lookup.no_answer) {
      return Status::Error(
          where + ": no answer within " + FormatDuration(dns_budget) +
          (dns_budget < settings_.dns_timeout ? " (the scrape deadline)" : ""));
    }
    return Status::Error(where + ": " + lookup.status.message());
  }

  // One entry per DC host name; "." means "no such service" (RFC 2782).
  std::map<std::string, std::optional<std::string>> dcs;  // name -> IPv4
  for (const SrvRecord& srv : lookup.records) {
    if (!srv.target.empty()) dcs.emplace(srv.target, std::nullopt);
  }
  AddSample(discovered, {{"domain", domain}}, static_cast<double>(dcs.size()));
  out.push_back(std::move(discovered));

  // The DCs' addresses: one A query each, all at once.
  std::vector<std::string> names;
  for (const auto& entry : dcs) names.push_back(entry.first);
  if (!names.empty()) {
    auto addresses = resolver.LookupIpv4(
        names, std::min(deadline, SteadyDeadlineAfter(settings_.dns_timeout)));
    for (std::size_t i = 0; i < names.size() && i < addresses.size(); ++i) {
      dcs[names[i]] = addresses[i];
    }
  }

  ReportReachability(dcs, deadline, out);
  return Status::Ok();
}

void DomainControllerCollector::ReportReachability(
    const std::map<std::string, std::optional<std::string>>& dcs,
    std::chrono::steady_clock::time_point deadline,
    std::vector<prometheus::MetricFamily>& out) {
  std::vector<Endpoint> endpoints;
  std::vector<std::pair<std::string, std::uint16_t>> endpoint_labels;
  for (const auto& [name, ipv4] : dcs) {
    if (!ipv4) continue;
    for (std::uint16_t port : settings_.ports) {
      endpoints.push_back({*ipv4, port});
      endpoint_labels.emplace_back(name, port);
    }
  }
  std::vector<ConnectOutcome> outcomes;
  if (!endpoints.empty()) {
    outcomes = network_->ConnectAll(
        endpoints,
        std::min(deadline, SteadyDeadlineAfter(settings_.connect_timeout)));
  }

  auto up = GaugeFamily(
      "entra_pta_dc_up",
      "1 if a TCP connection to the domain controller on this port was "
      "established within the timeout; 0 if it was refused, timed out or the "
      "DC's address could not be resolved.");
  auto connect_duration = GaugeFamily(
      "entra_pta_dc_connect_duration_seconds",
      "How long the TCP connect to the domain controller on this port took "
      "(only for connections that were established).");
  for (const auto& [name, ipv4] : dcs) {
    if (ipv4) continue;
    for (std::uint16_t port : settings_.ports) {
      AddSample(up, {{"dc", name}, {"port", std::to_string(port)}}, 0);
    }
  }
  for (std::size_t i = 0; i < outcomes.size() && i < endpoint_labels.size();
       ++i) {
    const auto& [name, port] = endpoint_labels[i];
    AddSample(up, {{"dc", name}, {"port", std::to_string(port)}},
              outcomes[i].connected ? 1 : 0);
    if (outcomes[i].connected) {
      AddSample(connect_duration,
                {{"dc", name}, {"port", std::to_string(port)}},
                outcomes[i].duration.count());
    }
  }
  if (!up.metric.empty()) out.push_back(std::move(up));
  if (!connect_duration.metric.empty()) {
    out.push_back(std::move(connect_duration));
  }
}

}  // namespace entra_pta::domain_controller
