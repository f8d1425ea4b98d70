// Settings of the endpoint collector: which Microsoft endpoints to probe
// (a default set derived from the tenant and cloud, plus the user's own),
// how long a probe may take, which proxy to use and which CA file verifies
// HTTPS chains. Parsing is pure: no I/O, so --config.check can run it.
// Thread-safety: plain data and pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "exporter/sdk/config_section.h"
#include "exporter/sdk/tenant_settings.h"

namespace entra_pta::probe {

struct Target {
  std::string name;    // the `endpoint` label: short, [a-zA-Z0-9_.-]
  std::string url;     // as probed: scheme://host[:port]/path
  std::string scheme;  // "http" or "https"
  std::string host;    // lower case, without brackets
  int port = 0;
  // The tenant's bootstrap endpoint: a successful probe of it is a sign of
  // life for the heartbeat collector (signal "bootstrap").
  bool is_bootstrap = false;
};

// Splits an absolute http(s) URL. Returns nullopt and sets `error` when it
// is not one (no user info, no fragment, host required).
std::optional<Target> ParseTargetUrl(const std::string& name,
                                     const std::string& url,
                                     std::string* error);

// The endpoints a PTA agent needs (listed in docs/configuration.md,
// collectors.endpoint): the tenant's bootstrap and registration hosts (only
// when the tenant id is known), sign-in hosts on 443 and
// certificate-revocation hosts on 80.
std::vector<Target> DefaultTargets(const TenantSettings& tenant);

// The Service Bus namespace host for `name_or_host` ("contoso-sb" or a full
// host name) in `cloud`.
std::string ServiceBusHost(const std::string& name_or_host, Cloud cloud);

struct ProxySettings {
  // http://[user:password@]host:port, used for every target not excluded
  // by no_proxy. Empty: not set.
  std::string proxy_url;
  // Comma-separated host suffixes (curl's NO_PROXY syntax); `*` = all.
  std::string no_proxy;
  // Read HTTPS_PROXY/https_proxy, http_proxy, ALL_PROXY and NO_PROXY when
  // no other source names a proxy.
  bool from_environment = true;
  // Use the proxy configured in the agent's .exe.config (<defaultProxy>).
  bool from_agent_config = false;
  std::string agent_config_file =
      "%ProgramFiles%\\Microsoft Azure AD Connect Authentication "
      "Agent\\AzureADConnectAuthenticationAgentService.exe.config";
};

struct EndpointSettings {
  std::vector<Target> targets;
  // Per probe; the scrape deadline shortens it further.
  std::chrono::milliseconds timeout{5000};
  ProxySettings proxy;
  // PEM bundle that verifies HTTPS chains; empty = the system trust store.
  std::string ca_file;
};

// Reads collectors.endpoint. Throws ConfigError.
EndpointSettings ParseEndpointSettings(const ConfigSection& section,
                                       const TenantSettings& tenant);

}  // namespace entra_pta::probe
