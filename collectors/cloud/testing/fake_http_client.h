// FakeHttpClient: answers requests from a test-supplied handler and keeps
// every request, so tests can check what was sent (and that secrets went
// only where they belong).
// Thread-safety: guarded by a mutex.
#pragma once

#include <functional>
#include <mutex>
#include <vector>

#include "collectors/cloud/http_client.h"

namespace entra_pta::cloud::testing {

class FakeHttpClient final : public HttpClient {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  explicit FakeHttpClient(Handler handler) : handler_(std::move(handler)) {}

  HttpResponse Send(const HttpRequest& request) override {
    Handler handler;
    {
      std::lock_guard lock(mu_);
      requests_.push_back(request);
      handler = handler_;
    }
    return handler(request);
  }

  void SetHandler(Handler handler) {
    std::lock_guard lock(mu_);
    handler_ = std::move(handler);
  }
  std::vector<HttpRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  mutable std::mutex mu_;
  Handler handler_;
  std::vector<HttpRequest> requests_;
};

inline HttpResponse Answer(long status, std::string body,
                           std::map<std::string, std::string> headers = {}) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  return response;
}

}  // namespace entra_pta::cloud::testing
