// The service collector: are the PTA agent's services (by default
// AzureADConnectAuthenticationAgent and AzureADConnectAgentUpdater, and
// Entra Connect Sync's ADSync where the agent shares a server with the sync
// engine) installed and running, with which start mode and account, since
// when, and how much memory does the process use? A service that is not
// installed is a value (entra_pta_service_installed 0), not a failure: most
// agent servers do not run the sync engine.
// Thread-safety: Collect() is not reentrant (the scrape runner guarantees
// one call at a time).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "collectors/service/service_control.h"
#include "exporter/sdk/collector.h"
#include "exporter/sdk/config_section.h"

namespace entra_pta::service {

struct ServiceSettings {
  std::vector<std::string> services = {"AzureADConnectAuthenticationAgent",
                                       "AzureADConnectAgentUpdater", "ADSync"};
};

// Reads collectors.service (all keys optional). Throws ConfigError.
ServiceSettings ParseServiceSettings(const ConfigSection& section);

class ServiceCollector final : public Collector {
 public:
  // `supported` is false when `control` is the "unsupported on this OS"
  // backend; the collector then says so in a metric and its status.
  ServiceCollector(ServiceSettings settings,
                   std::unique_ptr<ServiceControl> control, bool supported);

  Status Collect(const ScrapeContext& context,
                 std::vector<prometheus::MetricFamily>& out) override;

 private:
  ServiceSettings settings_;
  std::unique_ptr<ServiceControl> control_;
  bool supported_;
};

}  // namespace entra_pta::service
