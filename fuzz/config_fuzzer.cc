// libFuzzer target: the exporter's YAML configuration, as --config.file and
// --config.check read it: ParseConfig, then every collector's section
// validated by its factory (BuildCollectors with none enabled, so nothing
// starts). A ConfigError is the expected answer to bad input; any other
// exception escapes and libFuzzer reports it as a crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "exporter/daemon/collector_table.h"
#include "exporter/daemon/config.h"
#include "exporter/sdk/clock.h"
#include "exporter/sdk/sign_of_life_times.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  static const std::vector<entra_pta::CollectorEntry>& table =
      entra_pta::DefaultCollectorTable();
  static const std::vector<std::string> names =
      entra_pta::CollectorNames(table);
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    entra_pta::Config config = entra_pta::ParseConfig(text, "fuzz.yml", names);
    entra_pta::SystemClock clock;
    entra_pta::SignOfLifeTimes signals;
    entra_pta::BuildCollectors(table, config, std::vector<std::string>{},
                               entra_pta::CollectorDeps{clock, &signals});
  } catch (const entra_pta::ConfigError& e) {
    // Located: "fuzz.yml:<line>:<column>: <message>".
    if (e.file() != "fuzz.yml" || e.line() < 0 || e.column() < 0)
      __builtin_trap();
  }
  return 0;
}
