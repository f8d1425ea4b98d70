// libFuzzer target: the expat-based XML reader under the event,
// TrustSettings and .exe.config readers. Invariants: the element and depth
// limits hold, and an error says what is wrong with a line:column.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "exporter/util/xml.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // Small limits so the fuzzer reaches them often.
  const entra_pta::XmlLimits limits{
      .max_bytes = 4096, .max_elements = 64, .max_depth = 8};
  const auto result = entra_pta::ParseXml(text, limits);
  if (result.ok()) {
    if (result->empty() || result->size() > limits.max_elements) {
      __builtin_trap();
    }
    for (const entra_pta::XmlElement& element : *result) {
      if (element.depth < 0 || element.depth >= limits.max_depth) {
        __builtin_trap();
      }
    }
  } else if (result.status().message().empty()) {
    __builtin_trap();  // an error must say what is wrong
  }
  (void)entra_pta::ParseXml(text);  // the default limits too
  return 0;
}
