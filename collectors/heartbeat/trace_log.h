// The trace-log heartbeat source: the PTA agent writes a trace file
// (AzureADConnectAuthenticationAgent_<GUID>.log) under its Trace directory
// and keeps appending to it while it runs, so the newest file's last write
// time is a sign of life. Portable file I/O (std::filesystem) plus pure
// helpers, so no OS backend split is needed.
// Thread-safety: free functions without shared state.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <regex>
#include <string>

#include "exporter/util/status.h"

namespace entra_pta::heartbeat {

struct TraceFile {
  std::string path;  // UTF-8
  std::chrono::system_clock::time_point last_write;
};

// Finds the file in `directory` (not recursive) whose name matches
// `name_pattern` and whose last write time is the newest; nullopt when the
// directory exists but holds no matching file. A missing or unreadable
// directory is an error Status saying so.
StatusOr<std::optional<TraceFile>> FindNewestTraceFile(
    const std::string& directory, const std::regex& name_pattern);

}  // namespace entra_pta::heartbeat
