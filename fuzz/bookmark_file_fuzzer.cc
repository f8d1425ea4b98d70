// libFuzzer target: the eventlog collector's bookmark files (one per
// channel, under the state directory). Invariant: a file that parses is
// written back by SerializeBookmarkFile in a form that parses to the same
// state (since_seconds to the millisecond the format keeps).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "collectors/eventlog/bookmark_file.h"

namespace eventlog = entra_pta::eventlog;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view kChannel =
      "Microsoft-AzureADConnect-AuthenticationAgent/Admin";
  const auto parsed = eventlog::ParseBookmarkFile(text, kChannel);
  if (parsed.ok()) {
    const eventlog::BookmarkState* state = &*parsed;
    if (!std::isfinite(state->since_seconds) || state->since_seconds < 0) {
      __builtin_trap();
    }
    const std::string written =
        eventlog::SerializeBookmarkFile(kChannel, *state);
    const auto again = eventlog::ParseBookmarkFile(written, kChannel);
    if (!again.ok()) __builtin_trap();
    const eventlog::BookmarkState* state_again = &*again;
    if (std::fabs(state_again->since_seconds - state->since_seconds) > 0.001) {
      __builtin_trap();
    }
  } else if (parsed.status().message().empty()) {
    __builtin_trap();
  }
  // The channel name also comes from configuration: any bytes give a file
  // name without path separators.
  const std::string name = eventlog::BookmarkFileName(text);
  if (name.find_first_of("/\\:") != std::string::npos) __builtin_trap();
  return 0;
}
