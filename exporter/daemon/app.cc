#include "exporter/daemon/app.h"

#include <prometheus/text_serializer.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "collectors/cloud/graph_login.h"
#include "exporter/daemon/diagnose.h"
#include "exporter/daemon/health_check.h"
#include "exporter/daemon/reloader.h"
#include "exporter/http/http_server.h"
#include "exporter/http/web_config.h"
#include "exporter/platform/malloc_tuning.h"
#include "exporter/platform/reload_signal.h"
#include "exporter/platform/windows_service.h"
#include "exporter/sdk/metric_builder.h"
#include "exporter/util/build_info.h"
#include "exporter/util/duration.h"
#include "exporter/util/flag_parser.h"
#include "exporter/views/landing_page.h"

namespace entra_pta {
namespace {

volatile std::sig_atomic_t g_stop_signal = 0;

extern "C" void OnStopSignal(int signal) { g_stop_signal = signal; }

prometheus::MetricFamily BuildInfoFamily() {
  auto family = GaugeFamily(
      "entra_pta_exporter_build_info",
      "A metric with a constant 1 value labelled by the exporter's version, "
      "revision and compiler.");
  AddSample(family,
            {{"version", build::kVersion},
             {"revision", build::kRevision},
             {"compiler", build::kCompiler}},
            1);
  return family;
}

}  // namespace

Flags ParseFlags(const std::vector<std::string>& args) {
  Flags flags;
  FlagParser parser;
  parser.Value("--config.file", &flags.config_file)
      .Value("--config.check", &flags.config_check)
      .Value("--web.listen-address", &flags.listen_address)
      .Value("--web.config.file", &flags.web_config_file)
      .Value("--log.level", &flags.log_level)
      .Value("--log.format", &flags.log_format)
      .Value("--collectors.enabled", &flags.collectors_enabled)
      .Value("--tenant.id", &flags.tenant_id)
      .Value("--service", &flags.service)
      .Switch("--help,-h", &flags.help)
      .Switch("--version", &flags.version);
  if (Status parsed = parser.Parse(args, " (see --help)"); !parsed.ok()) {
    throw FlagError(parsed.message());
  }
  return flags;
}

std::string UsageText() {
  return R"(usage: entra_pta_exporter [flags]

Prometheus exporter for Microsoft Entra ID Pass-through Authentication agents.

Flags:
  --config.file=FILE          YAML configuration (default: built-in defaults)
  --config.check=FILE         validate FILE as a start with the other flags would
                              (web config file included), print the result,
                              exit 0 (valid) or 2
  --web.listen-address=ADDR   address to listen on (default ":9847")
  --web.config.file=FILE      exporter-toolkit web config (TLS); see docs
  --log.level=LEVEL           debug, info, warn or error (default info)
  --log.format=FORMAT         logfmt or json (default logfmt)
  --collectors.enabled=LIST   comma-separated collectors to run, replacing the
                              enabled set from the config
  --tenant.id=GUID            the Entra tenant (directory) ID, replacing
                              tenant.id from the config
  --service=COMMAND           Windows only: install (as an automatic service
                              with the other flags given here), uninstall,
                              stop (and wait until its process has ended),
                              or run (what the Service Control Manager starts)
  --version                   print version information and exit
  --help                      print this help and exit

Commands:
  graph login [--config.file=FILE]
                              sign the cloud collector in to Microsoft Graph
                              once (device code); stores a refresh token in
                              collectors.cloud.state_file
  diagnose [--config.file=FILE] [--output=text|json|markdown] [--since=24h]
                              run every enabled collector once and print a
                              triage report (PASS/WARN/FAIL/SKIP with fixes);
                              exit 0 pass, 1 warnings, 2 failures (see
                              diagnose --help)
  health-check [--web.listen-address=ADDR] [--timeout=DURATION]
                              exit 0 when the exporter listening on ADDR
                              (default ":9847") answers /health with 200,
                              else 1 (for container health checks)

Flags override the configuration file. Exit status 2 means a configuration
or flag error; the message names file:line:column.
)";
}

std::string VersionText() {
  return std::string("entra_pta_exporter, version ") + build::kVersion +
         " (revision: " + build::kRevision +
         ")\n  compiler: " + build::kCompiler + "\n";
}

std::string VersionJson() {
  nlohmann::ordered_json j;
  j["version"] = build::kVersion;
  j["revision"] = build::kRevision;
  j["compiler"] = build::kCompiler;
  return j.dump() + "\n";
}

Startup PrepareStartup(const Flags& flags,
                       const std::vector<CollectorEntry>& table,
                       const CollectorDeps& deps) {
  Startup startup;
  const std::vector<std::string> names = CollectorNames(table);
  startup.config = flags.config_file ? LoadConfigFile(*flags.config_file, names)
                                     : ParseConfig("", "", names);
  Config& config = startup.config;
  if (flags.listen_address) {
    if (!ParseListenAddress(*flags.listen_address)) {
      throw FlagError("--web.listen-address: invalid address \"" +
                      *flags.listen_address +
                      "\" (use host:port, e.g. :9847 or 127.0.0.1:9847)");
    }
    config.web.listen_address = *flags.listen_address;
  }
  if (flags.web_config_file) {
    config.web.config_file = *flags.web_config_file;
  } else if (!config.web.config_file.empty() && !config.file.empty()) {
    // A relative web.config_file in the YAML is relative to that YAML file.
    std::filesystem::path web_file(config.web.config_file);
    if (web_file.is_relative()) {
      config.web.config_file =
          (std::filesystem::path(config.file).parent_path() / web_file)
              .string();
    }
  }
  if (!config.web.config_file.empty()) {
    CheckWebConfigFile(config.web.config_file);
  }
  if (flags.log_level) {
    auto level = ParseLogLevel(*flags.log_level);
    if (!level) {
      throw FlagError("--log.level: invalid level \"" + *flags.log_level +
                      "\" (use debug, info, warn or error)");
    }
    config.log.level = *level;
  }
  if (flags.log_format) {
    auto format = ParseLogFormat(*flags.log_format);
    if (!format) {
      throw FlagError("--log.format: invalid format \"" + *flags.log_format +
                      "\" (use logfmt or json)");
    }
    config.log.format = *format;
  }
  if (flags.tenant_id) {
    std::optional<std::string> id = ParseTenantId(*flags.tenant_id);
    if (!id) {
      throw FlagError("--tenant.id: invalid tenant ID \"" + *flags.tenant_id +
                      "\" (use the directory's GUID, e.g. "
                      "00000000-0000-0000-0000-000000000000)");
    }
    config.tenant.id = *id;
  }
  std::optional<std::vector<std::string>> enabled;
  if (flags.collectors_enabled) {
    enabled = ParseEnabledList(*flags.collectors_enabled, table);
  }
  startup.collectors = BuildCollectors(table, config, enabled, deps);
  return startup;
}

int CheckConfig(const Flags& flags, const std::vector<CollectorEntry>& table,
                std::ostream& out, std::ostream& err) {
  SystemClock clock;
  SignOfLifeTimes signals;
  // Every flag a start would take, with the file under check as the
  // configuration: the web config given by flag is checked as the start
  // checks it (bcrypt hashes, certificate and key loaded and matched).
  Flags start = flags;
  start.config_check.reset();
  if (flags.config_check) start.config_file = *flags.config_check;
  const std::string path = start.config_file.value_or("");
  try {
    PrepareStartup(start, table, CollectorDeps{clock, &signals});
  } catch (const ConfigError& e) {
    err << e.what() << "\n";
    return kExitConfigError;
  } catch (const FlagError& e) {
    err << "entra_pta_exporter: " << e.what() << "\n";
    return kExitConfigError;
  }
  out << path << ": OK\n";
  return kExitOk;
}

int CheckConfig(const std::string& path,
                const std::vector<CollectorEntry>& table, std::ostream& out,
                std::ostream& err) {
  Flags flags;
  flags.config_check = path;
  return CheckConfig(flags, table, out, err);
}

std::vector<std::string> ServiceRunArgs(const Flags& flags) {
  auto absolute = [](const std::string& path) {
    std::error_code ec;
    std::filesystem::path full = std::filesystem::absolute(path, ec);
    return ec ? path : full.string();
  };
  std::vector<std::string> args;
  if (flags.config_file) {
    args.push_back("--config.file=" + absolute(*flags.config_file));
  }
  if (flags.listen_address) {
    args.push_back("--web.listen-address=" + *flags.listen_address);
  }
  if (flags.web_config_file) {
    args.push_back("--web.config.file=" + absolute(*flags.web_config_file));
  }
  if (flags.log_level) args.push_back("--log.level=" + *flags.log_level);
  if (flags.log_format) args.push_back("--log.format=" + *flags.log_format);
  if (flags.collectors_enabled) {
    args.push_back("--collectors.enabled=" + *flags.collectors_enabled);
  }
  if (flags.tenant_id) args.push_back("--tenant.id=" + *flags.tenant_id);
  return args;
}

namespace {

// Exit status of a --service command: the error on stderr (1), or `done`.
int ServiceCommandResult(const Status& status, const std::string& done) {
  if (!status.ok()) {
    std::cerr << "entra_pta_exporter: " << status.message() << "\n";
    return kExitFailure;
  }
  std::cout << done << "\n";
  return kExitOk;
}

}  // namespace

int ServiceCommandMain(const Flags& flags,
                       const std::vector<CollectorEntry>& table) {
  std::optional<ServiceCommand> command = ParseServiceCommand(*flags.service);
  if (!command) {
    std::cerr << "entra_pta_exporter: --service: invalid command \""
              << *flags.service << "\" (use install, uninstall, run or stop)\n";
    return kExitConfigError;
  }
  if (!WindowsServiceSupported()) {
    std::cerr << "entra_pta_exporter: --service is only available on "
                 "Windows; run the exporter directly or under your init "
                 "system (e.g. systemd)\n";
    return kExitConfigError;
  }
  const ServiceDefinition service;
  switch (*command) {
    case ServiceCommand::kInstall: {
      // Check the configuration now rather than at the next boot.
      SystemClock clock;
      SignOfLifeTimes signals;
      try {
        PrepareStartup(flags, table, CollectorDeps{clock, &signals});
      } catch (const ConfigError& e) {
        std::cerr << e.what() << "\n";
        return kExitConfigError;
      } catch (const FlagError& e) {
        std::cerr << "entra_pta_exporter: " << e.what() << "\n";
        return kExitConfigError;
      }
      std::string warning;
      Status installed =
          InstallService(service, "", ServiceRunArgs(flags), &warning);
      if (!installed.ok()) {
        std::cerr << "entra_pta_exporter: " << installed.message() << "\n";
        return kExitFailure;
      }
      if (!warning.empty())
        std::cerr << "entra_pta_exporter: " << warning << "\n";
      std::cout << "installed service " << service.name
                << " (automatic start; start it now with: sc start "
                << service.name << ")\n";
      return kExitOk;
    }
    case ServiceCommand::kUninstall:
      return ServiceCommandResult(UninstallService(service),
                                  "uninstalled service " + service.name);
    case ServiceCommand::kStop:
      // What the MSI runs before it removes the files: Windows Installer
      // waits only for the service's "stopped", Wine's not even for that,
      // and a running image cannot be deleted.
      return ServiceCommandResult(
          StopService(service, std::chrono::seconds(30)),
          "stopped service " + service.name);
    case ServiceCommand::kRun:
      break;
  }
  int status = RunAsService(
      service, [&](std::ostream& log, const ServiceControls& controls) {
        // START_PENDING until the configuration is read and the listener
        // bound: a bad flag or file fails the start (and an MSI install
        // that waits for it) instead of a running service that then exits.
        return RunExporter(flags, table, log, controls.stop_requested,
                           {controls.starting, controls.running});
      });
  if (status == 1) {
    std::cerr << "entra_pta_exporter: --service run is what the Service "
                 "Control Manager starts; install the service with --service "
                 "install, or run the exporter without --service\n";
  }
  return status;
}

int ExporterMain(int argc, char** argv) {
  LimitMallocArenas();
  std::vector<std::string> args(argv + 1, argv + argc);
  const std::vector<CollectorEntry>& table = DefaultCollectorTable();
  if (!args.empty() && args[0] == "graph") {
    const std::vector<std::string> names = CollectorNames(table);
    auto load = [&names](const std::string& file) {
      Config config = LoadConfigFile(file, names);
      auto found = config.collector_sections.find("cloud");
      return cloud::CloudConfigSource{
          found != config.collector_sections.end()
              ? found->second
              : ConfigSection(file, "collectors.cloud"),
          config.tenant};
    };
    return cloud::GraphCommandMain({args.begin() + 1, args.end()}, load,
                                   std::cout, std::cerr);
  }
  if (!args.empty() && args[0] == "diagnose") {
    return diagnose::DiagnoseMain({args.begin() + 1, args.end()}, table,
                                  std::cout, std::cerr);
  }
  if (!args.empty() && args[0] == "health-check") {
    return HealthCheckMain({args.begin() + 1, args.end()}, std::cout,
                           std::cerr);
  }
  Flags flags;
  try {
    flags = ParseFlags(args);
  } catch (const FlagError& e) {
    std::cerr << "entra_pta_exporter: " << e.what() << "\n";
    return kExitConfigError;
  }
  if (flags.help) {
    std::cout << UsageText();
    return kExitOk;
  }
  if (flags.version) {
    std::cout << VersionText();
    return kExitOk;
  }
  if (flags.config_check) {
    return CheckConfig(flags, table, std::cout, std::cerr);
  }

  if (flags.service) return ServiceCommandMain(flags, table);
  std::signal(SIGINT, OnStopSignal);
  std::signal(SIGTERM, OnStopSignal);
  InstallReloadSignalHandler();
  return RunExporter(flags, table, std::cerr,
                     [] { return g_stop_signal != 0; });
}

namespace {

// The configuration and collectors for a start; a configuration or flag
// error is written to `log_out` and yields nothing (exit status 2).
std::optional<Startup> LoadStartup(const Flags& flags,
                                   const std::vector<CollectorEntry>& table,
                                   const CollectorDeps& deps,
                                   std::ostream& log_out) {
  try {
    return PrepareStartup(flags, table, deps);
  } catch (const ConfigError& e) {
    log_out << e.what() << "\n" << std::flush;
  } catch (const FlagError& e) {
    log_out << "entra_pta_exporter: " << e.what() << "\n" << std::flush;
  }
  return std::nullopt;
}

void LogStarting(Logger& logger, const Startup& startup) {
  std::string enabled_names;
  for (const auto& c : startup.collectors) {
    enabled_names += (enabled_names.empty() ? "" : ",") + c.name;
  }
  const Config& config = startup.config;
  logger.Info("starting entra_pta_exporter",
              {{"version", build::kVersion},
               {"revision", build::kRevision},
               {"config", config.file.empty() ? "(defaults)" : config.file},
               {"collectors", enabled_names}});
}

// What a reload (SIGHUP) runs: the config re-read with the same flags
// (exporter/daemon/reloader.h).
Reloader::Load ReloadWithFlags(const Flags& flags,
                               const std::vector<CollectorEntry>& table,
                               const CollectorDeps& deps) {
  return [&flags, &table, &deps] {
    Startup fresh = PrepareStartup(flags, table, deps);
    return LoadedConfig{std::move(fresh.config), std::move(fresh.collectors)};
  };
}

// /metrics, the version and the landing page, served from the reloader's
// current set of collectors.
HttpServer::Handlers ServingHandlers(
    Reloader& reloader, const std::vector<CollectorEntry>& table,
    const Clock& clock, const prometheus::TextSerializer& serializer,
    const LandingPageInfo& landing_info) {
  HttpServer::Handlers handlers;
  handlers.metrics = [&reloader,
                      &serializer](std::optional<double> header_seconds) {
    // Held to the end of the scrape: a reload meanwhile does not affect it.
    const std::shared_ptr<const ServingSet> serving = reloader.Current();
    std::vector<prometheus::MetricFamily> families =
        serving->runner->Scrape(ScrapeBudget(header_seconds, serving->scrape));
    families.push_back(BuildInfoFamily());
    for (auto& family : reloader.Families()) {
      families.push_back(std::move(family));
    }
    std::ostringstream body;
    serializer.Serialize(body, families);
    return body.str();
  };
  handlers.version_json = [] { return VersionJson(); };
  handlers.landing_page_html = [&reloader, &table, &clock, landing_info] {
    return LandingPageHtml(table, reloader.Current()->runner->Summaries(),
                           landing_info, clock.Now());
  };
  return handlers;
}

// The web configuration (TLS, basic auth, headers) applies per connection
// and request, re-read when its files change. Null when there is none; a
// configuration error is written to `log_out` and returned as false.
bool LoadWebConfig(const Config& config, Logger& logger, const Clock& clock,
                   std::ostream& log_out,
                   std::unique_ptr<WebConfigWatcher>* web_config) {
  if (config.web.config_file.empty()) return true;
  try {
    *web_config = std::make_unique<WebConfigWatcher>(config.web.config_file,
                                                     logger, clock);
  } catch (const ConfigError& e) {
    log_out << e.what() << "\n" << std::flush;
    return false;
  }
  return true;
}

// Starts `server` on `listen_address` and logs where it listens; false (and
// an error logged) when it cannot.
bool StartListening(HttpServer& server, const std::string& listen_address,
                    WebConfigWatcher* web_config, Logger& logger) {
  try {
    server.Start(*ParseListenAddress(listen_address));
  } catch (const std::exception& e) {
    logger.Error("cannot start the HTTP server",
                 {{"address", listen_address}, {"err", e.what()}});
    return false;
  }
  const ListenAddress bound = *ParseListenAddress(listen_address);
  std::string host = bound.host.empty() ? "0.0.0.0" : bound.host;
  if (bound.ipv6) host = "[" + host + "]";
  // Tests start the exporter on port 0 and read the real port from here.
  logger.Info(
      "listening",
      {{"address", host + ":" + std::to_string(server.port())},
       {"tls", web_config && web_config->Current()->tls ? "true" : "false"}});
  return true;
}

// Until a stop is requested: reloads on request, releases idle collectors.
void ServeUntilStopped(Reloader& reloader,
                       const std::function<bool()>& stop_requested) {
  while (!stop_requested()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (TakeReloadRequest()) reloader.Reload();
    reloader.ReleaseIdle();
  }
}

int Shutdown(HttpServer& server, Reloader& reloader, Logger& logger) {
  logger.Info(
      "shutting down",
      {{"reason", g_stop_signal != 0 ? "signal " + std::to_string(g_stop_signal)
                                     : std::string("service stop")}});
  server.Stop();
  if (!reloader.WaitIdle(std::chrono::seconds(5))) {
    // A collector is stuck in a system call; do not let process teardown
    // race with its thread.
    logger.Warn("a collector is still running; exiting without waiting");
    std::fflush(nullptr);
    // As a service, the SCM must hear "stopped" before the process ends,
    // or it records a crash and may restart a service the admin stopped.
    ReportServiceStopped(kExitOk);
    std::_Exit(kExitOk);
  }
  logger.Info("stopped");
  return kExitOk;
}

// Serves the reloader's collectors over HTTP until a stop is requested,
// then shuts down.
int Serve(const Config& config, const std::vector<CollectorEntry>& table,
          Reloader& reloader, Logger& logger, const Clock& clock,
          std::ostream& log_out, const std::function<bool()>& stop_requested,
          const StartProgress& progress) {
  prometheus::TextSerializer serializer;
  const std::string listen_address = config.web.listen_address;
  const LandingPageInfo landing_info{build::kVersion, build::kRevision,
                                     listen_address};
  HttpServer::Handlers handlers =
      ServingHandlers(reloader, table, clock, serializer, landing_info);
  std::unique_ptr<WebConfigWatcher> web_config;
  if (!LoadWebConfig(config, logger, clock, log_out, &web_config)) {
    return kExitConfigError;
  }
  HttpServer::SecuritySource security;
  if (web_config) security = [&web_config] { return web_config->Current(); };
  HttpServer server(handlers, logger, HttpServer::Limits{}, security);
  if (!StartListening(server, listen_address, web_config.get(), logger)) {
    return kExitFailure;
  }
  if (progress.serving) progress.serving();
  ServeUntilStopped(reloader, stop_requested);
  return Shutdown(server, reloader, logger);
}

}  // namespace

int RunExporter(const Flags& flags, const std::vector<CollectorEntry>& table,
                std::ostream& log_out,
                const std::function<bool()>& stop_requested,
                const StartProgress& progress) {
  SystemClock clock;
  SignOfLifeTimes signals;
  Logger logger(log_out, clock);
  CollectorDeps deps{clock, &signals};
  deps.logger = &logger;
  std::optional<Startup> startup = LoadStartup(flags, table, deps, log_out);
  if (!startup) return kExitConfigError;
  if (progress.configured) progress.configured();
  const Config& config = startup->config;
  logger.SetLevel(config.log.level);
  logger.SetFormat(config.log.format);
  LogStarting(logger, *startup);
  Reloader reloader(LoadedConfig{config, std::move(startup->collectors)},
                    ReloadWithFlags(flags, table, deps), logger, clock);
  return Serve(config, table, reloader, logger, clock, log_out, stop_requested,
               progress);
}

}  // namespace entra_pta
