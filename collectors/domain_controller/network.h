// Network: everything the domain_controller collector needs from outside the
// process, behind one interface: UDP request/response exchanges with a DNS
// server, concurrent TCP connects, and two facts about the host (its AD
// domain and its DNS server). SystemNetwork() is the real one, chosen by
// CMake (network_posix.cc: POSIX sockets; network_windows.cc: Winsock);
// tests use testing/fake_network.h or the real one on 127.0.0.1.
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

// The first IPv4 `nameserver` line of a resolv.conf text, port 53.
std::optional<Endpoint> FirstNameserver(const std::string& resolv_conf);

struct ConnectOutcome {
  bool connected = false;
  std::chrono::duration<double> duration{0};  // until connected or given up
  std::string error;  // why not connected ("connection refused", "timed out")
};

class Network {
 public:
  virtual ~Network() = default;

  // Sends each query to `server` over UDP (all at once, from one socket) and
  // collects the replies until every query is answered or `deadline` passes.
  // A reply belongs to the query with the same 16-bit ID (the first two
  // bytes); replies from other addresses or with unknown IDs are ignored.
  // The result holds one entry per query: the reply, or nullopt when none
  // came in time. An error Status only when the exchange could not be
  // attempted at all (socket or send failure).
  virtual Status ExchangeUdp(
      const Endpoint& server,
      const std::vector<std::vector<std::uint8_t>>& queries,
      std::chrono::steady_clock::time_point deadline,
      std::vector<std::optional<std::vector<std::uint8_t>>>& replies) = 0;

  // Opens a TCP connection to every endpoint at once, closes each as soon as
  // it is established, and gives up on the rest at `deadline`. One outcome
  // per endpoint, in order.
  virtual std::vector<ConnectOutcome> ConnectAll(
      const std::vector<Endpoint>& endpoints,
      std::chrono::steady_clock::time_point deadline) = 0;

  // The DNS domain of the Active Directory domain this machine is joined
  // to, or nullopt (not joined, or not Windows).
  virtual std::optional<std::string> MachineDomain() = 0;

  // The DNS server the system uses (first IPv4 one), or nullopt.
  virtual std::optional<Endpoint> SystemDnsServer() = 0;
};

// The operating system's network (one shared instance).
std::shared_ptr<Network> SystemNetwork();

}  // namespace entra_pta::domain_controller
