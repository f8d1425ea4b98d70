#include "collectors/cloud/graph_json.h"

#include <utility>

namespace entra_pta::cloud {

std::string TrimSlash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

std::optional<nlohmann::json> ParseJson(const std::string& body) {
  nlohmann::json parsed =
      nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return std::nullopt;
  return parsed;
}

StatusOr<GraphCollection> ParseGraphCollection(const std::string& body) {
  std::optional<nlohmann::json> parsed = ParseJson(body);
  if (!parsed || !parsed->is_object()) {
    return Status::Error("Graph answered with malformed JSON");
  }
  auto value = parsed->find("value");
  if (value == parsed->end() || !value->is_array()) {
    return Status::Error("Graph's answer has no \"value\" array");
  }
  GraphCollection collection;
  collection.value = std::move(*value);
  auto next = parsed->find("@odata.nextLink");
  if (next != parsed->end() && next->is_string()) {
    collection.next_link = next->get<std::string>();
  }
  return collection;
}

}  // namespace entra_pta::cloud
