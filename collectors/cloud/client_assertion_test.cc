#include "collectors/cloud/client_assertion.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <nlohmann/json.hpp>

#include "exporter/util/base64.h"

namespace entra_pta::cloud {
namespace {

std::string Base64UrlDecode(const std::string& text) {
  std::string standard = text;
  for (char& c : standard) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (standard.size() % 4 != 0) standard += '=';
  std::string out(standard.size(), '\0');
  int length =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(standard.data()),
                      static_cast<int>(standard.size()));
  out.resize(static_cast<std::size_t>(length));
  // EVP_DecodeBlock counts padding as zero bytes; drop them.
  std::size_t padding = standard.size() - text.size();
  out.resize(out.size() - padding);
  return out;
}

std::string ToPem(EVP_PKEY* key, X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (key != nullptr) {
    PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  } else {
    PEM_write_bio_X509(bio, cert);
  }
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(length));
  BIO_free(bio);
  return out;
}

// A throw-away RSA key and self-signed certificate, made with OpenSSL.
struct TestCredential {
  explicit TestCredential(EVP_PKEY* k) : key(k), cert(X509_new()) {
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(
        name, "CN", MBSTRING_ASC,
        reinterpret_cast<const unsigned char*>("entra-pta-exporter test"), -1,
        -1, 0);
    X509_set_issuer_name(cert, name);
    X509_sign(cert, key, EVP_sha256());
  }
  ~TestCredential() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  std::string KeyPem() const { return ToPem(key, nullptr); }
  std::string CertPem() const { return ToPem(nullptr, cert); }
  EVP_PKEY* key;
  X509* cert;
};

std::vector<std::string> Split(const std::string& jwt) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = jwt.find('.', start);
    parts.push_back(jwt.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

TEST(ClientAssertionTest, SignedJwtVerifiesWithTheCertificate) {
  TestCredential credential(EVP_RSA_gen(2048));
  const auto now = std::chrono::system_clock::time_point(
      std::chrono::seconds(1'800'000'000));
  auto built = BuildClientAssertion(
      credential.CertPem(), credential.KeyPem(), "client-1",
      "https://login.test/t/oauth2/v2.0/token", now, "jti-1");
  ASSERT_TRUE(std::holds_alternative<std::string>(built))
      << std::get<Status>(built).message();
  const auto parts = Split(std::get<std::string>(built));
  ASSERT_EQ(parts.size(), 3u);

  auto header = nlohmann::json::parse(Base64UrlDecode(parts[0]));
  EXPECT_EQ(header["alg"], "RS256");
  EXPECT_EQ(header["typ"], "JWT");
  unsigned char der_digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  X509_digest(credential.cert, EVP_sha256(), der_digest, &digest_length);
  EXPECT_EQ(header["x5t#S256"],
            Base64UrlEncode(std::string(reinterpret_cast<char*>(der_digest),
                                        digest_length)));
  auto claims = nlohmann::json::parse(Base64UrlDecode(parts[1]));
  EXPECT_EQ(claims["aud"], "https://login.test/t/oauth2/v2.0/token");
  EXPECT_EQ(claims["iss"], "client-1");
  EXPECT_EQ(claims["sub"], "client-1");
  EXPECT_EQ(claims["jti"], "jti-1");
  EXPECT_EQ(claims["nbf"], 1'800'000'000);
  EXPECT_EQ(claims["exp"], 1'800'000'600);

  const std::string signing_input = parts[0] + "." + parts[1];
  const std::string signature = Base64UrlDecode(parts[2]);
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  ASSERT_EQ(EVP_DigestVerifyInit(context, nullptr, EVP_sha256(), nullptr,
                                 X509_get0_pubkey(credential.cert)),
            1);
  EXPECT_EQ(
      EVP_DigestVerify(
          context, reinterpret_cast<const unsigned char*>(signature.data()),
          signature.size(),
          reinterpret_cast<const unsigned char*>(signing_input.data()),
          signing_input.size()),
      1);
  EVP_MD_CTX_free(context);
}

TEST(ClientAssertionTest, BadCredentialsAreClearErrors) {
  TestCredential rsa(EVP_RSA_gen(2048));
  TestCredential other(EVP_RSA_gen(2048));
  TestCredential ec(EVP_EC_gen("P-256"));
  const auto now = std::chrono::system_clock::now();
  auto error = [&](const std::string& cert, const std::string& key) {
    auto built = BuildClientAssertion(cert, key, "c", "a", now, "j");
    EXPECT_TRUE(std::holds_alternative<Status>(built));
    if (!std::holds_alternative<Status>(built)) return std::string();
    const std::string message = std::get<Status>(built).message();
    EXPECT_EQ(message.find("PRIVATE KEY"), std::string::npos);
    return message;
  };
  EXPECT_NE(error("junk", rsa.KeyPem()).find("not a PEM certificate"),
            std::string::npos);
  EXPECT_NE(error(rsa.CertPem(), "junk").find("not an unencrypted PEM"),
            std::string::npos);
  EXPECT_NE(error(rsa.CertPem(), other.KeyPem()).find("does not belong"),
            std::string::npos);
  EXPECT_NE(error(ec.CertPem(), ec.KeyPem()).find("must be an RSA key"),
            std::string::npos);
}

}  // namespace
}  // namespace entra_pta::cloud
