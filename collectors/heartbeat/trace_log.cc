#include "collectors/heartbeat/trace_log.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace entra_pta::heartbeat {
namespace fs = std::filesystem;
namespace {

fs::path PathFromUtf8(const std::string& text) {
  return fs::path(std::u8string(text.begin(), text.end()));
}

std::string Utf8FromPath(const fs::path& path) {
  std::u8string text = path.u8string();
  return std::string(text.begin(), text.end());
}

}  // namespace

StatusOr<std::optional<TraceFile>> FindNewestTraceFile(
    const std::string& directory, const std::regex& name_pattern) {
  const fs::path dir = PathFromUtf8(directory);
  std::error_code ec;
  const fs::file_status status = fs::status(dir, ec);
  if (ec || !fs::exists(status)) {
    if (ec && ec != std::errc::no_such_file_or_directory) {
      return Status::Error("cannot open trace directory \"" + directory +
                           "\": " + ec.message());
    }
    return Status::Error(
        "trace directory \"" + directory +
        "\" does not exist (is the PTA agent installed on this "
        "host? set collectors.heartbeat.trace_dir)");
  }
  if (!fs::is_directory(status)) {
    return Status::Error("trace directory \"" + directory +
                         "\" is not a directory");
  }
  fs::directory_iterator it(dir, ec);
  if (ec) {
    return Status::Error("cannot list trace directory \"" + directory +
                         "\": " + ec.message());
  }
  std::optional<TraceFile> newest;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const fs::directory_entry& entry = *it;
    std::error_code entry_ec;
    if (!entry.is_regular_file(entry_ec) || entry_ec) continue;
    if (!std::regex_match(Utf8FromPath(entry.path().filename()),
                          name_pattern)) {
      continue;
    }
    fs::file_time_type written = entry.last_write_time(entry_ec);
    // A file rotated away between listing and stat is simply skipped.
    if (entry_ec) continue;
    auto as_system =
        std::chrono::time_point_cast<std::chrono::system_clock::duration>(
            std::chrono::file_clock::to_sys(written));
    if (!newest || as_system > newest->last_write) {
      newest = TraceFile{Utf8FromPath(entry.path()), as_system};
    }
  }
  if (ec) {
    return Status::Error("error while listing trace directory \"" + directory +
                         "\": " + ec.message());
  }
  return newest;
}

}  // namespace entra_pta::heartbeat
