#include "collectors/cloud/graph_session.h"

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "collectors/cloud/client_assertion.h"
#include "collectors/cloud/state_store.h"

namespace entra_pta::cloud {
namespace {

// Renew the access token this long before it expires.
constexpr auto kRenewMargin = std::chrono::minutes(5);
// A tenant has at most 40 agents; far fewer pages than this.
constexpr int kMaxPages = 100;

std::optional<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string RandomGuid() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) out += '-';
    out += kHex[generator() & 15];
  }
  return out;
}

RefreshOutcome Failed(std::string message,
                      std::optional<std::chrono::seconds> retry_after = {}) {
  RefreshOutcome outcome;
  outcome.status = Status::Error(std::move(message));
  outcome.retry_after = retry_after;
  return outcome;
}

std::string TransportError(const std::string& what,
                           const HttpResponse& response) {
  if (response.body_too_large) return what + ": " + response.error;
  return what + " failed: " + response.error;
}

}  // namespace

std::optional<std::chrono::seconds> RetryAfterOf(
    const HttpResponse& response, std::chrono::system_clock::time_point now) {
  auto it = response.headers.find("retry-after");
  if (it == response.headers.end()) return std::nullopt;
  return ParseRetryAfter(it->second, now);
}

GraphSession::GraphSession(GraphSettings settings, HttpClient& http,
                           const Clock& clock)
    : settings_(std::move(settings)),
      http_(http),
      clock_(clock),
      wait_([](std::chrono::seconds delay) {
        std::this_thread::sleep_for(delay);
        return true;
      }) {}

bool GraphSession::IsGraphUrl(const std::string& url) const {
  std::string prefix = settings_.graph_url;
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  return url.rfind(prefix + "/", 0) == 0;
}

HttpResponse GraphSession::SendGet(const std::string& url,
                                   const std::string& access_token) {
  HttpRequest request;
  request.url = url;
  request.headers["Authorization"] = "Bearer " + access_token;
  request.headers["Accept"] = "application/json";
  request.timeout = settings_.request_timeout;
  HttpResponse response = http_.Send(request);
  NoteGraphDate(response);
  return response;
}

void GraphSession::NoteGraphDate(const HttpResponse& response) {
  auto it = response.headers.find("date");
  if (it == response.headers.end()) return;
  auto date = ParseHttpDate(it->second);
  if (!date) return;
  graph_clock_offset_ = std::chrono::milliseconds(*date) -
                        std::chrono::duration_cast<std::chrono::milliseconds>(
                            clock_.Now().time_since_epoch());
}

UnixMillis GraphSession::GraphNow() const {
  const auto local = std::chrono::duration_cast<std::chrono::milliseconds>(
      clock_.Now().time_since_epoch());
  return (local + graph_clock_offset_.value_or(std::chrono::milliseconds(0)))
      .count();
}

GraphAnswer GraphSession::Get(const std::string& url, const std::string& what) {
  constexpr int kMaxThrottleRetries = 3;
  constexpr auto kMaxThrottleWait = std::chrono::seconds(30);
  GraphAnswer answer;
  auto fail = [&](QueryFailure failure, std::string message) {
    answer.status = Status::Error(std::move(message));
    answer.failure = failure;
    return answer;
  };
  if (!IsGraphUrl(url)) {
    return fail(
        QueryFailure::kBadResponse,
        what + ": the next page link points outside " + settings_.graph_url);
  }
  bool retried_unauthorized = false;
  int throttled = 0;
  while (true) {
    auto token = AccessToken();
    if (auto* failed = std::get_if<RefreshOutcome>(&token)) {
      return fail(failed->unreachable   ? QueryFailure::kUnreachable
                  : failed->retry_after ? QueryFailure::kThrottled
                                        : QueryFailure::kUnauthorized,
                  failed->status.message());
    }
    const HttpResponse response = SendGet(url, std::get<std::string>(token));
    if (response.status == 0 || response.body_too_large) {
      return fail(QueryFailure::kUnreachable, TransportError(what, response));
    }
    if (response.status == 401 && !retried_unauthorized) {
      retried_unauthorized = true;
      access_token_.reset();
      continue;
    }
    if (response.status == 429 || response.status == 503) {
      auto delay = RetryAfterOf(response, clock_.Now())
                       .value_or(std::chrono::seconds(1));
      if (throttled < kMaxThrottleRetries && delay <= kMaxThrottleWait) {
        ++throttled;
        if (!wait_(std::max(delay, std::chrono::seconds(1)))) {
          return fail(QueryFailure::kThrottled, what + ": stopped");
        }
        continue;
      }
    }
    if (response.status != 200) {
      const std::string code = GraphErrorCode(response.body);
      return fail(ClassifyHttpFailure(response.status, code),
                  what + " answered HTTP " + std::to_string(response.status) +
                      (code.empty() ? "" : " (" + code + ")"));
    }
    answer.body = response.body;
    return answer;
  }
}

std::optional<std::string> GraphSession::ClientSecret(Status& error) const {
  if (!settings_.client_secret_env.empty()) {
    std::optional<std::string> value =
        settings_.environment(settings_.client_secret_env);
    if (!value || value->empty()) {
      error = Status::Error("the client secret's environment variable " +
                            settings_.client_secret_env + " is not set");
      return std::nullopt;
    }
    return *value;
  }
  std::ifstream in(settings_.client_secret_file, std::ios::binary);
  if (!in) {
    error = Status::Error("cannot read the client secret file " +
                          settings_.client_secret_file);
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string secret = text.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r' ||
                             secret.back() == ' ')) {
    secret.pop_back();
  }
  if (secret.empty()) {
    error = Status::Error("the client secret file " +
                          settings_.client_secret_file + " is empty");
    return std::nullopt;
  }
  return secret;
}

std::variant<TokenGrant, RefreshOutcome> GraphSession::RequestToken(
    const std::string& form) {
  HttpRequest request;
  request.method = "POST";
  request.url = TokenUrl(settings_.authority_url, settings_.tenant_id);
  request.headers["Content-Type"] = "application/x-www-form-urlencoded";
  request.body = form;
  request.timeout = settings_.request_timeout;
  const HttpResponse response = http_.Send(request);
  if (response.status == 0 || response.body_too_large) {
    RefreshOutcome failed =
        Failed(TransportError("the token request to " + request.url, response));
    failed.unreachable = response.status == 0;
    return failed;
  }
  if (response.status == 429 || response.status == 503) {
    return Failed("the token endpoint answered HTTP " +
                      std::to_string(response.status) + " (throttled)",
                  RetryAfterOf(response, clock_.Now()));
  }
  auto parsed = ParseTokenResponse(response.status, response.body);
  if (auto* grant = std::get_if<TokenGrant>(&parsed)) return *grant;
  if (auto* error = std::get_if<Status>(&parsed)) {
    return Failed(error->message());
  }
  const TokenError& token_error = std::get<TokenError>(parsed);
  std::string detail = token_error.error;
  if (!token_error.code.empty()) detail += ", " + token_error.code;
  if (settings_.auth == AuthMode::kDeviceCode &&
      (token_error.error == "invalid_grant" ||
       token_error.error == "interaction_required")) {
    return Failed("the stored sign-in was rejected by the token endpoint (" +
                  detail +
                  "): the refresh token was revoked or has expired; run "
                  "`entra_pta_exporter graph login` again");
  }
  return Failed("the token endpoint refused the request (HTTP " +
                std::to_string(response.status) + ", " + detail + ")");
}

std::variant<std::string, RefreshOutcome> GraphSession::AccessToken() {
  const auto now = clock_.Now();
  if (access_token_ && now < access_token_->renew_at) {
    return access_token_->value;
  }
  access_token_.reset();
  std::string form = "client_id=" + FormEncode(settings_.client_id);
  std::optional<CloudState> state;
  if (settings_.auth == AuthMode::kDeviceCode) {
    // Read on every renewal, so a `graph login` while the exporter runs
    // takes effect without a restart.
    auto loaded = LoadCloudState(settings_.state_file);
    if (!loaded.ok()) return Failed(loaded.status().message());
    state = *std::move(loaded);
    if (!state->refresh_token) {
      return Failed("not signed in: the state file " + settings_.state_file +
                    " holds no refresh token; run `entra_pta_exporter graph "
                    "login` once");
    }
    auto refresh_token = UnprotectSecret(*state->refresh_token);
    if (!refresh_token.ok()) return Failed(refresh_token.status().message());
    form += "&grant_type=refresh_token&refresh_token=" +
            FormEncode(*refresh_token) +
            "&scope=" + FormEncode(DelegatedScope(settings_.graph_url));
  } else if (settings_.auth == AuthMode::kClientCertificate) {
    auto certificate = ReadWholeFile(settings_.client_certificate_file);
    auto key = ReadWholeFile(settings_.client_key_file);
    if (!certificate || !key) {
      return Failed("cannot read the client " +
                    std::string(certificate
                                    ? "key file " + settings_.client_key_file
                                    : "certificate file " +
                                          settings_.client_certificate_file));
    }
    auto assertion = BuildClientAssertion(
        *certificate, *key, settings_.client_id,
        TokenUrl(settings_.authority_url, settings_.tenant_id), now,
        RandomGuid());
    if (auto* error = std::get_if<Status>(&assertion)) {
      return Failed(error->message());
    }
    form +=
        "&grant_type=client_credentials&client_assertion_type=" +
        FormEncode("urn:ietf:params:oauth:client-assertion-type:jwt-bearer") +
        "&client_assertion=" + std::get<std::string>(assertion) +
        "&scope=" + FormEncode(AppOnlyScope(settings_.graph_url));
  } else {
    Status error = Status::Ok();
    auto secret = ClientSecret(error);
    if (!secret) return Failed(error.message());
    form +=
        "&grant_type=client_credentials&client_secret=" + FormEncode(*secret) +
        "&scope=" + FormEncode(AppOnlyScope(settings_.graph_url));
  }
  auto grant = RequestToken(form);
  if (auto* failed = std::get_if<RefreshOutcome>(&grant)) return *failed;
  const TokenGrant& token = std::get<TokenGrant>(grant);
  if (state && !token.refresh_token.empty()) {
    // The endpoint rotates refresh tokens: keep the newest.
    auto protected_token = ProtectSecret(token.refresh_token);
    if (!protected_token.ok()) {
      return Failed(protected_token.status().message());
    }
    Status saved = UpdateCloudState(settings_.state_file, [&](CloudState& s) {
      s.refresh_token = *protected_token;
    });
    if (!saved.ok()) return Failed(saved.message());
  }
  auto lifetime = token.expires_in > kRenewMargin * 2
                      ? token.expires_in - kRenewMargin
                      : token.expires_in / 2;
  access_token_ = CachedToken{token.access_token, now + lifetime};
  return token.access_token;
}

RefreshOutcome GraphSession::Refresh() {
  std::vector<Agent> agents;
  std::string url = AgentGroupsUrl(settings_.graph_url);
  std::string graph_prefix = settings_.graph_url;
  while (!graph_prefix.empty() && graph_prefix.back() == '/') {
    graph_prefix.pop_back();
  }
  graph_prefix += "/";
  bool retried_unauthorized = false;
  for (int page = 0; page < kMaxPages;) {
    auto token = AccessToken();
    if (auto* failed = std::get_if<RefreshOutcome>(&token)) return *failed;
    const HttpResponse response = SendGet(url, std::get<std::string>(token));
    const std::string where =
        "Graph (agentGroups, page " + std::to_string(page + 1) + ")";
    if (response.status == 0 || response.body_too_large)
      return Failed(TransportError(where, response));
    if (response.status == 401 && !retried_unauthorized) {
      // The token expired early or was revoked: get a new one, once.
      retried_unauthorized = true;
      access_token_.reset();
      continue;
    }
    if (response.status == 429 || response.status == 503) {
      return Failed(where + " answered HTTP " +
                        std::to_string(response.status) + " (throttled)",
                    RetryAfterOf(response, clock_.Now()));
    }
    if (response.status != 200) {
      std::string code = GraphErrorCode(response.body);
      return Failed(
          where + " answered HTTP " + std::to_string(response.status) +
          (code.empty() ? "" : " (" + code + ")") +
          (response.status == 403 ? ": the signed-in account or app lacks "
                                    "Policy.Read.HybridAuthentication"
                                  : ""));
    }
    auto parsed = ParseAgentGroupsPage(response.body);
    if (!parsed.ok()) return Failed(where + ": " + parsed.status().message());
    AgentGroupsPage& result = *parsed;
    agents.insert(agents.end(), result.agents.begin(), result.agents.end());
    if (!result.next_link) {
      RefreshOutcome outcome;
      outcome.agents = UniqueAgents(agents);
      return outcome;
    }
    // The bearer token must only ever go to Graph itself.
    if (result.next_link->rfind(graph_prefix, 0) != 0) {
      return Failed(where + ": @odata.nextLink points outside " + graph_prefix);
    }
    url = *result.next_link;
    retried_unauthorized = false;
    ++page;
  }
  return Failed("Graph returned more than " + std::to_string(kMaxPages) +
                " pages of agent groups");
}

}  // namespace entra_pta::cloud
