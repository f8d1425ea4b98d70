// The Winsock/IP Helper Network backend against real sockets on 127.0.0.1
// (Windows, or Wine through scripts/test-windows): a small DNS responder in
// this process answering the SRV query that dns_message builds, UDP servers
// that stay silent or are not there, and TCP listeners that accept, refuse
// or never complete the handshake. Every wait is bounded by a deadline.
#include <winsock2.h>
#include <ws2tcpip.h>
// winsock2.h must come before windows.h.
#include <gtest/gtest.h>
#include <windows.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <thread>

#include "collectors/domain_controller/dns_message.h"
#include "collectors/domain_controller/network.h"
#include "collectors/domain_controller/testing/dns_test_messages.h"

namespace entra_pta::domain_controller {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;
namespace dns = testing;

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

  // Waits up to `timeout` for a datagram; empty when none came.
  std::vector<std::uint8_t> Receive(milliseconds timeout, sockaddr_in& from) {
    WSAPOLLFD poll_fd{socket_, POLLRDNORM, 0};
    if (::WSAPoll(&poll_fd, 1, static_cast<INT>(timeout.count())) <= 0) {
      return {};
    }
    std::vector<std::uint8_t> buffer(4096);
    int length = sizeof from;
    const int got = ::recvfrom(socket_, reinterpret_cast<char*>(buffer.data()),
                               static_cast<int>(buffer.size()), 0,
                               reinterpret_cast<sockaddr*>(&from), &length);
    buffer.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
    return buffer;
  }
  void SendTo(const std::vector<std::uint8_t>& bytes, const sockaddr_in& to) {
    ::sendto(socket_, reinterpret_cast<const char*>(bytes.data()),
             static_cast<int>(bytes.size()), 0,
             reinterpret_cast<const sockaddr*>(&to), sizeof to);
  }

 private:
  SOCKET socket_;
  std::uint16_t port_ = 0;
};

constexpr char kSrvName[] = "_ldap._tcp.dc._msdcs.corp.test";

std::vector<std::uint8_t> BuildQuery(std::uint16_t id, const char* name,
                                     std::uint16_t type) {
  auto query = BuildDnsQuery(id, name, type);
  EXPECT_TRUE(std::holds_alternative<std::vector<std::uint8_t>>(query));
  return std::get<std::vector<std::uint8_t>>(query);
}

// The whole DNS path of the collector on Winsock: a query built by
// dns_message goes out over UDP, the responder (a thread of this test)
// checks it is a well-formed SRV question, answers it (after a stray reply
// with a foreign ID, which must be ignored) and the answer parses.
TEST(WindowsNetworkTest, SrvQueryIsAnsweredByALoopbackDnsResponder) {
  BoundSocket server(SOCK_DGRAM);
  std::string seen_name;
  std::uint16_t seen_type = 0;
  std::thread responder([&] {
    sockaddr_in from{};
    const auto query = server.Receive(milliseconds(5000), from);
    if (query.size() < 12) return;
    seen_name = dns::QueryName(query);
    seen_type = dns::QueryType(query);
    server.SendTo(
        dns::SrvAnswer(static_cast<std::uint16_t>(dns::QueryId(query) ^ 0xffff),
                       seen_name, {{"wrong.corp.test", 1}}),
        from);
    server.SendTo(
        dns::SrvAnswer(dns::QueryId(query), seen_name,
                       {{"dc1.corp.test", 389}, {"dc2.corp.test", 389}},
                       {{"dc1.corp.test", {127, 0, 0, 11}}}),
        from);
  });
  std::vector<std::optional<std::vector<std::uint8_t>>> replies;
  const auto start = SteadyClock::now();
  Status status = SystemNetwork()->ExchangeUdp(
      server.endpoint(), {BuildQuery(0x5157, kSrvName, kDnsTypeSrv)},
      start + std::chrono::seconds(5), replies);
  responder.join();
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_LT(SteadyClock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(seen_name, kSrvName);
  EXPECT_EQ(seen_type, kDnsTypeSrv);
  ASSERT_EQ(replies.size(), 1u);
  ASSERT_TRUE(replies[0].has_value());
  auto parsed = ParseDnsResponse(*replies[0], kSrvName, kDnsTypeSrv);
  ASSERT_TRUE(std::holds_alternative<DnsResponse>(parsed))
      << std::get<Status>(parsed).message();
  const auto& response = std::get<DnsResponse>(parsed);
  EXPECT_EQ(response.id, 0x5157);
  EXPECT_EQ(response.rcode, kRcodeNoError);
  ASSERT_EQ(response.srv.size(), 2u);
  EXPECT_EQ(response.srv[0].target, "dc1.corp.test");
  EXPECT_EQ(response.srv[1].target, "dc2.corp.test");
  EXPECT_EQ(response.srv[0].port, 389);
  ASSERT_EQ(response.address.size(), 1u);
  EXPECT_EQ(response.address[0].ipv4, "127.0.0.11");
}

// Several queries from one socket, answered out of order, each matched to
// its own query by ID; an NXDOMAIN answer arrives as data, not an error.
TEST(WindowsNetworkTest, RepliesAreMatchedByIdAndRcodesSurvive) {
  BoundSocket server(SOCK_DGRAM);
  std::thread responder([&] {
    std::vector<std::vector<std::uint8_t>> queries;
    sockaddr_in from{};
    while (queries.size() < 2) {
      auto query = server.Receive(milliseconds(5000), from);
      if (query.size() < 12) return;
      queries.push_back(std::move(query));
    }
    for (auto it = queries.rbegin(); it != queries.rend(); ++it) {
      const std::string name = dns::QueryName(*it);
      server.SendTo(
          name == "dc1.corp.test"
              ? dns::AAnswer(dns::QueryId(*it), name, {127, 0, 0, 21})
              : dns::AAnswer(dns::QueryId(*it), name, {}, kRcodeNxDomain),
          from);
    }
  });
  std::vector<std::optional<std::vector<std::uint8_t>>> replies;
  Status status = SystemNetwork()->ExchangeUdp(
      server.endpoint(),
      {BuildQuery(0x1111, "dc1.corp.test", kDnsTypeA),
       BuildQuery(0x2222, "gone.corp.test", kDnsTypeA)},
      SteadyClock::now() + std::chrono::seconds(5), replies);
  responder.join();
  ASSERT_TRUE(status.ok()) << status.message();
  ASSERT_EQ(replies.size(), 2u);
  ASSERT_TRUE(replies[0].has_value());
  ASSERT_TRUE(replies[1].has_value());
  auto first = ParseDnsResponse(*replies[0], "dc1.corp.test", kDnsTypeA);
  ASSERT_TRUE(std::holds_alternative<DnsResponse>(first));
  ASSERT_EQ(std::get<DnsResponse>(first).address.size(), 1u);
  EXPECT_EQ(std::get<DnsResponse>(first).address[0].ipv4, "127.0.0.21");
  auto second = ParseDnsResponse(*replies[1], "gone.corp.test", kDnsTypeA);
  ASSERT_TRUE(std::holds_alternative<DnsResponse>(second));
  EXPECT_EQ(std::get<DnsResponse>(second).rcode, kRcodeNxDomain);
}

TEST(WindowsNetworkTest, SilentUdpServerEndsAtTheDeadline) {
  BoundSocket silent(SOCK_DGRAM);  // bound, never reads or answers
  std::vector<std::optional<std::vector<std::uint8_t>>> replies;
  const auto start = SteadyClock::now();
  Status status = SystemNetwork()->ExchangeUdp(
      silent.endpoint(), {BuildQuery(1, kSrvName, kDnsTypeSrv)},
      start + milliseconds(300), replies);
  const auto took = SteadyClock::now() - start;
  ASSERT_TRUE(status.ok()) << status.message();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_FALSE(replies[0].has_value());
  EXPECT_GE(took, milliseconds(300));
  EXPECT_LT(took, milliseconds(1500));
}

bool RunningUnderWine() {
  return ::GetProcAddress(::GetModuleHandleW(L"ntdll.dll"),
                          "wine_get_version") != nullptr;
}

// Nothing listens on the port. On Windows the ICMP "port unreachable" comes
// back as WSAECONNRESET on the connected UDP socket and is reported as
// such, well before the deadline. Wine 8 does not surface it (measured:
// no error from send, recv or WSAPoll), so there the exchange must simply
// end at the deadline without a reply, like a silent server.
TEST(WindowsNetworkTest, ClosedUdpPortIsReported) {
  BoundSocket gone(SOCK_DGRAM);
  const Endpoint endpoint = gone.endpoint();
  gone.Close();
  std::vector<std::optional<std::vector<std::uint8_t>>> replies;
  const auto start = SteadyClock::now();
  Status status = SystemNetwork()->ExchangeUdp(
      endpoint, {BuildQuery(1, kSrvName, kDnsTypeSrv)},
      start + milliseconds(1500), replies);
  if (RunningUnderWine()) {
    ASSERT_TRUE(status.ok()) << status.message();
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_FALSE(replies[0].has_value());
    EXPECT_LT(SteadyClock::now() - start, milliseconds(2500));
    return;
  }
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("no DNS server listening at " +
                                  endpoint.ToString()),
            std::string::npos)
      << status.message();
  EXPECT_LT(SteadyClock::now() - start, milliseconds(1000));
}

TEST(WindowsNetworkTest, InvalidServerAddressIsAnError) {
  std::vector<std::optional<std::vector<std::uint8_t>>> replies;
  Status status = SystemNetwork()->ExchangeUdp(
      {"127.0.0.999", 53}, {BuildQuery(1, kSrvName, kDnsTypeSrv)},
      SteadyClock::now() + std::chrono::seconds(1), replies);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("invalid DNS server address"),
            std::string::npos)
      << status.message();
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

// IP Helper's DNS server list. Wine builds it from the host's
// /etc/resolv.conf (Z:\etc\resolv.conf), so under Wine the first IPv4
// nameserver there must come back; on Windows any IPv4 server will do.
TEST(WindowsNetworkTest, SystemDnsServerIsTheConfiguredOne) {
  const auto server = SystemNetwork()->SystemDnsServer();
  std::ifstream resolv_conf("Z:\\etc\\resolv.conf");
  if (resolv_conf) {
    std::ostringstream text;
    text << resolv_conf.rdbuf();
    const auto expected = FirstNameserver(text.str());
    ASSERT_EQ(server.has_value(), expected.has_value());
    if (expected) {
      EXPECT_EQ(server->ToString(), expected->ToString());
    }
  } else if (server) {
    EXPECT_EQ(server->port, 53);
    EXPECT_TRUE(ParseEndpoint(server->ipv4, 53).has_value()) << server->ipv4;
  }
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
