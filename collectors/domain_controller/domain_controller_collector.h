// The domain_controller collector: can this host find a domain controller
// (DNS SRV _ldap._tcp.dc._msdcs.<domain>) and reach each one on the LDAP and
// Kerberos ports? The third pillar of PTA: an agent that cannot reach a DC
// fails every sign-in (event 31019). DNS and TCP go through the Network
// interface; every wait is bounded by the scrape deadline.
// Thread-safety: Collect() may run on any thread; the collector holds
// immutable settings and a thread-safe Network.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "collectors/domain_controller/network.h"
#include "exporter/sdk/collector.h"
#include "exporter/sdk/config_section.h"

namespace entra_pta::domain_controller {

struct DomainControllerSettings {
  std::string domain;  // empty: the machine's AD domain (Windows)
  std::optional<Endpoint> dns_server;  // nullopt: the system's DNS server
  std::vector<std::uint16_t> ports = {389, 88};  // LDAP, Kerberos
  std::chrono::milliseconds dns_timeout = std::chrono::seconds(2);
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(2);
};

// Reads collectors.domain_controller. When the section enables the
// collector, `domain` must be set unless `network` knows the machine's AD
// domain. Throws ConfigError.
DomainControllerSettings ParseDomainControllerSettings(
    const ConfigSection& section, Network& network);

// The SRV name domain controllers register: _ldap._tcp.dc._msdcs.<domain>.
std::string DcLocatorName(const std::string& domain);

// Parses "389,88": 1..16 distinct ports. nullopt when invalid.
std::optional<std::vector<std::uint16_t>> ParsePortList(
    const std::string& text);

class DomainControllerCollector final : public Collector {
 public:
  DomainControllerCollector(DomainControllerSettings settings,
                            std::shared_ptr<Network> network);

  Status Collect(const ScrapeContext& context,
                 std::vector<prometheus::MetricFamily>& out) override;

 private:
  DomainControllerSettings settings_;
  std::shared_ptr<Network> network_;
};

}  // namespace entra_pta::domain_controller
