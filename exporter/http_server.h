// HttpServer: the exporter's own small HTTP/1.1 server. Routes: /metrics,
// /health, /version and / (landing page), exactly; GET and HEAD only; no
// files. /metrics needs the request's X-Prometheus-Scrape-Timeout-Seconds
// header to set the scrape deadline. TLS, basic authentication and extra
// headers come from a WebSecurity snapshot (exporter/web_security.h) that
// the server asks for on every connection and request, so a reloaded web
// configuration applies without a restart.
// Built for a handful of clients, and to stay up under hostile ones: a fixed
// pool of worker threads fed by a bounded queue (a connection beyond it is
// closed at once), a total time bound on reading a request head (slowloris),
// bounded head size, keep-alive with an idle timeout, and no request body.
// While connections queue, a worker drops a connection that has sent
// nothing for half a second instead of waiting for its timeouts.
// Thread-safety: the handlers and the security source run on worker threads
// concurrently and must be thread-safe. Start/Stop from one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "exporter/listen_address.h"
#include "exporter/logger.h"
#include "exporter/socket.h"
#include "exporter/web_security.h"

namespace entra_pta {

struct HttpServerLimits {
  int workers = 8;
  std::size_t queued_connections = 32;
  // From the connection's start (TLS handshake included) or from the
  // first byte of a later request, to the end of the request head.
  std::chrono::milliseconds request_head_timeout{10000};
  // How long a kept-alive connection may wait for its next request.
  std::chrono::milliseconds idle_timeout{5000};
  // For sending one response.
  std::chrono::milliseconds write_timeout{30000};
};

class HttpServer {
 public:
  struct Handlers {
    // The exposition body; the argument is the scrape-timeout header's value
    // when present and numeric.
    std::function<std::string(std::optional<double>)> metrics;
    std::function<std::string()> landing_page_html;
    std::function<std::string()> version_json;
  };

  using Limits = HttpServerLimits;

  // Returns the security to apply now; null means plain and open.
  using SecuritySource = std::function<std::shared_ptr<const WebSecurity>()>;

  HttpServer(Handlers handlers, Logger& logger, Limits limits = {},
             SecuritySource security = nullptr);
  ~HttpServer();  // Stops the server.
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Starts listening. Throws std::runtime_error when the address cannot be
  // bound. Port 0 picks a free port; port() then tells which.
  void Start(const ListenAddress& address);
  int port() const { return port_; }
  // Stops accepting, ends every connection (a response still being
  // computed is not sent) and joins the threads.
  void Stop();

 private:
  struct Response;
  void AcceptLoop();
  void WorkerLoop();
  void Serve(StreamSocket& socket);
  Response Route(const struct HttpRequestHead& request,
                 const WebSecurity& security);
  std::shared_ptr<const WebSecurity> CurrentSecurity();

  Handlers handlers_;
  Logger& logger_;
  Limits limits_;
  SecuritySource security_;
  std::unique_ptr<ListenSocket> listener_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable queue_ready_;
  std::deque<std::unique_ptr<StreamSocket>> queue_;  // guarded by mutex_
  std::set<StreamSocket*> active_;                   // guarded by mutex_
};

// Parses the header's value: a positive finite number of seconds, or nullopt.
std::optional<double> ParseScrapeTimeoutHeader(const char* value);

// Escapes text for HTML element content and attribute values.
std::string HtmlEscape(const std::string& text);

}  // namespace entra_pta
