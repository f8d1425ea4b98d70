// The plain HTTP server on Winsock (socket_windows.cc): the same portable
// server logic as on Linux, driven by a raw Winsock client. Runs under Wine
// (tests/windows, scripts/test-windows) and on Windows.
#include <gtest/gtest.h>
#include <winsock2.h>
#include <ws2tcpip.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "exporter/http/http_server.h"
#include "exporter/testing/fake_clock.h"

namespace entra_pta {
namespace {

class Client {
 public:
  explicit Client(int port) {
    socket_ = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<u_short>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(socket_, reinterpret_cast<sockaddr*>(&address),
                           sizeof address) == 0;
    DWORD timeout_ms = 10000;
    setsockopt(socket_, SOL_SOCKET, SO_RCVTIMEO,
               reinterpret_cast<const char*>(&timeout_ms), sizeof timeout_ms);
  }
  ~Client() { closesocket(socket_); }
  bool connected() const { return connected_; }

  bool Send(const std::string& data) {
    return ::send(socket_, data.data(), static_cast<int>(data.size()), 0) ==
           static_cast<int>(data.size());
  }

  // Everything until the server closes (or 10 s pass).
  std::string ReadAll() {
    std::string out;
    char buffer[4096];
    int n;
    while ((n = ::recv(socket_, buffer, sizeof buffer, 0)) > 0) {
      out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
  }

 private:
  SOCKET socket_ = INVALID_SOCKET;
  bool connected_ = false;
};

class HttpServerWindowsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpServer::Handlers handlers;
    handlers.metrics = [](std::optional<double> timeout) {
      return "up 1\ntimeout " + std::to_string(timeout ? *timeout : -1) + "\n";
    };
    handlers.landing_page_html = [] { return std::string("<html></html>"); };
    handlers.version_json = [] { return std::string("{}"); };
    HttpServer::Limits limits;
    limits.request_head_timeout = std::chrono::milliseconds(1000);
    server_ = std::make_unique<HttpServer>(handlers, logger_, limits);
    ListenAddress address;
    address.host = "127.0.0.1";
    server_->Start(address);
    ASSERT_GT(server_->port(), 0);
  }

  std::ostringstream log_;
  testing::FakeClock clock_;
  Logger logger_{log_, clock_};
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerWindowsTest, ServesAScrapeAndKeepsAlive) {
  Client client(server_->port());
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send(
      "GET /metrics HTTP/1.1\r\nHost: a\r\n"
      "X-Prometheus-Scrape-Timeout-Seconds: 3\r\n\r\n"
      "GET /health HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
  std::string received = client.ReadAll();
  EXPECT_EQ(received.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << received;
  EXPECT_NE(received.find("up 1\ntimeout 3.0"), std::string::npos) << received;
  EXPECT_NE(received.find("\r\n\r\nOK\n"), std::string::npos) << received;
}

TEST_F(HttpServerWindowsTest, RefusesOversizedHeadsAndOtherMethods) {
  Client big(server_->port());
  ASSERT_TRUE(big.Send("GET / HTTP/1.1\r\nHost: a\r\nX: " +
                       std::string(9000, 'x') + "\r\n\r\n"));
  EXPECT_EQ(big.ReadAll().rfind("HTTP/1.1 431 ", 0), 0u);
  Client post(server_->port());
  ASSERT_TRUE(post.Send(
      "POST /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
  std::string received = post.ReadAll();
  EXPECT_EQ(received.rfind("HTTP/1.1 405 ", 0), 0u) << received;
  EXPECT_NE(received.find("Allow: GET, HEAD"), std::string::npos);
}

TEST_F(HttpServerWindowsTest, CutsOffASlowClient) {
  Client slow(server_->port());
  ASSERT_TRUE(slow.Send("GET /metrics HTTP/1.1\r\n"));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(slow.ReadAll(), "");
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, std::chrono::milliseconds(800));
  EXPECT_LT(elapsed, std::chrono::milliseconds(5000));
}

TEST_F(HttpServerWindowsTest, SlowClientsDoNotStarveAScrape) {
  // More slow connections than the handler threads: each costs the event
  // loop a socket in its WSAPoll set, not a thread.
  std::vector<std::unique_ptr<Client>> slow;
  for (int i = 0; i < 100; ++i) {
    slow.push_back(std::make_unique<Client>(server_->port()));
    ASSERT_TRUE(slow.back()->connected());
    ASSERT_TRUE(slow.back()->Send("GET /metrics HTTP/1.1\r\n"));
  }
  for (int round = 0; round < 3; ++round) {
    for (auto& client : slow) client->Send("X-Slow: 1\r\n");
    Client scrape(server_->port());
    ASSERT_TRUE(scrape.Send(
        "GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
    std::string received = scrape.ReadAll();
    EXPECT_EQ(received.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << received;
  }
}

TEST_F(HttpServerWindowsTest, ReportsAnAddressInUse) {
  HttpServer second({}, logger_);
  ListenAddress taken;
  taken.host = "127.0.0.1";
  taken.port = server_->port();
  EXPECT_THROW(second.Start(taken), std::runtime_error);
}

}  // namespace
}  // namespace entra_pta
