// POSIX backend of exporter/socket.h.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "exporter/socket.h"

namespace entra_pta {
namespace {

bool SetNonBlocking(int fd) {
  int flags = fcntl(fd, F_GETFL, 0);
  return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

int MillisUntil(SteadyTime deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return 0;
  return static_cast<int>(std::min<long long>(left.count(), 1000 * 60 * 60));
}

class PosixStreamSocket final : public StreamSocket {
 public:
  explicit PosixStreamSocket(int fd) : fd_(fd) {}
  ~PosixStreamSocket() override { close(fd_); }

  long ReceiveSome(char* data, std::size_t size) override {
    for (;;) {
      ssize_t n = recv(fd_, data, size, 0);
      if (n >= 0) return static_cast<long>(n);
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK ? kWouldBlock : kError;
    }
  }

  long SendSome(const char* data, std::size_t size) override {
    for (;;) {
      ssize_t n = send(fd_, data, size, MSG_NOSIGNAL);
      if (n >= 0) return static_cast<long>(n);
      if (errno == EINTR) continue;
      return errno == EAGAIN || errno == EWOULDBLOCK ? kWouldBlock : kError;
    }
  }

  bool Wait(bool for_write, SteadyTime deadline) override {
    for (;;) {
      pollfd p{fd_, static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
      int n = poll(&p, 1, MillisUntil(deadline));
      if (n > 0) return true;  // Errors and hang-ups surface in the I/O call.
      if (n == 0) return false;
      if (errno != EINTR) return false;
    }
  }

  void Interrupt() override { shutdown(fd_, SHUT_RDWR); }
  std::intptr_t NativeHandle() const override { return fd_; }

 private:
  int fd_;
};

class PosixListenSocket final : public ListenSocket {
 public:
  PosixListenSocket(int fd, int port) : fd_(fd), port_(port) {}
  ~PosixListenSocket() override { close(fd_); }
  int port() const override { return port_; }

  std::unique_ptr<StreamSocket> Accept(
      std::chrono::milliseconds wait) override {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(wait.count())) <= 0) return nullptr;
    int fd = accept(fd_, nullptr, nullptr);
    if (fd < 0) return nullptr;  // The client went away, or out of fds.
    if (!SetNonBlocking(fd) || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
      close(fd);
      return nullptr;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return std::make_unique<PosixStreamSocket>(fd);
  }

 private:
  int fd_;
  int port_;
};

}  // namespace

std::unique_ptr<ListenSocket> OpenListenSocket(const std::string& host_text,
                                               int port_number, bool ipv6) {
  // OpenSSL writes to the socket with write(2), which raises SIGPIPE when
  // the client has gone; for a server that is an error code, not a death.
  signal(SIGPIPE, SIG_IGN);
  const std::string host =
      host_text.empty() ? (ipv6 ? "::" : "0.0.0.0") : host_text;
  const std::string where =
      (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port_number);
  addrinfo hints{};
  hints.ai_family = ipv6 ? AF_INET6 : AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(port_number);
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found);
      rc != 0) {
    throw std::runtime_error("cannot listen on " + where + ": " +
                             gai_strerror(rc));
  }
  int fd = socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    freeaddrinfo(found);
    throw std::runtime_error("cannot listen on " + where + ": " +
                             std::strerror(errno));
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, found->ai_addr, found->ai_addrlen) != 0 ||
      listen(fd, 128) != 0 || !SetNonBlocking(fd)) {
    int error = errno;
    freeaddrinfo(found);
    close(fd);
    throw std::runtime_error("cannot listen on " + where + ": " +
                             std::strerror(error));
  }
  freeaddrinfo(found);
  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
  int bound_port =
      bound.ss_family == AF_INET6
          ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
          : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return std::make_unique<PosixListenSocket>(fd, bound_port);
}

}  // namespace entra_pta
