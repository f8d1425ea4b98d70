// The POSIX Network backend against real sockets on 127.0.0.1: UDP servers
// that answer, stay silent or are not there, and TCP listeners that accept,
// refuse or never complete the handshake.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "collectors/domain_controller/network.h"

namespace entra_pta::domain_controller {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

class BoundSocket {
 public:
  explicit BoundSocket(int type) : fd_(::socket(AF_INET, type, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(
        ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~BoundSocket() { Close(); }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd() const { return fd_; }
  std::uint16_t port() const { return port_; }
  Endpoint endpoint() const { return {"127.0.0.1", port_}; }

 private:
  int fd_;
  std::uint16_t port_ = 0;
};

std::vector<std::uint8_t> Query(std::uint16_t id) {
  return {static_cast<std::uint8_t>(id >> 8),
          static_cast<std::uint8_t>(id & 0xff), 1, 2, 3};
}

TEST(EndpointTest, Parse) {
  auto plain = ParseEndpoint("10.0.0.10", 53);
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->ToString(), "10.0.0.10:53");
  EXPECT_EQ(ParseEndpoint("127.0.0.1:5353", 53)->port, 5353);
  for (const char* bad : {"", "localhost", "10.0.0", "10.0.0.256", "1.2.3.4:",
                          "1.2.3.4:0", "1.2.3.4:65536", "1.2.3.4:x", "::1"}) {
    EXPECT_FALSE(ParseEndpoint(bad, 53).has_value()) << bad;
  }
}

TEST(EndpointTest, FirstNameserverOfResolvConf) {
  EXPECT_EQ(FirstNameserver("# generated\nsearch corp.test\n"
                            "nameserver fe80::1\nnameserver 10.1.2.3\n"
                            "nameserver 10.1.2.4\n")
                ->ToString(),
            "10.1.2.3:53");
  EXPECT_FALSE(FirstNameserver("search corp.test\n").has_value());
  EXPECT_FALSE(FirstNameserver("nameserver\n").has_value());
}

TEST(PosixNetworkTest, UdpRepliesAreMatchedById) {
  BoundSocket server(SOCK_DGRAM);
  std::thread responder([&] {
    for (int i = 0; i < 2; ++i) {
      std::uint8_t buffer[512];
      sockaddr_in from{};
      socklen_t length = sizeof from;
      ssize_t got = ::recvfrom(server.fd(), buffer, sizeof buffer, 0,
                               reinterpret_cast<sockaddr*>(&from), &length);
      if (got < 2) return;
      // A stray reply with an unknown ID first, then the echo.
      std::uint8_t stray[] = {0xde, 0xad, 9};
      ::sendto(server.fd(), stray, sizeof stray, 0,
               reinterpret_cast<sockaddr*>(&from), length);
      buffer[2] = static_cast<std::uint8_t>(0xA0 + i);
      ::sendto(server.fd(), buffer, static_cast<std::size_t>(got), 0,
               reinterpret_cast<sockaddr*>(&from), length);
    }
  });
  std::vector<std::optional<std::vector<std::uint8_t>>> replies;
  Status status = SystemNetwork()->ExchangeUdp(
      server.endpoint(), {Query(0x1111), Query(0x2222)},
      SteadyClock::now() + std::chrono::seconds(5), replies);
  responder.join();
  ASSERT_TRUE(status.ok()) << status.message();
  ASSERT_EQ(replies.size(), 2u);
  ASSERT_TRUE(replies[0].has_value());
  ASSERT_TRUE(replies[1].has_value());
  EXPECT_EQ((*replies[0])[0], 0x11);
  EXPECT_EQ((*replies[1])[0], 0x22);
}

TEST(PosixNetworkTest, SilentUdpServerEndsAtTheDeadline) {
  BoundSocket silent(SOCK_DGRAM);  // bound, never reads or answers
  std::vector<std::optional<std::vector<std::uint8_t>>> replies;
  const auto start = SteadyClock::now();
  Status status = SystemNetwork()->ExchangeUdp(
      silent.endpoint(), {Query(1)}, start + milliseconds(300), replies);
  const auto took = SteadyClock::now() - start;
  ASSERT_TRUE(status.ok()) << status.message();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_FALSE(replies[0].has_value());
  EXPECT_GE(took, milliseconds(300));
  EXPECT_LT(took, milliseconds(1500));
}

TEST(PosixNetworkTest, ClosedUdpPortIsReported) {
  BoundSocket gone(SOCK_DGRAM);
  const Endpoint endpoint = gone.endpoint();
  gone.Close();
  std::vector<std::optional<std::vector<std::uint8_t>>> replies;
  Status status = SystemNetwork()->ExchangeUdp(
      endpoint, {Query(1)}, SteadyClock::now() + std::chrono::seconds(5),
      replies);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("no DNS server listening at " +
                                  endpoint.ToString()),
            std::string::npos)
      << status.message();
}

TEST(PosixNetworkTest, ConnectAllReportsEachOutcome) {
  BoundSocket listening(SOCK_STREAM);
  ASSERT_EQ(::listen(listening.fd(), 8), 0);
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
  EXPECT_NE(outcomes[1].error.find("refused"), std::string::npos)
      << outcomes[1].error;
  EXPECT_FALSE(outcomes[2].connected);
  EXPECT_NE(outcomes[2].error.find("invalid address"), std::string::npos);
  EXPECT_LT(SteadyClock::now() - start, std::chrono::seconds(2));
}

// A listener whose accept queue is full drops further SYNs, so the connect
// never completes: ConnectAll must give up at the deadline.
TEST(PosixNetworkTest, HandshakeThatNeverCompletesTimesOut) {
  BoundSocket listening(SOCK_STREAM);
  ASSERT_EQ(::listen(listening.fd(), 0), 0);
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

}  // namespace
}  // namespace entra_pta::domain_controller
