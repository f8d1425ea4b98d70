// Network: what the domain_controller collector needs from outside the
// process besides DNS (dns_resolver.h, c-ares), behind one interface:
// concurrent TCP connects and the host's AD domain. SystemNetwork() is the
// real one, chosen by CMake (network_posix.cc: POSIX sockets;
// network_windows.cc: Winsock); tests use testing/fake_network.h or the
// real one on 127.0.0.1.
// Thread-safety: implementations must allow concurrent calls.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "exporter/util/status.h"

namespace entra_pta::domain_controller {

// An IPv4 address and port, e.g. {"127.0.0.1", 53}.
struct Endpoint {
  std::string ipv4;
  std::uint16_t port = 0;
  std::string ToString() const { return ipv4 + ":" + std::to_string(port); }
};

// "1.2.3.4" or "1.2.3.4:5353" (port defaults to `default_port`).
std::optional<Endpoint> ParseEndpoint(const std::string& text,
                                      std::uint16_t default_port);

// "10.0.0.10,10.0.0.11:5353": 1..8 endpoints separated by commas (spaces
// around them allowed). nullopt when any is invalid.
std::optional<std::vector<Endpoint>> ParseEndpointList(
    const std::string& text, std::uint16_t default_port);

struct ConnectOutcome {
  bool connected = false;
  std::chrono::duration<double> duration{0};  // until connected or given up
  std::string error;  // why not connected ("connection refused", "timed out")
};

class Network {
 public:
  virtual ~Network() = default;

  // Opens a TCP connection to every endpoint at once, closes each as soon as
  // it is established, and gives up on the rest at `deadline`. One outcome
  // per endpoint, in order.
  virtual std::vector<ConnectOutcome> ConnectAll(
      const std::vector<Endpoint>& endpoints,
      std::chrono::steady_clock::time_point deadline) = 0;

  // The DNS domain of the Active Directory domain this machine is joined
  // to, or nullopt (not joined, or not Windows).
  virtual std::optional<std::string> MachineDomain() = 0;
};

// The operating system's network (one shared instance).
std::shared_ptr<Network> SystemNetwork();

}  // namespace entra_pta::domain_controller
