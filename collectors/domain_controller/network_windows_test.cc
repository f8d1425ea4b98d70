// The Winsock Network backend against real sockets on 127.0.0.1 (Windows,
// or Wine through scripts/test-windows): TCP listeners that accept, refuse
// or never complete the handshake, and the machine's domain. Every wait is
// bounded by a deadline. (DNS: dns_resolver_test.cc, which runs here too.)
#include <winsock2.h>
#include <ws2tcpip.h>
// winsock2.h must come before windows.h.
#include <gtest/gtest.h>
#include <windows.h>

#include <algorithm>
#include <cctype>
#include <thread>

#include "collectors/domain_controller/network.h"

namespace entra_pta::domain_controller {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

class WinsockEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    WSADATA data;
    ASSERT_EQ(::WSAStartup(MAKEWORD(2, 2), &data), 0);
  }
  void TearDown() override { ::WSACleanup(); }
};
const auto* const kWinsock =
    ::testing::AddGlobalTestEnvironment(new WinsockEnvironment);

class BoundSocket {
 public:
  explicit BoundSocket(int type)
      : socket_(::socket(AF_INET, type,
                         type == SOCK_DGRAM ? IPPROTO_UDP : IPPROTO_TCP)) {
    EXPECT_NE(socket_, INVALID_SOCKET);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = ::htonl(INADDR_LOOPBACK);
    EXPECT_EQ(
        ::bind(socket_, reinterpret_cast<sockaddr*>(&address), sizeof address),
        0);
    int length = sizeof address;
    ::getsockname(socket_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ::ntohs(address.sin_port);
  }
  ~BoundSocket() { Close(); }
  void Close() {
    if (socket_ != INVALID_SOCKET) ::closesocket(socket_);
    socket_ = INVALID_SOCKET;
  }
  SOCKET get() const { return socket_; }
  Endpoint endpoint() const { return {"127.0.0.1", port_}; }

 private:
  SOCKET socket_;
  std::uint16_t port_ = 0;
};

bool RunningUnderWine() {
  return ::GetProcAddress(::GetModuleHandleW(L"ntdll.dll"),
                          "wine_get_version") != nullptr;
}

TEST(WindowsNetworkTest, ConnectAllReportsEachOutcome) {
  BoundSocket listening(SOCK_STREAM);
  ASSERT_EQ(::listen(listening.get(), 8), 0);
  BoundSocket closed(SOCK_STREAM);
  const Endpoint closed_endpoint = closed.endpoint();
  closed.Close();
  const auto start = SteadyClock::now();
  auto outcomes = SystemNetwork()->ConnectAll(
      {listening.endpoint(), closed_endpoint, {"127.0.0.999", 1}},
      start + std::chrono::seconds(5));
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_TRUE(outcomes[0].connected) << outcomes[0].error;
  EXPECT_GT(outcomes[0].duration.count(), 0);
  EXPECT_LT(outcomes[0].duration.count(), 1);
  EXPECT_FALSE(outcomes[1].connected);
  std::string refused = outcomes[1].error;
  std::transform(refused.begin(), refused.end(), refused.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  // FormatMessage's text for WSAECONNREFUSED ("No connection could be made
  // because the target machine actively refused it."; Wine says "Connection
  // refused").
  EXPECT_NE(refused.find("refused"), std::string::npos) << outcomes[1].error;
  EXPECT_FALSE(outcomes[2].connected);
  EXPECT_NE(outcomes[2].error.find("invalid address"), std::string::npos);
  EXPECT_LT(SteadyClock::now() - start, std::chrono::seconds(2));
}

// A listener whose accept queue is full drops further SYNs, so the connect
// never completes: ConnectAll must give up at the deadline.
TEST(WindowsNetworkTest, HandshakeThatNeverCompletesTimesOut) {
  BoundSocket listening(SOCK_STREAM);
  ASSERT_EQ(::listen(listening.get(), 0), 0);
  // Fill the queue (never accepted).
  auto fill = SystemNetwork()->ConnectAll(
      {listening.endpoint(), listening.endpoint(), listening.endpoint()},
      SteadyClock::now() + milliseconds(300));
  const auto start = SteadyClock::now();
  auto outcomes = SystemNetwork()->ConnectAll({listening.endpoint()},
                                              start + milliseconds(400));
  const auto took = SteadyClock::now() - start;
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_FALSE(outcomes[0].connected);
  EXPECT_EQ(outcomes[0].error, "timed out");
  EXPECT_GE(took, milliseconds(400));
  EXPECT_LT(took, milliseconds(1500));
  (void)fill;
}

// The machine's AD domain: nullopt on a workgroup machine (and under Wine
// on a host without a DNS domain), otherwise a DNS name that the fully
// qualified computer name ends with.
TEST(WindowsNetworkTest, MachineDomainAgreesWithTheFullyQualifiedName) {
  const auto domain = SystemNetwork()->MachineDomain();
  wchar_t full[256];
  DWORD size = 256;
  ASSERT_TRUE(::GetComputerNameExW(ComputerNameDnsFullyQualified, full, &size));
  std::string fqdn;
  for (DWORD i = 0; i < size; ++i) fqdn += static_cast<char>(full[i]);
  if (!domain) {
    // No DNS domain: the fully qualified name is the bare host name.
    EXPECT_EQ(fqdn.find('.'), std::string::npos) << fqdn;
    return;
  }
  EXPECT_TRUE(IsValidDnsName(*domain)) << *domain;
  EXPECT_EQ(domain->find('\0'), std::string::npos);
  ASSERT_GT(fqdn.size(), domain->size());
  EXPECT_EQ(fqdn.substr(fqdn.size() - domain->size()), *domain) << fqdn;
  EXPECT_EQ(fqdn[fqdn.size() - domain->size() - 1], '.') << fqdn;
}

}  // namespace
}  // namespace entra_pta::domain_controller
