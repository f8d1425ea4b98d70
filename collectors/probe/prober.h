// Prober: the network side of the endpoint and tls collectors. One probe is
// one HTTP(S) request on a fresh connection, through a proxy or not, that
// reports each phase's duration, the HTTP status, the TLS version and the
// certificate chain the peer presented (kept even when it does not verify,
// which is exactly the SSL-inspection case), and whether that chain
// verifies. The real implementation is CurlProber; tests use FakeProber.
// Thread-safety: implementations allow one ProbeAll() at a time per object
// (ProbeHub serialises calls).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "collectors/probe/endpoint_settings.h"
#include "exporter/util/status.h"

namespace entra_pta::probe {

// Why a probe failed: a small fixed set, used as a label value.
enum class FailureReason {
  kNone,
  kDns,             // the target's name did not resolve
  kConnectRefused,  // TCP connection refused or unreachable
  kTimeout,         // no answer in time (black-holed, or a stalled server)
  kTls,             // handshake failed or the chain does not verify
  kProxy,           // the proxy was unreachable or refused the CONNECT
  kHttp,            // connected, but no valid HTTP answer
};
const char* FailureReasonName(FailureReason reason);

struct ProbeRequest {
  Target target;
  std::string proxy_url;  // empty: direct
};

// Seconds spent in each phase (not cumulative); 0 for a phase not reached.
struct PhaseDurations {
  double dns = 0;
  double connect = 0;     // TCP connect (to the proxy when there is one)
  double tls = 0;         // proxy CONNECT plus the TLS handshake
  double first_byte = 0;  // request sent until the first response byte
  double total = 0;
};

struct TlsObservation {
  bool handshake_done = false;
  std::string version;                 // e.g. "TLSv1.3"
  std::vector<std::string> chain_der;  // as presented, leaf first
  bool verified = false;               // chain and host name verify
  std::string verify_error;            // OpenSSL's reason when not verified
  // When verified: the chain built to the trust anchor (anchor last).
  std::vector<std::string> verified_chain_der;
};

struct ProbeResult {
  FailureReason failure = FailureReason::kNone;
  std::string detail;    // for the log: curl's or OpenSSL's message
  long http_status = 0;  // 0 when no HTTP answer arrived
  PhaseDurations phases;
  TlsObservation tls;
  bool reachable() const { return failure == FailureReason::kNone; }
};

struct ProbeBatch {
  // Not ok when the probes could not be judged fully (e.g. the trust store
  // did not load); the results are still filled in.
  Status status = Status::Ok();
  std::vector<ProbeResult> results;  // one per request, in order
};

class Prober {
 public:
  virtual ~Prober() = default;
  // Probes every request concurrently, returning no later than shortly
  // after `deadline`.
  virtual ProbeBatch ProbeAll(
      const std::vector<ProbeRequest>& requests,
      std::chrono::milliseconds per_probe_timeout,
      std::chrono::steady_clock::time_point deadline) = 0;
};

}  // namespace entra_pta::probe
