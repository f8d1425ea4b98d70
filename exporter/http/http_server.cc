#include "exporter/http/http_server.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string_view>
#include <variant>

#include "exporter/http/http_request.h"

namespace entra_pta {
namespace {

constexpr char kTextPlain[] = "text/plain; charset=utf-8";
constexpr char kExposition[] = "text/plain; version=0.0.4; charset=utf-8";

// The plain-HTTP stream: the socket itself.
class PlainStream final : public ByteStream {
 public:
  explicit PlainStream(StreamSocket& socket) : socket_(socket) {}

  long Handshake(std::string&) override { return 1; }

  long Read(char* data, std::size_t size) override {
    return Map(socket_.ReceiveSome(data, size), kWantRead);
  }

  long Write(const char* data, std::size_t size) override {
    return Map(socket_.SendSome(data, size), kWantWrite);
  }

  void Finish() override {}

 private:
  static long Map(long n, long want) {
    if (n >= 0) return n;
    return n == StreamSocket::kWouldBlock ? want : kError;
  }

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

// One client connection, owned by the loop thread. While a handler thread
// works on its request (kHandling) only the loop's bookkeeping touches it.
struct HttpServer::Connection {
  enum class State { kHandshake, kReading, kIdle, kHandling, kWriting };
  std::unique_ptr<StreamSocket> socket;
  std::unique_ptr<ByteStream> stream;
  std::shared_ptr<const WebSecurity> security;
  bool tls = false;
  State state = State::kReading;
  bool closed = false;
  bool peer_closed = false;  // the client sent its last byte
  bool want_read = true;
  bool want_write = false;
  bool close_after_write = false;
  std::string in;   // received, not yet parsed
  std::string out;  // the response being sent
  std::size_t out_sent = 0;
  SteadyTime deadline;
  // Since when it has been waiting for a request (connected, or the last
  // response sent): the order in which the connection cap drops.
  SteadyTime waiting_since;
  std::size_t poll_index = 0;
};

struct HttpServer::Job {
  Connection* connection;
  HttpRequestHead request;
  std::shared_ptr<const WebSecurity> security;
  bool may_keep_alive;
};

struct HttpServer::Finished {
  Connection* connection;
  std::string bytes;
  bool close;
};

HttpServer::HttpServer(Handlers handlers, Logger& logger, Limits limits,
                       SecuritySource security)
    : handlers_(std::move(handlers)),
      logger_(logger),
      limits_(limits),
      security_(std::move(security)) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Start(const ListenAddress& address) {
  // Sockets beyond the cap are refused, so only the cap needs to fit; the
  // rest of the limit stays for the collectors' probes and files.
  const std::size_t socket_limit = RaiseOpenSocketLimit();
  constexpr std::size_t kKeptForTheRest = 128;
  max_connections_ = std::max<std::size_t>(1, limits_.max_connections);
  if (socket_limit != 0) {
    max_connections_ = std::min(
        max_connections_, socket_limit > 2 * kKeptForTheRest
                              ? socket_limit - kKeptForTheRest
                              : std::max<std::size_t>(1, socket_limit / 2));
  }
  listener_ = OpenListenSocket(address.host, address.port, address.ipv6);
  waker_ = MakeWaker();
  port_ = listener_->port();
  stopping_ = false;
  for (int i = 0; i < std::max(1, limits_.handler_threads); ++i) {
    handler_threads_.emplace_back([this] { HandlerLoop(); });
  }
  loop_ = std::thread([this] { Loop(); });
}

void HttpServer::Stop() {
  if (!loop_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  waker_->Wake();
  loop_.join();
  jobs_ready_.notify_all();
  // A handler still computing a response finishes it; it is not sent.
  for (auto& thread : handler_threads_) thread.join();
  handler_threads_.clear();
  jobs_.clear();
  finished_.clear();
  connections_.clear();
  open_connections_ = 0;
  waker_.reset();
  listener_.reset();
}

std::shared_ptr<const WebSecurity> HttpServer::CurrentSecurity() {
  static const auto kOpen = std::make_shared<const WebSecurity>();
  std::shared_ptr<const WebSecurity> current =
      security_ ? security_() : nullptr;
  return current ? current : kOpen;
}

void HttpServer::Loop() {
  std::unique_ptr<PollSet> poll = MakePollSet();
  constexpr auto kLongest = std::chrono::hours(1);
  while (!stopping_) {
    TakeFinished();
    SteadyTime now = std::chrono::steady_clock::now();
    for (auto& c : connections_) {
      // A request being handled has the scrape's own deadline.
      if (!c->closed && c->state != Connection::State::kHandling &&
          now >= c->deadline) {
        Close(*c);  // Too slow: no answer is owed.
      }
    }
    std::erase_if(connections_, [](const auto& c) { return c->closed; });

    poll->Clear();
    const std::size_t waker_index =
        poll->Add(waker_->NativeHandle(), true, false);
    const bool accepting = now >= accept_paused_until_;
    const std::size_t listener_index =
        poll->Add(listener_->NativeHandle(), accepting, false);
    SteadyTime next = now + kLongest;
    if (!accepting) next = accept_paused_until_;
    for (auto& c : connections_) {
      if (c->state == Connection::State::kHandling) continue;
      c->poll_index =
          poll->Add(c->socket->NativeHandle(), c->want_read, c->want_write);
      next = std::min(next, c->deadline);
    }
    // Rounded up, so that the deadline has passed when the wait ends.
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(next - now);
    if (!poll->Wait(std::max(wait, std::chrono::milliseconds(0)))) {
      // Not expected; a pause keeps a persistent failure from spinning.
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    if (poll->Readable(waker_index)) waker_->Drain();
    const std::size_t polled = connections_.size();
    for (std::size_t i = 0; i < polled; ++i) {
      Connection& c = *connections_[i];
      if (c.closed || c.state == Connection::State::kHandling) continue;
      if (poll->Readable(c.poll_index) || poll->Writable(c.poll_index)) {
        Drive(c);
      }
    }
    if (poll->Readable(listener_index)) {
      AcceptAll(std::chrono::steady_clock::now());
    }
  }
  for (auto& c : connections_) {
    if (!c->closed && c->state != Connection::State::kHandling) Close(*c);
  }
}

void HttpServer::AcceptAll(SteadyTime now) {
  for (;;) {
    bool failed = false;
    std::unique_ptr<StreamSocket> socket = listener_->TryAccept(failed);
    if (!socket) {
      if (failed) {
        // Out of file descriptors: make room, and leave the rest queued in
        // the kernel for a moment instead of spinning on them.
        EvictLongestWaiting();
        accept_paused_until_ = now + std::chrono::milliseconds(100);
      }
      return;
    }
    if (open_connections_ >= max_connections_ && !EvictLongestWaiting()) {
      // Every connection has a request in progress: this one waits its
      // turn nowhere; closing it is the bounded answer.
      continue;
    }
    auto c = std::make_unique<Connection>();
    c->socket = std::move(socket);
    c->security = CurrentSecurity();
    c->tls = c->security->tls != nullptr;
    c->deadline = now + limits_.request_head_timeout;
    c->waiting_since = now;
    if (c->tls) {
      std::string error;
      c->stream = c->security->tls->NewStream(*c->socket, error);
      if (!c->stream) {
        logger_.Debug("TLS handshake failed", {{"err", error}});
        continue;
      }
      c->state = Connection::State::kHandshake;
    } else {
      c->stream = std::make_unique<PlainStream>(*c->socket);
      c->state = Connection::State::kReading;
    }
    ++open_connections_;
    connections_.push_back(std::move(c));
    // Data may be there already (a client that writes at once); the next
    // poll tells.
  }
}

bool HttpServer::EvictLongestWaiting() {
  Connection* oldest = nullptr;
  for (auto& c : connections_) {
    if (c->closed || c->state == Connection::State::kHandling ||
        c->state == Connection::State::kWriting) {
      continue;
    }
    if (oldest == nullptr || c->waiting_since < oldest->waiting_since) {
      oldest = c.get();
    }
  }
  if (oldest == nullptr) return false;
  Close(*oldest);
  ++evicted_since_warning_;
  const SteadyTime now = std::chrono::steady_clock::now();
  if (now - last_cap_warning_ >= std::chrono::minutes(1)) {
    logger_.Warn("too many open connections; closed the ones waiting longest",
                 {{"limit", std::to_string(max_connections_)},
                  {"closed", std::to_string(evicted_since_warning_)}});
    last_cap_warning_ = now;
    evicted_since_warning_ = 0;
  }
  return true;
}

void HttpServer::Close(Connection& c) {
  if (c.closed) return;
  c.closed = true;
  c.stream.reset();
  c.socket.reset();  // closes it now, so that its descriptor is free
  c.in = std::string();
  c.out = std::string();
  --open_connections_;
}

void HttpServer::Drive(Connection& c) {
  if (c.state == Connection::State::kHandshake) {
    std::string error;
    const long rc = c.stream->Handshake(error);
    if (rc == ByteStream::kError) {
      logger_.Debug("TLS handshake failed", {{"err", error}});
      Close(c);
      return;
    }
    if (rc != 1) {
      c.want_read = rc == ByteStream::kWantRead;
      c.want_write = rc == ByteStream::kWantWrite;
      return;
    }
    c.state = Connection::State::kReading;  // the head's deadline runs on
  }
  if (c.state == Connection::State::kWriting) {
    WriteAvailable(c);
    return;
  }
  ReadAvailable(c);
  if (!c.closed) TryRequest(c);
}

void HttpServer::ReadAvailable(Connection& c) {
  char chunk[4096];
  // Beyond a full head's size there is no need to read: it is answered
  // (431) or processed first.
  while (!c.peer_closed && c.in.size() <= kMaxRequestHeadBytes) {
    const long n = c.stream->Read(chunk, sizeof chunk);
    if (n > 0) {
      if (c.state == Connection::State::kIdle) {
        c.state = Connection::State::kReading;
        c.deadline =
            std::chrono::steady_clock::now() + limits_.request_head_timeout;
      }
      c.in.append(chunk, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) {
      c.peer_closed = true;  // what it sent before is still answered
      break;
    }
    AwaitStream(c, n);
    return;
  }
}

void HttpServer::AwaitStream(Connection& c, long result) {
  if (result == ByteStream::kError) {
    Close(c);
    return;
  }
  c.want_read = result == ByteStream::kWantRead;
  c.want_write = result == ByteStream::kWantWrite;
}

void HttpServer::TryRequest(Connection& c) {
  const std::size_t end = FindRequestHeadEnd(c.in);
  if (end == std::string::npos && c.in.size() <= kMaxRequestHeadBytes) {
    if (c.peer_closed) Close(c);
    return;  // more to come
  }
  HttpRequestParse parsed =
      end == std::string::npos
          ? HttpRequestParse(
                HttpRequestError{431, "The request head is too large."})
          : ParseRequestHead(std::string_view(c.in).substr(0, end));
  if (auto* error = std::get_if<HttpRequestError>(&parsed)) {
    // The stream's framing is lost: answer and close.
    Respond(c,
            Serialize(error->status, ReasonOf(error->status), kTextPlain,
                      error->reason + "\n",
                      {{"Cache-Control", "no-store"},
                       {"X-Content-Type-Options", "nosniff"}},
                      c.security->headers, false, true),
            true);
    return;
  }
  c.in.erase(0, end);
  // The web configuration may have changed since the connection began:
  // a connection never keeps less protection than the file now asks for.
  c.security = CurrentSecurity();
  if ((c.security->tls != nullptr) != c.tls) {
    Close(c);
    return;
  }
  auto job = std::make_unique<Job>();
  job->connection = &c;
  job->request = std::move(std::get<HttpRequestHead>(parsed));
  job->security = c.security;
  job->may_keep_alive = !c.peer_closed;
  c.state = Connection::State::kHandling;
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  jobs_ready_.notify_one();
}

void HttpServer::Respond(Connection& c, std::string bytes, bool close) {
  c.out = std::move(bytes);
  c.out_sent = 0;
  c.close_after_write = close;
  c.state = Connection::State::kWriting;
  c.deadline = std::chrono::steady_clock::now() + limits_.write_timeout;
  WriteAvailable(c);
}

void HttpServer::WriteAvailable(Connection& c) {
  while (c.out_sent < c.out.size()) {
    const long n =
        c.stream->Write(c.out.data() + c.out_sent, c.out.size() - c.out_sent);
    if (n > 0) {
      c.out_sent += static_cast<std::size_t>(n);
      continue;
    }
    AwaitStream(c, n);
    return;
  }
  if (c.close_after_write || stopping_) {
    c.stream->Finish();
    Close(c);
    return;
  }
  const SteadyTime now = std::chrono::steady_clock::now();
  c.out = std::string();
  c.out_sent = 0;
  c.state = Connection::State::kIdle;
  c.deadline = now + limits_.idle_timeout;
  c.waiting_since = now;
  c.want_read = true;
  c.want_write = false;
  if (!c.in.empty()) {
    // A pipelined request: its head's time starts now.
    c.state = Connection::State::kReading;
    c.deadline = now + limits_.request_head_timeout;
  }
  // TLS may hold decrypted bytes that poll cannot see: read now.
  ReadAvailable(c);
  if (!c.closed) TryRequest(c);
}

void HttpServer::TakeFinished() {
  std::vector<std::unique_ptr<Finished>> finished;
  {
    std::lock_guard lock(mutex_);
    finished.swap(finished_);
  }
  for (auto& f : finished) {
    Respond(*f->connection, std::move(f->bytes), f->close);
  }
}

void HttpServer::HandlerLoop() {
  for (;;) {
    std::unique_ptr<Job> job;
    {
      std::unique_lock lock(mutex_);
      jobs_ready_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    auto done = std::make_unique<Finished>();
    done->connection = job->connection;
    done->bytes = Answer(*job, done->close);
    {
      std::lock_guard lock(mutex_);
      finished_.push_back(std::move(done));
    }
    waker_->Wake();
  }
}

std::string HttpServer::Answer(const Job& job, bool& close) {
  const HttpRequestHead& request = job.request;
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
    response = Route(request, *job.security);
  }
  const bool keep_alive =
      request.keep_alive && job.may_keep_alive && !response.close && !stopping_;
  response.headers.emplace_back("Cache-Control", "no-store");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (keep_alive && request.minor_version == 0) {
    // HTTP/1.0 closes unless told otherwise.
    response.headers.emplace_back("Connection", "keep-alive");
  }
  close = !keep_alive;
  return Serialize(response.status, response.reason, response.content_type,
                   response.body, response.headers, job.security->headers,
                   head_only, close);
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
