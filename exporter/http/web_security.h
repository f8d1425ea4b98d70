// What the web configuration file asks the HTTP server to enforce, as a
// snapshot the server takes per connection and per request: TLS (an
// acceptor that turns a socket into an encrypted stream), HTTP basic
// authentication, and extra response headers. Interfaces only, so that the
// server code does not depend on OpenSSL; the implementations are in
// exporter/http/tls_server.h and exporter/http/basic_auth.h, loaded from the
// file by exporter/http/web_config.h.
// Thread-safety: implementations must be safe for concurrent calls; a
// snapshot is immutable once published.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "exporter/platform/socket.h"

namespace entra_pta {

// A byte stream over one connection, plain or TLS. Non-blocking: every call
// returns at once, telling the server's event loop what to wait for.
class ByteStream {
 public:
  virtual ~ByteStream() = default;
  static constexpr long kError = -1;
  static constexpr long kWantRead = -2;   // call again once readable
  static constexpr long kWantWrite = -3;  // call again once writable
  // Completes the connection's set-up (the TLS handshake): 1 when done,
  // kWantRead / kWantWrite, or kError with `error` saying why (for a debug
  // log line; never key material).
  virtual long Handshake(std::string& error) = 0;
  // Bytes read (> 0), 0 at end of stream, kWantRead / kWantWrite or kError.
  virtual long Read(char* data, std::size_t size) = 0;
  // Bytes written (> 0), kWantRead / kWantWrite or kError.
  virtual long Write(const char* data, std::size_t size) = 0;
  // Ends the stream politely (TLS close_notify); best effort, never waits.
  virtual void Finish() = 0;
};

class TlsAcceptor {
 public:
  virtual ~TlsAcceptor() = default;
  // A server-side TLS stream over `socket` (borrowed; must outlive the
  // stream) whose Handshake() still has to be driven to completion.
  // nullptr when OpenSSL cannot set one up; `error` then says why.
  virtual std::unique_ptr<ByteStream> NewStream(StreamSocket& socket,
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
