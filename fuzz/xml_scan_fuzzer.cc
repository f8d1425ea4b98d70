// libFuzzer target: the bounded XML scanner under the event, TrustSettings
// and .exe.config readers. Invariant: the element and depth limits hold.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

#include "exporter/util/xml_scan.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // Small limits so the fuzzer reaches them often.
  const entra_pta::XmlLimits limits{.max_elements = 64, .max_depth = 8};
  const auto result = entra_pta::ScanXml(text, limits);
  if (const auto* elements =
          std::get_if<std::vector<entra_pta::XmlElement>>(&result)) {
    if (elements->size() > limits.max_elements) __builtin_trap();
    for (const entra_pta::XmlElement& element : *elements) {
      if (element.depth < 0 || element.depth > limits.max_depth) {
        __builtin_trap();
      }
    }
  } else if (std::get<std::string>(result).empty()) {
    __builtin_trap();  // an error must say what is wrong
  }
  (void)entra_pta::ScanXml(text);  // the default limits too
  return 0;
}
