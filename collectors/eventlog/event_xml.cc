#include "collectors/eventlog/event_xml.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

#include "exporter/util/xml_scan.h"

namespace entra_pta::eventlog {
namespace {

template <typename Int>
std::optional<Int> ParseUnsigned(std::string_view text, Int max) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\n' ||
                           text.front() == '\r' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n' ||
                           text.back() == '\r' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  Int value = 0;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      value > max) {
    return std::nullopt;
  }
  return value;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// days_from_civil).
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned month_from_march = m > 2 ? m - 3 : m + 9;
  const unsigned doy = (153 * month_from_march + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

std::optional<double> ParseSystemTime(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction]Z
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != ' ') || text[13] != ':' ||
      text[16] != ':' || text.back() != 'Z') {
    return std::nullopt;
  }
  auto year = ParseUnsigned<unsigned>(text.substr(0, 4), 9999);
  auto month = ParseUnsigned<unsigned>(text.substr(5, 2), 12);
  auto day = ParseUnsigned<unsigned>(text.substr(8, 2), 31);
  auto hour = ParseUnsigned<unsigned>(text.substr(11, 2), 23);
  auto minute = ParseUnsigned<unsigned>(text.substr(14, 2), 59);
  auto second = ParseUnsigned<unsigned>(text.substr(17, 2), 60);
  if (!year || !month || !day || !hour || !minute || !second || *month == 0 ||
      *day == 0) {
    return std::nullopt;
  }
  double fraction = 0;
  std::string_view rest = text.substr(19, text.size() - 20);
  if (!rest.empty()) {
    if (rest[0] != '.' || rest.size() < 2 || rest.size() > 10) {
      return std::nullopt;
    }
    double scale = 0.1;
    for (char c : rest.substr(1)) {
      if (c < '0' || c > '9') return std::nullopt;
      fraction += (c - '0') * scale;
      scale /= 10;
    }
  }
  std::int64_t days = DaysFromCivil(*year, *month, *day);
  return static_cast<double>(days) * 86400.0 + *hour * 3600.0 + *minute * 60.0 +
         *second + fraction;
}

std::string FormatSystemTime(double unix_seconds) {
  auto total_ms = static_cast<std::int64_t>(std::floor(unix_seconds * 1000.0));
  std::int64_t days = total_ms / 86'400'000;
  std::int64_t ms_of_day = total_ms % 86'400'000;
  if (ms_of_day < 0) {
    ms_of_day += 86'400'000;
    --days;
  }
  // civil_from_days
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  char buffer[40];
  std::snprintf(buffer, sizeof buffer,
                "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<long long>(y), m, d,
                static_cast<long long>(ms_of_day / 3'600'000),
                static_cast<long long>(ms_of_day / 60'000 % 60),
                static_cast<long long>(ms_of_day / 1000 % 60),
                static_cast<long long>(ms_of_day % 1000));
  return buffer;
}

std::variant<EventFields, std::string> ParseRenderedEvent(
    std::string_view xml) {
  XmlLimits limits;
  limits.max_elements = 2000;
  limits.max_depth = 32;
  auto scanned = ScanXml(xml, limits);
  if (auto* error = std::get_if<std::string>(&scanned)) {
    return "malformed event XML: " + *error;
  }
  const auto& elements = std::get<std::vector<XmlElement>>(scanned);
  if (elements.front().name != "Event") {
    return "not an event: the root element is <" + elements.front().name + ">";
  }
  EventFields fields;
  bool in_system = false, saw_system = false, saw_provider = false,
       saw_id = false;
  for (const XmlElement& element : elements) {
    if (element.depth == 1) {
      in_system = element.name == "System";
      saw_system = saw_system || in_system;
      continue;
    }
    if (!in_system || element.depth != 2) continue;
    if (element.name == "Provider") {
      const std::string* name = element.Attribute("Name");
      if (name == nullptr || name->empty()) {
        return std::string("event <Provider> has no Name");
      }
      fields.provider = *name;
      saw_provider = true;
    } else if (element.name == "EventID") {
      auto id = ParseUnsigned<std::uint32_t>(element.text, 65535);
      if (!id)
        return "invalid <EventID> \"" + element.text.substr(0, 32) + "\"";
      fields.event_id = *id;
      saw_id = true;
    } else if (element.name == "Level") {
      auto level = ParseUnsigned<std::uint32_t>(element.text, 255);
      if (!level)
        return "invalid <Level> \"" + element.text.substr(0, 32) + "\"";
      fields.level = *level;
    } else if (element.name == "TimeCreated") {
      if (const std::string* time = element.Attribute("SystemTime")) {
        fields.time_created_seconds = ParseSystemTime(*time);
        if (!fields.time_created_seconds) {
          return "invalid TimeCreated SystemTime \"" + time->substr(0, 40) +
                 "\"";
        }
      }
    } else if (element.name == "EventRecordID") {
      fields.record_id = ParseUnsigned<std::uint64_t>(
          element.text, std::numeric_limits<std::uint64_t>::max());
    }
  }
  if (!saw_system) return std::string("event has no <System> element");
  if (!saw_provider) return std::string("event has no <Provider>");
  if (!saw_id) return std::string("event has no <EventID>");
  return fields;
}

std::string LevelName(std::uint32_t level) {
  switch (level) {
    case 0:
    case 4:
      return "information";
    case 1:
      return "critical";
    case 2:
      return "error";
    case 3:
      return "warning";
    case 5:
      return "verbose";
    default:
      return std::to_string(level);
  }
}

}  // namespace entra_pta::eventlog

namespace entra_pta::eventlog {

std::string SinceQuery(double since_seconds) {
  return "*[System[TimeCreated[@SystemTime>='" +
         FormatSystemTime(since_seconds) + "']]]";
}

}  // namespace entra_pta::eventlog
