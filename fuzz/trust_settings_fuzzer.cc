// libFuzzer target: the PTA agent's TrustSettings.xml. Invariant: a parsed
// thumbprint is 40 upper-case hex digits, as the header promises.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "collectors/agent/trust_settings.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string_view xml(reinterpret_cast<const char*>(data), size);
  const auto parsed = entra_pta::agent::ParseTrustSettings(xml);
  if (parsed.ok()) {
    const entra_pta::agent::TrustSettings* settings = &*parsed;
    if (settings->thumbprint.size() != 40 ||
        settings->thumbprint.find_first_not_of("0123456789ABCDEF") !=
            std::string::npos) {
      __builtin_trap();
    }
  } else if (parsed.status().message().empty()) {
    __builtin_trap();
  }
  return 0;
}
