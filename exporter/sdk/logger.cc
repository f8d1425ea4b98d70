#include "exporter/sdk/logger.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <ostream>

namespace entra_pta {
namespace {

// logfmt values are quoted when they hold anything but plain characters.
std::string LogfmtValue(std::string_view value) {
  bool needs_quotes = value.empty();
  for (unsigned char c : value) {
    if (c <= ' ' || c == '=' || c == '"' || c == '\\' || c >= 0x7f) {
      needs_quotes = true;
      break;
    }
  }
  if (!needs_quotes) return std::string(value);
  std::string out = "\"";
  for (unsigned char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < ' ' || c == 0x7f) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace

std::optional<LogLevel> ParseLogLevel(std::string_view text) {
  if (text == "debug") return LogLevel::kDebug;
  if (text == "info") return LogLevel::kInfo;
  if (text == "warn") return LogLevel::kWarn;
  if (text == "error") return LogLevel::kError;
  return std::nullopt;
}

std::optional<LogFormat> ParseLogFormat(std::string_view text) {
  if (text == "logfmt") return LogFormat::kLogfmt;
  if (text == "json") return LogFormat::kJson;
  return std::nullopt;
}

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "unknown";
}

std::string FormatRfc3339Millis(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto millis = floor<milliseconds>(t);
  auto day = floor<days>(millis);
  year_month_day ymd{day};
  hh_mm_ss<milliseconds> time{millis - day};
  char buf[40];
  std::snprintf(
      buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
      static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
      static_cast<unsigned>(ymd.day()), static_cast<int>(time.hours().count()),
      static_cast<int>(time.minutes().count()),
      static_cast<int>(time.seconds().count()),
      static_cast<int>(time.subseconds().count()));
  return buf;
}

Logger::Logger(std::ostream& out, const Clock& clock, LogLevel level,
               LogFormat format)
    : out_(out), clock_(clock), level_(level), format_(format) {}

void Logger::SetLevel(LogLevel level) {
  std::lock_guard lock(mu_);
  level_ = level;
}

void Logger::SetFormat(LogFormat format) {
  std::lock_guard lock(mu_);
  format_ = format;
}

bool Logger::Enabled(LogLevel level) const {
  std::lock_guard lock(mu_);
  return level >= level_;
}

void Logger::Log(LogLevel level, std::string_view collector,
                 std::string_view msg, const std::vector<LogField>& fields) {
  std::lock_guard lock(mu_);
  if (level < level_) return;
  std::string ts = FormatRfc3339Millis(clock_.Now());
  std::string line;
  if (format_ == LogFormat::kJson) {
    nlohmann::ordered_json j;
    j["ts"] = ts;
    j["level"] = LogLevelName(level);
    if (!collector.empty()) j["collector"] = collector;
    j["msg"] = msg;
    for (const auto& [key, value] : fields) j[key] = value;
    // Replacement keeps invalid UTF-8 from a file name from throwing.
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = "ts=" + ts + " level=" + std::string(LogLevelName(level));
    if (!collector.empty()) line += " collector=" + LogfmtValue(collector);
    line += " msg=" + LogfmtValue(msg);
    for (const auto& [key, value] : fields) {
      line += ' ';
      line += key;
      line += '=';
      line += LogfmtValue(value);
    }
  }
  line += '\n';
  out_ << line;
  out_.flush();
}

}  // namespace entra_pta
