#include "collectors/domain_controller/domain_controller_collector.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <random>
#include <variant>

#include "collectors/domain_controller/dns_message.h"
#include "exporter/sdk/metric_builder.h"
#include "exporter/util/deadline.h"
#include "exporter/util/duration.h"

namespace entra_pta::domain_controller {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::uint16_t RandomQueryId() {
  thread_local std::mt19937 generator{std::random_device{}()};
  return static_cast<std::uint16_t>(generator() & 0xffff);
}

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
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    std::string part = text.substr(pos, comma - pos);
    pos = comma + 1;
    part.erase(0, part.find_first_not_of(' '));
    part.erase(part.find_last_not_of(' ') + 1);
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
  if (auto server = section.String("dns_server")) {
    settings.dns_server = ParseEndpoint(*server, 53);
    if (!settings.dns_server) {
      section.Fail("dns_server",
                   prefix + "dns_server: invalid address \"" + *server +
                       "\" (use an IPv4 address with an optional port, e.g. "
                       "10.0.0.10 or 127.0.0.1:5353)");
    }
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
  std::optional<Endpoint> server = settings_.dns_server;
  if (!server) server = network_->SystemDnsServer();
  if (!server) {
    return Status::Error(
        "no DNS server: the system has no IPv4 DNS server configured; set "
        "collectors.domain_controller.dns_server");
  }
  const std::string srv_name = DcLocatorName(domain);
  const std::string where =
      "DNS SRV lookup of " + srv_name + " at " + server->ToString();
  const SteadyClock::time_point deadline = WorkDeadline(context.deadline);

  auto query = BuildDnsQuery(RandomQueryId(), srv_name, kDnsTypeSrv);
  if (auto* error = std::get_if<Status>(&query)) return *error;
  std::vector<std::optional<std::vector<std::uint8_t>>> replies;
  const SteadyClock::time_point dns_start = SteadyClock::now();
  Status exchanged = network_->ExchangeUdp(
      *server, {std::get<std::vector<std::uint8_t>>(query)},
      std::min(deadline, dns_start + settings_.dns_timeout), replies);
  // What we were willing to wait: the DNS timeout, or less when the scrape
  // deadline came first.
  const auto dns_budget = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::min(deadline, dns_start + settings_.dns_timeout) - dns_start);
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
  auto report_lookup = [&](bool ok) {
    AddSample(lookup_success, {{"domain", domain}}, ok ? 1 : 0);
    out.push_back(std::move(lookup_success));
  };
  auto discovered =
      GaugeFamily("entra_pta_dc_discovered",
                  "Number of domain controllers the DNS SRV lookup "
                  "(_ldap._tcp.dc._msdcs.<domain>) returned.");

  if (!exchanged.ok()) {
    report_lookup(false);
    return Status::Error(where + " failed: " + exchanged.message());
  }
  if (!replies.at(0)) {
    report_lookup(false);
    return Status::Error(
        where + ": no answer within " + FormatDuration(dns_budget) +
        (dns_budget < settings_.dns_timeout ? " (the scrape deadline)" : ""));
  }
  auto parsed = ParseDnsResponse(*replies[0], srv_name, kDnsTypeSrv);
  if (auto* error = std::get_if<Status>(&parsed)) {
    report_lookup(false);
    return Status::Error(where + ": " + error->message());
  }
  const DnsResponse& response = std::get<DnsResponse>(parsed);
  if (response.truncated) {
    report_lookup(false);
    return Status::Error(where +
                         ": the answer was truncated (more DCs than "
                         "fit in one UDP answer)");
  }
  if (response.rcode != kRcodeNoError) {
    report_lookup(false);
    if (response.rcode == kRcodeNxDomain) {
      AddSample(discovered, {{"domain", domain}}, 0);
      out.push_back(std::move(discovered));
    }
    return Status::Error(where + ": " + RcodeDescription(response.rcode));
  }
  report_lookup(true);

  // One entry per DC host name; "." means "no such service" (RFC 2782).
  std::map<std::string, std::optional<std::string>> dcs;  // name -> IPv4
  for (const SrvRecord& srv : response.srv) {
    if (!srv.target.empty()) dcs.emplace(srv.target, std::nullopt);
  }
  AddSample(discovered, {{"domain", domain}}, static_cast<double>(dcs.size()));
  out.push_back(std::move(discovered));
  for (const AddressRecord& address : response.address) {
    auto it = dcs.find(address.name);
    if (it != dcs.end() && !it->second) it->second = address.ipv4;
  }

  // DCs whose address was not in the additional section: one A query each,
  // all at once.
  std::vector<std::string> to_resolve;
  std::vector<std::vector<std::uint8_t>> address_queries;
  for (const auto& [name, ipv4] : dcs) {
    if (ipv4) continue;
    auto a_query = BuildDnsQuery(RandomQueryId(), name, kDnsTypeA);
    if (std::holds_alternative<Status>(a_query)) continue;
    to_resolve.push_back(name);
    address_queries.push_back(std::get<std::vector<std::uint8_t>>(a_query));
  }
  if (!address_queries.empty()) {
    // Distinct IDs, so every reply finds its query.
    const std::uint16_t base_id = RandomQueryId();
    for (std::size_t i = 0; i < address_queries.size(); ++i) {
      const auto id = static_cast<std::uint16_t>(base_id + i);
      address_queries[i][0] = static_cast<std::uint8_t>(id >> 8);
      address_queries[i][1] = static_cast<std::uint8_t>(id & 0xff);
    }
    std::vector<std::optional<std::vector<std::uint8_t>>> address_replies;
    Status resolved = network_->ExchangeUdp(
        *server, address_queries,
        std::min(deadline, SteadyDeadlineAfter(settings_.dns_timeout)),
        address_replies);
    for (std::size_t i = 0; resolved.ok() && i < address_replies.size(); ++i) {
      if (!address_replies[i]) continue;
      auto a_parsed =
          ParseDnsResponse(*address_replies[i], to_resolve[i], kDnsTypeA);
      if (auto* a = std::get_if<DnsResponse>(&a_parsed);
          a != nullptr && a->rcode == kRcodeNoError && !a->address.empty()) {
        dcs[to_resolve[i]] = a->address.front().ipv4;
      }
    }
  }

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
  return Status::Ok();
}

}  // namespace entra_pta::domain_controller
