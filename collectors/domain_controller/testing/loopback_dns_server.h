// LoopbackDnsServer: a DNS server on 127.0.0.1 for tests, answering UDP and
// TCP (RFC 1035 4.2.2 length-prefixed) on one free port, from a thread of
// the test process. Answers come from a callback given the query's bytes
// and its transport, so a test can answer truncated over UDP and complete
// over TCP, refuse, stay silent or send hostile bytes. The reply's first
// two bytes are replaced with the query's ID, so callbacks need not copy it.
// Thread-safety: the callback runs on the server's thread; counters are
// atomic; set everything up before queries arrive.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "collectors/domain_controller/network.h"

namespace entra_pta::domain_controller::testing {

class UdpSocket;

enum class Transport { kUdp, kTcp };

class LoopbackDnsServer {
 public:
  using Bytes = std::vector<std::uint8_t>;
  // The reply, or nullopt for none.
  using Answer =
      std::function<std::optional<Bytes>(const Bytes& query, Transport)>;

  explicit LoopbackDnsServer(Answer answer);
  ~LoopbackDnsServer();  // stops the thread
  LoopbackDnsServer(const LoopbackDnsServer&) = delete;
  LoopbackDnsServer& operator=(const LoopbackDnsServer&) = delete;

  Endpoint endpoint() const { return {"127.0.0.1", port_}; }
  int udp_queries() const { return udp_queries_; }
  int tcp_queries() const { return tcp_queries_; }

 private:
  void Serve();

  Answer answer_;
  std::unique_ptr<UdpSocket> udp_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> udp_queries_{0};
  std::atomic<int> tcp_queries_{0};
  std::thread thread_;
};

}  // namespace entra_pta::domain_controller::testing
