#include "collectors/domain_controller/network.h"

#include <charconv>
#include <sstream>

#include "exporter/util/ipv4.h"

namespace entra_pta::domain_controller {

std::optional<Endpoint> ParseEndpoint(const std::string& text,
                                      std::uint16_t default_port) {
  Endpoint endpoint;
  endpoint.port = default_port;
  const std::size_t colon = text.find(':');
  endpoint.ipv4 = text.substr(0, colon);
  if (!IsIpv4Literal(endpoint.ipv4)) return std::nullopt;
  if (colon != std::string::npos) {
    const std::string port_text = text.substr(colon + 1);
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(),
                                     port_text.data() + port_text.size(), port);
    if (port_text.empty() || ec != std::errc() ||
        end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return std::nullopt;
    }
    endpoint.port = static_cast<std::uint16_t>(port);
  }
  return endpoint;
}

std::optional<Endpoint> FirstNameserver(const std::string& resolv_conf) {
  std::istringstream lines(resolv_conf);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string keyword;
    std::string address;
    if (!(words >> keyword >> address) || keyword != "nameserver") continue;
    if (auto endpoint = ParseEndpoint(address, 53);
        endpoint && address.find(':') == std::string::npos) {
      return endpoint;  // resolv.conf has no ports; IPv6 servers are skipped
    }
  }
  return std::nullopt;
}

}  // namespace entra_pta::domain_controller
