// The POSIX backend of Network: BSD sockets with poll(). There is no AD
// domain membership to read here, so MachineDomain() is always nullopt.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "collectors/domain_controller/network.h"

namespace entra_pta::domain_controller {
namespace {

using Clock = std::chrono::steady_clock;

std::string ErrnoText(int error) {
  return std::system_category().message(error);
}

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  Socket(Socket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

bool ToSockaddr(const Endpoint& endpoint, sockaddr_in& out) {
  out = {};
  out.sin_family = AF_INET;
  out.sin_port = htons(endpoint.port);
  return ::inet_pton(AF_INET, endpoint.ipv4.c_str(), &out.sin_addr) == 1;
}

int MillisUntil(Clock::time_point when) {
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(when - Clock::now())
          .count();
  if (left < 0) return 0;
  return static_cast<int>(left > 60'000 ? 60'000 : left) + 1;
}

class PosixNetwork final : public Network {
 public:
  std::vector<ConnectOutcome> ConnectAll(const std::vector<Endpoint>& endpoints,
                                         Clock::time_point deadline) override {
    std::vector<ConnectOutcome> outcomes(endpoints.size());
    std::vector<Socket> sockets;
    std::vector<std::size_t> pending;  // index into endpoints, per socket
    const Clock::time_point start = Clock::now();
    for (std::size_t i = 0; i < endpoints.size(); ++i) {
      sockaddr_in address;
      if (!ToSockaddr(endpoints[i], address)) {
        outcomes[i].error = "invalid address " + endpoints[i].ToString();
        continue;
      }
      Socket socket(::socket(AF_INET, SOCK_STREAM, 0));
      if (socket.fd() < 0) {
        outcomes[i].error = "cannot open a TCP socket: " + ErrnoText(errno);
        continue;
      }
      ::fcntl(socket.fd(), F_SETFD, FD_CLOEXEC);
      ::fcntl(socket.fd(), F_SETFL, ::fcntl(socket.fd(), F_GETFL) | O_NONBLOCK);
      if (::connect(socket.fd(), reinterpret_cast<sockaddr*>(&address),
                    sizeof address) == 0) {
        outcomes[i].connected = true;
        outcomes[i].duration = Clock::now() - start;
        continue;
      }
      if (errno != EINPROGRESS) {
        outcomes[i].error = ErrnoText(errno);
        outcomes[i].duration = Clock::now() - start;
        continue;
      }
      sockets.push_back(std::move(socket));
      pending.push_back(i);
    }
    std::vector<bool> done(sockets.size(), false);
    std::size_t left = sockets.size();
    while (left > 0 && Clock::now() < deadline) {
      std::vector<pollfd> fds;
      std::vector<std::size_t> which;
      for (std::size_t s = 0; s < sockets.size(); ++s) {
        if (done[s]) continue;
        fds.push_back({sockets[s].fd(), POLLOUT, 0});
        which.push_back(s);
      }
      const int ready = ::poll(fds.data(), fds.size(), MillisUntil(deadline));
      if (ready < 0 && errno != EINTR) break;
      const Clock::time_point now = Clock::now();
      for (std::size_t f = 0; f < fds.size(); ++f) {
        if (fds[f].revents == 0) continue;
        const std::size_t s = which[f];
        ConnectOutcome& outcome = outcomes[pending[s]];
        int error = 0;
        socklen_t length = sizeof error;
        if (::getsockopt(sockets[s].fd(), SOL_SOCKET, SO_ERROR, &error,
                         &length) != 0) {
          error = errno;
        }
        outcome.connected = error == 0;
        outcome.duration = now - start;
        if (error != 0) outcome.error = ErrnoText(error);
        done[s] = true;
        --left;
      }
    }
    for (std::size_t s = 0; s < sockets.size(); ++s) {
      if (done[s]) continue;
      ConnectOutcome& outcome = outcomes[pending[s]];
      outcome.duration = Clock::now() - start;
      outcome.error = "timed out";
    }
    return outcomes;
  }

  std::optional<std::string> MachineDomain() override { return std::nullopt; }
};

}  // namespace

std::shared_ptr<Network> SystemNetwork() {
  static const std::shared_ptr<Network> network =
      std::make_shared<PosixNetwork>();
  return network;
}

}  // namespace entra_pta::domain_controller
