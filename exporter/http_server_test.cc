#include "exporter/http_server.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <atomic>
#include <sstream>

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

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpServer::Handlers handlers;
    handlers.metrics = [this](std::optional<double> timeout) {
      last_timeout_ = timeout ? *timeout : -1;
      return std::string("up 1\n");
    };
    handlers.landing_page_html = [] {
      return std::string("<html>landing</html>");
    };
    handlers.version_json = [] { return std::string("{\"version\":\"x\"}"); };
    server_ = std::make_unique<HttpServer>(handlers, logger_);
    server_->Start(*ParseListenAddress("127.0.0.1:0"));
    port_ = server_->port();
    ASSERT_GT(port_, 0);
  }

  std::ostringstream log_;
  testing::FakeClock clock_;
  Logger logger_{log_, clock_};
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  std::atomic<double> last_timeout_{0};
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
