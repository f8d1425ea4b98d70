#include "collectors/domain_controller/network.h"

#include <charconv>

#include "exporter/util/ascii.h"
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
  for (const std::string& part : SplitCommaList(text)) {
    auto endpoint = ParseEndpoint(part, default_port);
    if (!endpoint) return std::nullopt;
    endpoints.push_back(*endpoint);
  }
  if (endpoints.empty() || endpoints.size() > 8) return std::nullopt;
  return endpoints;
}

}  // namespace entra_pta::domain_controller
