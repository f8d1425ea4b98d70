// The POSIX Network backend against real sockets on 127.0.0.1: TCP
// listeners that accept, refuse or never complete the handshake; and the
// endpoint parsers.
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

TEST(EndpointTest, ParseList) {
  auto two = ParseEndpointList("10.0.0.10, 127.0.0.1:5353", 53);
  ASSERT_TRUE(two.has_value());
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[0].ToString(), "10.0.0.10:53");
  EXPECT_EQ((*two)[1].ToString(), "127.0.0.1:5353");
  for (const char* bad :
       {"", ",", "10.0.0.1,", "10.0.0.1,,10.0.0.2", "10.0.0.1,x",
        "1.1.1.1,1.1.1.2,1.1.1.3,1.1.1.4,"
        "1.1.1.5,1.1.1.6,1.1.1.7,1.1.1.8,1.1.1.9"}) {
    EXPECT_FALSE(ParseEndpointList(bad, 53).has_value()) << bad;
  }
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
