#include "exporter/http/http_server.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <sstream>
#include <thread>
#include <vector>

#include "exporter/http/listen_address.h"
#include "exporter/testing/fake_clock.h"

namespace entra_pta {
namespace {

struct Response {
  long status = 0;
  std::string body;
  std::string headers;
};

size_t Append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

Response Fetch(int port, const std::string& path,
               const std::string& method = "GET",
               const std::string& header = "") {
  Response response;
  CURL* curl = curl_easy_init();
  std::string url = "http://127.0.0.1:" + std::to_string(port) + path;
  curl_slist* headers = nullptr;
  if (!header.empty()) headers = curl_slist_append(headers, header.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &Append);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);  // no dot-segment cleanup
  if (method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  if (curl_easy_perform(curl) == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return response;
}

// A raw TCP client (libcurl's connect-only mode), for requests curl would
// never send and for watching when the server closes the connection.
class RawClient {
 public:
  explicit RawClient(int port) : curl_(curl_easy_init()) {
    std::string url = "http://127.0.0.1:" + std::to_string(port);
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_CONNECT_ONLY, 1L);
    connected_ = curl_easy_perform(curl_) == CURLE_OK;
  }
  ~RawClient() { curl_easy_cleanup(curl_); }
  bool connected() const { return connected_; }

  bool Send(const std::string& data) {
    std::size_t sent_total = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (sent_total < data.size()) {
      std::size_t sent = 0;
      CURLcode rc = curl_easy_send(curl_, data.data() + sent_total,
                                   data.size() - sent_total, &sent);
      if (rc == CURLE_AGAIN) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      if (rc != CURLE_OK) return false;
      sent_total += sent;
    }
    return true;
  }

  // Reads until `done(received)` holds, the server closes, or the timeout;
  // `closed` tells whether the server closed.
  std::string Read(std::chrono::milliseconds timeout,
                   const std::function<bool(const std::string&)>& done,
                   bool* closed = nullptr) {
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    if (closed != nullptr) *closed = false;
    while (!done(out) && std::chrono::steady_clock::now() < deadline) {
      char buffer[4096];
      std::size_t got = 0;
      CURLcode rc = curl_easy_recv(curl_, buffer, sizeof buffer, &got);
      if (rc == CURLE_AGAIN) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      if (rc != CURLE_OK || got == 0) {
        if (closed != nullptr) *closed = true;
        break;
      }
      out.append(buffer, got);
    }
    return out;
  }

  std::string ReadUntilClosed(std::chrono::milliseconds timeout, bool* closed) {
    return Read(
        timeout, [](const std::string&) { return false; }, closed);
  }

 private:
  CURL* curl_;
  bool connected_ = false;
};

int CountOf(const std::string& text, const std::string& part) {
  int n = 0;
  for (auto at = text.find(part); at != std::string::npos;
       at = text.find(part, at + 1)) {
    ++n;
  }
  return n;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer({}, nullptr); }

  void StartServer(HttpServer::Limits limits,
                   HttpServer::SecuritySource security) {
    server_.reset();
    HttpServer::Handlers handlers;
    handlers.metrics = [this](std::optional<double> timeout) {
      last_timeout_ = timeout ? *timeout : -1;
      return std::string("up 1\n");
    };
    handlers.landing_page_html = [] {
      return std::string("<html>landing</html>");
    };
    handlers.version_json = [] { return std::string("{\"version\":\"x\"}"); };
    handlers.metrics =
        [this, metrics = handlers.metrics](std::optional<double> timeout) {
          ++metrics_entered_;
          if (block_metrics_.valid()) block_metrics_.wait();
          return metrics(timeout);
        };
    server_ = std::make_unique<HttpServer>(handlers, logger_, limits,
                                           std::move(security));
    server_->Start(*ParseListenAddress("127.0.0.1:0"));
    port_ = server_->port();
    ASSERT_GT(port_, 0);
  }

  // Sends a scrape on `client` and waits until its handler runs, where it
  // stays until `release` is set.
  void StartBlockedScrape(RawClient& client, std::promise<void>& release) {
    block_metrics_ = release.get_future().share();
    ASSERT_TRUE(client.Send("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n"));
    for (int i = 0; i < 500 && metrics_entered_ == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(metrics_entered_.load(), 1);
  }

  std::ostringstream log_;
  testing::FakeClock clock_;
  Logger logger_{log_, clock_};
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  std::atomic<double> last_timeout_{0};
  std::shared_future<void> block_metrics_;
  std::atomic<int> metrics_entered_{0};
};

TEST_F(HttpServerTest, ServesMetricsWithTheScrapeTimeoutHeader) {
  Response r = Fetch(port_, "/metrics", "GET",
                     "X-Prometheus-Scrape-Timeout-Seconds: 7.5");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "up 1\n");
  EXPECT_NE(r.headers.find("Content-Type: text/plain; version=0.0.4"),
            std::string::npos);
  EXPECT_EQ(last_timeout_.load(), 7.5);
  Fetch(port_, "/metrics");
  EXPECT_EQ(last_timeout_.load(), -1);
  Fetch(port_, "/metrics", "GET", "X-Prometheus-Scrape-Timeout-Seconds: soon");
  EXPECT_EQ(last_timeout_.load(), -1);
}

TEST_F(HttpServerTest, ServesHealthVersionAndLanding) {
  EXPECT_EQ(Fetch(port_, "/health").body, "OK\n");
  Response version = Fetch(port_, "/version");
  EXPECT_EQ(version.body, "{\"version\":\"x\"}");
  EXPECT_NE(version.headers.find("application/json"), std::string::npos);
  Response landing = Fetch(port_, "/");
  EXPECT_EQ(landing.body, "<html>landing</html>");
  EXPECT_NE(landing.headers.find("Content-Security-Policy"), std::string::npos);
}

TEST_F(HttpServerTest, RejectsOtherMethodsAndPaths) {
  Response post = Fetch(port_, "/metrics", "POST");
  EXPECT_EQ(post.status, 405);
  EXPECT_NE(post.headers.find("Allow: GET, HEAD"), std::string::npos);
  EXPECT_EQ(Fetch(port_, "/metrics", "DELETE").status, 405);
  EXPECT_EQ(Fetch(port_, "/nope").status, 404);
  EXPECT_EQ(Fetch(port_, "/../etc/passwd").status, 404);
  Response head = Fetch(port_, "/health", "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
}

TEST_F(HttpServerTest, SetsSecurityHeaders) {
  Response landing = Fetch(port_, "/");
  for (const char* header :
       {"Content-Security-Policy: default-src 'none'; style-src "
        "'unsafe-inline'",
        "X-Frame-Options: DENY", "Referrer-Policy: no-referrer",
        "X-Content-Type-Options: nosniff", "Cache-Control: no-store"}) {
    EXPECT_NE(landing.headers.find(header), std::string::npos) << header;
  }
  Response metrics = Fetch(port_, "/metrics");
  EXPECT_NE(metrics.headers.find("X-Content-Type-Options: nosniff"),
            std::string::npos);
  EXPECT_NE(metrics.headers.find("Cache-Control: no-store"), std::string::npos);
}

TEST_F(HttpServerTest, ServesExactRoutesOnly) {
  for (const char* path : {"/metrics/", "//metrics", "/METRICS",
                           "/..%2fetc%2fpasswd", "/%2e%2e/%2e%2e/etc/passwd",
                           "/index.html", "/health/../metrics", "/./metrics"}) {
    EXPECT_EQ(Fetch(port_, path).status, 404) << path;
  }
  EXPECT_EQ(Fetch(port_, "/metrics?debug=1").status, 200);
}

TEST_F(HttpServerTest, KeepsConnectionsAliveAndPipelines) {
  RawClient client(port_);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send(
      "GET /health HTTP/1.1\r\nHost: a\r\n\r\n"
      "HEAD /metrics HTTP/1.1\r\nHost: a\r\n\r\n"
      "GET /version HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
  bool closed = false;
  std::string received =
      client.ReadUntilClosed(std::chrono::seconds(5), &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(CountOf(received, "HTTP/1.1 200 OK"), 3) << received;
  // HEAD tells the length without the body: "up 1\n" never appears.
  EXPECT_NE(received.find("Content-Length: 5\r\n"), std::string::npos);
  EXPECT_EQ(received.find("up 1"), std::string::npos);
  EXPECT_NE(received.find("{\"version\":\"x\"}"), std::string::npos);
  EXPECT_EQ(CountOf(received, "Connection: close"), 1);
}

TEST_F(HttpServerTest, KeepsHttp10AliveOnlyWhenAsked) {
  RawClient client(port_);
  ASSERT_TRUE(
      client.Send("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                  "GET /health HTTP/1.0\r\n\r\n"));
  bool closed = false;
  std::string received =
      client.ReadUntilClosed(std::chrono::seconds(5), &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(CountOf(received, "HTTP/1.1 200 OK"), 2) << received;
  EXPECT_EQ(CountOf(received, "Connection: keep-alive"), 1) << received;
  EXPECT_EQ(CountOf(received, "Connection: close"), 1) << received;
}

TEST_F(HttpServerTest, RefusesMalformedAndOversizedRequests) {
  struct Case {
    std::string request;
    std::string status_line;
  };
  const Case cases[] = {
      {"GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(9000, 'x') + "\r\n\r\n",
       "HTTP/1.1 431 Request Header Fields Too Large"},
      {std::string(20000, 'A'), "HTTP/1.1 431 Request Header Fields Too Large"},
      {"GET /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
       "HTTP/1.1 400 Bad Request"},
      {"POST /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
       "HTTP/1.1 405 Method Not Allowed"},
      {"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
       "HTTP/1.1 501 Not Implemented"},
      {"GET / HTTP/1.1\nHost: a\n\n", "HTTP/1.1 400 Bad Request"},
      {"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
       "HTTP/1.1 505 HTTP Version Not Supported"},
  };
  for (const Case& c : cases) {
    RawClient client(port_);
    ASSERT_TRUE(client.Send(c.request));
    bool closed = false;
    std::string received =
        client.ReadUntilClosed(std::chrono::seconds(5), &closed);
    EXPECT_EQ(received.rfind(c.status_line + "\r\n", 0), 0u) << received;
    EXPECT_NE(received.find("Connection: close"), std::string::npos);
    EXPECT_TRUE(closed) << c.status_line;
  }
}

TEST_F(HttpServerTest, CutsOffSlowClients) {
  HttpServer::Limits limits;
  limits.request_head_timeout = std::chrono::milliseconds(1000);
  limits.idle_timeout = std::chrono::milliseconds(500);
  StartServer(limits, nullptr);
  RawClient slow(port_);
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(slow.Send("GET /metrics HTTP/1.1\r\n"));
  bool closed = false;
  // One byte every 100 ms: never a whole head within the bound.
  while (!closed &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(5)) {
    slow.Send("X");
    slow.Read(
        std::chrono::milliseconds(100),
        [](const std::string&) { return false; }, &closed);
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(closed);
  EXPECT_GE(elapsed, std::chrono::milliseconds(900));
  EXPECT_LT(elapsed, std::chrono::milliseconds(3000));
  // An idle kept-alive connection is closed after the idle timeout.
  RawClient idle(port_);
  ASSERT_TRUE(idle.Send("GET /health HTTP/1.1\r\nHost: a\r\n\r\n"));
  std::string received = idle.ReadUntilClosed(std::chrono::seconds(5), &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(CountOf(received, "HTTP/1.1 200 OK"), 1);
}

// A client that sends a request head a little at a time and never
// finishes it (slowloris).
std::vector<std::unique_ptr<RawClient>> OpenSlowClients(int port, int count) {
  std::vector<std::unique_ptr<RawClient>> slow;
  for (int i = 0; i < count; ++i) {
    slow.push_back(std::make_unique<RawClient>(port));
    slow.back()->Send("GET /metrics HTTP/1.1\r\n");
  }
  return slow;
}

TEST_F(HttpServerTest, SlowClientsDoNotStarveAScrape) {
  // More slow connections than any pool of threads or queue would hold:
  // each costs the server a socket, not a worker.
  auto slow = OpenSlowClients(port_, 150);
  for (int round = 0; round < 3; ++round) {
    for (auto& client : slow) client->Send("X-Slow: 1\r\n");
    Response r = Fetch(port_, "/metrics", "GET",
                       "X-Prometheus-Scrape-Timeout-Seconds: 3");
    EXPECT_EQ(r.status, 200) << "round " << round;
    EXPECT_EQ(r.body, "up 1\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // The slow ones were kept, not dropped, since the cap was not reached.
  for (auto& client : slow) {
    bool closed = false;
    client->Read(
        std::chrono::milliseconds(1), [](const std::string&) { return false; },
        &closed);
    EXPECT_FALSE(closed);
  }
}

TEST_F(HttpServerTest, AScrapeInProgressDoesNotHoldUpOtherRequests) {
  std::promise<void> release;
  RawClient busy(port_);
  ASSERT_NO_FATAL_FAILURE(StartBlockedScrape(busy, release));
  EXPECT_EQ(Fetch(port_, "/health").status, 200);
  EXPECT_EQ(Fetch(port_, "/").status, 200);
  release.set_value();
  std::string first = busy.Read(std::chrono::seconds(5), [](auto& r) {
    return r.find("up 1") != std::string::npos;
  });
  EXPECT_EQ(first.rfind("HTTP/1.1 200 OK", 0), 0u) << first;
}

TEST_F(HttpServerTest, AtTheConnectionCapTheLongestWaitingIsClosedFirst) {
  HttpServer::Limits limits;
  limits.max_connections = 3;
  StartServer(limits, nullptr);
  // A idle since connecting; B served once (now idle, waiting less long);
  // C halfway through a head.
  RawClient a(port_);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  RawClient b(port_);
  ASSERT_TRUE(b.Send("GET /health HTTP/1.1\r\nHost: a\r\n\r\n"));
  std::string first = b.Read(std::chrono::seconds(5), [](auto& r) {
    return r.find("OK\n") != std::string::npos;
  });
  ASSERT_EQ(first.rfind("HTTP/1.1 200 OK", 0), 0u) << first;
  RawClient c(port_);
  ASSERT_TRUE(c.Send("GET /health HTTP/1.1\r\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // D is one too many: A goes.
  RawClient d(port_);
  bool closed = false;
  EXPECT_EQ(a.ReadUntilClosed(std::chrono::seconds(3), &closed), "");
  EXPECT_TRUE(closed);
  ASSERT_TRUE(d.Send("GET /health HTTP/1.1\r\nHost: a\r\n\r\n"));
  std::string received = d.Read(std::chrono::seconds(5), [](auto& r) {
    return r.find("OK\n") != std::string::npos;
  });
  EXPECT_EQ(received.rfind("HTTP/1.1 200 OK", 0), 0u) << received;
  // B and C were kept: C finishes its request and is answered.
  ASSERT_TRUE(c.Send("Host: a\r\n\r\n"));
  received = c.Read(std::chrono::seconds(5), [](auto& r) {
    return r.find("OK\n") != std::string::npos;
  });
  EXPECT_EQ(received.rfind("HTTP/1.1 200 OK", 0), 0u) << received;
  closed = false;
  b.Read(
      std::chrono::milliseconds(50), [](const std::string&) { return false; },
      &closed);
  EXPECT_FALSE(closed);
}

TEST_F(HttpServerTest, ARequestInProgressIsNeverDroppedForTheCap) {
  HttpServer::Limits limits;
  limits.max_connections = 1;
  StartServer(limits, nullptr);
  std::promise<void> release;
  RawClient busy(port_);
  ASSERT_NO_FATAL_FAILURE(StartBlockedScrape(busy, release));
  RawClient refused(port_);
  bool closed = false;
  EXPECT_EQ(refused.ReadUntilClosed(std::chrono::seconds(3), &closed), "");
  EXPECT_TRUE(closed);
  release.set_value();
  std::string first = busy.Read(std::chrono::seconds(5), [](auto& r) {
    return r.find("up 1") != std::string::npos;
  });
  EXPECT_EQ(first.rfind("HTTP/1.1 200 OK", 0), 0u) << first;
}

TEST_F(HttpServerTest, AnswersAnAbsoluteFormTarget) {
  RawClient client(port_);
  ASSERT_TRUE(client.Send(
      "GET http://127.0.0.1:" + std::to_string(port_) +
      "/metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "X-Prometheus-Scrape-Timeout-Seconds: 4\r\nConnection: close\r\n\r\n"));
  bool closed = false;
  std::string received =
      client.ReadUntilClosed(std::chrono::seconds(5), &closed);
  EXPECT_EQ(received.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << received;
  EXPECT_NE(received.find("\r\n\r\nup 1\n"), std::string::npos) << received;
  EXPECT_EQ(last_timeout_.load(), 4);
  // The Host rule still applies.
  RawClient no_host(port_);
  ASSERT_TRUE(no_host.Send("GET http://127.0.0.1/health HTTP/1.1\r\n\r\n"));
  received = no_host.ReadUntilClosed(std::chrono::seconds(5), &closed);
  EXPECT_EQ(received.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << received;
}

// Stand-ins for the web configuration's settings.
class FixedPassword final : public Authenticator {
 public:
  bool Allows(std::optional<std::string_view> authorization) const override {
    return authorization == "Basic dTpw";  // u:p
  }
};

TEST_F(HttpServerTest, AppliesAuthenticationAndHeadersFromTheSecuritySource) {
  auto security = std::make_shared<WebSecurity>();
  security->auth = std::make_shared<FixedPassword>();
  security->headers = {{"X-Frame-Options", "SAMEORIGIN"},
                       {"Strict-Transport-Security", "max-age=60"}};
  std::atomic<int> asked{0};
  StartServer({}, [&] {
    ++asked;
    return std::shared_ptr<const WebSecurity>(security);
  });
  for (const char* path : {"/", "/metrics", "/health", "/version", "/nope"}) {
    Response denied = Fetch(port_, path);
    EXPECT_EQ(denied.status, 401) << path;
    EXPECT_NE(denied.headers.find(
                  "WWW-Authenticate: Basic realm=\"entra_pta_exporter\""),
              std::string::npos);
    EXPECT_EQ(Fetch(port_, path, "GET", "Authorization: Basic dTpx").status,
              401);
  }
  Response landing = Fetch(port_, "/", "GET", "Authorization: Basic dTpw");
  EXPECT_EQ(landing.status, 200);
  EXPECT_NE(landing.headers.find("X-Frame-Options: SAMEORIGIN"),
            std::string::npos);
  EXPECT_EQ(landing.headers.find("X-Frame-Options: DENY"), std::string::npos);
  EXPECT_NE(landing.headers.find("Strict-Transport-Security: max-age=60"),
            std::string::npos);
  EXPECT_EQ(Fetch(port_, "/metrics", "GET", "Authorization: Basic dTpw").body,
            "up 1\n");
  EXPECT_GT(asked.load(), 0);
}

TEST(HttpServerStartTest, ReportsAnAddressInUse) {
  std::ostringstream log;
  testing::FakeClock clock;
  Logger logger(log, clock);
  HttpServer first({}, logger);
  first.Start(*ParseListenAddress("127.0.0.1:0"));
  HttpServer second({}, logger);
  ListenAddress taken = *ParseListenAddress("127.0.0.1:0");
  taken.port = first.port();
  EXPECT_THROW(second.Start(taken), std::runtime_error);
}

TEST(ScrapeTimeoutHeaderTest, ParsesPositiveSeconds) {
  EXPECT_EQ(ParseScrapeTimeoutHeader("10"), 10.0);
  EXPECT_EQ(ParseScrapeTimeoutHeader("0.5"), 0.5);
  EXPECT_EQ(ParseScrapeTimeoutHeader(nullptr), std::nullopt);
  EXPECT_EQ(ParseScrapeTimeoutHeader(""), std::nullopt);
  EXPECT_EQ(ParseScrapeTimeoutHeader("-3"), std::nullopt);
  EXPECT_EQ(ParseScrapeTimeoutHeader("0"), std::nullopt);
  EXPECT_EQ(ParseScrapeTimeoutHeader("inf"), std::nullopt);
  EXPECT_EQ(ParseScrapeTimeoutHeader("nan"), std::nullopt);
  EXPECT_EQ(ParseScrapeTimeoutHeader("5s"), std::nullopt);
}

TEST(HtmlEscapeTest, EscapesMarkup) {
  EXPECT_EQ(HtmlEscape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

}  // namespace
}  // namespace entra_pta
