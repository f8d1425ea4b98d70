// What the web configuration file asks the HTTP server to enforce, as a
// snapshot the server takes per connection and per request: TLS (an
// acceptor that turns a socket into an encrypted stream), HTTP basic
// authentication, and extra response headers. Interfaces only, so that the
// plain-HTTP server builds without OpenSSL; the implementations are in
// exporter/tls_server.h and exporter/basic_auth.h (library
// exporter_web_security), loaded from the file by exporter/web_config.h.
// Thread-safety: implementations must be safe for concurrent calls; a
// snapshot is immutable once published.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "exporter/socket.h"

namespace entra_pta {

// A byte stream over one connection, plain or TLS. Every call is bounded by
// its deadline.
class ByteStream {
 public:
  virtual ~ByteStream() = default;
  static constexpr long kError = -1;
  static constexpr long kTimedOut = -2;  // nothing arrived; may be retried
  // Bytes read (> 0), 0 at end of stream, kError or kTimedOut.
  virtual long Read(char* data, std::size_t size, SteadyTime deadline) = 0;
  virtual bool WriteAll(std::string_view data, SteadyTime deadline) = 0;
  // Ends the stream politely (TLS close_notify); best effort, bounded.
  virtual void Finish(SteadyTime deadline) = 0;
};

class TlsAcceptor {
 public:
  virtual ~TlsAcceptor() = default;
  // Performs the server side of the handshake on `socket` (borrowed; must
  // outlive the stream). nullptr when it fails or the deadline passes;
  // `error` then says why, for a debug log line.
  virtual std::unique_ptr<ByteStream> Accept(StreamSocket& socket,
                                             SteadyTime deadline,
                                             std::string& error) const = 0;
};

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // Whether the request's Authorization header value (nullopt when absent)
  // names a configured user with the right password.
  virtual bool Allows(std::optional<std::string_view> authorization) const = 0;
};

struct WebSecurity {
  std::shared_ptr<const TlsAcceptor> tls;     // null: plain HTTP
  std::shared_ptr<const Authenticator> auth;  // null: no authentication
  // http_server_config.headers: added to every response (replacing the
  // server's own value of the same header).
  std::vector<std::pair<std::string, std::string>> headers;
};

}  // namespace entra_pta
