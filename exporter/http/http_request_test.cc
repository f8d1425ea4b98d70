#include "exporter/http/http_request.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace entra_pta {
namespace {

using namespace std::string_literals;

const HttpRequestHead& Parsed(const HttpRequestParse& result) {
  static const HttpRequestHead kNone;
  auto* head = std::get_if<HttpRequestHead>(&result);
  return head != nullptr ? *head : kNone;
}

int StatusOf(std::string_view head) {
  auto result = ParseRequestHead(head);
  if (auto* error = std::get_if<HttpRequestError>(&result)) {
    return error->status;
  }
  return 200;
}

TEST(HttpRequestTest, ParsesAPrometheusScrape) {
  auto result = ParseRequestHead(
      "GET /metrics?x=1 HTTP/1.1\r\nHost: pta01:9847\r\n"
      "User-Agent: Prometheus/2.45.0\r\nAccept: text/plain;version=0.0.4\r\n"
      "X-Prometheus-Scrape-Timeout-Seconds:  10 \r\n\r\n");
  const HttpRequestHead& head = Parsed(result);
  EXPECT_EQ(head.method, "GET");
  EXPECT_EQ(head.path, "/metrics");
  EXPECT_EQ(head.minor_version, 1);
  EXPECT_TRUE(head.keep_alive);
  EXPECT_EQ(head.Header("x-prometheus-scrape-timeout-seconds"), "10");
  EXPECT_EQ(head.Header("user-agent"), "Prometheus/2.45.0");
  EXPECT_EQ(head.Header("cookie"), std::nullopt);
}

TEST(HttpRequestTest, KeepAliveFollowsVersionAndConnection) {
  EXPECT_FALSE(Parsed(ParseRequestHead("GET / HTTP/1.1\r\nHost: a\r\n"
                                       "Connection: Close\r\n\r\n"))
                   .keep_alive);
  EXPECT_FALSE(Parsed(ParseRequestHead("GET / HTTP/1.0\r\n\r\n")).keep_alive);
  EXPECT_TRUE(Parsed(ParseRequestHead("GET / HTTP/1.0\r\n"
                                      "Connection: keep-alive\r\n\r\n"))
                  .keep_alive);
  EXPECT_EQ(Parsed(ParseRequestHead("HEAD /health HTTP/1.0\r\n\r\n")).method,
            "HEAD");
}

TEST(HttpRequestTest, ContentLengthIsParsed) {
  EXPECT_EQ(Parsed(ParseRequestHead("POST / HTTP/1.1\r\nHost: a\r\n"
                                    "Content-Length: 12\r\n\r\n"))
                .content_length,
            12u);
}

struct HostileCase {
  const char* name;
  std::string head;
  int status;
};

void ExpectStatuses(const std::vector<HostileCase>& cases) {
  for (const HostileCase& c : cases) {
    EXPECT_EQ(StatusOf(c.head), c.status) << c.name;
  }
}

// Lines, the end of the head and its size.
TEST(HttpRequestTest, RefusesHostileFraming) {
  const std::string big_header =
      "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(9000, 'a') +
      "\r\n\r\n";
  std::string many_headers = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (int i = 0; i < 70; ++i)
    many_headers += "X-" + std::to_string(i) + ": 1\r\n";
  many_headers += "\r\n";
  ExpectStatuses({
      {"bare LF", "GET / HTTP/1.1\nHost: a\n\n", 400},
      {"bare LF after CRLF line", "GET / HTTP/1.1\r\nHost: a\n\r\n", 400},
      {"bare CR", "GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", 400},
      {"obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", 400},
      {"no empty line", "GET / HTTP/1.1\r\nHost: a\r\n", 400},
      {"data after head", "GET / HTTP/1.1\r\nHost: a\r\n\r\nX", 400},
      {"empty input", "", 400},
      {"oversized head", big_header, 431},
      {"too many fields", many_headers, 431},
  });
}

TEST(HttpRequestTest, RefusesHostileRequestLines) {
  ExpectStatuses({
      {"NUL in target", "GET /met\0rics HTTP/1.1\r\nHost: a\r\n\r\n"s, 400},
      {"NUL in method", "G\0T / HTTP/1.1\r\nHost: a\r\n\r\n"s, 400},
      {"non-ASCII in target", "GET /m\xc3\xa9trics HTTP/1.1\r\nHost: a\r\n\r\n",
       400},
      {"space in target", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"absolute-form without host",
       "GET http:///metrics HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"absolute-form with only a port",
       "GET http://:9847/metrics HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"absolute-form with user information",
       "GET http://u:p@a/metrics HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"absolute-form of another scheme",
       "GET ftp://a/metrics HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"absolute-form with a space",
       "GET http://a/me trics HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"asterisk-form target", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"authority-form target", "CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n",
       400},
      {"fragment in target", "GET /#x HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"backslash in target", "GET /..\\..\\x HTTP/1.1\r\nHost: a\r\n\r\n",
       400},
      {"missing version (HTTP/0.9)", "GET /\r\n\r\n", 400},
      {"missing target", "GET HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"double space", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
      {"trailing space", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400},
      {"lower-case version", "GET / http/1.1\r\nHost: a\r\n\r\n", 400},
      {"HTTP/1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505},
      {"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\n", 505},
      {"HTTP/3.0", "GET / HTTP/3.0\r\n\r\n", 505},
      {"long version", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400},
      {"empty request line", "\r\n\r\n", 400},
      {"method with slash", "GE/T / HTTP/1.1\r\nHost: a\r\n\r\n", 400},
  });
}

TEST(HttpRequestTest, RefusesHostileHeaderFields) {
  ExpectStatuses({
      {"NUL in header value", "GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n"s, 400},
      {"space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400},
      {"no colon", "GET / HTTP/1.1\r\nHost a\r\n\r\n", 400},
      {"empty name", "GET / HTTP/1.1\r\n: a\r\nHost: a\r\n\r\n", 400},
      {"negative Content-Length",
       "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400},
      {"plus Content-Length",
       "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\n", 400},
      {"huge Content-Length",
       "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: "
       "99999999999999999999999999\r\n\r\n",
       400},
      {"list Content-Length",
       "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 1\r\n\r\n", 400},
      {"empty Content-Length",
       "GET / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 400},
      {"duplicate Content-Length",
       "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n"
       "Content-Length: 0\r\n\r\n",
       400},
      {"duplicate Host", "GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", 400},
      {"duplicate Authorization",
       "GET / HTTP/1.1\r\nHost: a\r\nAuthorization: Basic YTpi\r\n"
       "Authorization: Basic YzpK\r\n\r\n",
       400},
      {"duplicate scrape timeout",
       "GET /metrics HTTP/1.1\r\nHost: a\r\n"
       "X-Prometheus-Scrape-Timeout-Seconds: 1\r\n"
       "X-Prometheus-Scrape-Timeout-Seconds: 100\r\n\r\n",
       400},
      {"Transfer-Encoding",
       "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 501},
      {"non-ASCII in name",
       "GET / HTTP/1.1\r\nHost: a\r\nX-\xc3\xa9: 1\r\n\r\n", 400},
      {"DEL in value", "GET / HTTP/1.1\r\nHost: a\x7f\r\n\r\n", 400},
      {"absolute-form without Host",
       "GET http://a:9847/metrics HTTP/1.1\r\n\r\n", 400},
      {"HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n", 400},
  });
}

TEST(HttpRequestTest, AcceptsWhatRealClientsSend) {
  // Odd but legal: obs-text in a value, other methods (refused later with
  // 405), percent-encoding (matched literally later, so never a file).
  EXPECT_EQ(StatusOf("GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: caf\xc3\xa9\r\n"
                     "\r\n"),
            200);
  EXPECT_EQ(StatusOf("DELETE /metrics HTTP/1.1\r\nHost: a\r\n\r\n"), 200);
  auto traversal = ParseRequestHead(
      "GET /..%2f..%2fetc%2fpasswd HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(Parsed(traversal).path, "/..%2f..%2fetc%2fpasswd");
  EXPECT_EQ(StatusOf("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"),
            200);
}

TEST(HttpRequestTest, AcceptsAnAbsoluteFormTarget) {
  // RFC 9112 3.2.2: a server must accept the absolute form; only its path
  // counts (never the host in it), and HTTP/1.1 still needs Host.
  struct Case {
    const char* target;
    const char* path;
  };
  const Case cases[] = {
      {"http://pta01:9847/metrics", "/metrics"},
      {"HTTP://PTA01:9847/metrics?x=1", "/metrics"},
      {"https://pta01.corp.test/health", "/health"},
      {"http://127.0.0.1:9847", "/"},
      {"http://[::1]:9847/version", "/version"},
      {"http://evil.example/metrics", "/metrics"},
      {"http://a?x=1", "/"},
      {"http://a/..%2fetc%2fpasswd", "/..%2fetc%2fpasswd"},
  };
  for (const Case& c : cases) {
    auto result = ParseRequestHead("GET "s + c.target +
                                   " HTTP/1.1\r\nHost: pta01:9847\r\n\r\n");
    ASSERT_TRUE(std::holds_alternative<HttpRequestHead>(result)) << c.target;
    EXPECT_EQ(Parsed(result).path, c.path) << c.target;
  }
  // HTTP/1.0 has no Host rule, in either form.
  EXPECT_EQ(
      Parsed(ParseRequestHead("GET http://a/metrics HTTP/1.0\r\n\r\n")).path,
      "/metrics");
}

TEST(HttpRequestTest, FindsTheEndOfTheHead) {
  EXPECT_EQ(FindRequestHeadEnd("GET / HTTP/1.1\r\nHost: a\r\n"),
            std::string_view::npos);
  EXPECT_EQ(FindRequestHeadEnd("GET / HTTP/1.1\r\nHost: a\r\n\r\nGET"), 27u);
  // A bare-LF head ends too, so it is refused rather than waited for.
  EXPECT_EQ(FindRequestHeadEnd("GET / HTTP/1.1\nHost: a\n\nrest"), 24u);
  EXPECT_EQ(FindRequestHeadEnd(""), std::string_view::npos);
}

}  // namespace
}  // namespace entra_pta
