// The Windows backend of Network: Winsock sockets with WSAPoll and the
// machine's AD domain from GetComputerNameExW(ComputerNameDnsDomain), which
// is empty when the machine is not joined to a domain.
#include <winsock2.h>
#include <ws2tcpip.h>
// winsock2.h must come before windows.h.
#include <windows.h>

#include <mutex>
#include <optional>
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

// The connects under way: sockets[k] is connecting to endpoints[index[k]].
struct PendingConnects {
  std::vector<Socket> sockets;
  std::vector<std::size_t> index;
};

// Opens a non-blocking TCP socket to `endpoint` and starts connecting.
// Returns the socket while the connect is under way; otherwise nothing, and
// `outcome` holds the result (connected at once, or the error).
std::optional<Socket> StartConnect(const Endpoint& endpoint,
                                   Clock::time_point start,
                                   ConnectOutcome& outcome) {
  sockaddr_in address;
  if (!ToSockaddr(endpoint, address)) {
    outcome.error = "invalid address " + endpoint.ToString();
    return std::nullopt;
  }
  Socket socket(::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP));
  if (!socket.valid()) {
    outcome.error =
        "cannot open a TCP socket: " + WinsockErrorText(::WSAGetLastError());
    return std::nullopt;
  }
  u_long non_blocking = 1;
  ::ioctlsocket(socket.get(), FIONBIO, &non_blocking);
  if (::connect(socket.get(), reinterpret_cast<sockaddr*>(&address),
                sizeof address) == 0) {
    outcome.connected = true;
    outcome.duration = Clock::now() - start;
    return std::nullopt;
  }
  const int error = ::WSAGetLastError();
  if (error != WSAEWOULDBLOCK) {
    outcome.error = WinsockErrorText(error);
    outcome.duration = Clock::now() - start;
    return std::nullopt;
  }
  return std::optional<Socket>(std::move(socket));
}

// The result of a connect that WSAPoll reported (`revents`), `elapsed` after
// the connects started.
void RecordPolledConnect(const Socket& socket, SHORT revents,
                         Clock::duration elapsed, ConnectOutcome& outcome) {
  int error = 0;
  int length = sizeof error;
  if (::getsockopt(socket.get(), SOL_SOCKET, SO_ERROR,
                   reinterpret_cast<char*>(&error), &length) != 0) {
    error = ::WSAGetLastError();
  }
  // A refused connect shows as POLLERR/POLLHUP with SO_ERROR set.
  outcome.connected = error == 0 && (revents & POLLWRNORM) != 0;
  outcome.duration = elapsed;
  if (!outcome.connected) {
    outcome.error = WinsockErrorText(error != 0 ? error : WSAECONNREFUSED);
  }
}

// Polls the connects under way until each has finished or `deadline`; those
// still under way then are recorded as timed out.
void AwaitConnects(const PendingConnects& connects, Clock::time_point start,
                   Clock::time_point deadline,
                   std::vector<ConnectOutcome>& outcomes) {
  const std::vector<Socket>& sockets = connects.sockets;
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
      RecordPolledConnect(sockets[s], fds[f].revents, now - start,
                          outcomes[connects.index[s]]);
      done[s] = true;
      --left;
    }
  }
  for (std::size_t s = 0; s < sockets.size(); ++s) {
    if (done[s]) continue;
    ConnectOutcome& outcome = outcomes[connects.index[s]];
    outcome.duration = Clock::now() - start;
    outcome.error = "timed out";
  }
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
    PendingConnects connects;
    const Clock::time_point start = Clock::now();
    for (std::size_t i = 0; i < endpoints.size(); ++i) {
      std::optional<Socket> socket =
          StartConnect(endpoints[i], start, outcomes[i]);
      if (!socket) continue;
      connects.sockets.push_back(std::move(*socket));
      connects.index.push_back(i);
    }
    AwaitConnects(connects, start, deadline, outcomes);
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
