#include "exporter/http_server.h"

#include <civetweb.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace entra_pta {
namespace {

constexpr char kTextPlain[] = "text/plain; charset=utf-8";
constexpr char kExposition[] = "text/plain; version=0.0.4; charset=utf-8";

void InitCivetwebOnce() {
  static std::once_flag once;
  std::call_once(once, [] { mg_init_library(MG_FEATURES_DEFAULT); });
}

void WriteResponse(mg_connection* conn, int status, const char* reason,
                   const char* content_type, const std::string& body,
                   bool head_only, const char* extra_headers = "") {
  std::string head = "HTTP/1.1 " + std::to_string(status) + " " + reason +
                     "\r\nContent-Type: " + content_type +
                     "\r\nContent-Length: " + std::to_string(body.size()) +
                     "\r\nCache-Control: no-store"
                     "\r\nX-Content-Type-Options: nosniff\r\n" +
                     extra_headers + "\r\n";
  mg_write(conn, head.data(), head.size());
  if (!head_only && !body.empty()) mg_write(conn, body.data(), body.size());
}

}  // namespace

std::optional<double> ParseScrapeTimeoutHeader(const char* value) {
  if (value == nullptr || *value == '\0') return std::nullopt;
  char* end = nullptr;
  double seconds = std::strtod(value, &end);
  while (end != nullptr && (*end == ' ' || *end == '\t')) ++end;
  if (end == value || end == nullptr || *end != '\0' ||
      !std::isfinite(seconds) || seconds <= 0) {
    return std::nullopt;
  }
  return seconds;
}

std::string HtmlEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

HttpServer::HttpServer(Handlers handlers, Logger& logger)
    : handlers_(std::move(handlers)), logger_(logger) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Start(const ListenAddress& address) {
  InitCivetwebOnce();
  std::string ports;
  if (address.ipv6) {
    ports = "[" + address.host + "]:" + std::to_string(address.port);
  } else if (address.host.empty()) {
    ports = std::to_string(address.port);
  } else {
    ports = address.host + ":" + std::to_string(address.port);
  }
  const char* options[] = {"listening_ports",
                           ports.c_str(),
                           "num_threads",
                           "8",
                           "request_timeout_ms",
                           "30000",
                           "enable_keep_alive",
                           "yes",
                           "keep_alive_timeout_ms",
                           "5000",
                           nullptr};
  mg_callbacks callbacks{};
  callbacks.log_message = &HttpServer::LogMessage;
  context_ = mg_start(&callbacks, this, options);
  if (context_ == nullptr) {
    throw std::runtime_error(
        "cannot listen on " + ports +
        " (address in use, or not an address of this host)");
  }
  mg_set_request_handler(context_, "/", &HttpServer::HandleRequest, this);
  mg_server_port bound[4];
  int n = mg_get_server_ports(context_, 4, bound);
  port_ = n > 0 ? bound[0].port : address.port;
}

void HttpServer::Stop() {
  if (context_ != nullptr) {
    mg_stop(context_);
    context_ = nullptr;
  }
}

int HttpServer::LogMessage(const mg_connection* conn, const char* message) {
  auto* self = static_cast<HttpServer*>(
      mg_get_user_data(mg_get_context(const_cast<mg_connection*>(conn))));
  if (self != nullptr) self->logger_.Warn("http server", {{"err", message}});
  return 1;  // Handled: CivetWeb prints nothing itself.
}

int HttpServer::HandleRequest(mg_connection* conn, void* self) {
  static_cast<HttpServer*>(self)->Handle(conn);
  return 1;
}

void HttpServer::Handle(mg_connection* conn) {
  const mg_request_info* request = mg_get_request_info(conn);
  const std::string method =
      request->request_method ? request->request_method : "";
  const std::string path = request->local_uri ? request->local_uri : "";
  const bool head_only = method == "HEAD";
  if (method != "GET" && !head_only) {
    WriteResponse(conn, 405, "Method Not Allowed", kTextPlain,
                  "Only GET and HEAD are allowed.\n", false,
                  "Allow: GET, HEAD\r\n");
    return;
  }
  if (path == "/metrics") {
    auto timeout = ParseScrapeTimeoutHeader(
        mg_get_header(conn, "X-Prometheus-Scrape-Timeout-Seconds"));
    WriteResponse(conn, 200, "OK", kExposition, handlers_.metrics(timeout),
                  head_only);
  } else if (path == "/health") {
    WriteResponse(conn, 200, "OK", kTextPlain, "OK\n", head_only);
  } else if (path == "/version") {
    WriteResponse(conn, 200, "OK", "application/json", handlers_.version_json(),
                  head_only);
  } else if (path == "/") {
    WriteResponse(conn, 200, "OK", "text/html; charset=utf-8",
                  handlers_.landing_page_html(), head_only,
                  "Content-Security-Policy: default-src 'none'; style-src "
                  "'unsafe-inline'\r\nX-Frame-Options: DENY\r\n");
  } else {
    WriteResponse(conn, 404, "Not Found", kTextPlain,
                  "Not found. See / for the endpoints.\n", head_only);
  }
}

}  // namespace entra_pta
