#include "collectors/domain_controller/network.h"

#include <charconv>

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

std::optional<std::vector<Endpoint>> ParseEndpointList(
    const std::string& text, std::uint16_t default_port) {
  std::vector<Endpoint> endpoints;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    std::string part = text.substr(pos, comma - pos);
    pos = comma + 1;
    part.erase(0, part.find_first_not_of(' '));
    part.erase(part.find_last_not_of(' ') + 1);
    auto endpoint = ParseEndpoint(part, default_port);
    if (!endpoint) return std::nullopt;
    endpoints.push_back(*endpoint);
  }
  if (endpoints.empty() || endpoints.size() > 8) return std::nullopt;
  return endpoints;
}

}  // namespace entra_pta::domain_controller
