// libFuzzer target: every answer the cloud collector reads from the
// Microsoft identity platform and Graph (a TLS-inspecting proxy or a
// misconfigured authority URL can put anything there): agent-group pages,
// token and device-code responses, Graph error bodies, Retry-After.
// Invariants: values that later feed clock arithmetic are bounded (adding
// them to now() must not overflow), agents have ids, error statuses never
// quote tokens from the body.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "collectors/cloud/graph_model.h"

namespace cloud = entra_pta::cloud;

namespace {

// Tokens in the seeds are spelled "AT-secret"/"RT-secret"; wherever the
// fuzzer moves them, they must not come back in a message. (Checking that
// the message does not contain the whole body would be wrong: a body can
// be a piece of the fixed message text.)
void CheckStatus(const entra_pta::Status& status, const std::string& body) {
  if (status.ok() || status.message().empty()) __builtin_trap();
  for (const char* secret : {"AT-secret", "RT-secret"}) {
    if (body.find(secret) != std::string::npos &&
        status.message().find(secret) != std::string::npos) {
      __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  const auto now = std::chrono::system_clock::now();

  const auto page = cloud::ParseAgentGroupsPage(body);
  if (page.ok()) {
    const cloud::AgentGroupsPage* parsed = &*page;
    for (const cloud::Agent& agent : parsed->agents) {
      if (agent.id.empty() || agent.status.empty()) __builtin_trap();
    }
    const std::vector<cloud::Agent> unique =
        cloud::UniqueAgents(parsed->agents);
    if (unique.size() > parsed->agents.size()) __builtin_trap();
  } else {
    CheckStatus(page.status(), body);
  }

  for (long http_status : {200L, 400L}) {
    const auto token = cloud::ParseTokenResponse(http_status, body);
    if (const auto* grant = std::get_if<cloud::TokenGrant>(&token)) {
      if (grant->access_token.empty() || grant->expires_in.count() <= 0) {
        __builtin_trap();
      }
      // GraphSession caches the token until now + expires_in.
      (void)(now + grant->expires_in);
    } else if (const auto* status = std::get_if<entra_pta::Status>(&token)) {
      CheckStatus(*status, body);
    }
  }

  const auto device = cloud::ParseDeviceCodeResponse(body);
  if (device.ok()) {
    const cloud::DeviceCode* code = &*device;
    if (code->interval.count() <= 0 || code->expires_in.count() <= 0) {
      __builtin_trap();
    }
    // `graph login` polls every `interval` until `expires_in` has passed.
    (void)(now + code->expires_in + code->interval);
    if (code->expires_in / code->interval > 100'000) __builtin_trap();
  } else {
    CheckStatus(device.status(), body);
  }

  const std::string error_code = cloud::GraphErrorCode(body);
  if (error_code.size() > 100) __builtin_trap();

  if (const auto delay = cloud::ParseRetryAfter(body, now)) {
    if (delay->count() < 0 || *delay > std::chrono::hours(24)) __builtin_trap();
    (void)(now + *delay);
  }
  return 0;
}
