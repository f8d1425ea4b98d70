// The tls collector: for every https endpoint, is the certificate chain
// the one Microsoft serves, or has an SSL-inspection device re-signed it?
// It reads the chain kept by the endpoint probes (ProbeHub), so it adds no
// connection or handshake of its own, and it reports also when the chain
// does not verify, which is the case that matters.
// Thread-safety: Collect() may run on any thread; the allow-list is
// immutable and the hub is thread-safe.
#pragma once

#include <memory>

#include "collectors/endpoint/probe_hub.h"
#include "collectors/tls/issuer_allow_list.h"
#include "exporter/collector.h"

namespace entra_pta::tls {

class TlsCollector final : public Collector {
 public:
  TlsCollector(AllowList allow, std::shared_ptr<endpoint::ProbeHub> hub);

  Status Collect(const ScrapeContext& context,
                 std::vector<prometheus::MetricFamily>& out) override;

 private:
  AllowList allow_;
  std::shared_ptr<endpoint::ProbeHub> hub_;
};

// Appends the tls families for a finished round (pure; tested directly).
void AppendTlsFamilies(const AllowList& allow,
                       const endpoint::ProbeRound& round,
                       std::vector<prometheus::MetricFamily>& out);

}  // namespace entra_pta::tls
