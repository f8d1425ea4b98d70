#include <curl/curl.h>

#include <cctype>
#include <mutex>

#include "collectors/cloud/http_client.h"

namespace entra_pta::cloud {
namespace {

struct Transfer {
  HttpResponse* response;
  std::size_t max_body_bytes;
  const std::atomic<bool>* cancel;
};

std::size_t OnBody(char* data, std::size_t size, std::size_t count,
                   void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  if (transfer->response->body.size() + bytes > transfer->max_body_bytes) {
    transfer->response->body_too_large = true;
    return 0;  // aborts the transfer
  }
  transfer->response->body.append(data, bytes);
  return bytes;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t count,
                     void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  std::string line(data, bytes);
  if (line.rfind("HTTP/", 0) == 0) {
    transfer->response->headers.clear();  // a new response (redirect, 100)
    return bytes;
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string::npos) return bytes;
  std::string name = line.substr(0, colon);
  for (char& c : name) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  std::string value = line.substr(colon + 1);
  value.erase(0, value.find_first_not_of(" \t"));
  value.erase(value.find_last_not_of(" \t\r\n") + 1);
  transfer->response->headers[name] = value;
  return bytes;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* transfer = static_cast<Transfer*>(user);
  return transfer->cancel != nullptr && transfer->cancel->load() ? 1 : 0;
}

class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(CurlSettings settings)
      : settings_(std::move(settings)) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  HttpResponse Send(const HttpRequest& request) override {
    HttpResponse response;
    CURL* curl = curl_easy_init();
    if (curl == nullptr) {
      response.error = "cannot initialise libcurl";
      return response;
    }
    Transfer transfer{&response, settings_.max_body_bytes, settings_.cancel};
    curl_slist* headers = nullptr;
    for (const auto& [name, value] : request.headers) {
      headers = curl_slist_append(headers, (name + ": " + value).c_str());
    }
    char error_buffer[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(request.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(request.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnProgress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "entra_pta_exporter");
    if (!settings_.ca_file.empty()) {
      curl_easy_setopt(curl, CURLOPT_CAINFO, settings_.ca_file.c_str());
    }
    if (request.method == "POST") {
      curl_easy_setopt(curl, CURLOPT_POST, 1L);
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.c_str());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE,
                       static_cast<long>(request.body.size()));
    }
    const CURLcode code = curl_easy_perform(curl);
    if (code == CURLE_OK) {
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    } else if (response.body_too_large) {
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
      response.error = "the response is larger than " +
                       std::to_string(settings_.max_body_bytes) + " bytes";
    } else {
      // libcurl's messages name the host and the failure, never the
      // request's headers or body.
      response.status = 0;
      response.error =
          error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
      while (!response.error.empty() && response.error.back() == '\n') {
        response.error.pop_back();
      }
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return response;
  }

 private:
  CurlSettings settings_;
};

}  // namespace

std::unique_ptr<HttpClient> MakeCurlHttpClient(CurlSettings settings) {
  return std::make_unique<CurlHttpClient>(std::move(settings));
}

std::string FormEncode(const std::string& value) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

}  // namespace entra_pta::cloud
