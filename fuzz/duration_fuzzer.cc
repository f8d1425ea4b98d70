// libFuzzer target: Prometheus-style durations ("2h30m", "500ms").
// Invariant: whatever ParseDuration accepts, FormatDuration prints in a
// form ParseDuration reads back as the same value.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "exporter/util/duration.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto parsed = entra_pta::ParseDuration(text);
  if (!parsed) return 0;
  if (parsed->count() < 0) __builtin_trap();
  const auto again =
      entra_pta::ParseDuration(entra_pta::FormatDuration(*parsed));
  if (!again || *again != *parsed) __builtin_trap();
  return 0;
}
