// The Windows backend of Network: Winsock sockets with WSAPoll and the
// machine's AD domain from GetComputerNameExW(ComputerNameDnsDomain), which
// is empty when the machine is not joined to a domain.
#include <winsock2.h>
#include <ws2tcpip.h>
// winsock2.h must come before windows.h.
#include <windows.h>

#include <mutex>
#include <system_error>

#include "collectors/domain_controller/network.h"

namespace entra_pta::domain_controller {
namespace {

using Clock = std::chrono::steady_clock;

std::string WinsockErrorText(int error) {
  return std::system_category().message(error);
}

bool StartWinsock() {
  static std::once_flag once;
  static bool started = false;
  std::call_once(once, [] {
    WSADATA data;
    started = ::WSAStartup(MAKEWORD(2, 2), &data) == 0;
  });
  return started;
}

class Socket {
 public:
  explicit Socket(SOCKET s) : socket_(s) {}
  Socket(Socket&& other) noexcept : socket_(other.socket_) {
    other.socket_ = INVALID_SOCKET;
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (socket_ != INVALID_SOCKET) ::closesocket(socket_);
  }
  SOCKET get() const { return socket_; }
  bool valid() const { return socket_ != INVALID_SOCKET; }

 private:
  SOCKET socket_;
};

bool ToSockaddr(const Endpoint& endpoint, sockaddr_in& out) {
  out = {};
  out.sin_family = AF_INET;
  out.sin_port = ::htons(endpoint.port);
  return ::inet_pton(AF_INET, endpoint.ipv4.c_str(), &out.sin_addr) == 1;
}

INT MillisUntil(Clock::time_point when) {
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(when - Clock::now())
          .count();
  if (left < 0) return 0;
  return static_cast<INT>(left > 60'000 ? 60'000 : left) + 1;
}

std::string Utf8(const std::wstring& wide) {
  if (wide.empty()) return {};
  const int size = ::WideCharToMultiByte(CP_UTF8, 0, wide.data(),
                                         static_cast<int>(wide.size()), nullptr,
                                         0, nullptr, nullptr);
  std::string out(static_cast<std::size_t>(size), '\0');
  ::WideCharToMultiByte(CP_UTF8, 0, wide.data(), static_cast<int>(wide.size()),
                        out.data(), size, nullptr, nullptr);
  return out;
}

class WindowsNetwork final : public Network {
 public:
  std::vector<ConnectOutcome> ConnectAll(const std::vector<Endpoint>& endpoints,
                                         Clock::time_point deadline) override {
    std::vector<ConnectOutcome> outcomes(endpoints.size());
    if (!StartWinsock()) {
      for (auto& outcome : outcomes) outcome.error = "Winsock did not start";
      return outcomes;
    }
    std::vector<Socket> sockets;
    std::vector<std::size_t> pending;
    const Clock::time_point start = Clock::now();
    for (std::size_t i = 0; i < endpoints.size(); ++i) {
      sockaddr_in address;
      if (!ToSockaddr(endpoints[i], address)) {
        outcomes[i].error = "invalid address " + endpoints[i].ToString();
        continue;
      }
      Socket socket(::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP));
      if (!socket.valid()) {
        outcomes[i].error = "cannot open a TCP socket: " +
                            WinsockErrorText(::WSAGetLastError());
        continue;
      }
      u_long non_blocking = 1;
      ::ioctlsocket(socket.get(), FIONBIO, &non_blocking);
      if (::connect(socket.get(), reinterpret_cast<sockaddr*>(&address),
                    sizeof address) == 0) {
        outcomes[i].connected = true;
        outcomes[i].duration = Clock::now() - start;
        continue;
      }
      const int error = ::WSAGetLastError();
      if (error != WSAEWOULDBLOCK) {
        outcomes[i].error = WinsockErrorText(error);
        outcomes[i].duration = Clock::now() - start;
        continue;
      }
      sockets.push_back(std::move(socket));
      pending.push_back(i);
    }
    std::vector<bool> done(sockets.size(), false);
    std::size_t left = sockets.size();
    while (left > 0 && Clock::now() < deadline) {
      std::vector<WSAPOLLFD> fds;
      std::vector<std::size_t> which;
      for (std::size_t s = 0; s < sockets.size(); ++s) {
        if (done[s]) continue;
        fds.push_back({sockets[s].get(), POLLWRNORM, 0});
        which.push_back(s);
      }
      const int ready = ::WSAPoll(fds.data(), static_cast<ULONG>(fds.size()),
                                  MillisUntil(deadline));
      if (ready == SOCKET_ERROR) break;
      const Clock::time_point now = Clock::now();
      for (std::size_t f = 0; f < fds.size(); ++f) {
        if (fds[f].revents == 0) continue;
        const std::size_t s = which[f];
        ConnectOutcome& outcome = outcomes[pending[s]];
        int error = 0;
        int length = sizeof error;
        if (::getsockopt(sockets[s].get(), SOL_SOCKET, SO_ERROR,
                         reinterpret_cast<char*>(&error), &length) != 0) {
          error = ::WSAGetLastError();
        }
        // A refused connect shows as POLLERR/POLLHUP with SO_ERROR set.
        outcome.connected = error == 0 && (fds[f].revents & POLLWRNORM) != 0;
        outcome.duration = now - start;
        if (!outcome.connected) {
          outcome.error =
              WinsockErrorText(error != 0 ? error : WSAECONNREFUSED);
        }
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

  std::optional<std::string> MachineDomain() override {
    DWORD size = 0;
    ::GetComputerNameExW(ComputerNameDnsDomain, nullptr, &size);
    if (size == 0) return std::nullopt;
    std::wstring name(size, L'\0');
    if (!::GetComputerNameExW(ComputerNameDnsDomain, name.data(), &size)) {
      return std::nullopt;
    }
    name.resize(size);
    if (name.empty()) return std::nullopt;  // a workgroup machine
    return Utf8(name);
  }
};

}  // namespace

std::shared_ptr<Network> SystemNetwork() {
  static const std::shared_ptr<Network> network =
      std::make_shared<WindowsNetwork>();
  return network;
}

}  // namespace entra_pta::domain_controller
