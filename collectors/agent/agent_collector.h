// The agent collector: which PTA agent version is installed (the file
// version of its service executable), with which instance and tenant ids,
// how old the binary is, and when the agent's client certificate (named by
// TrustSettings.xml, looked up in the certificate store) expires. A missing
// file or key is a collector failure with a message naming it; what could be
// read is still exposed.
// Thread-safety: Collect() is not reentrant (the scrape runner guarantees
// one call at a time).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "collectors/agent/agent_host.h"
#include "exporter/sdk/collector.h"
#include "exporter/sdk/config_section.h"

namespace entra_pta::agent {

struct AgentSettings {
  // %NAME% references are expanded from the environment when collecting.
  std::string binary_path =
      "%ProgramFiles%\\Microsoft Azure AD Connect Authentication "
      "Agent\\AzureADConnectAuthenticationAgentService.exe";
  std::string registry_key =
      "SOFTWARE\\Microsoft\\Azure AD Connect Agents\\Azure AD Connect "
      "Authentication Agent";
  std::string trust_settings_path =
      "%ProgramData%\\Microsoft\\Azure AD Connect Authentication "
      "Agent\\Config\\TrustSettings.xml";
};

// Reads collectors.agent (all keys optional). Throws ConfigError.
AgentSettings ParseAgentSettings(const ConfigSection& section);

class AgentCollector final : public Collector {
 public:
  AgentCollector(AgentSettings settings, std::unique_ptr<AgentHost> host,
                 bool supported);

  Status Collect(const ScrapeContext& context,
                 std::vector<prometheus::MetricFamily>& out) override;

 private:
  AgentSettings settings_;
  std::unique_ptr<AgentHost> host_;
  bool supported_;
};

}  // namespace entra_pta::agent
