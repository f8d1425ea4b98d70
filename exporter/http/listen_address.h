// ListenAddress: where the HTTP server listens, parsed from the
// --web.listen-address flag or web.listen_address.
// Thread-safety: a plain value and a pure function.
#pragma once

#include <optional>
#include <string>

namespace entra_pta {

// Listen addresses as Prometheus exporters take them: ":9847",
// "0.0.0.0:9847", "127.0.0.1:0", "[::1]:9847", "localhost:9847".
struct ListenAddress {
  std::string host;  // empty = all IPv4 interfaces
  int port = 0;
  bool ipv6 = false;
};

// Nullopt for anything else (a host name, a port out of range, ...).
std::optional<ListenAddress> ParseListenAddress(const std::string& text);

}  // namespace entra_pta
