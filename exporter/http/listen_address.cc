#include "exporter/http/listen_address.h"

#include <charconv>

#include "exporter/util/ipv4.h"

namespace entra_pta {

std::optional<ListenAddress> ParseListenAddress(const std::string& text) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  std::string host = text.substr(0, colon);
  std::string port_text = text.substr(colon + 1);
  ListenAddress out;
  auto [end, ec] = std::from_chars(
      port_text.data(), port_text.data() + port_text.size(), out.port);
  if (port_text.empty() || ec != std::errc() ||
      end != port_text.data() + port_text.size() || out.port < 0 ||
      out.port > 65535) {
    return std::nullopt;
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    std::string inner = host.substr(1, host.size() - 2);
    if (inner.empty() || inner.find_first_not_of("0123456789abcdefABCDEF:.") !=
                             std::string::npos) {
      return std::nullopt;
    }
    out.host = inner;
    out.ipv6 = true;
    return out;
  }
  if (host == "localhost") host = "127.0.0.1";
  if (!host.empty() && !IsIpv4Literal(host)) return std::nullopt;
  out.host = host;
  return out;
}

}  // namespace entra_pta
