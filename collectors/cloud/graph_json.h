// Small pieces every Graph answer parser and URL builder of the cloud
// collector shares: a base URL without its trailing slashes, JSON parsed
// without exceptions, and the `value` array of a Graph collection.
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "exporter/util/status.h"

namespace entra_pta::cloud {

std::string TrimSlash(std::string url);

// nullopt when `body` is not JSON.
std::optional<nlohmann::json> ParseJson(const std::string& body);

// A Graph collection answer: {"value": [...], "@odata.nextLink": "..."}.
struct GraphCollection {
  nlohmann::json value;   // an array
  std::string next_link;  // empty on the last page
};
StatusOr<GraphCollection> ParseGraphCollection(const std::string& body);

}  // namespace entra_pta::cloud
