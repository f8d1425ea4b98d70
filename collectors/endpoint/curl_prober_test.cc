#include "collectors/endpoint/curl_prober.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "exporter/testing/fake_clock.h"

namespace entra_pta::endpoint {
namespace {

TEST(ClassifyFailureTest, MapsOutcomesToTheFixedReasons) {
  struct Case {
    TransferFacts facts;
    FailureReason expected;
  };
  auto facts = [](int code, bool proxy, bool https, bool connected,
                  bool handshake, long connect_code = 0, long status = 0,
                  bool abandoned = false) {
    return TransferFacts{code,      proxy,        https,  connected,
                         handshake, connect_code, status, abandoned};
  };
  const Case cases[] = {
      {facts(CURLE_OK, false, true, true, true, 0, 404), FailureReason::kNone},
      {facts(CURLE_WRITE_ERROR, false, true, true, true, 0, 200),
       FailureReason::kNone},
      {facts(CURLE_COULDNT_RESOLVE_HOST, false, true, false, false),
       FailureReason::kDns},
      {facts(CURLE_COULDNT_RESOLVE_PROXY, true, true, false, false),
       FailureReason::kProxy},
      {facts(CURLE_COULDNT_CONNECT, false, true, false, false),
       FailureReason::kConnectRefused},
      {facts(CURLE_COULDNT_CONNECT, true, true, false, false),
       FailureReason::kProxy},
      {facts(CURLE_OPERATION_TIMEDOUT, false, true, false, false),
       FailureReason::kTimeout},
      {facts(CURLE_OPERATION_TIMEDOUT, false, true, true, false),
       FailureReason::kTls},
      {facts(CURLE_OPERATION_TIMEDOUT, false, true, true, true),
       FailureReason::kTimeout},
      {facts(CURLE_OPERATION_TIMEDOUT, true, true, true, false, 0),
       FailureReason::kProxy},
      {facts(0, false, true, true, false, 0, 0, true), FailureReason::kTls},
      {facts(CURLE_RECV_ERROR, true, true, true, false, 403),
       FailureReason::kProxy},
      {facts(CURLE_PROXY, true, true, true, false), FailureReason::kProxy},
      {facts(CURLE_SSL_CONNECT_ERROR, false, true, true, false),
       FailureReason::kTls},
      {facts(CURLE_RECV_ERROR, false, true, true, false), FailureReason::kTls},
      {facts(CURLE_GOT_NOTHING, false, false, true, false),
       FailureReason::kHttp},
      {facts(CURLE_WEIRD_SERVER_REPLY, false, true, true, true),
       FailureReason::kHttp},
  };
  int i = 0;
  for (const Case& c : cases) {
    EXPECT_EQ(ClassifyFailure(c.facts), c.expected) << "case " << i;
    ++i;
  }
  EXPECT_STREQ(FailureReasonName(FailureReason::kConnectRefused),
               "connect_refused");
}

// A TCP listener on 127.0.0.1 that accepts and never writes.
class SilentListener {
 public:
  SilentListener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    listen(fd_, 16);
    socklen_t length = sizeof(address);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~SilentListener() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A port that refuses: bound, then closed.
int RefusedPort() {
  SilentListener listener;
  return listener.port();
}

ProbeRequest Request(const std::string& url) {
  std::string error;
  return ProbeRequest{*ParseTargetUrl("t", url, &error), ""};
}

TEST(CurlProberTest, RefusedAndSilentServersOnLoopback) {
  SilentListener silent;
  const int refused = RefusedPort();
  entra_pta::testing::FakeClock clock;
  CurlProber prober("", clock);
  std::vector<ProbeRequest> requests = {
      Request("https://127.0.0.1:" + std::to_string(refused) + "/"),
      Request("https://127.0.0.1:" + std::to_string(silent.port()) + "/"),
      Request("http://127.0.0.1:" + std::to_string(silent.port()) + "/")};
  const auto start = std::chrono::steady_clock::now();
  ProbeBatch batch = prober.ProbeAll(requests, std::chrono::milliseconds(400),
                                     start + std::chrono::seconds(5));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(batch.results.size(), 3u);
  EXPECT_EQ(batch.results[0].failure, FailureReason::kConnectRefused)
      << batch.results[0].detail;
  EXPECT_EQ(batch.results[1].failure, FailureReason::kTls)
      << batch.results[1].detail;
  EXPECT_GT(batch.results[1].phases.connect, 0);
  EXPECT_FALSE(batch.results[1].tls.handshake_done);
  EXPECT_EQ(batch.results[2].failure, FailureReason::kTimeout)
      << batch.results[2].detail;
  // Concurrent, not one timeout after the other.
  EXPECT_LT(took, std::chrono::milliseconds(2000));
}

TEST(CurlProberTest, TheScrapeDeadlineBoundsTheRound) {
  SilentListener silent;
  entra_pta::testing::FakeClock clock;
  CurlProber prober("", clock);
  std::vector<ProbeRequest> requests(
      5, Request("https://127.0.0.1:" + std::to_string(silent.port()) + "/"));
  const auto start = std::chrono::steady_clock::now();
  ProbeBatch batch = prober.ProbeAll(requests, std::chrono::seconds(30),
                                     start + std::chrono::milliseconds(300));
  EXPECT_LT(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(1500));
  for (const ProbeResult& result : batch.results) {
    EXPECT_EQ(result.failure, FailureReason::kTls) << result.detail;
  }
}

TEST(CurlProberTest, AnUnreadableCaFileIsReportedInTheBatch) {
  SilentListener silent;
  entra_pta::testing::FakeClock clock;
  CurlProber prober("/nonexistent/ca.pem", clock);
  ProbeBatch batch = prober.ProbeAll(
      {Request("http://127.0.0.1:" + std::to_string(silent.port()) + "/")},
      std::chrono::milliseconds(100),
      std::chrono::steady_clock::now() + std::chrono::seconds(2));
  EXPECT_FALSE(batch.status.ok());
  EXPECT_NE(batch.status.message().find("/nonexistent/ca.pem"),
            std::string::npos);
}

}  // namespace
}  // namespace entra_pta::endpoint
