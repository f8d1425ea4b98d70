// libFuzzer target: one rendered Windows event (EvtRenderEventXml output)
// and the SystemTime parser. Invariants: event IDs and levels stay in their
// documented ranges, times are finite, and FormatSystemTime/ParseSystemTime
// round-trip to the millisecond.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/eventlog/event_xml.h"

namespace eventlog = entra_pta::eventlog;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto result = eventlog::ParseRenderedEvent(text);
  if (result.ok()) {
    const eventlog::EventFields* fields = &*result;
    if (fields->event_id > 65535 || fields->level > 255) __builtin_trap();
    if (fields->time_created_seconds &&
        !std::isfinite(*fields->time_created_seconds)) {
      __builtin_trap();
    }
    (void)eventlog::LevelName(fields->level);
  } else if (result.status().message().empty()) {
    __builtin_trap();
  }
  if (const auto seconds = eventlog::ParseSystemTime(text)) {
    if (!std::isfinite(*seconds)) __builtin_trap();
    const auto again =
        eventlog::ParseSystemTime(eventlog::FormatSystemTime(*seconds));
    if (!again || std::fabs(*again - *seconds) > 0.001) __builtin_trap();
    (void)eventlog::SinceQuery(*seconds);
  }
  return 0;
}
