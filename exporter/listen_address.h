// ListenAddress: where the HTTP server listens, parsed from the
// --web.listen-address flag or web.listen_address (ParseListenAddress in
// exporter/config.h). A header of its own so the server builds without the
// YAML configuration code (the Windows cross-build).
// Thread-safety: a plain value.
#pragma once

#include <string>

namespace entra_pta {

// Listen addresses as Prometheus exporters take them: ":9847",
// "0.0.0.0:9847", "127.0.0.1:0", "[::1]:9847", "localhost:9847".
struct ListenAddress {
  std::string host;  // empty = all IPv4 interfaces
  int port = 0;
  bool ipv6 = false;
};

}  // namespace entra_pta
