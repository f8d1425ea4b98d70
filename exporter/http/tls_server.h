// TLS for the HTTP server with OpenSSL 3: the tls_server_config settings of
// the exporter-toolkit web configuration, turned into one SSL_CTX that every
// connection shares (built once per (re)load, never per request).
// Thread-safety: an acceptor is immutable after MakeTlsAcceptor and may be
// used by many threads at once.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "exporter/http/web_security.h"

namespace entra_pta {

enum class ClientAuth {
  kNoClientCert,
  kRequestClientCert,           // asked for, not required, not verified
  kRequireAnyClientCert,        // required, not verified
  kVerifyClientCertIfGiven,     // verified when sent
  kRequireAndVerifyClientCert,  // required and verified
};

enum class TlsVersion { kTls10, kTls11, kTls12, kTls13 };

struct TlsServerSettings {
  std::string cert_file;  // PEM: the certificate, then its intermediates
  std::string key_file;   // PEM, unencrypted
  ClientAuth client_auth = ClientAuth::kNoClientCert;
  std::string client_ca_file;  // PEM; empty when not needed
  TlsVersion min_version = TlsVersion::kTls12;
  std::optional<TlsVersion> max_version;
  // IANA names, as Go and exporter-toolkit spell them; TLS 1.2 and older
  // only (TLS 1.3's suites are not configurable there either). Empty: the
  // OpenSSL defaults.
  std::vector<std::string> cipher_suites;
  // Go's names: CurveP256, CurveP384, CurveP521, X25519. Empty: defaults.
  std::vector<std::string> curve_preferences;
  bool prefer_server_cipher_suites = true;
  // When non-empty, the verified client certificate must carry one of these
  // subject alternative names (DNS, email, URI or IP address).
  std::vector<std::string> client_allowed_sans;
};

// A setting that cannot be applied; `key` names it (e.g. "cert_file") so
// the caller can locate the error in the file. Never holds key material.
class TlsSetupError : public std::runtime_error {
 public:
  TlsSetupError(std::string key, const std::string& message)
      : std::runtime_error(message), key_(std::move(key)) {}
  const std::string& key() const { return key_; }

 private:
  std::string key_;
};

// Reads the files and builds the context. Throws TlsSetupError.
std::shared_ptr<const TlsAcceptor> MakeTlsAcceptor(
    const TlsServerSettings& settings);

}  // namespace entra_pta
