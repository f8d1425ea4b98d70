// The --web.config.file of the Prometheus exporter-toolkit format:
// tls_server_config, basic_auth_users and http_server_config. Parsed
// strictly (located errors, like the main config) and applied in full or
// refused, never half applied: a setting this server cannot honour is an
// error naming its position, not silently ignored. WebConfigWatcher re-reads
// the file, and the certificate, key and CA files it names, when they
// change, so certificates and passwords rotate without a restart.
// Thread-safety: the Load functions are pure apart from reading files;
// WebConfigWatcher::Current() may be called from many threads.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "exporter/http/web_security.h"
#include "exporter/sdk/clock.h"
#include "exporter/sdk/logger.h"

namespace entra_pta {

// bcrypt costs above this are refused: one check would hold a worker for
// many seconds (htpasswd's own limit is 17 too).
inline constexpr int kMaxBcryptCost = 17;

struct LoadedWebConfig {
  std::shared_ptr<const WebSecurity> security;
  // The web configuration file and every file it names, for reloading.
  std::vector<std::string> files;
};

// Parses and applies (reads certificates and keys, builds the TLS context).
// Relative file names are relative to the web configuration file's folder.
// Throws ConfigError (file:line:column); messages never hold secrets.
LoadedWebConfig LoadWebConfig(const std::string& yaml_text,
                              const std::string& file_name);
LoadedWebConfig LoadWebConfigFile(const std::string& path);
// Validation only (startup): LoadWebConfigFile, result discarded.
void CheckWebConfigFile(const std::string& path);

class WebConfigWatcher {
 public:
  // Loads the file now; throws ConfigError.
  WebConfigWatcher(std::string path, Logger& logger, const Clock& clock,
                   std::chrono::milliseconds check_interval =
                       std::chrono::milliseconds(1000));

  // The settings to apply. At most once per check interval, compares the
  // files' modification times and sizes with those last loaded and reloads
  // when one changed. An invalid new file keeps the previous settings and
  // is logged once (until the files change again).
  std::shared_ptr<const WebSecurity> Current();

 private:
  struct FileStamp {
    std::string path;
    long long modified = 0;  // nanoseconds, or -1 when missing
    long long size = -1;
    bool operator==(const FileStamp&) const = default;
  };
  static std::vector<FileStamp> Stamp(const std::vector<std::string>& files);

  const std::string path_;
  Logger& logger_;
  const Clock& clock_;
  const std::chrono::milliseconds check_interval_;
  std::mutex mutex_;
  std::shared_ptr<const WebSecurity> current_;        // guarded by mutex_
  std::vector<std::string> files_;                    // guarded by mutex_
  std::vector<FileStamp> loaded_stamps_;              // guarded by mutex_
  std::vector<FileStamp> failed_stamps_;              // guarded by mutex_
  std::chrono::system_clock::time_point last_check_;  // guarded by mutex_
};

}  // namespace entra_pta
