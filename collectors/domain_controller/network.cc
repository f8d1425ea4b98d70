#include "collectors/domain_controller/network.h"

#include <charconv>
#include <sstream>

namespace entra_pta::domain_controller {
namespace {

bool IsIpv4Literal(const std::string& text) {
  int parts = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t dot = text.find('.', pos);
    if (dot == std::string::npos) dot = text.size();
    const std::string_view part(text.data() + pos, dot - pos);
    int value = -1;
    auto [end, ec] =
        std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || part.size() > 3 || ec != std::errc() ||
        end != part.data() + part.size() || value > 255) {
      return false;
    }
    ++parts;
    pos = dot + 1;
  }
  return parts == 4;
}

}  // namespace

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
