// HttpServer: the exporter's HTTP endpoints on CivetWeb. /metrics is our own
// handler (not prometheus-cpp's Exposer) because it needs the request's
// X-Prometheus-Scrape-Timeout-Seconds header to set the scrape deadline.
// Routes: /metrics, /health, /version, / (landing page); GET and HEAD only.
// Thread-safety: handlers run on CivetWeb's worker threads concurrently, so
// every Handlers function must be thread-safe. Start/Stop from one thread.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "exporter/config.h"
#include "exporter/logger.h"

struct mg_context;
struct mg_connection;

namespace entra_pta {

class HttpServer {
 public:
  struct Handlers {
    // The exposition body; the argument is the scrape-timeout header's value
    // when present and numeric.
    std::function<std::string(std::optional<double>)> metrics;
    std::function<std::string()> landing_page_html;
    std::function<std::string()> version_json;
  };

  HttpServer(Handlers handlers, Logger& logger);
  ~HttpServer();  // Stops the server.
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Starts listening. Throws std::runtime_error when the address cannot be
  // bound. Port 0 picks a free port; port() then tells which.
  void Start(const ListenAddress& address);
  int port() const { return port_; }
  // Stops accepting and waits for requests in progress to finish.
  void Stop();

 private:
  static int HandleRequest(mg_connection* conn, void* self);
  static int LogMessage(const mg_connection* conn, const char* message);
  void Handle(mg_connection* conn);

  Handlers handlers_;
  Logger& logger_;
  mg_context* context_ = nullptr;
  int port_ = 0;
};

// Parses the header's value: a positive finite number of seconds, or nullopt.
std::optional<double> ParseScrapeTimeoutHeader(const char* value);

// Escapes text for HTML element content and attribute values.
std::string HtmlEscape(const std::string& text);

}  // namespace entra_pta
