#include "exporter/util/env_expansion.h"

#include <cstdlib>

namespace entra_pta {

std::string ExpandEnvironmentReferences(
    const std::string& text,
    const std::function<std::optional<std::string>(const std::string&)>&
        lookup) {
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t open = text.find('%', pos);
    std::size_t close = open == std::string::npos ? std::string::npos
                                                  : text.find('%', open + 1);
    if (close == std::string::npos) {
      out.append(text, pos, std::string::npos);
      break;
    }
    out.append(text, pos, open - pos);
    std::string name = text.substr(open + 1, close - open - 1);
    std::optional<std::string> value;
    if (!name.empty()) value = lookup(name);
    if (value) {
      out += *value;
      pos = close + 1;
    } else {
      // Keep the first '%' and rescan from the second: it may open a reference.
      out += '%';
      out += name;
      pos = close;
    }
  }
  return out;
}

std::string ExpandEnvironmentReferences(const std::string& text) {
  return ExpandEnvironmentReferences(
      text, [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        if (value == nullptr) return std::nullopt;
        return std::string(value);
      });
}

}  // namespace entra_pta
