// POSIX backend of exporter/platform/socket.h.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "exporter/platform/socket.h"

namespace entra_pta {
namespace {

bool SetNonBlocking(int fd) {
  int flags = fcntl(fd, F_GETFL, 0);
  return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
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

  std::intptr_t NativeHandle() const override { return fd_; }

 private:
  int fd_;
};

class PosixListenSocket final : public ListenSocket {
 public:
  PosixListenSocket(int fd, int port) : fd_(fd), port_(port) {}
  ~PosixListenSocket() override { close(fd_); }
  int port() const override { return port_; }
  std::intptr_t NativeHandle() const override { return fd_; }

  std::unique_ptr<StreamSocket> TryAccept(bool& failed) override {
    failed = false;
    for (;;) {
      int fd = accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd >= 0) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        return std::make_unique<PosixStreamSocket>(fd);
      }
      // A client that gave up before being accepted: try the next one.
      if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
      failed = errno != EAGAIN && errno != EWOULDBLOCK;
      return nullptr;
    }
  }

 private:
  int fd_;
  int port_;
};

class PosixPollSet final : public PollSet {
 public:
  void Clear() override { fds_.clear(); }
  std::size_t Add(std::intptr_t handle, bool read, bool write) override {
    short events =
        static_cast<short>((read ? POLLIN : 0) | (write ? POLLOUT : 0));
    fds_.push_back(pollfd{static_cast<int>(handle), events, 0});
    return fds_.size() - 1;
  }
  bool Wait(std::chrono::milliseconds timeout) override {
    const int millis = static_cast<int>(std::min<long long>(
        std::max<long long>(timeout.count(), 0), 60LL * 60 * 1000));
    int n = poll(fds_.data(), fds_.size(), millis);
    if (n >= 0) return true;
    for (pollfd& p : fds_) p.revents = 0;
    return errno == EINTR;
  }
  bool Readable(std::size_t i) const override {
    return (fds_[i].events & POLLIN) != 0 &&
           (fds_[i].revents & (POLLIN | POLLERR | POLLHUP | POLLNVAL)) != 0;
  }
  bool Writable(std::size_t i) const override {
    return (fds_[i].events & POLLOUT) != 0 &&
           (fds_[i].revents & (POLLOUT | POLLERR | POLLHUP | POLLNVAL)) != 0;
  }

 private:
  std::vector<pollfd> fds_;
};

class PipeWaker final : public Waker {
 public:
  PipeWaker() {
    if (pipe2(fds_, O_NONBLOCK | O_CLOEXEC) != 0) {
      throw std::runtime_error(std::string("cannot create a pipe: ") +
                               std::strerror(errno));
    }
  }
  ~PipeWaker() override {
    close(fds_[0]);
    close(fds_[1]);
  }
  void Wake() override {
    const char byte = 1;
    // A full pipe already wakes the loop; nothing is lost by dropping this.
    [[maybe_unused]] ssize_t n = write(fds_[1], &byte, 1);
  }
  void Drain() override {
    char buffer[256];
    while (read(fds_[0], buffer, sizeof buffer) > 0) {
    }
  }
  std::intptr_t NativeHandle() const override { return fds_[0]; }

 private:
  int fds_[2] = {-1, -1};
};

}  // namespace

std::unique_ptr<PollSet> MakePollSet() {
  return std::make_unique<PosixPollSet>();
}

std::unique_ptr<Waker> MakeWaker() { return std::make_unique<PipeWaker>(); }

std::size_t RaiseOpenSocketLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY
             ? 0
             : static_cast<std::size_t>(limit.rlim_cur);
}

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
  // A burst of connections (a scanner, a slowloris) waits in the kernel's
  // queue rather than being refused; the loop accepts them all each turn.
  if (bind(fd, found->ai_addr, found->ai_addrlen) != 0 ||
      listen(fd, SOMAXCONN) != 0 || !SetNonBlocking(fd)) {
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
