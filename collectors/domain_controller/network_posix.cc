// The POSIX backend of Network: BSD sockets with poll(), /etc/resolv.conf
// for the system's DNS server. There is no AD domain membership to read
// here, so MachineDomain() is always nullopt.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <system_error>

#include "collectors/domain_controller/network.h"

namespace entra_pta::domain_controller {
namespace {

using Clock = std::chrono::steady_clock;

// Resends unanswered UDP queries this often (a lost datagram would
// otherwise cost the whole timeout).
constexpr auto kUdpResendInterval = std::chrono::seconds(1);

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
  Status ExchangeUdp(
      const Endpoint& server,
      const std::vector<std::vector<std::uint8_t>>& queries,
      Clock::time_point deadline,
      std::vector<std::optional<std::vector<std::uint8_t>>>& replies) override {
    replies.assign(queries.size(), std::nullopt);
    sockaddr_in address;
    if (!ToSockaddr(server, address)) {
      return Status::Error("invalid DNS server address " + server.ToString());
    }
    Socket socket(::socket(AF_INET, SOCK_DGRAM, 0));
    if (socket.fd() < 0) {
      return Status::Error("cannot open a UDP socket: " + ErrnoText(errno));
    }
    ::fcntl(socket.fd(), F_SETFD, FD_CLOEXEC);
    // A connected UDP socket only receives from the server, and reports
    // an ICMP "port unreachable" as ECONNREFUSED.
    if (::connect(socket.fd(), reinterpret_cast<sockaddr*>(&address),
                  sizeof address) != 0) {
      return Status::Error("cannot reach DNS server " + server.ToString() +
                           ": " + ErrnoText(errno));
    }
    std::size_t unanswered = queries.size();
    Clock::time_point next_send = Clock::now();
    std::vector<std::uint8_t> buffer(65536);
    while (unanswered > 0 && Clock::now() < deadline) {
      if (Clock::now() >= next_send) {
        for (std::size_t i = 0; i < queries.size(); ++i) {
          if (replies[i]) continue;
          if (::send(socket.fd(), queries[i].data(), queries[i].size(), 0) <
                  0 &&
              errno != ECONNREFUSED) {
            return Status::Error("cannot send to DNS server " +
                                 server.ToString() + ": " + ErrnoText(errno));
          }
        }
        next_send = Clock::now() + kUdpResendInterval;
      }
      pollfd poll_fd{socket.fd(), POLLIN, 0};
      const int ready =
          ::poll(&poll_fd, 1, MillisUntil(std::min(deadline, next_send)));
      if (ready < 0 && errno != EINTR) {
        return Status::Error("poll failed: " + ErrnoText(errno));
      }
      if (ready <= 0) continue;
      const ssize_t got =
          ::recv(socket.fd(), buffer.data(), buffer.size(), MSG_DONTWAIT);
      if (got < 0) {
        if (errno == ECONNREFUSED) {
          return Status::Error("no DNS server listening at " +
                               server.ToString() + " (port unreachable)");
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
          continue;
        }
        return Status::Error("cannot receive from DNS server " +
                             server.ToString() + ": " + ErrnoText(errno));
      }
      if (got < 2) continue;
      const std::uint16_t id =
          static_cast<std::uint16_t>((buffer[0] << 8) | buffer[1]);
      for (std::size_t i = 0; i < queries.size(); ++i) {
        if (replies[i] || queries[i].size() < 2) continue;
        if (((queries[i][0] << 8) | queries[i][1]) != id) continue;
        replies[i].emplace(buffer.begin(), buffer.begin() + got);
        --unanswered;
        break;
      }
    }
    return Status::Ok();
  }

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

  std::optional<Endpoint> SystemDnsServer() override {
    std::ifstream file("/etc/resolv.conf");
    if (!file) return std::nullopt;
    std::ostringstream text;
    text << file.rdbuf();
    return FirstNameserver(text.str());
  }
};

}  // namespace

std::shared_ptr<Network> SystemNetwork() {
  static const std::shared_ptr<Network> network =
      std::make_shared<PosixNetwork>();
  return network;
}

}  // namespace entra_pta::domain_controller
