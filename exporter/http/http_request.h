// Parsing of an HTTP/1.1 request head (request line and header fields, up to
// and including the empty line), as a pure function so that hostile input
// can be tested by table and fuzzed without sockets. Strict on purpose: the
// exporter has three clients (Prometheus, a browser, curl) and none of them
// needs leniency, so anything ambiguous (bare LF, obs-fold, duplicate
// framing headers, a body) is refused instead of guessed at.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace entra_pta {

// The largest request head accepted (431 beyond) and the most header fields.
inline constexpr std::size_t kMaxRequestHeadBytes = 8192;
inline constexpr std::size_t kMaxRequestHeaderFields = 64;

struct HttpRequestHead {
  std::string method;     // a token, e.g. "GET"; not checked against a list
  std::string path;       // origin-form path, starts with '/', no query
  int minor_version = 1;  // HTTP/1.<minor_version>; 0 or 1
  // Field names lower-cased, values with surrounding whitespace removed.
  std::vector<std::pair<std::string, std::string>> headers;
  // Content-Length when present (0 for none).
  unsigned long long content_length = 0;
  bool keep_alive = true;  // from the version and the Connection header

  // The value of the field `lower_name`, or nullopt when absent.
  std::optional<std::string_view> Header(std::string_view lower_name) const;
};

struct HttpRequestError {
  int status;          // 400, 431, 501 or 505
  std::string reason;  // for the response body; never echoes the input
};

// Not a StatusOr: the error carries the response status the server must
// answer with (400, 431, 501, 505), which a Status has no room for.
using HttpRequestParse = std::variant<HttpRequestHead, HttpRequestError>;

// Where the head ends in `buffer`: the offset just past the first empty line
// (CRLF CRLF, or LF LF so that a bare-LF request ends and is refused rather
// than waited for), or npos when the head is not complete yet.
std::size_t FindRequestHeadEnd(std::string_view buffer);

// Parses one complete head as delimited by FindRequestHeadEnd.
HttpRequestParse ParseRequestHead(std::string_view head);

}  // namespace entra_pta
