// The POSIX backend of the test UDP socket.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "collectors/domain_controller/testing/udp_socket.h"

namespace entra_pta::domain_controller::testing {
namespace {

class PosixUdpSocket final : public UdpSocket {
 public:
  PosixUdpSocket(int fd, std::uint16_t port) : fd_(fd), port_(port) {}
  ~PosixUdpSocket() override { ::close(fd_); }
  std::uint16_t port() const override { return port_; }
  std::intptr_t NativeHandle() const override { return fd_; }
  std::optional<std::vector<std::uint8_t>> Receive() override {
    std::vector<std::uint8_t> buffer(65536);
    socklen_t length = sizeof peer_;
    const ssize_t got =
        ::recvfrom(fd_, buffer.data(), buffer.size(), MSG_DONTWAIT,
                   reinterpret_cast<sockaddr*>(&peer_), &length);
    if (got < 0) return std::nullopt;
    buffer.resize(static_cast<std::size_t>(got));
    return buffer;
  }
  void Reply(const std::vector<std::uint8_t>& datagram) override {
    ::sendto(fd_, datagram.data(), datagram.size(), 0,
             reinterpret_cast<const sockaddr*>(&peer_), sizeof peer_);
  }

 private:
  int fd_;
  std::uint16_t port_;
  sockaddr_in peer_{};
};

}  // namespace

std::unique_ptr<UdpSocket> OpenLoopbackUdpSocket(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return nullptr;
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    return nullptr;
  }
  return std::make_unique<PosixUdpSocket>(fd, ntohs(address.sin_port));
}

}  // namespace entra_pta::domain_controller::testing
