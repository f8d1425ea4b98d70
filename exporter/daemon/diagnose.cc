#include "exporter/daemon/diagnose.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <streambuf>
#include <thread>

#include "collectors/eventlog/event_source.h"
#include "collectors/eventlog/eventlog_collector.h"
#include "exporter/platform/terminal.h"
#include "exporter/sdk/metric_builder.h"
#include "exporter/util/deadline.h"
#include "exporter/util/duration.h"
#include "exporter/util/flag_parser.h"
#include "exporter/views/diagnose_render.h"

namespace entra_pta::diagnose {
namespace {

// Where log lines go unless --log.level asks for them: the report already
// says what failed.
class DiscardBuffer final : public std::streambuf {
 protected:
  int overflow(int c) override { return c; }
  std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};

bool HasFamily(const std::vector<prometheus::MetricFamily>& families,
               const std::string& name) {
  for (const auto& family : families) {
    if (family.name == name) return true;
  }
  return false;
}

void Append(std::vector<prometheus::MetricFamily>& to,
            std::vector<prometheus::MetricFamily> from) {
  for (auto& family : from) to.push_back(std::move(family));
}

void RecordErrors(const ScrapeRunner& runner,
                  std::map<std::string, std::string>& errors) {
  for (const CollectorSummary& summary : runner.Summaries()) {
    if (summary.has_run && !summary.success) {
      errors[summary.name] = summary.error;
    }
  }
}

std::chrono::milliseconds Remaining(
    std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  // A collector gets at least a moment, so it is asked at all.
  return std::max(left, std::chrono::milliseconds(50));
}

// A positive duration flag no longer than kMaxDuration. Throws FlagError.
std::chrono::milliseconds ParseDurationFlag(const std::string& name,
                                            const std::string& value) {
  std::optional<std::chrono::milliseconds> d = ParseDuration(value);
  if (!d || d->count() <= 0) {
    throw FlagError(name + ": invalid duration \"" + value +
                    "\" (use e.g. 24h, 90m, 30s)");
  }
  if (*d > kMaxDuration) {
    throw FlagError(name + ": " + value + " is too long (at most " +
                    FormatDuration(kMaxDuration) + ")");
  }
  return *d;
}

std::string NewStateDir() {
  std::random_device random;
  std::error_code ec;
  std::filesystem::path base = std::filesystem::temp_directory_path(ec);
  if (ec) base = ".";
  return (base / ("entra-pta-diagnose-" + std::to_string(random()) +
                  std::to_string(random())))
      .string();
}

}  // namespace

DiagnoseFlags ParseDiagnoseFlags(const std::vector<std::string>& args) {
  DiagnoseFlags flags;
  std::optional<std::string> output, since, timeout;
  FlagParser parser;
  parser.Value("--config.file", &flags.exporter.config_file)
      .Value("--collectors.enabled", &flags.exporter.collectors_enabled)
      .Value("--log.level", &flags.exporter.log_level)
      .Value("--log.format", &flags.exporter.log_format)
      .Value("--output", &output)
      .Value("--since", &since)
      .Value("--timeout", &timeout)
      .Switch("--help,-h", &flags.help);
  Status parsed =
      parser.Parse(args, " (see entra_pta_exporter diagnose --help)");
  if (!parsed.ok()) throw FlagError("diagnose: " + parsed.message());
  if (output) {
    if (*output == "text") {
      flags.output = OutputFormat::kText;
    } else if (*output == "json") {
      flags.output = OutputFormat::kJson;
    } else if (*output == "markdown") {
      flags.output = OutputFormat::kMarkdown;
    } else {
      throw FlagError("--output: invalid format \"" + *output +
                      "\" (use text, json or markdown)");
    }
  }
  if (since) {
    const std::chrono::milliseconds d = ParseDurationFlag("--since", *since);
    if (d < std::chrono::seconds(1)) {
      throw FlagError("--since: must be at least 1s");
    }
    flags.since = std::chrono::duration_cast<std::chrono::seconds>(d);
  }
  if (timeout) flags.timeout = ParseDurationFlag("--timeout", *timeout);
  return flags;
}

std::string DiagnoseUsageText() {
  return R"(usage: entra_pta_exporter diagnose [flags]

Runs every enabled collector once and prints a triage report in the order
to work through a PTA outage: 1) cloud status of the agents, 2) outbound
443/80 and SSL inspection, 3) agent events 31019/31034 and other errors,
4) agent and updater services, 5) agent version, certificate and heartbeat,
6) domain controllers. Each check is PASS, WARN, FAIL or SKIP (collector
disabled or unsupported on this OS), with its evidence and a fix.

Flags:
  --config.file=FILE          YAML configuration, as for the exporter
  --collectors.enabled=LIST   comma-separated collectors to run, replacing
                              the enabled set from the config
  --output=FORMAT             text (default), json or markdown
  --since=DURATION            window for the event checks (default 24h)
  --timeout=DURATION          deadline for the whole run (default 30s)
  --log.level=LEVEL           show the exporter's log lines on stderr
  --log.format=FORMAT         logfmt or json
  --help                      print this help and exit

Exit status: 0 no warning or failure (SKIP does not count), 1 warnings,
2 failures. A configuration or flag error also exits 2, prints the located
error (file:line:column) on stderr and no report; with --output=json,
stdout holds {"result": "config_error", ...}. Text is coloured only on a
terminal and when NO_COLOR is unset.
)";
}

CollectorRun RunCollectorsOnce(
    std::vector<ScrapeRunner::NamedCollector> collectors, Logger& logger,
    const Clock& clock, std::chrono::milliseconds timeout) {
  const auto deadline = SteadyDeadlineAfter(timeout);
  std::vector<ScrapeRunner::NamedCollector> main;
  std::vector<ScrapeRunner::NamedCollector> cloud;
  std::vector<ScrapeRunner::NamedCollector> heartbeat;
  for (auto& named : collectors) {
    if (named.name == "cloud") {
      cloud.push_back(std::move(named));
    } else if (named.name == "heartbeat") {
      heartbeat.push_back(std::move(named));
    } else {
      main.push_back(std::move(named));
    }
  }
  CollectorRun run;
  ScrapeRunner cloud_runner(std::move(cloud), logger, clock);
  ScrapeRunner main_runner(std::move(main), logger, clock);
  ScrapeRunner heartbeat_runner(std::move(heartbeat), logger, clock);

  // The cloud collector's first call starts its background refresh; the
  // other collectors run meanwhile.
  std::vector<prometheus::MetricFamily> cloud_families =
      cloud_runner.Scrape(Remaining(deadline));
  Append(run.families, main_runner.Scrape(Remaining(deadline)));
  const bool has_cloud = !cloud_runner.Summaries().empty();
  while (has_cloud && !HasFamily(cloud_families, "entra_pta_cloud_api_up") &&
         std::chrono::steady_clock::now() + std::chrono::milliseconds(100) <
             deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cloud_families = cloud_runner.Scrape(Remaining(deadline));
  }
  Append(run.families, std::move(cloud_families));
  Append(run.families, heartbeat_runner.Scrape(Remaining(deadline)));
  for (ScrapeRunner* runner :
       {&main_runner, &cloud_runner, &heartbeat_runner}) {
    if (!runner->WaitIdle(std::chrono::seconds(1))) run.still_running = true;
  }
  RecordErrors(main_runner, run.errors);
  RecordErrors(cloud_runner, run.errors);
  RecordErrors(heartbeat_runner, run.errors);
  return run;
}

std::vector<CollectorEntry> DiagnoseCollectorTable(
    const std::vector<CollectorEntry>& table, std::chrono::seconds since,
    const std::string& state_dir) {
  std::vector<CollectorEntry> adapted = table;
  for (CollectorEntry& entry : adapted) {
    if (entry.name != "eventlog") continue;
    entry.create = [since, state_dir](const ConfigSection& section,
                                      const CollectorDeps& deps) {
      eventlog::EventlogSettings settings =
          eventlog::ParseEventlogSettings(section);
      settings.look_back = since;
      settings.state_dir = state_dir;
      return std::make_unique<eventlog::EventlogCollector>(
          std::move(settings), eventlog::MakeSystemEventSource(),
          eventlog::EventSourceSupported(), deps.clock, deps.logger);
    };
  }
  return adapted;
}

int RunDiagnose(const DiagnoseFlags& flags,
                const std::vector<CollectorEntry>& table, const Clock& clock,
                std::ostream& out, std::ostream& err, bool colour,
                bool* still_running) {
  DiscardBuffer discard;
  std::ostream discarded(&discard);
  const bool show_log = flags.exporter.log_level.has_value();
  Logger logger(show_log ? err : discarded, clock);
  SignOfLifeTimes signals;
  Startup startup;
  auto config_error = [&](const ConfigError* located,
                          const std::string& message) {
    err << message << "\n";
    if (flags.output == OutputFormat::kJson) {
      out << RenderConfigErrorJson(located, message);
    }
    return kExitConfigError;
  };
  try {
    CollectorDeps deps{clock, &signals};
    deps.logger = &logger;
    startup = PrepareStartup(flags.exporter, table, deps);
  } catch (const ConfigError& e) {
    return config_error(&e, e.what());
  } catch (const FlagError& e) {
    return config_error(nullptr,
                        std::string("entra_pta_exporter: ") + e.what());
  }
  logger.SetLevel(startup.config.log.level);
  logger.SetFormat(startup.config.log.format);

  CollectorRun run = RunCollectorsOnce(std::move(startup.collectors), logger,
                                       clock, flags.timeout);
  if (still_running != nullptr) *still_running = run.still_running;
  DiagnoseInput input;
  input.families = std::move(run.families);
  input.collector_errors = std::move(run.errors);
  input.now = clock.Now();
  input.since = flags.since;
  const Report report = BuildReport(input);
  switch (flags.output) {
    case OutputFormat::kText:
      out << RenderText(report, colour);
      break;
    case OutputFormat::kJson:
      out << RenderJson(report);
      break;
    case OutputFormat::kMarkdown:
      out << RenderMarkdown(report);
      break;
  }
  out.flush();
  return ExitStatus(report);
}

int DiagnoseMain(const std::vector<std::string>& args,
                 const std::vector<CollectorEntry>& table, std::ostream& out,
                 std::ostream& err) {
  DiagnoseFlags flags;
  try {
    flags = ParseDiagnoseFlags(args);
  } catch (const FlagError& e) {
    err << "entra_pta_exporter: " << e.what() << "\n";
    // The flags did not parse, so look for the JSON format by hand.
    for (std::size_t i = 0; i < args.size(); ++i) {
      if (args[i] == "--output=json" ||
          (args[i] == "--output" && i + 1 < args.size() &&
           args[i + 1] == "json")) {
        out << RenderConfigErrorJson(
            nullptr, std::string("entra_pta_exporter: ") + e.what());
        break;
      }
    }
    return kExitConfigError;
  }
  if (flags.help) {
    out << DiagnoseUsageText();
    return kExitOk;
  }
  const std::string state_dir = NewStateDir();
  SystemClock clock;
  bool still_running = false;
  int status =
      RunDiagnose(flags, DiagnoseCollectorTable(table, flags.since, state_dir),
                  clock, out, err, StdoutWantsColour(), &still_running);
  std::error_code ignored;
  std::filesystem::remove_all(state_dir, ignored);
  if (still_running) {
    // A collector stuck in a system call must not race with process
    // teardown (as in RunExporter's shutdown).
    out.flush();
    err.flush();
    std::fflush(nullptr);
    std::_Exit(status);
  }
  return status;
}

}  // namespace entra_pta::diagnose
