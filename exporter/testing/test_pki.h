// Test-only certificates made in-process with OpenSSL: a self-signed
// certificate and its key as PEM files, so tests need no `openssl` program
// (there is none where the Windows build's tests run, under Wine).
// Thread-safety: WriteSelfSignedCertificate may be called from any thread.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <memory>
#include <string>

namespace entra_pta::testing {

// Writes a self-signed EC P-256 certificate for CN=`common_name`, valid
// from now for `days`, to `cert_path` and its unencrypted key to
// `key_path`. Returns false (and writes what it could) on any failure.
inline bool WriteSelfSignedCertificate(const std::string& cert_path,
                                       const std::string& key_path,
                                       const std::string& common_name,
                                       long days = 2) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"),
                                                          EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  if (!key || !cert) return false;
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), days * 24 * 60 * 60);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(
      name, "CN", MBSTRING_UTF8,
      reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509_set_pubkey(cert.get(), key.get());
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return false;
  auto write = [](const std::string& path, auto&& pem) {
    std::FILE* file = std::fopen(path.c_str(), "wb");
    if (file == nullptr) return false;
    const bool written = pem(file) == 1;
    return std::fclose(file) == 0 && written;
  };
  return write(cert_path,
               [&](std::FILE* f) { return PEM_write_X509(f, cert.get()); }) &&
         write(key_path, [&](std::FILE* f) {
           return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0,
                                       nullptr, nullptr);
         });
}

}  // namespace entra_pta::testing
