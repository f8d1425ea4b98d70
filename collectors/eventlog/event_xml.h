// Pure parsing of one rendered Windows event (the XML that EvtRender with
// EvtRenderEventXml produces) into the few System fields the eventlog
// collector counts by. Portable, so it is tested on Linux with fixtures.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "exporter/util/status.h"

namespace entra_pta::eventlog {

struct EventFields {
  std::string provider;
  std::uint32_t event_id = 0;                  // 0..65535
  std::uint32_t level = 0;                     // 0..255 (see LevelName)
  std::optional<double> time_created_seconds;  // Unix time
  std::optional<std::uint64_t> record_id;
};

// The event's System fields, or a one-line error for malformed, truncated
// or hostile input (never throws, never crashes).
StatusOr<EventFields> ParseRenderedEvent(std::string_view xml);

// "critical", "error", "warning", "information", "verbose"; level 0
// (LogAlways, shown as Information by Event Viewer) is "information"; other
// values are their number.
std::string LevelName(std::uint32_t level);

// Parses "2026-11-25T20:00:00.1234567Z" (UTC, as Windows renders
// SystemTime) into Unix seconds.
std::optional<double> ParseSystemTime(std::string_view text);

// The reverse, with millisecond precision, for XPath queries:
// "2026-11-25T20:00:00.000Z".
std::string FormatSystemTime(double unix_seconds);

}  // namespace entra_pta::eventlog

namespace entra_pta::eventlog {

// The XPath query for "events created at or after `since_seconds`".
std::string SinceQuery(double since_seconds);

}  // namespace entra_pta::eventlog
