#include "collectors/cloud/client_assertion.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "exporter/util/base64.h"

namespace entra_pta::cloud {
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using MdCtxPtr =
    std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;

BioPtr MemoryBio(const std::string& text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

std::string Digest(const EVP_MD* md, const std::vector<unsigned char>& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), out, &length, md, nullptr);
  return std::string(reinterpret_cast<char*>(out), length);
}

}  // namespace

std::variant<std::string, Status> BuildClientAssertion(
    const std::string& certificate_pem, const std::string& private_key_pem,
    const std::string& client_id, const std::string& audience,
    std::chrono::system_clock::time_point now, const std::string& jti) {
  BioPtr cert_bio = MemoryBio(certificate_pem);
  X509Ptr certificate(
      PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  if (!certificate) {
    return Status::Error("the client certificate is not a PEM certificate");
  }
  BioPtr key_bio = MemoryBio(private_key_pem);
  // No passphrase callback: an encrypted key fails here instead of
  // prompting on a terminal.
  pem_password_cb* no_prompt = [](char*, int, int, void*) { return 0; };
  KeyPtr key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, no_prompt, nullptr));
  if (!key) {
    return Status::Error(
        "the client key is not an unencrypted PEM private key");
  }
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) {
    return Status::Error("the client key must be an RSA key (RS256)");
  }
  if (X509_check_private_key(certificate.get(), key.get()) != 1) {
    return Status::Error(
        "the client key does not belong to the client certificate");
  }
  const int der_length = i2d_X509(certificate.get(), nullptr);
  std::vector<unsigned char> der(static_cast<std::size_t>(der_length));
  unsigned char* cursor = der.data();
  i2d_X509(certificate.get(), &cursor);

  const long long seconds =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch())
          .count();
  nlohmann::ordered_json header = {
      {"alg", "RS256"},
      {"typ", "JWT"},
      {"x5t", Base64UrlEncode(Digest(EVP_sha1(), der))},
      {"x5t#S256", Base64UrlEncode(Digest(EVP_sha256(), der))}};
  nlohmann::ordered_json claims = {{"aud", audience},     {"iss", client_id},
                                   {"sub", client_id},    {"jti", jti},
                                   {"nbf", seconds},      {"iat", seconds},
                                   {"exp", seconds + 600}};
  const std::string signing_input =
      Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump());

  MdCtxPtr context(EVP_MD_CTX_new());
  std::size_t signature_length = 0;
  if (!context ||
      EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr,
                         key.get()) != 1 ||
      EVP_DigestSign(
          context.get(), nullptr, &signature_length,
          reinterpret_cast<const unsigned char*>(signing_input.data()),
          signing_input.size()) != 1) {
    return Status::Error("OpenSSL could not sign the client assertion");
  }
  std::string signature(signature_length, '\0');
  if (EVP_DigestSign(
          context.get(), reinterpret_cast<unsigned char*>(signature.data()),
          &signature_length,
          reinterpret_cast<const unsigned char*>(signing_input.data()),
          signing_input.size()) != 1) {
    return Status::Error("OpenSSL could not sign the client assertion");
  }
  signature.resize(signature_length);
  return signing_input + "." + Base64UrlEncode(signature);
}

}  // namespace entra_pta::cloud
