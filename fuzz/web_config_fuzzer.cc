// libFuzzer target: the --web.config.file YAML (exporter-toolkit format).
// LoadWebConfig parses, validates and applies (reads the certificate files
// it names, relative to the fuzzer's working directory, and builds the TLS
// context); the contract checked is "a located ConfigError or success,
// nothing else".
#include <cstddef>
#include <cstdint>
#include <string>

#include "exporter/http/web_config.h"
#include "exporter/sdk/config_section.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    entra_pta::LoadWebConfig(text, "web.yml");
  } catch (const entra_pta::ConfigError& e) {
    if (e.file() != "web.yml" || e.line() < 0 || e.column() < 0)
      __builtin_trap();
  }
  return 0;
}
