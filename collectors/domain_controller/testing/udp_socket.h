// A UDP socket bound to 127.0.0.1 for test DNS servers: the one part of a
// loopback DNS server that exporter/platform/socket.h (TCP only) lacks.
// Backends: collectors/domain_controller/testing/udp_socket_posix.cc and
// collectors/domain_controller/testing/udp_socket_windows.cc,
// chosen by CMake.
// Thread-safety: one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace entra_pta::domain_controller::testing {

class UdpSocket {
 public:
  virtual ~UdpSocket() = default;  // Closes the socket.
  virtual std::uint16_t port() const = 0;
  virtual std::intptr_t NativeHandle() const = 0;  // for PollSet
  // The next waiting datagram (non-blocking); nullopt when none is.
  virtual std::optional<std::vector<std::uint8_t>> Receive() = 0;
  // Sends to whoever sent the last datagram received.
  virtual void Reply(const std::vector<std::uint8_t>& datagram) = 0;
};

// Bound to 127.0.0.1:`port` (0: a free one); nullptr when binding failed.
std::unique_ptr<UdpSocket> OpenLoopbackUdpSocket(std::uint16_t port);

}  // namespace entra_pta::domain_controller::testing
