// The endpoint collector: can this host reach each Microsoft endpoint the
// PTA agent needs, through the proxy the agent uses, and how long does
// each phase take? One probe per target per scrape, all concurrent, shared
// with the tls collector through ProbeHub.
// Thread-safety: Collect() may run on any thread; state lives in ProbeHub.
#pragma once

#include <memory>

#include "collectors/probe/probe_hub.h"
#include "exporter/sdk/collector.h"

namespace entra_pta::endpoint {

class EndpointCollector final : public Collector {
 public:
  explicit EndpointCollector(std::shared_ptr<probe::ProbeHub> hub);

  Status Collect(const ScrapeContext& context,
                 std::vector<prometheus::MetricFamily>& out) override;

 private:
  std::shared_ptr<probe::ProbeHub> hub_;
};

// Appends the endpoint families for a finished round (pure; tested
// directly).
void AppendEndpointFamilies(const probe::ProbeRound& round,
                            std::vector<prometheus::MetricFamily>& out);

}  // namespace entra_pta::endpoint
