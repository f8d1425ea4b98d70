// Logger: structured log lines (logfmt or JSON, one per line) with a level, an
// optional collector name and key/value fields, written to one stream.
// Thread-safety: all methods may be called concurrently; each line is written
// whole under a mutex.
#pragma once

#include <iosfwd>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "exporter/sdk/clock.h"

namespace entra_pta {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class LogFormat { kLogfmt, kJson };

std::optional<LogLevel> ParseLogLevel(std::string_view text);
std::optional<LogFormat> ParseLogFormat(std::string_view text);
std::string_view LogLevelName(LogLevel level);

using LogField = std::pair<std::string, std::string>;

class Logger {
 public:
  // `out` and `clock` must outlive the logger.
  Logger(std::ostream& out, const Clock& clock,
         LogLevel level = LogLevel::kInfo,
         LogFormat format = LogFormat::kLogfmt);

  void SetLevel(LogLevel level);
  void SetFormat(LogFormat format);
  bool Enabled(LogLevel level) const;

  // Writes `ts level [collector] msg fields...`. `collector` is omitted when
  // empty. Field values are escaped; never pass secrets here.
  void Log(LogLevel level, std::string_view collector, std::string_view msg,
           const std::vector<LogField>& fields = {});

  void Debug(std::string_view msg, const std::vector<LogField>& fields = {}) {
    Log(LogLevel::kDebug, "", msg, fields);
  }
  void Info(std::string_view msg, const std::vector<LogField>& fields = {}) {
    Log(LogLevel::kInfo, "", msg, fields);
  }
  void Warn(std::string_view msg, const std::vector<LogField>& fields = {}) {
    Log(LogLevel::kWarn, "", msg, fields);
  }
  void Error(std::string_view msg, const std::vector<LogField>& fields = {}) {
    Log(LogLevel::kError, "", msg, fields);
  }

 private:
  std::ostream& out_;
  const Clock& clock_;
  mutable std::mutex mu_;
  LogLevel level_;
  LogFormat format_;
};

// RFC 3339 UTC with milliseconds, e.g. 2026-11-25T05:44:00.123Z.
std::string FormatRfc3339Millis(std::chrono::system_clock::time_point t);

}  // namespace entra_pta
