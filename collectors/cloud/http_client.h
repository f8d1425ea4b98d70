// HttpClient: the one HTTPS call shape the cloud collector needs (GET with
// a bearer token, POST of a form), behind an interface so the refresh logic
// is tested with testing/fake_http_client.h, and CurlHttpClient (libcurl,
// portable) talks to the real token endpoint and Graph. Requests carry
// secrets (tokens, client secrets, refresh tokens): no implementation may
// put a request's headers or body into an error message.
// Thread-safety: CurlHttpClient::Send may be called concurrently.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace entra_pta::cloud {

struct HttpRequest {
  std::string method = "GET";  // GET or POST
  std::string url;
  std::map<std::string, std::string> headers;
  std::string body;  // for POST: application/x-www-form-urlencoded
  std::chrono::milliseconds timeout{30000};
};

struct HttpResponse {
  // 0 when no HTTP answer came (`error` says why: timeout, TLS, refused...).
  long status = 0;
  std::string error;
  // Lower-cased header names; the last value wins.
  std::map<std::string, std::string> headers;
  std::string body;
  bool body_too_large = false;  // the body exceeded the client's limit
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual HttpResponse Send(const HttpRequest& request) = 0;
};

struct CurlSettings {
  std::string ca_file;  // empty: the system's trust store
  std::size_t max_body_bytes = 4 * 1024 * 1024;
  // When set and true, transfers in flight are aborted (shutdown).
  const std::atomic<bool>* cancel = nullptr;
};

std::unique_ptr<HttpClient> MakeCurlHttpClient(CurlSettings settings);

// application/x-www-form-urlencoded encoding of one value.
std::string FormEncode(const std::string& value);

}  // namespace entra_pta::cloud
