// What the tls collector reports about a certificate, read from its DER
// bytes with OpenSSL: common names (or the full name when there is no CN),
// SHA-256 fingerprint, serial, expiry. Names are valid UTF-8 of at most 512
// bytes: control characters become spaces and ill-formed bytes U+FFFD, so
// label values stay readable and valid (the exposition format escapes the
// rest).
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace entra_pta::tls {

struct CertFacts {
  std::string subject;             // CN, or the RFC 2253 name without one
  std::string issuer;              // the same for the issuer
  bool self_issued = false;        // subject name == issuer name
  std::string fingerprint_sha256;  // lower-case hex, no separators
  std::string serial;              // lower-case hex
  std::optional<std::chrono::system_clock::time_point> not_after;
};

// nullopt when `der` is not exactly one certificate.
std::optional<CertFacts> ReadCertFacts(const std::string& der);

// "sha256:AB:CD..." / "AB CD ..." / "abcd..." -> "abcd..." (64 hex digits),
// or nullopt when it is not a SHA-256 fingerprint.
std::optional<std::string> NormalizeFingerprint(const std::string& text);

}  // namespace entra_pta::tls
