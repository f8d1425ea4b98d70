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
        endpoint::EndpointSettings settings = endpoint::ParseEndpointSettings(
            section, deps.tenant != nullptr ? *deps.tenant : no_tenant);
        auto prober = std::make_unique<endpoint::CurlProber>(settings.ca_file,
                                                             deps.clock);
        auto hub = std::make_shared<endpoint::ProbeHub>(
            std::move(settings), std::move(prober), deps.clock,
            deps.sign_of_life, deps.logger);
        if (deps.shared != nullptr) deps.shared->Put(kProbeHubSharedKey, hub);
        return std::make_unique<endpoint::EndpointCollector>(hub);
      }};
}

}  // namespace entra_pta::endpoint
