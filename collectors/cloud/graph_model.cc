#include "collectors/cloud/graph_model.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>
#include <set>

#include "collectors/cloud/graph_json.h"
#include "collectors/cloud/signin_model.h"

namespace entra_pta::cloud {
namespace {

using json = nlohmann::json;

// Entra issues access tokens for 60-90 minutes (at most a day when
// configured) and device codes for 15 minutes, polled every 5 seconds.
constexpr long long kMaxTokenLifetime = 24 * 60 * 60;
constexpr std::chrono::seconds kMaxDeviceCodeLifetime{60 * 60};
constexpr std::chrono::seconds kMaxDeviceCodeInterval{60};

std::string Lower(std::string text) {
  for (char& c : text) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return text;
}

std::string StringField(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

}  // namespace

std::string DefaultAuthorityUrl(Cloud cloud) {
  return cloud == Cloud::kAzureUSGovernment
             ? "https://login.microsoftonline.us"
             : "https://login.microsoftonline.com";
}

std::string DefaultGraphUrl(Cloud cloud) {
  return cloud == Cloud::kAzureUSGovernment ? "https://graph.microsoft.us"
                                            : "https://graph.microsoft.com";
}

std::string TokenUrl(const std::string& authority, const std::string& tenant) {
  return TrimSlash(authority) + "/" + tenant + "/oauth2/v2.0/token";
}

std::string DeviceCodeUrl(const std::string& authority,
                          const std::string& tenant) {
  return TrimSlash(authority) + "/" + tenant + "/oauth2/v2.0/devicecode";
}

std::string AgentGroupsUrl(const std::string& graph) {
  return TrimSlash(graph) +
         "/beta/onPremisesPublishingProfiles/authentication/agentGroups"
         "?$expand=agents";
}

std::string DelegatedScope(const std::string& graph) {
  return TrimSlash(graph) + "/Policy.Read.HybridAuthentication offline_access";
}

std::string LoginScope(const std::string& graph, bool signin_failures,
                       bool directory_sync) {
  const std::string base = TrimSlash(graph) + "/";
  std::string scope = base + "Policy.Read.HybridAuthentication";
  if (signin_failures) {
    scope += " " + base + "AuditLog.Read.All " + base + "Directory.Read.All";
  } else if (directory_sync) {
    scope += " " + base + "Organization.Read.All";
  }
  return scope + " offline_access";
}

std::string AppOnlyScope(const std::string& graph) {
  return TrimSlash(graph) + "/.default";
}

StatusOr<AgentGroupsPage> ParseAgentGroupsPage(const std::string& body) {
  StatusOr<GraphCollection> collection = ParseGraphCollection(body);
  if (!collection.ok()) return collection.status();
  AgentGroupsPage page;
  for (const json& group : collection->value) {
    if (!group.is_object()) {
      return Status::Error(
          "Graph's answer has an agent group that is not an "
          "object");
    }
    auto agents = group.find("agents");
    if (agents == group.end() || agents->is_null()) continue;
    if (!agents->is_array()) {
      return Status::Error(
          "Graph's answer has \"agents\" that is not an "
          "array");
    }
    for (const json& item : *agents) {
      if (!item.is_object()) {
        return Status::Error(
            "Graph's answer has an agent that is not an "
            "object");
      }
      Agent agent;
      agent.id = StringField(item, "id");
      if (agent.id.empty()) {
        return Status::Error("Graph's answer has an agent without an id");
      }
      agent.machine_name = StringField(item, "machineName");
      agent.external_ip = StringField(item, "externalIp");
      agent.status = Lower(StringField(item, "status"));
      if (agent.status.empty()) agent.status = "unknown";
      page.agents.push_back(std::move(agent));
    }
  }
  if (!collection->next_link.empty()) page.next_link = collection->next_link;
  return page;
}

std::vector<Agent> UniqueAgents(const std::vector<Agent>& agents) {
  std::vector<Agent> unique;
  std::set<std::string> seen;
  for (const Agent& agent : agents) {
    if (seen.insert(agent.id).second) unique.push_back(agent);
  }
  std::sort(unique.begin(), unique.end(),
            [](const Agent& a, const Agent& b) { return a.id < b.id; });
  return unique;
}

std::variant<TokenGrant, TokenError, Status> ParseTokenResponse(
    long http_status, const std::string& body) {
  auto parsed = ParseJson(body);
  if (!parsed || !parsed->is_object()) {
    return Status::Error("the token endpoint answered HTTP " +
                         std::to_string(http_status) +
                         " without a JSON object");
  }
  const std::string error = StringField(*parsed, "error");
  if (!error.empty()) {
    TokenError token_error;
    // Only the OAuth error name and the AADSTS code: both are fixed
    // vocabularies, never secrets.
    for (char c : error) {
      if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_') {
        return Status::Error("the token endpoint answered HTTP " +
                             std::to_string(http_status) +
                             " with an unreadable error");
      }
    }
    token_error.error = error;
    const std::string description = StringField(*parsed, "error_description");
    if (description.rfind("AADSTS", 0) == 0) {
      std::size_t end = 6;
      while (end < description.size() &&
             std::isdigit(static_cast<unsigned char>(description[end])) != 0) {
        ++end;
      }
      if (end > 6) token_error.code = description.substr(0, end);
    }
    return token_error;
  }
  if (http_status != 200) {
    return Status::Error("the token endpoint answered HTTP " +
                         std::to_string(http_status));
  }
  TokenGrant grant;
  grant.access_token = StringField(*parsed, "access_token");
  if (grant.access_token.empty()) {
    return Status::Error("the token endpoint's answer has no access_token");
  }
  auto expires = parsed->find("expires_in");
  long long seconds = 0;
  if (expires != parsed->end() && expires->is_number_integer()) {
    // An unsigned value above LLONG_MAX counts as huge, not negative.
    seconds = expires->is_number_unsigned() &&
                      expires->get<unsigned long long>() >
                          static_cast<unsigned long long>(kMaxTokenLifetime)
                  ? kMaxTokenLifetime
                  : expires->get<long long>();
  } else if (expires != parsed->end() && expires->is_string()) {
    const std::string text = expires->get<std::string>();
    auto [end, ec] =
        std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (ec == std::errc::result_out_of_range && !text.empty() &&
        text.front() != '-') {
      seconds = kMaxTokenLifetime;
    } else if (ec != std::errc() || end != text.data() + text.size()) {
      seconds = 0;
    }
  }
  if (seconds <= 0) {
    return Status::Error(
        "the token endpoint's answer has no valid "
        "expires_in");
  }
  // The session caches the token until now + expires_in: bounded, so no
  // answer can overflow the clock or keep a token for years.
  grant.expires_in = std::chrono::seconds(std::min(seconds, kMaxTokenLifetime));
  grant.refresh_token = StringField(*parsed, "refresh_token");
  return grant;
}

StatusOr<DeviceCode> ParseDeviceCodeResponse(const std::string& body) {
  auto parsed = ParseJson(body);
  if (!parsed || !parsed->is_object()) {
    return Status::Error(
        "the device code endpoint answered without a JSON "
        "object");
  }
  DeviceCode code;
  code.device_code = StringField(*parsed, "device_code");
  code.user_code = StringField(*parsed, "user_code");
  code.verification_uri = StringField(*parsed, "verification_uri");
  code.message = StringField(*parsed, "message");
  if (code.device_code.empty() || code.user_code.empty() ||
      code.verification_uri.empty()) {
    // Only an OAuth error name is shown (letters, digits, '_'), never other
    // text from the body: it reaches the terminal and the logs.
    std::string error = StringField(*parsed, "error");
    const bool is_error_name =
        error.size() <= 64 &&
        std::all_of(error.begin(), error.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
        });
    if (!is_error_name) error = "unreadable error";
    return Status::Error("the device code endpoint did not issue a code" +
                         (error.empty() ? std::string() : " (" + error + ")"));
  }
  // Bounded: `graph login` polls every `interval` until `expires_in` has
  // passed, so huge values would overflow its clock arithmetic or make it
  // wait for ever.
  auto number = [&](const char* key, std::chrono::seconds fallback,
                    std::chrono::seconds max) {
    auto it = parsed->find(key);
    if (it == parsed->end() || !it->is_number_integer()) return fallback;
    if (it->is_number_unsigned()) {
      // Non-negative numbers parse as unsigned, up to 2^64 - 1.
      const auto value = it->get<unsigned long long>();
      if (value == 0) return fallback;
      return std::chrono::seconds(
          static_cast<long long>(std::min<unsigned long long>(
              value, static_cast<unsigned long long>(max.count()))));
    }
    const long long value = it->get<long long>();
    if (value <= 0) return fallback;
    return std::min(std::chrono::seconds(value), max);
  };
  code.expires_in =
      number("expires_in", std::chrono::seconds(900), kMaxDeviceCodeLifetime);
  code.interval =
      number("interval", std::chrono::seconds(5), kMaxDeviceCodeInterval);
  return code;
}

std::string GraphErrorCode(const std::string& body) {
  auto parsed = ParseJson(body);
  if (!parsed || !parsed->is_object()) return "";
  auto error = parsed->find("error");
  if (error == parsed->end() || !error->is_object()) return "";
  std::string code = StringField(*error, "code");
  for (char c : code) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_' &&
        c != '.') {
      return "";
    }
  }
  return code.size() <= 100 ? code : "";
}

std::optional<std::chrono::seconds> ParseRetryAfter(
    const std::string& value, std::chrono::system_clock::time_point now) {
  if (value.empty()) return std::nullopt;
  long long seconds = 0;
  auto [end, ec] =
      std::from_chars(value.data(), value.data() + value.size(), seconds);
  // A day is the most any server may ask for; beyond it the value is
  // nonsense and, in nanoseconds, near overflow.
  constexpr long long kMaxRetryAfterSeconds = 24 * 60 * 60;
  if (ec == std::errc() && end == value.data() + value.size()) {
    if (seconds < 0) return std::nullopt;
    return std::chrono::seconds(std::min(seconds, kMaxRetryAfterSeconds));
  }
  if (ec == std::errc::result_out_of_range) {
    return std::chrono::seconds(kMaxRetryAfterSeconds);
  }
  const std::optional<UnixMillis> date = ParseHttpDate(value);
  if (!date) return std::nullopt;
  const std::chrono::sys_seconds when{std::chrono::seconds(*date / 1000)};
  const auto delay =
      when - std::chrono::time_point_cast<std::chrono::seconds>(now);
  if (delay.count() <= 0) return std::chrono::seconds(0);
  return std::min(delay, std::chrono::seconds(kMaxRetryAfterSeconds));
}

}  // namespace entra_pta::cloud
