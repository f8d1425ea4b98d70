// The tls collector: for every https endpoint, is the certificate chain
// the one Microsoft serves, or has an SSL-inspection device re-signed it?
// It reads the chain kept by the endpoint probes (ProbeHub), so it adds no
// connection or handshake of its own, and it reports also when the chain
// does not verify, which is the case that matters.
// Thread-safety: Collect() may run on any thread; the allow-list is
// immutable and the hub is thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "collectors/probe/probe_hub.h"
#include "collectors/tls/issuer_allow_list.h"
#include "exporter/sdk/collector.h"

namespace entra_pta::tls {

// Parsed CertFacts by DER bytes: the same few certificates come back every
// scrape, and decoding one costs far more (OpenSSL 3) than a lookup.
// Bounded: emptied when it would exceed `capacity` entries.
// Thread-safety: Facts() may be called concurrently.
class CertFactsCache {
 public:
  explicit CertFactsCache(std::size_t capacity = 512) : capacity_(capacity) {}
  // Facts of each certificate that parses, in order.
  std::vector<CertFacts> Facts(const std::vector<std::string>& chain_der);

 private:
  std::mutex mu_;
  std::size_t capacity_;
  std::map<std::string, std::optional<CertFacts>> by_der_;
};

class TlsCollector final : public Collector {
 public:
  TlsCollector(AllowList allow, std::shared_ptr<probe::ProbeHub> hub);

  Status Collect(const ScrapeContext& context,
                 std::vector<prometheus::MetricFamily>& out) override;

 private:
  AllowList allow_;
  std::shared_ptr<probe::ProbeHub> hub_;
  CertFactsCache cache_;
};

// Appends the tls families for a finished round (pure; tested directly).
void AppendTlsFamilies(const AllowList& allow, const probe::ProbeRound& round,
                       CertFactsCache& cache,
                       std::vector<prometheus::MetricFamily>& out);

}  // namespace entra_pta::tls
