// Verifies a presented certificate chain the way a TLS client would (path
// to a trust anchor, validity at a given time, server purpose, host name or
// IP), but after the handshake and on the DER bytes, so the chain is kept
// and inspected whether or not it verifies.
// Thread-safety: pure function; the store may be shared between threads.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "collectors/endpoint/trust_store.h"

namespace entra_pta::endpoint {

struct ChainVerdict {
  bool verified = false;
  std::string error;                   // OpenSSL's reason when not verified
  std::vector<std::string> chain_der;  // built chain, anchor last (verified)
};

// `presented_der`: leaf first. `host`: a DNS name or an IP literal.
ChainVerdict VerifyChain(const std::vector<std::string>& presented_der,
                         const std::string& host, X509_STORE* store,
                         std::chrono::system_clock::time_point at);

}  // namespace entra_pta::endpoint
