#include "exporter/http/http_request.h"

#include <algorithm>
#include <charconv>
#include <optional>

namespace entra_pta {
namespace {

bool IsTokenChar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) !=
         std::string_view::npos;
}

// RFC 3986 characters allowed in an origin-form target (path and query).
bool IsTargetChar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  return std::string_view("-._~!$&'()*+,;=:@/?%").find(static_cast<char>(c)) !=
         std::string_view::npos;
}

// Field values: visible ASCII, space, tab and obs-text (RFC 9110 5.5).
bool IsFieldValueChar(unsigned char c) {
  return c == '\t' || (c >= 0x20 && c != 0x7f);
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool ContainsToken(std::string_view list, std::string_view token) {
  // Comma-separated, case-insensitive (Connection: keep-alive, Upgrade).
  while (!list.empty()) {
    std::size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) {
      item.remove_prefix(1);
    }
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) {
      item.remove_suffix(1);
    }
    if (Lower(item) == token) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         Lower(text.substr(0, prefix.size())) == prefix;
}

// The path-and-query part of an absolute-form target, "/" when it has
// none; nullopt when the target is not an http(s) URI with a host.
// User information ("user@host") is refused (RFC 9110 4.2.4).
std::optional<std::string_view> AbsoluteFormPath(std::string_view target) {
  std::size_t scheme_end;
  if (StartsWithNoCase(target, "http://")) {
    scheme_end = 7;
  } else if (StartsWithNoCase(target, "https://")) {
    scheme_end = 8;
  } else {
    return std::nullopt;
  }
  std::string_view rest = target.substr(scheme_end);
  const std::size_t authority_end = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, authority_end);
  if (authority.empty() || authority.front() == ':' ||
      authority.find('@') != std::string_view::npos ||
      !std::all_of(authority.begin(), authority.end(), [](char c) {
        // IPv6 literals are bracketed: "[::1]:9847".
        return c == '[' || c == ']' ||
               IsTargetChar(static_cast<unsigned char>(c));
      })) {
    return std::nullopt;
  }
  if (authority_end == std::string_view::npos) return "/";
  std::string_view path = rest.substr(authority_end);
  // "http://host?x" has an empty path, which means "/".
  if (path.front() == '?') return "/";
  return path;
}

HttpRequestError BadRequest(std::string reason) {
  return {400, std::move(reason)};
}

}  // namespace

std::optional<std::string_view> HttpRequestHead::Header(
    std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return std::string_view(value);
  }
  return std::nullopt;
}

std::size_t FindRequestHeadEnd(std::string_view buffer) {
  for (std::size_t i = buffer.find('\n'); i != std::string_view::npos;
       i = buffer.find('\n', i + 1)) {
    if (i + 1 < buffer.size() && buffer[i + 1] == '\n') return i + 2;
    if (i + 2 < buffer.size() && buffer[i + 1] == '\r' &&
        buffer[i + 2] == '\n') {
      return i + 3;
    }
  }
  return std::string_view::npos;
}

namespace {

using MaybeError = std::optional<HttpRequestError>;

// The head as CRLF-terminated lines, the empty last one removed.
MaybeError SplitHeadLines(std::string_view head,
                          std::vector<std::string_view>& lines) {
  // Split into CRLF-terminated lines; any other CR or LF is refused (a bare
  // LF is how request smuggling through a lenient proxy starts).
  std::size_t start = 0;
  while (start < head.size()) {
    std::size_t lf = head.find('\n', start);
    if (lf == std::string_view::npos) {
      return BadRequest("The request head does not end with an empty line.");
    }
    if (lf == start || head[lf - 1] != '\r') {
      return BadRequest("Lines must end with CRLF.");
    }
    std::string_view line = head.substr(start, lf - 1 - start);
    if (line.find('\r') != std::string_view::npos) {
      return BadRequest("A line contains a bare CR.");
    }
    lines.push_back(line);
    start = lf + 1;
    if (line.empty()) break;
  }
  if (start != head.size()) return BadRequest("Data follows the request head.");
  if (lines.size() < 2 || !lines.back().empty()) {
    return BadRequest("The request head does not end with an empty line.");
  }
  lines.pop_back();
  return std::nullopt;
}

// Request line: method SP request-target SP HTTP-version.
MaybeError ParseRequestLine(std::string_view request_line,
                            HttpRequestHead& request) {
  std::size_t sp1 = request_line.find(' ');
  if (sp1 == std::string_view::npos)
    return BadRequest("Malformed request line.");
  std::size_t sp2 = request_line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) {
    // "GET /" is HTTP/0.9, which has no headers and no status line.
    return BadRequest("The request line has no HTTP version.");
  }
  std::string_view method = request_line.substr(0, sp1);
  std::string_view target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = request_line.substr(sp2 + 1);
  if (method.empty() || !std::all_of(method.begin(), method.end(), [](char c) {
        return IsTokenChar(static_cast<unsigned char>(c));
      })) {
    return BadRequest("Malformed method.");
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" ||
      version[5] < '0' || version[5] > '9' || version[6] != '.' ||
      version[7] < '0' || version[7] > '9') {
    return BadRequest("Malformed HTTP version.");
  }
  if (version[5] != '1' || (version[7] != '0' && version[7] != '1')) {
    return HttpRequestError{505, "Only HTTP/1.0 and HTTP/1.1 are supported."};
  }
  request.minor_version = version[7] - '0';
  // Absolute-form ("http://host:9847/metrics", RFC 9112 3.2.2): a server
  // must accept it; only its path and query count. The Host field is still
  // required (ParseRequestHead checks it). Asterisk- and authority-form
  // (OPTIONS *, CONNECT) are for methods no endpoint has.
  if (std::optional<std::string_view> path = AbsoluteFormPath(target)) {
    target = *path;
  } else if (target.empty() || target.front() != '/') {
    return BadRequest(
        "The request target must be a path starting with '/' or an "
        "absolute http(s) URI.");
  }
  if (!std::all_of(target.begin(), target.end(), [](char c) {
        return IsTargetChar(static_cast<unsigned char>(c));
      })) {
    return BadRequest(
        "The request target contains characters not allowed in a URI.");
  }
  request.method = std::string(method);
  request.path = std::string(target.substr(0, target.find('?')));
  return std::nullopt;
}

// One header field line, appended to request.headers.
MaybeError AddHeaderField(std::string_view line, HttpRequestHead& request,
                          bool& has_host) {
  if (line.front() == ' ' || line.front() == '\t') {
    return BadRequest("Folded header lines (obs-fold) are not accepted.");
  }
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return BadRequest("Malformed header field.");
  }
  std::string_view name = line.substr(0, colon);
  if (!std::all_of(name.begin(), name.end(), [](char c) {
        return IsTokenChar(static_cast<unsigned char>(c));
      })) {
    // Includes whitespace before the colon (RFC 9112 5.1: must reject).
    return BadRequest("Malformed header field name.");
  }
  std::string_view value = line.substr(colon + 1);
  if (!std::all_of(value.begin(), value.end(), [](char c) {
        return IsFieldValueChar(static_cast<unsigned char>(c));
      })) {
    return BadRequest("A header field value contains a control character.");
  }
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
    value.remove_prefix(1);
  }
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
    value.remove_suffix(1);
  }
  if (request.headers.size() == kMaxRequestHeaderFields) {
    return HttpRequestError{431, "Too many header fields."};
  }
  std::string lower = Lower(name);
  // Fields whose duplicates are ambiguous: one of each at most.
  for (const char* single :
       {"host", "content-length", "authorization", "connection",
        "x-prometheus-scrape-timeout-seconds"}) {
    if (lower == single && request.Header(lower)) {
      return BadRequest("Duplicate header field " + lower + ".");
    }
  }
  if (lower == "host") has_host = true;
  if (lower == "transfer-encoding") {
    return HttpRequestError{501, "Transfer-Encoding is not supported."};
  }
  if (lower == "content-length") {
    unsigned long long length = 0;
    auto [end, ec] =
        std::from_chars(value.data(), value.data() + value.size(), length);
    if (value.empty() || ec != std::errc() ||
        end != value.data() + value.size()) {
      return BadRequest("Malformed Content-Length.");
    }
    request.content_length = length;
  }
  request.headers.emplace_back(std::move(lower), std::string(value));
  return std::nullopt;
}

}  // namespace

HttpRequestParse ParseRequestHead(std::string_view head) {
  if (head.size() > kMaxRequestHeadBytes) {
    return HttpRequestError{431, "The request head is too large."};
  }
  std::vector<std::string_view> lines;
  if (MaybeError error = SplitHeadLines(head, lines)) return *error;
  HttpRequestHead request;
  if (MaybeError error = ParseRequestLine(lines.front(), request)) {
    return *error;
  }
  bool has_host = false;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    if (MaybeError error = AddHeaderField(lines[i], request, has_host)) {
      return *error;
    }
  }
  if (request.minor_version == 1 && !has_host) {
    return BadRequest("HTTP/1.1 requests need a Host header.");
  }
  auto connection = request.Header("connection");
  if (request.minor_version == 0) {
    request.keep_alive = connection && ContainsToken(*connection, "keep-alive");
  } else {
    request.keep_alive = !(connection && ContainsToken(*connection, "close"));
  }
  return request;
}

}  // namespace entra_pta
