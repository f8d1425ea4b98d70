// HttpServer behaviour that needs POSIX socket calls in the test itself
// (a half-closed client); the rest is in http_server_test.cc.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <string>

#include "exporter/http/http_server.h"
#include "exporter/http/listen_address.h"
#include "exporter/testing/fake_clock.h"

namespace entra_pta {
namespace {

std::string ReadUntilClosed(int fd, std::chrono::milliseconds timeout,
                            bool* closed) {
  std::string out;
  *closed = false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buffer[4096];
    ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) {
      *closed = true;
      break;
    }
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

TEST(HttpServerOtherTest, AnswersARequestFromAClientThatHalfClosed) {
  // `printf 'GET ...' | nc -N` sends the request, then shuts its side
  // down; the answer is still owed.
  std::ostringstream log;
  testing::FakeClock clock;
  Logger logger(log, clock);
  HttpServer::Handlers handlers;
  handlers.metrics = [](std::optional<double>) {
    return std::string("up 1\n");
  };
  HttpServer server(handlers, logger);
  server.Start(*ParseListenAddress("127.0.0.1:0"));
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(server.port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address),
            0);
  const std::string request = "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n";
  ASSERT_EQ(send(fd, request.data(), request.size(), 0),
            static_cast<ssize_t>(request.size()));
  ASSERT_EQ(shutdown(fd, SHUT_WR), 0);
  bool closed = false;
  std::string received = ReadUntilClosed(fd, std::chrono::seconds(5), &closed);
  close(fd);
  EXPECT_EQ(received.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << received;
  // Whether it says "Connection: close" depends on whether the end of
  // stream was seen before the answer; the close itself always follows.
  EXPECT_NE(received.find("\r\n\r\nup 1\n"), std::string::npos);
  EXPECT_TRUE(closed);
}

}  // namespace
}  // namespace entra_pta
