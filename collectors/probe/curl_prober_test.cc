// CurlProber against real sockets on 127.0.0.1 (POSIX sockets, so this file
// is built off Windows only; classify_failure_test.cc is portable).
#include "collectors/probe/curl_prober.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "exporter/testing/fake_clock.h"

namespace entra_pta::probe {
namespace {

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
}  // namespace entra_pta::probe
