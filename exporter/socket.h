// TCP sockets for the HTTP server, behind a small portable interface so that
// the server's logic (exporter/http_server.cc) has no OS calls and no
// #ifdef. Backends: socket_other.cc (POSIX) and socket_windows.cc (Winsock),
// chosen by CMake. Sockets are non-blocking; waiting is explicit and always
// bounded by a deadline, which is how every timeout of the server is built.
// Thread-safety: one thread uses a socket at a time, except Interrupt(),
// which any thread may call to wake a Wait() in progress.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace entra_pta {

using SteadyTime = std::chrono::steady_clock::time_point;

class StreamSocket {
 public:
  static constexpr long kWouldBlock = -1;
  static constexpr long kError = -2;

  virtual ~StreamSocket() = default;  // Closes the socket.
  // Non-blocking: bytes transferred (> 0), 0 when the peer closed (receive
  // only), kWouldBlock or kError.
  virtual long ReceiveSome(char* data, std::size_t size) = 0;
  virtual long SendSome(const char* data, std::size_t size) = 0;
  // Waits until the socket is readable (or writable), the deadline passes
  // or Interrupt() is called. True when ready; false otherwise.
  virtual bool Wait(bool for_write, SteadyTime deadline) = 0;
  // Shuts the connection down in both directions, waking any Wait().
  virtual void Interrupt() = 0;
  // The OS handle (an fd, or a SOCKET), for OpenSSL's SSL_set_fd.
  virtual std::intptr_t NativeHandle() const = 0;
};

class ListenSocket {
 public:
  virtual ~ListenSocket() = default;  // Closes the socket.
  virtual int port() const = 0;
  // Waits up to `wait` for a connection; nullptr when none arrived.
  virtual std::unique_ptr<StreamSocket> Accept(
      std::chrono::milliseconds wait) = 0;
};

// Binds and listens on a numeric address (IPv6 when `ipv6`); `host` empty
// means every interface of that family. Port 0 picks a free port.
// Throws std::runtime_error naming the address and the OS's reason.
std::unique_ptr<ListenSocket> OpenListenSocket(const std::string& host,
                                               int port, bool ipv6);

}  // namespace entra_pta
