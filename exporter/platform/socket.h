// TCP sockets and readiness polling for the HTTP server's event loop, behind
// a small portable interface so that the server's logic
// (exporter/http/http_server.cc) has no OS calls and no #ifdef. Backends:
// socket_posix.cc (POSIX poll(2)) and socket_windows.cc (Winsock, WSAPoll),
// chosen by CMake. Sockets are non-blocking; nothing here ever waits except
// PollSet::Wait, and that only up to its timeout.
// Thread-safety: a socket, a listener and a poll set belong to one thread
// (the server's loop). Waker::Wake may be called from any thread.
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
  // The OS handle (an fd, or a SOCKET), for PollSet and OpenSSL's SSL_set_fd.
  virtual std::intptr_t NativeHandle() const = 0;
};

class ListenSocket {
 public:
  virtual ~ListenSocket() = default;  // Closes the socket.
  virtual int port() const = 0;
  // Non-blocking: the next pending connection, or nullptr when none is
  // waiting (or accepting failed, e.g. out of file descriptors; `failed`
  // then says so, so that the caller does not spin on it).
  virtual std::unique_ptr<StreamSocket> TryAccept(bool& failed) = 0;
  virtual std::intptr_t NativeHandle() const = 0;
};

// One poll(2) / WSAPoll call over a set of sockets, rebuilt by the caller
// for every wait.
class PollSet {
 public:
  virtual ~PollSet() = default;
  virtual void Clear() = 0;
  // Adds a socket with the readiness asked for; returns its index.
  virtual std::size_t Add(std::intptr_t handle, bool read, bool write) = 0;
  // Waits until a socket is ready or `timeout` passes (0: just looks).
  // False when the OS call failed for a reason other than a signal.
  virtual bool Wait(std::chrono::milliseconds timeout) = 0;
  // Whether the socket at `index` is ready for what was asked; an error or
  // hang-up counts as ready for both, so that the next I/O call reports it.
  virtual bool Readable(std::size_t index) const = 0;
  virtual bool Writable(std::size_t index) const = 0;
};
std::unique_ptr<PollSet> MakePollSet();

// Wakes a PollSet::Wait from another thread: a self-pipe on POSIX, a
// connected loopback socket pair on Windows. Its read end is polled like
// any socket.
class Waker {
 public:
  virtual ~Waker() = default;
  virtual void Wake() = 0;   // any thread; never blocks
  virtual void Drain() = 0;  // the polling thread, when the read end is ready
  virtual std::intptr_t NativeHandle() const = 0;  // the read end
};
// Throws std::runtime_error when the OS refuses.
std::unique_ptr<Waker> MakeWaker();

// Binds and listens (backlog SOMAXCONN) on a numeric address (IPv6 when
// `ipv6`); `host` empty means every interface of that family. Port 0 picks
// a free port. Throws std::runtime_error naming the address and the OS's
// reason.
std::unique_ptr<ListenSocket> OpenListenSocket(const std::string& host,
                                               int port, bool ipv6);

// Raises the process's limit on open sockets as far as the OS lets an
// unprivileged process (RLIMIT_NOFILE soft to hard on POSIX; nothing to do
// on Windows) and returns the limit now in force (0: unknown / unlimited).
std::size_t RaiseOpenSocketLimit();

}  // namespace entra_pta
