// `entra_pta_exporter diagnose`: loads the configuration like the exporter,
// runs every enabled collector once through the ScrapeRunner (with a
// deadline), turns the families into a triage report (diagnose_report.h)
// and prints it as text, JSON or markdown. Exit status: 0 no warning or
// failure, 1 warnings, 2 failures; 2 also for a configuration or flag error,
// which prints the located error on stderr instead of a report (and, with
// --output json, a "config_error" document on stdout).
// Thread-safety: startup code, called from the main thread.
#pragma once

#include <chrono>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "exporter/daemon/app.h"
#include "exporter/daemon/collector_table.h"
#include "exporter/sdk/clock.h"
#include "exporter/verdict/diagnose_report.h"

namespace entra_pta::diagnose {

enum class OutputFormat { kText, kJson, kMarkdown };

struct DiagnoseFlags {
  // config_file, collectors_enabled, log_level and log_format, as the
  // exporter reads them.
  Flags exporter;
  OutputFormat output = OutputFormat::kText;
  std::chrono::seconds since{24 * 3600};
  // For the whole run: collectors, the wait for the cloud collector's first
  // answer from Graph, and the heartbeat collector after them.
  std::chrono::milliseconds timeout{30000};
  bool help = false;
};

// Accepts --name=value and --name value. Throws FlagError.
DiagnoseFlags ParseDiagnoseFlags(const std::vector<std::string>& args);

std::string DiagnoseUsageText();

// What one run of the collectors returned.
struct CollectorRun {
  std::vector<prometheus::MetricFamily> families;
  std::map<std::string, std::string> errors;  // failed collector -> error
  // A collector that missed the deadline and had not returned a second
  // later (stuck in a system call); its thread is still running.
  bool still_running = false;
};

// Runs `collectors` once. The heartbeat collector runs last, so it sees the
// signs of life the endpoint (bootstrap) and cloud collectors recorded in
// this run; the cloud collector, which answers from a background refresh,
// is asked again every 100 ms until Graph has answered or `timeout` ends.
CollectorRun RunCollectorsOnce(
    std::vector<ScrapeRunner::NamedCollector> collectors, Logger& logger,
    const Clock& clock, std::chrono::milliseconds timeout);

// The collector table diagnose runs: `table` with the eventlog collector
// reading the last `since` from a fresh, private bookmark directory
// (`state_dir`), so it neither depends on nor moves the running exporter's
// bookmarks.
std::vector<CollectorEntry> DiagnoseCollectorTable(
    const std::vector<CollectorEntry>& table, std::chrono::seconds since,
    const std::string& state_dir);

// Everything after flag parsing, with the table and clock given (tests pass
// fakes). Returns the exit status; sets `*still_running` (when given) as
// CollectorRun::still_running.
int RunDiagnose(const DiagnoseFlags& flags,
                const std::vector<CollectorEntry>& table, const Clock& clock,
                std::ostream& out, std::ostream& err, bool colour,
                bool* still_running = nullptr);

// The subcommand: `args` are the words after "diagnose".
int DiagnoseMain(const std::vector<std::string>& args,
                 const std::vector<CollectorEntry>& table, std::ostream& out,
                 std::ostream& err);

}  // namespace entra_pta::diagnose
