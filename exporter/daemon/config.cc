#include "exporter/daemon/config.h"

#include <algorithm>
#include <cctype>

#include "exporter/util/ascii.h"

namespace entra_pta {
namespace {

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) {
    out += out.empty() ? "" : ", ";
    out += name;
  }
  return out;
}

bool IsGuid(const std::string& text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    const char c = text[i];
    if (dash_position ? c != '-'
                      : !std::isxdigit(static_cast<unsigned char>(c)))
      return false;
  }
  return true;
}

// One function per top-level section; each records what it reads into
// `config` and fails (ConfigError, located) on a bad value or unknown key.
void ParseTenantSection(const ConfigSection& tenant, Config& config) {
  if (auto id = tenant.String("id")) {
    std::optional<std::string> parsed = ParseTenantId(*id);
    if (!parsed) {
      tenant.Fail("id", "tenant.id: invalid tenant ID \"" + *id +
                            "\" (use the directory's GUID, e.g. "
                            "00000000-0000-0000-0000-000000000000)");
    }
    config.tenant.id = parsed.value_or("");
  }
  if (auto cloud = tenant.String("cloud")) {
    auto parsed = ParseCloud(*cloud);
    if (!parsed) {
      tenant.Fail("cloud", "tenant.cloud: invalid cloud \"" + *cloud +
                               "\" (use AzurePublic or AzureUSGovernment)");
    }
    config.tenant.cloud = *parsed;
  }
  tenant.RejectUnknownKeys();
}

void ParseWebSection(const ConfigSection& web, Config& config) {
  if (auto address = web.String("listen_address")) {
    if (!ParseListenAddress(*address)) {
      web.Fail("listen_address",
               "web.listen_address: invalid address \"" + *address +
                   "\" (use host:port, e.g. :9847 or 127.0.0.1:9847)");
    }
    config.web.listen_address = *address;
  }
  if (auto file = web.String("config_file")) config.web.config_file = *file;
  web.RejectUnknownKeys();
}

void ParseLogSection(const ConfigSection& log, Config& config) {
  if (auto level = log.String("level")) {
    auto parsed = ParseLogLevel(*level);
    if (!parsed) {
      log.Fail("level", "log.level: invalid level \"" + *level +
                            "\" (use debug, info, warn or error)");
    }
    config.log.level = *parsed;
  }
  if (auto format = log.String("format")) {
    auto parsed = ParseLogFormat(*format);
    if (!parsed) {
      log.Fail("format", "log.format: invalid format \"" + *format +
                             "\" (use logfmt or json)");
    }
    config.log.format = *parsed;
  }
  log.RejectUnknownKeys();
}

void ParseScrapeSection(const ConfigSection& scrape, Config& config) {
  // Prometheus scrape timeouts are seconds to a few minutes; these bounds
  // catch typos (1000y) that would otherwise fail every scrape.
  if (auto margin = scrape.Duration("timeout_margin", kMaxTimeoutMargin)) {
    config.scrape.timeout_margin = *margin;
  }
  if (auto max = scrape.Duration("max_timeout", kMaxScrapeTimeout)) {
    if (max->count() == 0) {
      scrape.Fail("max_timeout", "scrape.max_timeout: must be greater than 0");
    }
    config.scrape.max_timeout = *max;
  }
  scrape.RejectUnknownKeys();
}

void ParseCollectorsSection(const ConfigSection& collectors,
                            const std::vector<std::string>& collector_names,
                            Config& config) {
  for (const std::string& name : collectors.Keys()) {
    if (std::find(collector_names.begin(), collector_names.end(), name) ==
        collector_names.end()) {
      collectors.FailAtKey(
          name, "collectors: unknown collector \"" + name +
                    "\" (known: " + JoinNames(collector_names) + ")");
    }
    config.collector_sections.emplace(name, *collectors.Section(name));
  }
}

}  // namespace

std::optional<std::string> ParseTenantId(const std::string& text) {
  if (!IsGuid(text)) return std::nullopt;
  return AsciiLower(text);
}

Config ParseConfig(const std::string& yaml_text, const std::string& file_name,
                   const std::vector<std::string>& collector_names) {
  ConfigSection root = ParseConfigRoot(yaml_text, file_name);
  Config config;
  config.file = file_name;
  if (auto tenant = root.Section("tenant")) ParseTenantSection(*tenant, config);
  if (auto web = root.Section("web")) ParseWebSection(*web, config);
  if (auto log = root.Section("log")) ParseLogSection(*log, config);
  if (auto scrape = root.Section("scrape")) ParseScrapeSection(*scrape, config);
  if (auto collectors = root.Section("collectors")) {
    ParseCollectorsSection(*collectors, collector_names, config);
  }
  root.RejectUnknownKeys();
  return config;
}

Config LoadConfigFile(const std::string& path,
                      const std::vector<std::string>& collector_names) {
  return ParseConfig(ReadConfigFile(path, "configuration file"), path,
                     collector_names);
}

}  // namespace entra_pta
