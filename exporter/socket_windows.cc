// Winsock backend of exporter/socket.h.
#include <winsock2.h>
#include <ws2tcpip.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>

#include "exporter/socket.h"

namespace entra_pta {
namespace {

void StartWinsockOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    WSADATA data;
    if (WSAStartup(MAKEWORD(2, 2), &data) != 0) {
      throw std::runtime_error("cannot start Winsock");
    }
  });
}

std::string WinsockError(int code) {
  char text[256] = {};
  FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                 nullptr, static_cast<DWORD>(code), 0, text, sizeof text,
                 nullptr);
  std::string out(text);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r' ||
                          out.back() == ' ' || out.back() == '.')) {
    out.pop_back();
  }
  return out + " (" + std::to_string(code) + ")";
}

bool SetNonBlocking(SOCKET s) {
  u_long on = 1;
  return ioctlsocket(s, FIONBIO, &on) == 0;
}

int MillisUntil(SteadyTime deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return 0;
  return static_cast<int>(std::min<long long>(left.count(), 1000 * 60 * 60));
}

int ClampSize(std::size_t size) {
  return static_cast<int>(std::min<std::size_t>(size, 1 << 30));
}

class WinsockStreamSocket final : public StreamSocket {
 public:
  explicit WinsockStreamSocket(SOCKET s) : socket_(s) {}
  ~WinsockStreamSocket() override { closesocket(socket_); }

  long ReceiveSome(char* data, std::size_t size) override {
    int n = recv(socket_, data, ClampSize(size), 0);
    if (n >= 0) return n;
    return WSAGetLastError() == WSAEWOULDBLOCK ? kWouldBlock : kError;
  }

  long SendSome(const char* data, std::size_t size) override {
    int n = send(socket_, data, ClampSize(size), 0);
    if (n >= 0) return n;
    return WSAGetLastError() == WSAEWOULDBLOCK ? kWouldBlock : kError;
  }

  bool Wait(bool for_write, SteadyTime deadline) override {
    WSAPOLLFD p{};
    p.fd = socket_;
    p.events = for_write ? POLLWRNORM : POLLRDNORM;
    return WSAPoll(&p, 1, MillisUntil(deadline)) > 0;
  }

  void Interrupt() override { shutdown(socket_, SD_BOTH); }
  std::intptr_t NativeHandle() const override {
    return static_cast<std::intptr_t>(socket_);
  }

 private:
  SOCKET socket_;
};

class WinsockListenSocket final : public ListenSocket {
 public:
  WinsockListenSocket(SOCKET s, int port) : socket_(s), port_(port) {}
  ~WinsockListenSocket() override { closesocket(socket_); }
  int port() const override { return port_; }

  std::unique_ptr<StreamSocket> Accept(
      std::chrono::milliseconds wait) override {
    WSAPOLLFD p{};
    p.fd = socket_;
    p.events = POLLRDNORM;
    if (WSAPoll(&p, 1, static_cast<int>(wait.count())) <= 0) return nullptr;
    SOCKET s = accept(socket_, nullptr, nullptr);
    if (s == INVALID_SOCKET) return nullptr;
    if (!SetNonBlocking(s)) {
      closesocket(s);
      return nullptr;
    }
    BOOL one = TRUE;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<char*>(&one),
               sizeof one);
    return std::make_unique<WinsockStreamSocket>(s);
  }

 private:
  SOCKET socket_;
  int port_;
};

}  // namespace

std::unique_ptr<ListenSocket> OpenListenSocket(const std::string& host_text,
                                               int port_number, bool ipv6) {
  StartWinsockOnce();
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
                             WinsockError(rc));
  }
  SOCKET s = socket(found->ai_family, SOCK_STREAM, IPPROTO_TCP);
  if (s == INVALID_SOCKET) {
    int error = WSAGetLastError();
    freeaddrinfo(found);
    throw std::runtime_error("cannot listen on " + where + ": " +
                             WinsockError(error));
  }
  // Windows' SO_REUSEADDR would let another process steal the port; this
  // is the opposite, and the default for a server.
  BOOL one = TRUE;
  setsockopt(s, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, reinterpret_cast<char*>(&one),
             sizeof one);
  if (bind(s, found->ai_addr, static_cast<int>(found->ai_addrlen)) != 0 ||
      listen(s, 128) != 0 || !SetNonBlocking(s)) {
    int error = WSAGetLastError();
    freeaddrinfo(found);
    closesocket(s);
    throw std::runtime_error("cannot listen on " + where + ": " +
                             WinsockError(error));
  }
  freeaddrinfo(found);
  sockaddr_storage bound{};
  int length = sizeof bound;
  getsockname(s, reinterpret_cast<sockaddr*>(&bound), &length);
  int bound_port =
      bound.ss_family == AF_INET6
          ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
          : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return std::make_unique<WinsockListenSocket>(s, bound_port);
}

}  // namespace entra_pta
