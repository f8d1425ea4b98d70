#include "collectors/tls/tls_collector.h"

#include "exporter/sdk/clock.h"
#include "exporter/sdk/metric_builder.h"

namespace entra_pta::tls {
std::vector<CertFacts> CertFactsCache::Facts(
    const std::vector<std::string>& chain_der) {
  std::vector<CertFacts> facts;
  std::lock_guard<std::mutex> lock(mu_);
  for (const std::string& der : chain_der) {
    auto it = by_der_.find(der);
    if (it == by_der_.end()) {
      if (by_der_.size() >= capacity_) by_der_.clear();
      it = by_der_.emplace(der, ReadCertFacts(der)).first;
    }
    if (it->second) facts.push_back(*it->second);
  }
  return facts;
}

TlsCollector::TlsCollector(AllowList allow,
                           std::shared_ptr<probe::ProbeHub> hub)
    : allow_(std::move(allow)), hub_(std::move(hub)) {}

void AppendTlsFamilies(const AllowList& allow, const probe::ProbeRound& round,
                       CertFactsCache& cache,
                       std::vector<prometheus::MetricFamily>& out) {
  auto match = GaugeFamily(
      "entra_pta_tls_issuer_match",
      "1 if the leaf's issuer and the chain's root are on the allow-list of "
      "genuine Microsoft/DigiCert/D-TRUST CAs; 0 suggests SSL inspection.");
  auto verified = GaugeFamily(
      "entra_pta_tls_chain_verified",
      "1 if the presented chain verifies against the trust store for the "
      "endpoint's host name at the current time; else 0.");
  auto cert_info = GaugeFamily(
      "entra_pta_tls_cert_info",
      "Always 1: the leaf certificate's subject, issuer, the chain's root, "
      "its SHA-256 fingerprint and serial.");
  auto not_after =
      GaugeFamily("entra_pta_tls_cert_not_after_timestamp_seconds",
                  "Unix time at which the leaf certificate expires.");
  auto version = GaugeFamily("entra_pta_tls_version_info",
                             "Always 1: the negotiated TLS version.");
  auto part_allowed = GaugeFamily(
      "entra_pta_tls_chain_part_allowed",
      "Per part of the chain (part=\"issuer\": the leaf's issuing CA; "
      "part=\"root\": the chain's root), its name and SHA-256 fingerprint: "
      "1 if it is on the allow-list (collectors.tls.allowed_issuers or "
      "allowed_roots), 0 if not.");
  for (std::size_t i = 0; i < round.requests.size() && i < round.results.size();
       ++i) {
    const probe::ProbeResult& result = round.results[i];
    if (round.requests[i].target.scheme != "https" ||
        !result.tls.handshake_done) {
      continue;
    }
    const std::string& name = round.requests[i].target.name;
    ChainView chain{cache.Facts(result.tls.chain_der),
                    cache.Facts(result.tls.verified_chain_der)};
    IssuerVerdict verdict = JudgeIssuer(allow, chain);
    AddSample(match, {{"endpoint", name}}, verdict.match ? 1 : 0);
    AddSample(verified, {{"endpoint", name}}, result.tls.verified ? 1 : 0);
    if (!chain.presented.empty()) {
      const CertFacts& leaf = chain.presented.front();
      AddSample(cert_info,
                {{"endpoint", name},
                 {"subject", leaf.subject},
                 {"issuer", leaf.issuer},
                 {"root", verdict.root},
                 {"fingerprint_sha256", leaf.fingerprint_sha256},
                 {"serial", leaf.serial}},
                1);
      if (leaf.not_after) {
        AddSample(not_after, {{"endpoint", name}},
                  ToUnixSeconds(*leaf.not_after));
      }
    }
    AddSample(version, {{"endpoint", name}, {"version", result.tls.version}},
              1);
    AddSample(part_allowed,
              {{"endpoint", name},
               {"part", "issuer"},
               {"name", verdict.issuer},
               {"fingerprint_sha256", verdict.issuer_fingerprint}},
              verdict.issuer_allowed ? 1 : 0);
    AddSample(part_allowed,
              {{"endpoint", name},
               {"part", "root"},
               {"name", verdict.root},
               {"fingerprint_sha256", verdict.root_fingerprint}},
              verdict.root_allowed ? 1 : 0);
  }
  for (auto* family :
       {&match, &verified, &cert_info, &not_after, &version, &part_allowed}) {
    if (!family->metric.empty()) out.push_back(std::move(*family));
  }
}

Status TlsCollector::Collect(const ScrapeContext& context,
                             std::vector<prometheus::MetricFamily>& out) {
  std::shared_ptr<const probe::ProbeRound> round =
      hub_->Round(context.deadline);
  if (round == nullptr) {
    return Status::Error(
        "the endpoint probes did not finish before the scrape deadline");
  }
  if (round->requests.empty() && !round->status.ok()) return round->status;
  AppendTlsFamilies(allow_, *round, cache_, out);
  return round->status;
}

}  // namespace entra_pta::tls
