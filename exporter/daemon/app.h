// The exporter program: command-line flags (Prometheus exporter
// conventions), config loading and checking, and the serve loop.
// main() only calls ExporterMain; tests call the pieces.
// Thread-safety: startup code, called from the main thread.
#pragma once

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "exporter/daemon/collector_table.h"
#include "exporter/daemon/scrape_runner.h"

namespace entra_pta {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitConfigError = 2;

struct Flags {
  std::optional<std::string> config_file;
  std::optional<std::string> config_check;
  std::optional<std::string> listen_address;
  std::optional<std::string> web_config_file;
  std::optional<std::string> log_level;
  std::optional<std::string> log_format;
  std::optional<std::string> collectors_enabled;
  std::optional<std::string> tenant_id;
  std::optional<std::string> service;  // install, uninstall or run
  bool help = false;
  bool version = false;
};

// Accepts --name=value and --name value. Throws FlagError.
Flags ParseFlags(const std::vector<std::string>& args);

std::string UsageText();
std::string VersionText();
std::string VersionJson();

// Loads the config (or defaults when `flags.config_file` is unset), applies
// flag overrides, checks the web config file when one is set and builds the
// enabled collectors. Throws ConfigError or FlagError.
struct Startup {
  Config config;
  std::vector<ScrapeRunner::NamedCollector> collectors;
};
Startup PrepareStartup(const Flags& flags,
                       const std::vector<CollectorEntry>& table,
                       const CollectorDeps& deps);

// `--config.check FILE`: runs the start preparation a start with the same
// flags would run (`--config.check` standing in for `--config.file`; the web
// config file, listen address, log and collector flags included), then
// prints "FILE: OK" and returns 0, or prints the error exactly as a start
// would and returns 2.
int CheckConfig(const Flags& flags, const std::vector<CollectorEntry>& table,
                std::ostream& out, std::ostream& err);
// The same for a file alone (no other flags).
int CheckConfig(const std::string& path,
                const std::vector<CollectorEntry>& table, std::ostream& out,
                std::ostream& err);

// The flags `--service install` records for `--service run`: every flag
// given except --service itself, file paths made absolute (a service starts
// in the system directory).
std::vector<std::string> ServiceRunArgs(const Flags& flags);

// `--service install|uninstall|run|stop` (Windows only; elsewhere exit 2).
int ServiceCommandMain(const Flags& flags,
                       const std::vector<CollectorEntry>& table);

// Calls along a start, for a supervisor that reports them (the Windows
// service: START_PENDING checkpoints, then SERVICE_RUNNING). Either may be
// empty.
struct StartProgress {
  std::function<void()> configured;  // flags and configuration read
  std::function<void()> serving;     // the listener is bound
};

// Serves until `stop_requested()` is true, logging to `log_out`. Config
// errors are written there too (exit status 2), before `progress.serving`
// is called; a listener that cannot be bound exits 1, also before it.
int RunExporter(const Flags& flags, const std::vector<CollectorEntry>& table,
                std::ostream& log_out,
                const std::function<bool()>& stop_requested,
                const StartProgress& progress = {});

// The whole program. Returns the process exit status.
int ExporterMain(int argc, char** argv);

}  // namespace entra_pta
