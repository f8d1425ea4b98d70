// GraphSession: one refresh of the tenant's agent list. Gets an access
// token (cached until shortly before it expires) by the configured grant --
// the delegated refresh token kept in the state file, or client credentials
// -- then reads every page of agentGroups?$expand=agents. The refresh token
// the endpoint rotates is written back to the state file.
//
// Secrets (client secret, refresh and access tokens) never appear in a
// returned Status: messages carry only HTTP statuses, OAuth error names,
// AADSTS codes, Graph error codes and libcurl's transport errors.
// Thread-safety: not thread-safe; the cloud collector's one background
// thread (or `graph login`) owns it.
#pragma once

#include <chrono>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "collectors/cloud/graph_model.h"
#include "collectors/cloud/http_client.h"
#include "collectors/cloud/signin_model.h"
#include "exporter/sdk/clock.h"
#include "exporter/util/status.h"

namespace entra_pta::cloud {

enum class AuthMode { kDeviceCode, kClientSecret, kClientCertificate };

struct GraphSettings {
  std::string tenant_id;
  std::string client_id;
  AuthMode auth = AuthMode::kDeviceCode;
  std::string client_secret_env;   // client_secret: environment variable...
  std::string client_secret_file;  // ...or file holding the secret
  // Reads an environment variable (nullopt when unset); tests replace it.
  std::function<std::optional<std::string>(const std::string&)> environment =
      [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
  // client_certificate: PEM certificate and its RSA private key.
  std::string client_certificate_file;
  std::string client_key_file;
  std::string authority_url;
  std::string graph_url;
  std::string state_file;
  std::chrono::milliseconds request_timeout = std::chrono::seconds(30);
};

struct RefreshOutcome {
  Status status = Status::Ok();
  std::vector<Agent> agents;  // on success, one entry per agent
  // Set when Graph or the token endpoint asked us to wait (429/503).
  std::optional<std::chrono::seconds> retry_after;
  // The token endpoint or Graph gave no HTTP answer at all.
  bool unreachable = false;
};

// One GET of a Graph URL (GraphSession::Get).
struct GraphAnswer {
  // Error: no usable answer; `failure` says which kind, the message why
  // (never quoting the body beyond Graph's error code).
  Status status = Status::Ok();
  QueryFailure failure = QueryFailure::kBadResponse;
  std::string body;  // the 200 answer's body
};

class GraphSession {
 public:
  // `http` and `clock` must outlive the session.
  GraphSession(GraphSettings settings, HttpClient& http, const Clock& clock);

  RefreshOutcome Refresh();

  // GETs `url` (which must be under the configured graph_url) with the
  // session's token: renews the token once on 401, and waits out up to 3
  // answers 429/503 whose Retry-After is at most 30 s through `wait` (a
  // longer one, or a 4th, is a kThrottled failure). `what` names the query
  // in messages.
  GraphAnswer Get(const std::string& url, const std::string& what);

  // Graph's own clock: the local clock plus the offset of the last Date
  // header Graph sent (the local clock alone before any).
  UnixMillis GraphNow() const;

  // How Get waits before retrying a throttled request; returns false when
  // the collector is stopping (the default sleeps and returns true).
  void SetWait(std::function<bool(std::chrono::seconds)> wait) {
    wait_ = std::move(wait);
  }

  // True when `url` may carry the bearer token: under graph_url.
  bool IsGraphUrl(const std::string& url) const;
  // Forgets the cached access token (tests; after a 401).
  void DropAccessToken() { access_token_.reset(); }

 private:
  // An access token, or an error outcome.
  std::variant<std::string, RefreshOutcome> AccessToken();
  std::variant<TokenGrant, RefreshOutcome> RequestToken(
      const std::string& form);
  std::optional<std::string> ClientSecret(Status& error) const;

  GraphSettings settings_;
  HttpClient& http_;
  const Clock& clock_;
  struct CachedToken {
    std::string value;
    std::chrono::system_clock::time_point renew_at;
  };
  std::optional<CachedToken> access_token_;
  std::function<bool(std::chrono::seconds)> wait_;
  std::optional<std::chrono::milliseconds> graph_clock_offset_;
  // A Graph GET with the token; notes Graph's clock from the answer.
  HttpResponse SendGet(const std::string& url, const std::string& access_token);
  void NoteGraphDate(const HttpResponse& response);
};

// Reads and parses Retry-After from a response (nullopt when absent).
std::optional<std::chrono::seconds> RetryAfterOf(
    const HttpResponse& response, std::chrono::system_clock::time_point now);

}  // namespace entra_pta::cloud
