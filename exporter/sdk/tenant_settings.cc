#include "exporter/sdk/tenant_settings.h"

namespace entra_pta {

std::optional<Cloud> ParseCloud(const std::string& text) {
  if (text == "AzurePublic") return Cloud::kAzurePublic;
  if (text == "AzureUSGovernment") return Cloud::kAzureUSGovernment;
  return std::nullopt;
}

std::string CloudName(Cloud cloud) {
  return cloud == Cloud::kAzureUSGovernment ? "AzureUSGovernment"
                                            : "AzurePublic";
}

}  // namespace entra_pta
