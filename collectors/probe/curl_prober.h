// CurlProber: the real Prober. All probes of a round run concurrently on
// one libcurl multi handle (one thread, no thread per target), each on a
// fresh connection without TLS session reuse, so every probe measures DNS,
// connect and a full handshake. libcurl's own verification is off; an
// OpenSSL info callback keeps the presented chain and TLS version, and
// VerifyChain judges the chain afterwards. That way one handshake feeds
// both the endpoint collector (phases, status, failure reason) and the tls
// collector (chain, issuer, verification), also when verification fails.
// Thread-safety: ProbeAll() calls must not overlap (ProbeHub ensures it).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "collectors/probe/chain_verifier.h"
#include "collectors/probe/prober.h"
#include "collectors/probe/trust_store.h"
#include "exporter/sdk/clock.h"

namespace entra_pta::probe {

// What is known about a finished (or abandoned) transfer, for
// ClassifyFailure. `curl_code` is a CURLcode.
struct TransferFacts {
  int curl_code = 0;
  bool via_proxy = false;
  bool https = false;
  bool connected = false;       // TCP connect (to target or proxy) done
  bool handshake_done = false;  // TLS handshake with the target done
  long proxy_connect_code = 0;  // the proxy's answer to CONNECT, 0 if none
  long http_status = 0;
  bool abandoned = false;  // still running at the deadline
};

// Maps a transfer's outcome to the fixed reason set. Verification of the
// chain is judged separately (a verified-chain failure is kTls).
FailureReason ClassifyFailure(const TransferFacts& facts);

class CurlProber final : public Prober {
 public:
  // `ca_file` empty: the system trust store. `clock` (verification time)
  // must outlive the prober. No I/O happens before the first ProbeAll().
  CurlProber(std::string ca_file, const Clock& clock);
  ~CurlProber() override;

  ProbeBatch ProbeAll(const std::vector<ProbeRequest>& requests,
                      std::chrono::milliseconds per_probe_timeout,
                      std::chrono::steady_clock::time_point deadline) override;

 private:
  // The trust store, loaded on first use and kept; a failed load is
  // retried on the next round.
  StatusOr<TrustStore> LoadedTrustStore();
  // Verifies a finished handshake's chain against `store` (verdicts cached
  // per host and chain) into result.tls; an unverified chain fails a probe
  // that had not failed otherwise. `parsed_chain`: the handshake's own
  // certificates, or nullptr to parse result.tls.chain_der.
  void VerifyHandshake(const StatusOr<TrustStore>& store,
                       const std::string& host, STACK_OF(X509) * parsed_chain,
                       std::chrono::system_clock::time_point verify_time,
                       ProbeResult& result);

  std::string ca_file_;
  const Clock& clock_;
  std::mutex mu_;
  std::optional<TrustStore> trust_store_;
  VerifiedChainCache verified_chains_;
};

}  // namespace entra_pta::probe
