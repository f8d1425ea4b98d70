#include "exporter/http_server.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

#include "exporter/http_request.h"

namespace entra_pta {
namespace {

constexpr char kTextPlain[] = "text/plain; charset=utf-8";
constexpr char kExposition[] = "text/plain; version=0.0.4; charset=utf-8";

SteadyTime After(std::chrono::milliseconds span) {
  return std::chrono::steady_clock::now() + span;
}

// The plain-HTTP stream: the socket itself.
class PlainStream final : public ByteStream {
 public:
  explicit PlainStream(StreamSocket& socket) : socket_(socket) {}

  long Read(char* data, std::size_t size, SteadyTime deadline) override {
    for (;;) {
      long n = socket_.ReceiveSome(data, size);
      if (n >= 0) return n;
      if (n != StreamSocket::kWouldBlock) return kError;
      if (!socket_.Wait(false, deadline)) return kTimedOut;
    }
  }

  bool WriteAll(std::string_view data, SteadyTime deadline) override {
    while (!data.empty()) {
      long n = socket_.SendSome(data.data(), data.size());
      if (n > 0) {
        data.remove_prefix(static_cast<std::size_t>(n));
      } else if (n != StreamSocket::kWouldBlock ||
                 !socket_.Wait(true, deadline)) {
        return false;
      }
    }
    return true;
  }

  void Finish(SteadyTime) override {}

 private:
  StreamSocket& socket_;
};

bool SameHeaderName(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

struct HttpServer::Response {
  int status = 200;
  std::string reason = "OK";
  std::string content_type = kTextPlain;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool close = false;

  static Response Error(int status, std::string reason, std::string body) {
    Response r;
    r.status = status;
    r.reason = std::move(reason);
    r.body = std::move(body);
    return r;
  }
};

namespace {

std::string ReasonOf(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 431:
      return "Request Header Fields Too Large";
    case 501:
      return "Not Implemented";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Error";
  }
}

// The response head and body as sent. `extra` (from the web configuration)
// replaces the server's header of the same name.
std::string Serialize(
    int status, const std::string& reason, const std::string& content_type,
    const std::string& body,
    std::vector<std::pair<std::string, std::string>> headers,
    const std::vector<std::pair<std::string, std::string>>& extra,
    bool head_only, bool close) {
  for (const auto& [name, value] : extra) {
    bool replaced = false;
    for (auto& header : headers) {
      if (SameHeaderName(header.first, name)) {
        header.second = value;
        replaced = true;
      }
    }
    if (!replaced) headers.emplace_back(name, value);
  }
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason +
                    "\r\nContent-Type: " + content_type +
                    "\r\nContent-Length: " + std::to_string(body.size()) +
                    "\r\n";
  for (const auto& [name, value] : headers) {
    out += name + ": " + value + "\r\n";
  }
  if (close) out += "Connection: close\r\n";
  out += "\r\n";
  if (!head_only) out += body;
  return out;
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

HttpServer::HttpServer(Handlers handlers, Logger& logger, Limits limits,
                       SecuritySource security)
    : handlers_(std::move(handlers)),
      logger_(logger),
      limits_(limits),
      security_(std::move(security)) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Start(const ListenAddress& address) {
  listener_ = OpenListenSocket(address.host, address.port, address.ipv6);
  port_ = listener_->port();
  stopping_ = false;
  for (int i = 0; i < limits_.workers; ++i) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

void HttpServer::Stop() {
  if (!acceptor_.joinable()) return;
  stopping_ = true;
  acceptor_.join();
  {
    std::lock_guard lock(mutex_);
    queue_.clear();
    // Connections waiting for a request end now; those handling one finish
    // it and then close.
    for (StreamSocket* socket : active_) socket->Interrupt();
  }
  queue_ready_.notify_all();
  for (auto& worker : workers_) worker.join();
  workers_.clear();
  listener_.reset();
}

void HttpServer::AcceptLoop() {
  while (!stopping_) {
    std::unique_ptr<StreamSocket> socket =
        listener_->Accept(std::chrono::milliseconds(200));
    if (!socket) continue;
    std::lock_guard lock(mutex_);
    if (queue_.size() >= limits_.queued_connections) {
      // Every worker is busy and the queue is full: closing now is the
      // bounded answer (the client retries); queueing more would only grow
      // memory and latency.
      continue;
    }
    queue_.push_back(std::move(socket));
    queue_ready_.notify_one();
  }
}

void HttpServer::WorkerLoop() {
  for (;;) {
    std::unique_ptr<StreamSocket> socket;
    {
      std::unique_lock lock(mutex_);
      queue_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      socket = std::move(queue_.front());
      queue_.pop_front();
      active_.insert(socket.get());
    }
    Serve(*socket);
    std::lock_guard lock(mutex_);
    active_.erase(socket.get());
  }
}

std::shared_ptr<const WebSecurity> HttpServer::CurrentSecurity() {
  static const auto kOpen = std::make_shared<const WebSecurity>();
  std::shared_ptr<const WebSecurity> current =
      security_ ? security_() : nullptr;
  return current ? current : kOpen;
}

void HttpServer::Serve(StreamSocket& socket) {
  std::shared_ptr<const WebSecurity> security = CurrentSecurity();
  SteadyTime head_deadline = After(limits_.request_head_timeout);
  const bool tls = security->tls != nullptr;
  std::unique_ptr<ByteStream> stream;
  if (tls) {
    std::string error;
    stream = security->tls->Accept(socket, head_deadline, error);
    if (!stream) {
      logger_.Debug("TLS handshake failed", {{"err", error}});
      return;
    }
  } else {
    stream = std::make_unique<PlainStream>(socket);
  }
  auto send = [&](const std::string& bytes) {
    return stream->WriteAll(bytes, After(limits_.write_timeout));
  };
  std::string buffer;
  char chunk[4096];
  // Reads until `deadline`, but gives up early when other connections are
  // waiting for a worker and this one has sent nothing for a while: a real
  // client sends its request head at once, so a worker is never kept for a
  // slow or idle connection while others queue.
  auto read = [&](SteadyTime deadline) -> long {
    for (;;) {
      const SteadyTime slice =
          std::min(deadline, After(std::chrono::milliseconds(500)));
      long n = stream->Read(chunk, sizeof chunk, slice);
      if (n != ByteStream::kTimedOut) return n;
      if (std::chrono::steady_clock::now() >= deadline || stopping_) {
        return ByteStream::kError;
      }
      std::lock_guard lock(mutex_);
      if (!queue_.empty()) return ByteStream::kError;
    }
  };
  for (bool first = true;; first = false) {
    if (!first) {
      if (buffer.empty()) {
        long n = read(After(limits_.idle_timeout));
        if (n <= 0) break;
        buffer.append(chunk, static_cast<std::size_t>(n));
      }
      head_deadline = After(limits_.request_head_timeout);
    }
    std::size_t end;
    while ((end = FindRequestHeadEnd(buffer)) == std::string::npos &&
           buffer.size() <= kMaxRequestHeadBytes) {
      long n = read(head_deadline);
      if (n <= 0) return;  // Closed, or too slow: no answer is owed.
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
    HttpRequestParse parsed =
        end == std::string::npos
            ? HttpRequestParse(
                  HttpRequestError{431, "The request head is too large."})
            : ParseRequestHead(std::string_view(buffer).substr(0, end));
    if (auto* error = std::get_if<HttpRequestError>(&parsed)) {
      // The stream's framing is lost: answer and close.
      send(Serialize(error->status, ReasonOf(error->status), kTextPlain,
                     error->reason + "\n",
                     {{"Cache-Control", "no-store"},
                      {"X-Content-Type-Options", "nosniff"}},
                     security->headers, false, true));
      break;
    }
    const HttpRequestHead& request = std::get<HttpRequestHead>(parsed);
    buffer.erase(0, end);
    // The web configuration may have changed since the connection began:
    // a connection never keeps less protection than the file now asks for.
    security = CurrentSecurity();
    if ((security->tls != nullptr) != tls) break;
    const bool head_only = request.method == "HEAD";
    Response response;
    if (request.content_length > 0) {
      // No endpoint takes a body; rather than read and discard one, close.
      const bool allowed = request.method == "GET" || head_only;
      response = Response::Error(allowed ? 400 : 405,
                                 allowed ? "Bad Request" : "Method Not Allowed",
                                 allowed ? "A request body is not accepted.\n"
                                         : "Only GET and HEAD are allowed.\n");
      if (!allowed) response.headers.emplace_back("Allow", "GET, HEAD");
      response.close = true;
    } else {
      response = Route(request, *security);
    }
    bool keep_alive = request.keep_alive && !response.close && !stopping_;
    if (keep_alive) {
      // A waiting connection matters more than this one's next request.
      std::lock_guard lock(mutex_);
      keep_alive = queue_.empty();
    }
    response.headers.emplace_back("Cache-Control", "no-store");
    response.headers.emplace_back("X-Content-Type-Options", "nosniff");
    if (keep_alive && request.minor_version == 0) {
      // HTTP/1.0 closes unless told otherwise.
      response.headers.emplace_back("Connection", "keep-alive");
    }
    if (!send(Serialize(response.status, response.reason, response.content_type,
                        response.body, response.headers, security->headers,
                        head_only, !keep_alive))) {
      return;
    }
    if (!keep_alive) break;
  }
  stream->Finish(After(std::chrono::milliseconds(500)));
}

HttpServer::Response HttpServer::Route(const HttpRequestHead& request,
                                       const WebSecurity& security) {
  if (security.auth &&
      !security.auth->Allows(request.Header("authorization"))) {
    Response r =
        Response::Error(401, "Unauthorized", "Authentication is required.\n");
    r.headers.emplace_back("WWW-Authenticate",
                           "Basic realm=\"entra_pta_exporter\", "
                           "charset=\"UTF-8\"");
    return r;
  }
  if (request.method != "GET" && request.method != "HEAD") {
    Response r = Response::Error(405, "Method Not Allowed",
                                 "Only GET and HEAD are allowed.\n");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  Response r;
  try {
    if (request.path == "/metrics") {
      std::optional<std::string> timeout;
      if (auto value = request.Header("x-prometheus-scrape-timeout-seconds")) {
        timeout = std::string(*value);
      }
      r.content_type = kExposition;
      r.body = handlers_.metrics(
          ParseScrapeTimeoutHeader(timeout ? timeout->c_str() : nullptr));
    } else if (request.path == "/health") {
      r.body = "OK\n";
    } else if (request.path == "/version") {
      r.content_type = "application/json";
      r.body = handlers_.version_json();
    } else if (request.path == "/") {
      r.content_type = "text/html; charset=utf-8";
      r.body = handlers_.landing_page_html();
      r.headers = {{"Content-Security-Policy",
                    "default-src 'none'; style-src 'unsafe-inline'"},
                   {"X-Frame-Options", "DENY"},
                   {"Referrer-Policy", "no-referrer"}};
    } else {
      r = Response::Error(404, "Not Found",
                          "Not found. See / for the endpoints.\n");
    }
  } catch (const std::exception& e) {
    logger_.Error("request failed",
                  {{"path", request.path}, {"err", e.what()}});
    r = Response::Error(500, "Internal Server Error", "Internal error.\n");
  }
  return r;
}

}  // namespace entra_pta
