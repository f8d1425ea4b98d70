#include "collectors/cloud/graph_login.h"

#include <ostream>
#include <thread>

#include "collectors/cloud/graph_model.h"
#include "collectors/cloud/state_store.h"
#include "exporter/util/flag_parser.h"

namespace entra_pta::cloud {

namespace {

// Starts the device code flow; nullopt once `err` says why it could not.
std::optional<DeviceCode> RequestDeviceCode(const CloudSettings& settings,
                                            HttpClient& http,
                                            std::ostream& err) {
  const GraphSettings& graph = settings.graph;
  HttpRequest request;
  request.method = "POST";
  request.url = DeviceCodeUrl(graph.authority_url, graph.tenant_id);
  request.headers["Content-Type"] = "application/x-www-form-urlencoded";
  request.body =
      "client_id=" + FormEncode(graph.client_id) + "&scope=" +
      FormEncode(LoginScope(graph.graph_url, settings.signin_failures,
                            settings.directory_sync));
  request.timeout = graph.request_timeout;
  HttpResponse response = http.Send(request);
  if (response.status == 0 || response.body_too_large) {
    err << "graph login: the device code request to " << request.url
        << " failed: " << response.error << "\n";
    return std::nullopt;
  }
  auto parsed = ParseDeviceCodeResponse(response.body);
  if (!parsed.ok()) {
    err << "graph login: " << parsed.status().message() << " (HTTP "
        << response.status << ")\n";
    return std::nullopt;
  }
  return *parsed;
}

// Keeps the sign-in's refresh token in the state file; the exit code.
int StoreRefreshToken(const GraphSettings& graph, const TokenGrant& grant,
                      std::ostream& out, std::ostream& err) {
  if (grant.refresh_token.empty()) {
    err << "graph login: signed in, but the token endpoint issued no "
           "refresh token (is offline_access allowed for the app?)\n";
    return 1;
  }
  auto protected_token = ProtectSecret(grant.refresh_token);
  if (!protected_token.ok()) {
    err << "graph login: " << protected_token.status().message() << "\n";
    return 1;
  }
  Status saved = UpdateCloudState(
      graph.state_file,
      [&](CloudState& state) { state.refresh_token = *protected_token; },
      /*replace_unreadable=*/true);
  if (!saved.ok()) {
    err << "graph login: " << saved.message() << "\n";
    return 1;
  }
  out << "Signed in. The refresh token is stored in " << graph.state_file
      << " (readable by this account only); the exporter uses it from its "
         "next refresh.\n";
  return 0;
}

}  // namespace

int GraphLogin(const CloudSettings& settings, HttpClient& http,
               std::ostream& out, std::ostream& err,
               const std::function<void(std::chrono::seconds)>& sleep) {
  const GraphSettings& graph = settings.graph;
  std::optional<DeviceCode> started = RequestDeviceCode(settings, http, err);
  if (!started) return 1;
  const DeviceCode code = *started;
  out << (code.message.empty()
              ? "To sign in, open " + code.verification_uri +
                    " and enter the code " + code.user_code + "."
              : code.message)
      << "\nSign in with an account that may read the tenant's hybrid "
         "authentication policy (Policy.Read.HybridAuthentication)"
      << (settings.signin_failures
              ? ", the sign-in logs and the directory (AuditLog.Read.All, "
                "Directory.Read.All)"
          : settings.directory_sync
              ? " and the organization (Organization.Read.All)"
              : "")
      << ".\n"
      << std::flush;

  std::chrono::seconds interval = code.interval;
  std::chrono::seconds waited{0};
  while (waited < code.expires_in) {
    sleep(interval);
    waited += interval;
    HttpRequest poll;
    poll.method = "POST";
    poll.url = TokenUrl(graph.authority_url, graph.tenant_id);
    poll.headers["Content-Type"] = "application/x-www-form-urlencoded";
    poll.body = "grant_type=" +
                FormEncode("urn:ietf:params:oauth:grant-type:device_code") +
                "&client_id=" + FormEncode(graph.client_id) +
                "&device_code=" + FormEncode(code.device_code);
    poll.timeout = graph.request_timeout;
    HttpResponse answer = http.Send(poll);
    if (answer.status == 0 || answer.body_too_large) {
      err << "graph login: the token request to " << poll.url
          << " failed: " << answer.error << "\n";
      return 1;
    }
    auto token = ParseTokenResponse(answer.status, answer.body);
    if (auto* error = std::get_if<Status>(&token)) {
      err << "graph login: " << error->message() << "\n";
      return 1;
    }
    if (auto* refused = std::get_if<TokenError>(&token)) {
      if (refused->error == "authorization_pending") continue;
      if (refused->error == "slow_down") {
        interval += std::chrono::seconds(5);
        continue;
      }
      err << "graph login: sign-in failed (" << refused->error
          << (refused->code.empty() ? "" : ", " + refused->code) << ")"
          << (refused->error == "expired_token"
                  ? ": the code expired; run graph login again"
              : refused->error == "authorization_declined"
                  ? ": the user declined"
                  : "")
          << "\n";
      return 1;
    }
    const TokenGrant& grant = std::get<TokenGrant>(token);
    return StoreRefreshToken(graph, grant, out, err);
  }
  err << "graph login: the code expired before the sign-in completed; run "
         "graph login again\n";
  return 1;
}

int GraphCommandMain(const std::vector<std::string>& args,
                     const LoadCloudConfig& load, std::ostream& out,
                     std::ostream& err) {
  const std::string usage =
      "usage: entra_pta_exporter graph login [--config.file=FILE]\n";
  if (args.empty() || args[0] != "login") {
    err << usage;
    return 2;
  }
  std::optional<std::string> config_flag;
  FlagParser parser;
  parser.Value("--config.file", &config_flag);
  if (Status parsed = parser.Parse({args.begin() + 1, args.end()}, "");
      !parsed.ok()) {
    err << "graph login: " << parsed.message() << "\n" << usage;
    return 2;
  }
  const std::string config_file = config_flag.value_or("");
  if (config_file.empty()) {
    err << "graph login: --config.file is required (the file with tenant.id "
           "and collectors.cloud.client_id)\n"
        << usage;
    return 2;
  }
  CloudSettings settings;
  try {
    CloudConfigSource source = load(config_file);
    settings = ParseCloudSettings(source.section, source.tenant,
                                  /*require_complete=*/true);
  } catch (const ConfigError& e) {
    err << e.what() << "\n";
    return 2;
  }
  auto http = MakeCloudHttpClient(settings, nullptr);
  return GraphLogin(settings, *http, out, err, [](std::chrono::seconds s) {
    std::this_thread::sleep_for(s);
  });
}

}  // namespace entra_pta::cloud
