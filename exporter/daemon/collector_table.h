// The collector table: every collector the exporter has, in order, each
// with its factory and whether it is enabled by default. It drives
// `collectors.<name>` in the YAML and --collectors.enabled. Each collector
// gives its own entry (TableEntry() in collectors/<name>/table_entry.h); the
// list of names is ENTRA_PTA_COLLECTORS in the top-level CMakeLists.txt,
// from which the build generates the table. There is no
// static-initialisation self-registration.
// Thread-safety: the table is immutable; BuildCollectors runs at startup.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "exporter/daemon/config.h"
#include "exporter/daemon/scrape_runner.h"
#include "exporter/sdk/collector_registration.h"

namespace entra_pta {

// Every collector's TableEntry(), in ENTRA_PTA_COLLECTORS order; generated
// by the build (exporter/daemon/collector_table_entries.cc.in).
std::vector<CollectorEntry> CollectorTableEntries();

// The exporter's collectors, in the order they are listed and run.
const std::vector<CollectorEntry>& DefaultCollectorTable();

std::vector<std::string> CollectorNames(
    const std::vector<CollectorEntry>& table);

// A bad --collectors.enabled value (exit status 2, like a config error).
class FlagError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses "a,b,c" against the table. Throws FlagError for unknown or
// repeated names.
std::vector<std::string> ParseEnabledList(
    const std::string& list, const std::vector<CollectorEntry>& table);

// Validates every entry's section (enabled or not, so a typo in a disabled
// collector is still caught) and builds the enabled ones. `enabled_override`
// (from --collectors.enabled) replaces the enabled set when present.
std::vector<ScrapeRunner::NamedCollector> BuildCollectors(
    const std::vector<CollectorEntry>& table, const Config& config,
    const std::optional<std::vector<std::string>>& enabled_override,
    const CollectorDeps& deps);

}  // namespace entra_pta
