// TenantSettings: the `tenant` section of the configuration (the Entra
// tenant id and its Microsoft cloud), which every collector that derives
// host names or URLs from it reads. In the sdk so collectors need not see
// the daemon's whole Config.
// Thread-safety: plain values and pure functions.
#pragma once

#include <optional>
#include <string>

namespace entra_pta {

// The Microsoft cloud the tenant lives in; it picks the endpoint host names
// (msappproxy.net vs .us, login.microsoftonline.com vs .us) and Graph URLs.
enum class Cloud { kAzurePublic, kAzureUSGovernment };
std::optional<Cloud> ParseCloud(const std::string& text);
std::string CloudName(Cloud cloud);  // "AzurePublic", "AzureUSGovernment"

// The Entra tenant this agent (or central exporter) belongs to. Shared by
// every collector that derives host names or URLs from it.
struct TenantSettings {
  std::string id;  // lower-case GUID; empty when not configured
  Cloud cloud = Cloud::kAzurePublic;
};

}  // namespace entra_pta
