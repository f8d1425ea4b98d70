// The Microsoft identity platform and Graph responses the cloud collector
// reads, parsed by pure functions (no I/O), plus the URLs they come from.
// Shapes, as documented by Microsoft:
//  - token endpoint (POST {authority}/{tenant}/oauth2/v2.0/token):
//    {"token_type":"Bearer","expires_in":3599,"access_token":"...",
//     "refresh_token":"..."} or, on failure, HTTP 400 with
//    {"error":"invalid_grant","error_description":"AADSTS...: ..."};
//  - device code endpoint (POST .../oauth2/v2.0/devicecode):
//    {"device_code","user_code","verification_uri","expires_in","interval",
//     "message"};
//  - Graph beta GET /onPremisesPublishingProfiles/authentication/agentGroups
//    ?$expand=agents: {"value":[{"id","displayName","agents":[{"id",
//    "machineName","externalIp","status"}]}],"@odata.nextLink":"..."}.
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "exporter/sdk/tenant_settings.h"
#include "exporter/util/status.h"

namespace entra_pta::cloud {

// Default endpoints of each cloud.
std::string DefaultAuthorityUrl(
    Cloud cloud);                          // https://login.microsoftonline.com
std::string DefaultGraphUrl(Cloud cloud);  // https://graph.microsoft.com

// {authority}/{tenant}/oauth2/v2.0/token and .../devicecode.
std::string TokenUrl(const std::string& authority, const std::string& tenant);
std::string DeviceCodeUrl(const std::string& authority,
                          const std::string& tenant);
// {graph}/beta/onPremisesPublishingProfiles/authentication/agentGroups
// ?$expand=agents
std::string AgentGroupsUrl(const std::string& graph);
// The delegated scope (least privilege) and the app-only one. Refreshes ask
// for the delegated scope alone: Entra puts every Graph permission the
// account consented to into the token, and asking for one that was never
// consented would fail the agent list too.
std::string DelegatedScope(const std::string& graph);
// What `graph login` asks the account to consent to: the delegated scope
// plus, for the sign-in logs, AuditLog.Read.All and Directory.Read.All,
// and for directory sync alone Organization.Read.All.
std::string LoginScope(const std::string& graph, bool signin_failures,
                       bool directory_sync);
std::string AppOnlyScope(const std::string& graph);

struct Agent {
  std::string id;
  std::string machine_name;
  std::string external_ip;
  std::string status;  // lower case: "active", "inactive", ...
};

struct AgentGroupsPage {
  std::vector<Agent> agents;
  std::optional<std::string> next_link;
};

// One page of agent groups with their agents. Malformed JSON, a missing
// "value" array, or an agent without an id is an error Status.
StatusOr<AgentGroupsPage> ParseAgentGroupsPage(const std::string& body);

// Merges pages: one entry per agent id (an agent can be in several groups).
std::vector<Agent> UniqueAgents(const std::vector<Agent>& agents);

struct TokenGrant {
  std::string access_token;
  std::chrono::seconds expires_in{0};  // 1 s .. 24 h (larger ones capped)
  std::string refresh_token;           // empty when the endpoint sent none
};

struct TokenError {
  std::string error;  // "invalid_grant", "authorization_pending", ...
  std::string code;   // "AADSTS70008" when the description starts with one
};

// A token endpoint answer: a grant (HTTP 200) or the OAuth error.
// Malformed answers are an error Status that never quotes the body. Three
// outcomes, not a StatusOr: callers act on the OAuth error's name
// (authorization_pending, slow_down, invalid_grant) and only report a
// malformed answer.
std::variant<TokenGrant, TokenError, Status> ParseTokenResponse(
    long http_status, const std::string& body);

struct DeviceCode {
  std::string device_code;
  std::string user_code;
  std::string verification_uri;
  std::string message;
  std::chrono::seconds expires_in{900};  // at most 1 h (larger ones capped)
  std::chrono::seconds interval{5};      // 1 s .. 60 s
};
StatusOr<DeviceCode> ParseDeviceCodeResponse(const std::string& body);

// Graph's error body {"error":{"code":"..."}} -> the code, or "".
std::string GraphErrorCode(const std::string& body);

// Retry-After: delay-seconds or an HTTP-date. nullopt when absent/invalid.
std::optional<std::chrono::seconds> ParseRetryAfter(
    const std::string& value, std::chrono::system_clock::time_point now);

}  // namespace entra_pta::cloud
