#include "collectors/tls/cert_facts.h"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cctype>
#include <memory>

#include "collectors/probe/chain_verifier.h"
#include "exporter/util/ascii.h"
#include "exporter/util/utf8.h"

namespace entra_pta::tls {
namespace {

constexpr std::size_t kMaxNameBytes = 512;

std::string Hex(const unsigned char* data, std::size_t size) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0xF];
  }
  return out;
}

// Label-safe: control characters become spaces, ill-formed UTF-8 (a
// UTF8String may hold any bytes, BMP and Universal strings lone surrogates)
// becomes U+FFFD, and the length cut falls between characters.
std::string Printable(const std::string& raw) {
  std::string text = ToValidUtf8(raw);
  for (char& c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) c = ' ';
  }
  return std::string(TruncateUtf8(text, kMaxNameBytes));
}

std::string NameText(const X509_NAME* name) {
  if (name == nullptr) return "";
  const int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index >= 0) {
    const ASN1_STRING* data =
        X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
    unsigned char* utf8 = nullptr;
    const int length = ASN1_STRING_to_UTF8(&utf8, data);
    if (length >= 0) {
      std::string cn(reinterpret_cast<char*>(utf8),
                     static_cast<std::size_t>(length));
      OPENSSL_free(utf8);
      return Printable(cn);
    }
    ERR_clear_error();
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio) return "";
  X509_NAME_print_ex(bio.get(), name, 0,
                     XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return Printable(std::string(data, static_cast<std::size_t>(length)));
}

}  // namespace

std::optional<CertFacts> ReadCertFacts(const std::string& der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      d2i_X509(nullptr, &p, static_cast<long>(der.size())), X509_free);
  if (!cert ||
      p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    ERR_clear_error();
    return std::nullopt;
  }
  CertFacts facts;
  facts.subject = NameText(X509_get_subject_name(cert.get()));
  facts.issuer = NameText(X509_get_issuer_name(cert.get()));
  facts.self_issued = X509_NAME_cmp(X509_get_subject_name(cert.get()),
                                    X509_get_issuer_name(cert.get())) == 0;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  if (X509_digest(cert.get(), EVP_sha256(), digest, &digest_length) == 1) {
    facts.fingerprint_sha256 = Hex(digest, digest_length);
  }
  if (const ASN1_INTEGER* serial = X509_get0_serialNumber(cert.get())) {
    std::unique_ptr<BIGNUM, decltype(&BN_free)> number(
        ASN1_INTEGER_to_BN(serial, nullptr), BN_free);
    if (number) {
      char* hex = BN_bn2hex(number.get());
      if (hex != nullptr) {
        facts.serial = AsciiLower(hex);
        OPENSSL_free(hex);
      }
    }
  }
  facts.not_after = probe::Asn1TimeToTimePoint(X509_get0_notAfter(cert.get()));
  ERR_clear_error();
  return facts;
}

std::optional<std::string> NormalizeFingerprint(const std::string& text) {
  std::string body = text;
  if (StartsWithIgnoreAsciiCase(body, "sha256:")) body = body.substr(7);
  std::string hex;
  for (char c : body) {
    if (c == ':' || c == ' ') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    hex += AsciiLower(c);
  }
  if (hex.size() != 64) return std::nullopt;
  return hex;
}

}  // namespace entra_pta::tls
