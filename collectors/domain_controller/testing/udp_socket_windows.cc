// The Winsock backend of the test UDP socket (Windows, or Wine).
#include <winsock2.h>
#include <ws2tcpip.h>

#include "collectors/domain_controller/testing/udp_socket.h"

namespace entra_pta::domain_controller::testing {
namespace {

class WinsockUdpSocket final : public UdpSocket {
 public:
  WinsockUdpSocket(SOCKET socket, std::uint16_t port)
      : socket_(socket), port_(port) {}
  ~WinsockUdpSocket() override { ::closesocket(socket_); }
  std::uint16_t port() const override { return port_; }
  std::intptr_t NativeHandle() const override {
    return static_cast<std::intptr_t>(socket_);
  }
  std::optional<std::vector<std::uint8_t>> Receive() override {
    std::vector<std::uint8_t> buffer(65536);
    int length = sizeof peer_;
    const int got = ::recvfrom(socket_, reinterpret_cast<char*>(buffer.data()),
                               static_cast<int>(buffer.size()), 0,
                               reinterpret_cast<sockaddr*>(&peer_), &length);
    if (got < 0) return std::nullopt;
    buffer.resize(static_cast<std::size_t>(got));
    return buffer;
  }
  void Reply(const std::vector<std::uint8_t>& datagram) override {
    ::sendto(socket_, reinterpret_cast<const char*>(datagram.data()),
             static_cast<int>(datagram.size()), 0,
             reinterpret_cast<const sockaddr*>(&peer_), sizeof peer_);
  }

 private:
  SOCKET socket_;
  std::uint16_t port_;
  sockaddr_in peer_{};
};

}  // namespace

std::unique_ptr<UdpSocket> OpenLoopbackUdpSocket(std::uint16_t port) {
  WSADATA data;
  if (::WSAStartup(MAKEWORD(2, 2), &data) != 0) return nullptr;
  const SOCKET socket = ::socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
  if (socket == INVALID_SOCKET) return nullptr;
  u_long non_blocking = 1;
  ::ioctlsocket(socket, FIONBIO, &non_blocking);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = ::htons(port);
  address.sin_addr.s_addr = ::htonl(INADDR_LOOPBACK);
  int length = sizeof address;
  if (::bind(socket, reinterpret_cast<sockaddr*>(&address), sizeof address) !=
          0 ||
      ::getsockname(socket, reinterpret_cast<sockaddr*>(&address), &length) !=
          0) {
    ::closesocket(socket);
    return nullptr;
  }
  return std::make_unique<WinsockUdpSocket>(socket, ::ntohs(address.sin_port));
}

}  // namespace entra_pta::domain_controller::testing
