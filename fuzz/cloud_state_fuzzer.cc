// libFuzzer target: the cloud collector's state file (refresh token and
// last-active times). Invariants: times convert to the clock without
// overflow, and what parses is written back in a form that parses to the
// same state.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "collectors/cloud/state_store.h"

namespace cloud = entra_pta::cloud;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto parsed = cloud::ParseCloudState(text);
  if (!parsed.ok()) {
    if (parsed.status().ok() || parsed.status().message().empty()) {
      __builtin_trap();
    }
    return 0;
  }
  const auto& state = parsed.value();
  const auto now = std::chrono::system_clock::now();
  for (const auto& [id, last] : state.last_active) {
    // The collector reports the age of the last active time.
    (void)(now - last.when);
  }
  const auto again = cloud::ParseCloudState(cloud::SerializeCloudState(state));
  if (!again.ok()) __builtin_trap();
  const cloud::CloudState* state_again = &*again;
  if (state_again->last_active.size() != state.last_active.size()) {
    __builtin_trap();
  }
  for (const auto& [id, last] : state.last_active) {
    auto it = state_again->last_active.find(id);
    if (it == state_again->last_active.end() || it->second.when != last.when ||
        it->second.machine_name != last.machine_name) {
      __builtin_trap();
    }
  }
  if (state.refresh_token.has_value() !=
      state_again->refresh_token.has_value()) {
    __builtin_trap();
  }
  return 0;
}
