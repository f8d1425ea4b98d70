// libFuzzer target: what the heartbeat collector makes of text it does not
// control: %NAME% expansion of the trace directory (environment values may
// hold anything) and the default trace-file name pattern matched against
// directory entries (up to 255 bytes, the NTFS name limit).
// Invariants: without values, expansion is the identity; with values, every
// resolved reference is replaced exactly once (no re-expansion).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <regex>
#include <string>

#include "collectors/heartbeat/heartbeat_collector.h"
#include "collectors/heartbeat/trace_log.h"
#include "exporter/util/env_expansion.h"

namespace heartbeat = entra_pta::heartbeat;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto none = [](const std::string&) -> std::optional<std::string> {
    return std::nullopt;
  };
  if (entra_pta::ExpandEnvironmentReferences(text, none) != text) {
    __builtin_trap();
  }
  // Every name resolves to itself wrapped in percent signs: expanding must
  // not loop, and it must leave the text unchanged.
  const auto self = [](const std::string& name) -> std::optional<std::string> {
    return "%" + name + "%";
  };
  if (entra_pta::ExpandEnvironmentReferences(text, self) != text) {
    __builtin_trap();
  }
  const auto empty = [](const std::string&) -> std::optional<std::string> {
    return std::string();
  };
  if (entra_pta::ExpandEnvironmentReferences(text, empty).size() >
      text.size()) {
    __builtin_trap();
  }
  static const std::regex pattern(
      heartbeat::HeartbeatSettings{}.trace_file_pattern,
      std::regex::ECMAScript | std::regex::icase);
  (void)std::regex_match(text.substr(0, 255), pattern);
  return 0;
}
