// Config: the exporter's own settings (web, log, scrape) loaded strictly from
// YAML, plus the raw `collectors.<name>` sections that the collector table
// validates. Loading throws ConfigError (file:line:column); the caller turns
// that into exit status 2.
// Thread-safety: plain data once loaded; load at startup from one thread.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "exporter/http/listen_address.h"
#include "exporter/sdk/config_section.h"
#include "exporter/sdk/logger.h"
#include "exporter/sdk/tenant_settings.h"

namespace entra_pta {

struct WebSettings {
  std::string listen_address = ":9847";
  std::string config_file;  // exporter-toolkit web config; empty = plain HTTP
};

struct LogSettings {
  LogLevel level = LogLevel::kInfo;
  LogFormat format = LogFormat::kLogfmt;
};

struct ScrapeSettings {
  // Subtracted from X-Prometheus-Scrape-Timeout-Seconds so the answer
  // reaches Prometheus before it gives up.
  std::chrono::milliseconds timeout_margin{500};
  // The deadline when the header is absent, and the upper bound otherwise.
  std::chrono::milliseconds max_timeout{10000};
};
// Upper bounds of the two, checked at load time.
inline constexpr std::chrono::milliseconds kMaxScrapeTimeout =
    std::chrono::minutes(10);
inline constexpr std::chrono::milliseconds kMaxTimeoutMargin =
    std::chrono::minutes(1);

struct Config {
  std::string file;  // where it came from; empty when only defaults apply
  TenantSettings tenant;
  WebSettings web;
  LogSettings log;
  ScrapeSettings scrape;
  // `collectors.<name>` as written (validated later by the collector table).
  std::map<std::string, ConfigSection> collector_sections;
};

// Parses `yaml_text` (named `file_name` in errors). `collector_names` are the
// valid keys under `collectors`. Throws ConfigError.
Config ParseConfig(const std::string& yaml_text, const std::string& file_name,
                   const std::vector<std::string>& collector_names);

// Reads and parses a file. An unreadable file is a ConfigError at 0:0.
Config LoadConfigFile(const std::string& path,
                      const std::vector<std::string>& collector_names);

}  // namespace entra_pta
