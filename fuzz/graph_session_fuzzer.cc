// libFuzzer target: a whole Graph refresh (GraphSession::Refresh with the
// client-secret grant) against answers the fuzzer writes: each request gets
// an HTTP status, a Retry-After value and a body from the input, so token
// responses, pagination (@odata.nextLink), 401 retries and throttling are
// explored together. Invariants: the refresh ends; the bearer token goes
// only to the configured Graph URL (a nextLink elsewhere must not get it);
// the client secret and the access token never appear in the outcome.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "collectors/cloud/graph_session.h"
#include "collectors/cloud/testing/fake_http_client.h"
#include "exporter/testing/fake_clock.h"

namespace cloud = entra_pta::cloud;

namespace {

constexpr char kSecret[] = "client-secret-value-123";
constexpr char kGraph[] = "https://graph.test";

bool StartsWith(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  FuzzedDataProvider input(data, size);
  int requests = 0;
  std::string last_access_token;
  cloud::testing::FakeHttpClient http([&](const cloud::HttpRequest& request) {
    ++requests;
    if (requests > 1000) __builtin_trap();  // the refresh must end
    auto auth = request.headers.find("Authorization");
    if (auth != request.headers.end() &&
        !StartsWith(request.url, std::string(kGraph) + "/")) {
      __builtin_trap();  // the token leaves for another host
    }
    if (request.body.find(kSecret) != std::string::npos &&
        !StartsWith(request.url, "https://login.test/")) {
      __builtin_trap();  // the secret goes anywhere but the authority
    }
    static constexpr long kStatuses[] = {200, 200, 200, 400, 401, 429, 503, 0};
    cloud::HttpResponse response;
    response.status = input.PickValueInArray(kStatuses);
    if (response.status == 0) response.error = "timeout";
    if (input.ConsumeBool()) {
      response.headers["retry-after"] = input.ConsumeRandomLengthString(40);
    }
    response.body = input.ConsumeRandomLengthString(2000);
    return response;
  });
  entra_pta::testing::FakeClock clock;
  cloud::GraphSettings settings;
  settings.tenant_id = "11111111-2222-3333-4444-555555555555";
  settings.client_id = "99999999-0000-0000-0000-000000000000";
  settings.auth = cloud::AuthMode::kClientSecret;
  settings.client_secret_env = "SECRET";
  settings.environment = [](const std::string&) -> std::optional<std::string> {
    return std::string(kSecret);
  };
  settings.authority_url = "https://login.test";
  settings.graph_url = kGraph;
  cloud::GraphSession session(settings, http, clock);
  for (int round = 0; round < 2 && input.remaining_bytes() > 0; ++round) {
    const cloud::RefreshOutcome outcome = session.Refresh();
    const std::string& message = outcome.status.message();
    if (message.find(kSecret) != std::string::npos) __builtin_trap();
    if (outcome.status.ok()) {
      for (const cloud::Agent& agent : outcome.agents) {
        if (agent.id.empty()) __builtin_trap();
      }
    } else if (message.empty()) {
      __builtin_trap();
    }
    if (outcome.retry_after &&
        (outcome.retry_after->count() < 0 ||
         *outcome.retry_after > std::chrono::hours(24))) {
      __builtin_trap();
    }
    clock.Advance(std::chrono::hours(2));  // the cached token expires
  }
  return 0;
}
