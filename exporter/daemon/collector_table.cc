#include "exporter/daemon/collector_table.h"

#include <algorithm>

namespace entra_pta {

const std::vector<CollectorEntry>& DefaultCollectorTable() {
  // CollectorTableEntries() is generated from ENTRA_PTA_COLLECTORS.
  static const std::vector<CollectorEntry> table = CollectorTableEntries();
  return table;
}

std::vector<std::string> CollectorNames(
    const std::vector<CollectorEntry>& table) {
  std::vector<std::string> names;
  for (const auto& entry : table) names.push_back(entry.name);
  return names;
}

std::vector<std::string> ParseEnabledList(
    const std::string& list, const std::vector<CollectorEntry>& table) {
  std::vector<std::string> names;
  std::string known;
  for (const auto& entry : table)
    known += (known.empty() ? "" : ", ") + entry.name;
  std::size_t pos = 0;
  while (pos <= list.size()) {
    std::size_t comma = list.find(',', pos);
    if (comma == std::string::npos) comma = list.size();
    std::string name = list.substr(pos, comma - pos);
    pos = comma + 1;
    if (name.empty()) {
      if (list.empty()) break;  // "--collectors.enabled=" enables none.
      throw FlagError("--collectors.enabled: empty collector name in \"" +
                      list + "\"");
    }
    bool exists =
        std::any_of(table.begin(), table.end(),
                    [&](const CollectorEntry& e) { return e.name == name; });
    if (!exists) {
      throw FlagError("--collectors.enabled: unknown collector \"" + name +
                      "\" (known: " + known + ")");
    }
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      throw FlagError("--collectors.enabled: \"" + name + "\" is listed twice");
    }
    names.push_back(name);
  }
  return names;
}

std::vector<ScrapeRunner::NamedCollector> BuildCollectors(
    const std::vector<CollectorEntry>& table, const Config& config,
    const std::optional<std::vector<std::string>>& enabled_override,
    const CollectorDeps& deps) {
  std::vector<ScrapeRunner::NamedCollector> built;
  SharedObjects shared;
  CollectorDeps deps_with_tenant = deps;
  deps_with_tenant.tenant = &config.tenant;
  deps_with_tenant.shared = &shared;
  for (const CollectorEntry& entry : table) {
    auto found = config.collector_sections.find(entry.name);
    ConfigSection section =
        found != config.collector_sections.end()
            ? found->second
            : ConfigSection(config.file, "collectors." + entry.name);
    bool enabled = section.Bool("enabled").value_or(entry.enabled_by_default);
    std::unique_ptr<Collector> collector =
        entry.create(section, deps_with_tenant);
    section.RejectUnknownKeys();
    if (enabled_override) {
      enabled = std::find(enabled_override->begin(), enabled_override->end(),
                          entry.name) != enabled_override->end();
    }
    if (enabled) built.push_back({entry.name, std::move(collector)});
  }
  return built;
}

}  // namespace entra_pta
