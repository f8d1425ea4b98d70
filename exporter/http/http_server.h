// HttpServer: the exporter's own small HTTP/1.1 server. Routes: /metrics,
// /health, /version and / (landing page), exactly; GET and HEAD only; no
// files. /metrics needs the request's X-Prometheus-Scrape-Timeout-Seconds
// header to set the scrape deadline. TLS, basic authentication and extra
// headers come from a WebSecurity snapshot (exporter/http/web_security.h) that
// the server asks for on every connection and request, so a reloaded web
// configuration applies without a restart.
// Built for a handful of clients, and to stay up under hostile ones: one
// event-loop thread moves the bytes of every connection (poll(2) / WSAPoll
// through exporter/platform/socket.h), so an idle or slow connection costs a
// socket and a deadline, never a thread; complete requests are handed to a
// small pool of handler threads (a scrape takes seconds, the loop must not wait
// for it). Every connection has a deadline: 10 s for a request head (TLS
// handshake included), an idle timeout between kept-alive requests, a
// write timeout; heads are bounded in size and no request body is read.
// Beyond the connection cap the connection that has waited longest without
// a request in progress is closed to make room.
// Thread-safety: the handlers and the security source run on handler (and
// loop) threads concurrently and must be thread-safe. Start/Stop from one
// thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "exporter/http/listen_address.h"
#include "exporter/http/web_security.h"
#include "exporter/platform/socket.h"
#include "exporter/sdk/logger.h"

namespace entra_pta {

struct HttpServerLimits {
  // Threads that run the handlers; the event loop only moves bytes.
  int handler_threads = 4;
  // Open connections at most (lowered to fit the process's socket limit).
  std::size_t max_connections = 2048;
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
  struct Connection;
  struct Job;
  struct Finished;
  void Loop();
  void HandlerLoop();
  void AcceptAll(SteadyTime now);
  bool EvictLongestWaiting();
  void Drive(Connection& c);
  void ReadAvailable(Connection& c);
  void TryRequest(Connection& c);
  void Respond(Connection& c, std::string bytes, bool close);
  void WriteAvailable(Connection& c);
  // A read or write that moved nothing: closes on an error, otherwise
  // waits for the readiness the stream asked for (TLS may want either).
  void AwaitStream(Connection& c, long result);
  void Close(Connection& c);
  void TakeFinished();
  std::string Answer(const Job& job, bool& close);
  Response Route(const struct HttpRequestHead& request,
                 const WebSecurity& security);
  std::shared_ptr<const WebSecurity> CurrentSecurity();

  Handlers handlers_;
  Logger& logger_;
  Limits limits_;
  SecuritySource security_;
  std::unique_ptr<ListenSocket> listener_;
  std::unique_ptr<Waker> waker_;
  int port_ = 0;
  std::size_t max_connections_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread loop_;
  std::vector<std::thread> handler_threads_;
  // Owned and touched by the loop thread only.
  std::vector<std::unique_ptr<Connection>> connections_;
  std::size_t open_connections_ = 0;
  SteadyTime accept_paused_until_{};
  SteadyTime last_cap_warning_{};
  std::uint64_t evicted_since_warning_ = 0;
  // Between the loop and the handler threads.
  std::mutex mutex_;
  std::condition_variable jobs_ready_;
  std::deque<std::unique_ptr<Job>> jobs_;            // guarded by mutex_
  std::vector<std::unique_ptr<Finished>> finished_;  // guarded by mutex_
};

// Parses the header's value: a positive finite number of seconds, or nullopt.
std::optional<double> ParseScrapeTimeoutHeader(const char* value);

// Escapes text for HTML element content and attribute values.
std::string HtmlEscape(const std::string& text);

}  // namespace entra_pta
