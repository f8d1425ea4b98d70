// Verifies a presented certificate chain the way a TLS client would (path
// to a trust anchor, validity at a given time, server purpose, host name or
// IP), but after the handshake and on the DER bytes, so the chain is kept
// and inspected whether or not it verifies.
// Thread-safety: pure function; the store may be shared between threads.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "collectors/probe/trust_store.h"

namespace entra_pta::probe {

struct ChainVerdict {
  bool verified = false;
  std::string error;                   // OpenSSL's reason when not verified
  std::vector<std::string> chain_der;  // built chain, anchor last (verified)
  // When verified: the window in which every certificate of the built
  // chain is within its validity, so the verdict holds for the whole
  // window (trust anchors and host do not change in between).
  std::chrono::system_clock::time_point valid_from;
  std::chrono::system_clock::time_point valid_until;
};

// Frees a certificate stack and the references it holds.
struct CertsFree {
  void operator()(STACK_OF(X509) * certs) const {
    sk_X509_pop_free(certs, X509_free);
  }
};

// The certificate's DER bytes (empty if it cannot be encoded).
std::string CertificateDer(X509* cert);

// An ASN.1 time (notBefore/notAfter) as a time point, computed from the
// civil date so it is portable (no timegm); nullopt when unreadable.
// Times beyond the clock's range (year 9999 "no expiry" dates) saturate at
// time_point::max() (or min()).
std::optional<std::chrono::system_clock::time_point> Asn1TimeToTimePoint(
    const ASN1_TIME* time);

// `presented_der`: leaf first. `host`: a DNS name or an IP literal.
ChainVerdict VerifyChain(const std::vector<std::string>& presented_der,
                         const std::string& host, X509_STORE* store,
                         std::chrono::system_clock::time_point at);

// Successful verdicts by (host, presented chain), reused while the time is
// inside their validity window: the same chain comes back every scrape and
// verifying it costs two signature checks each time. Bounded: emptied when
// it would exceed `capacity` entries. Failures are never cached.
// Thread-safety: Find() and Insert() may be called concurrently.
class VerifiedChainCache {
 public:
  explicit VerifiedChainCache(std::size_t capacity = 256)
      : capacity_(capacity) {}
  std::optional<ChainVerdict> Find(const std::string& host,
                                   const std::vector<std::string>& chain_der,
                                   std::chrono::system_clock::time_point at);
  void Insert(const std::string& host,
              const std::vector<std::string>& chain_der,
              const ChainVerdict& verdict);

 private:
  static std::string Key(const std::string& host,
                         const std::vector<std::string>& chain_der);
  std::mutex mu_;
  std::size_t capacity_;
  std::map<std::string, ChainVerdict> verdicts_;
};

// The same on certificates already parsed (the handshake's own objects),
// which spares decoding them again; `presented` must not be empty.
ChainVerdict VerifyParsedChain(STACK_OF(X509) * presented,
                               const std::string& host, X509_STORE* store,
                               std::chrono::system_clock::time_point at);

}  // namespace entra_pta::probe
