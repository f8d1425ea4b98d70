// Winsock backend of exporter/platform/socket.h.
#include <winsock2.h>
#include <ws2tcpip.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "exporter/platform/socket.h"

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
  std::intptr_t NativeHandle() const override {
    return static_cast<std::intptr_t>(socket_);
  }

  std::unique_ptr<StreamSocket> TryAccept(bool& failed) override {
    failed = false;
    for (;;) {
      SOCKET s = accept(socket_, nullptr, nullptr);
      if (s == INVALID_SOCKET) {
        const int error = WSAGetLastError();
        // A client that gave up before being accepted: try the next one.
        if (error == WSAECONNRESET || error == WSAEINTR) continue;
        failed = error != WSAEWOULDBLOCK;
        return nullptr;
      }
      if (!SetNonBlocking(s)) {
        closesocket(s);
        continue;
      }
      BOOL one = TRUE;
      setsockopt(s, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<char*>(&one),
                 sizeof one);
      return std::make_unique<WinsockStreamSocket>(s);
    }
  }

 private:
  SOCKET socket_;
  int port_;
};

class WinsockPollSet final : public PollSet {
 public:
  void Clear() override { fds_.clear(); }
  std::size_t Add(std::intptr_t handle, bool read, bool write) override {
    WSAPOLLFD p{};
    p.fd = static_cast<SOCKET>(handle);
    p.events =
        static_cast<SHORT>((read ? POLLRDNORM : 0) | (write ? POLLWRNORM : 0));
    fds_.push_back(p);
    return fds_.size() - 1;
  }
  bool Wait(std::chrono::milliseconds timeout) override {
    const INT millis = static_cast<INT>(std::min<long long>(
        std::max<long long>(timeout.count(), 0), 60LL * 60 * 1000));
    if (fds_.empty()) {
      // WSAPoll refuses an empty set.
      Sleep(static_cast<DWORD>(millis));
      return true;
    }
    int n = WSAPoll(fds_.data(), static_cast<ULONG>(fds_.size()), millis);
    if (n >= 0) return true;
    for (WSAPOLLFD& p : fds_) p.revents = 0;
    return false;
  }
  bool Readable(std::size_t i) const override {
    return (fds_[i].events & POLLRDNORM) != 0 &&
           (fds_[i].revents & (POLLRDNORM | POLLERR | POLLHUP | POLLNVAL)) != 0;
  }
  bool Writable(std::size_t i) const override {
    return (fds_[i].events & POLLWRNORM) != 0 &&
           (fds_[i].revents & (POLLWRNORM | POLLERR | POLLHUP | POLLNVAL)) != 0;
  }

 private:
  std::vector<WSAPOLLFD> fds_;
};

// Windows has no pipe that WSAPoll can watch, so the waker is a TCP
// connection to itself over loopback.
class SocketPairWaker final : public Waker {
 public:
  SocketPairWaker() {
    StartWinsockOnce();
    SOCKET listener = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (listener == INVALID_SOCKET) Fail("socket");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    int length = sizeof address;
    if (bind(listener, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        listen(listener, 1) != 0 ||
        getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) !=
            0) {
      closesocket(listener);
      Fail("bind");
    }
    write_ = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (write_ == INVALID_SOCKET ||
        connect(write_, reinterpret_cast<sockaddr*>(&address), length) != 0) {
      closesocket(listener);
      Fail("connect");
    }
    read_ = accept(listener, nullptr, nullptr);
    closesocket(listener);
    if (read_ == INVALID_SOCKET || !SetNonBlocking(read_) ||
        !SetNonBlocking(write_)) {
      Fail("accept");
    }
    BOOL one = TRUE;
    setsockopt(write_, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<char*>(&one),
               sizeof one);
  }
  ~SocketPairWaker() override { Close(); }
  void Wake() override {
    const char byte = 1;
    // A full buffer already wakes the loop; nothing is lost by dropping it.
    send(write_, &byte, 1, 0);
  }
  void Drain() override {
    char buffer[256];
    while (recv(read_, buffer, sizeof buffer, 0) > 0) {
    }
  }
  std::intptr_t NativeHandle() const override {
    return static_cast<std::intptr_t>(read_);
  }

 private:
  void Close() {
    if (read_ != INVALID_SOCKET) closesocket(read_);
    if (write_ != INVALID_SOCKET) closesocket(write_);
    read_ = write_ = INVALID_SOCKET;
  }
  [[noreturn]] void Fail(const char* step) {
    const int error = WSAGetLastError();
    Close();
    throw std::runtime_error(std::string("cannot create the loop's waker (") +
                             step + "): " + WinsockError(error));
  }

  SOCKET read_ = INVALID_SOCKET;
  SOCKET write_ = INVALID_SOCKET;
};

}  // namespace

std::unique_ptr<PollSet> MakePollSet() {
  StartWinsockOnce();
  return std::make_unique<WinsockPollSet>();
}

std::unique_ptr<Waker> MakeWaker() {
  return std::make_unique<SocketPairWaker>();
}

// Windows has no per-process socket limit to raise.
std::size_t RaiseOpenSocketLimit() { return 0; }

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
      listen(s, SOMAXCONN) != 0 || !SetNonBlocking(s)) {
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
