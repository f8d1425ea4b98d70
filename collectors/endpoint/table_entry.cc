#include "collectors/endpoint/table_entry.h"

#include <memory>
#include <string>

#include "collectors/endpoint/endpoint_collector.h"
#include "collectors/probe/curl_prober.h"
#include "collectors/probe/probe_hub.h"

namespace entra_pta::endpoint {

CollectorEntry TableEntry() {
  return CollectorEntry{
      "endpoint",
      "Can this host reach each Microsoft endpoint the agent needs (through "
      "the agent's proxy), and how long does each phase take?",
      true, [](const ConfigSection& section, const CollectorDeps& deps) {
        const TenantSettings no_tenant;
        probe::EndpointSettings settings = probe::ParseEndpointSettings(
            section, deps.tenant != nullptr ? *deps.tenant : no_tenant);
        auto prober =
            std::make_unique<probe::CurlProber>(settings.ca_file, deps.clock);
        auto hub = std::make_shared<probe::ProbeHub>(
            std::move(settings), std::move(prober), deps.clock,
            deps.sign_of_life, deps.logger);
        if (deps.shared != nullptr)
          deps.shared->Put(probe::kProbeHubSharedKey, hub);
        return std::make_unique<EndpointCollector>(hub);
      }};
}

}  // namespace entra_pta::endpoint
