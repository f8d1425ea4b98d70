// TestPki: certificates made in memory with OpenSSL for unit tests (EC
// P-256 keys, so it is fast): a CA with any common name, certificates it
// issues for a host name or IP, any validity window. Test-only.
// Thread-safety: each object is used by one test thread.
#pragma once

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

namespace entra_pta::probe::testing {

struct TestCert {
  std::shared_ptr<EVP_PKEY> key;
  std::shared_ptr<X509> cert;
  std::string der() const {
    const int length = i2d_X509(cert.get(), nullptr);
    std::string out(static_cast<std::size_t>(length), '\0');
    unsigned char* p = reinterpret_cast<unsigned char*>(out.data());
    i2d_X509(cert.get(), &p);
    return out;
  }
};

struct CertSpec {
  std::string common_name;  // empty: no CN (only O=)
  std::string organization = "Test";
  bool is_ca = false;
  std::string san;  // e.g. "DNS:localhost,IP:127.0.0.1"
  long serial = 1;
  std::chrono::system_clock::time_point not_before =
      std::chrono::system_clock::now() - std::chrono::hours(24);
  std::chrono::system_clock::time_point not_after =
      std::chrono::system_clock::now() + std::chrono::hours(24 * 365);
};

inline std::shared_ptr<EVP_PKEY> NewKey() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (key == nullptr) throw std::runtime_error("EVP_EC_gen failed");
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

// `issuer` null: self-signed.
inline TestCert MakeCert(const CertSpec& spec, const TestCert* issuer) {
  TestCert out;
  out.key = NewKey();
  out.cert = std::shared_ptr<X509>(X509_new(), X509_free);
  X509* cert = out.cert.get();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), spec.serial);
  ASN1_TIME_set(X509_getm_notBefore(cert),
                std::chrono::system_clock::to_time_t(spec.not_before));
  ASN1_TIME_set(X509_getm_notAfter(cert),
                std::chrono::system_clock::to_time_t(spec.not_after));
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(
      name, "O", MBSTRING_UTF8,
      reinterpret_cast<const unsigned char*>(spec.organization.c_str()), -1, -1,
      0);
  if (!spec.common_name.empty()) {
    X509_NAME_add_entry_by_txt(
        name, "CN", MBSTRING_UTF8,
        reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1,
        -1, 0);
  }
  X509_set_issuer_name(cert, issuer != nullptr
                                 ? X509_get_subject_name(issuer->cert.get())
                                 : name);
  X509_set_pubkey(cert, out.key.get());
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer->cert.get() : cert, cert,
                 nullptr, nullptr, 0);
  auto add = [&](int nid, const std::string& value) {
    X509_EXTENSION* ext =
        X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (ext == nullptr) throw std::runtime_error("bad extension " + value);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  };
  add(NID_basic_constraints, spec.is_ca ? "critical,CA:TRUE" : "CA:FALSE");
  if (spec.is_ca) {
    add(NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add(NID_key_usage, "critical,digitalSignature");
    add(NID_ext_key_usage, "serverAuth");
  }
  add(NID_subject_key_identifier, "hash");
  if (issuer != nullptr) add(NID_authority_key_identifier, "keyid:always");
  if (!spec.san.empty()) add(NID_subject_alt_name, spec.san);
  EVP_PKEY* signer = issuer != nullptr ? issuer->key.get() : out.key.get();
  if (X509_sign(cert, signer, EVP_sha256()) == 0) {
    throw std::runtime_error("X509_sign failed");
  }
  return out;
}

}  // namespace entra_pta::probe::testing
