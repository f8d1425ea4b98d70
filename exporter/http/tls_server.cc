#include "exporter/http/tls_server.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <cstring>
#include <filesystem>

namespace entra_pta {
namespace {

// Certificates, keys and CA bundles are small; OpenSSL would read a FIFO or
// a device such as /dev/zero for ever, so only regular files up to this size
// are handed to it.
constexpr std::uintmax_t kMaxPemFileBytes = 4 * 1024 * 1024;

void RequireSmallRegularFile(const std::string& key, const std::string& path) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (error || !std::filesystem::exists(status)) {
    throw TlsSetupError(key, "tls_server_config." + key + ": " + path +
                                 " does not exist or cannot be read");
  }
  if (!std::filesystem::is_regular_file(status)) {
    throw TlsSetupError(key, "tls_server_config." + key + ": " + path +
                                 " is not a regular file");
  }
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  if (error || size > kMaxPemFileBytes) {
    throw TlsSetupError(key, "tls_server_config." + key + ": " + path +
                                 " is larger than 4 MiB; not a PEM file");
  }
}

std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  unsigned long next;
  while ((next = ERR_get_error()) != 0) code = next;  // the innermost cause
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

int VersionOf(TlsVersion version) {
  switch (version) {
    case TlsVersion::kTls10:
      return TLS1_VERSION;
    case TlsVersion::kTls11:
      return TLS1_1_VERSION;
    case TlsVersion::kTls12:
      return TLS1_2_VERSION;
    case TlsVersion::kTls13:
      return TLS1_3_VERSION;
  }
  return TLS1_2_VERSION;
}

// An encrypted key must never make OpenSSL prompt on a terminal.
int NoPassword(char*, int, int, void*) { return 0; }

int AcceptAnyCertificate(int, X509_STORE_CTX*) { return 1; }

struct CtxDeleter {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using CtxPtr = std::unique_ptr<SSL_CTX, CtxDeleter>;

std::string OpenSslCipherList(const std::vector<std::string>& iana_names) {
  CtxPtr probe(SSL_CTX_new(TLS_server_method()));
  if (!probe || SSL_CTX_set_cipher_list(probe.get(), "ALL") != 1) {
    throw TlsSetupError("cipher_suites",
                        "cannot list OpenSSL's ciphers: " + OpenSslError());
  }
  STACK_OF(SSL_CIPHER)* ciphers = SSL_CTX_get_ciphers(probe.get());
  std::string list;
  for (const std::string& name : iana_names) {
    const SSL_CIPHER* match = nullptr;
    for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i) {
      const SSL_CIPHER* cipher = sk_SSL_CIPHER_value(ciphers, i);
      const char* standard = SSL_CIPHER_standard_name(cipher);
      if (standard != nullptr && name == standard) match = cipher;
    }
    if (match == nullptr) {
      throw TlsSetupError("cipher_suites",
                          "tls_server_config.cipher_suites: \"" + name +
                              "\" is not a TLS 1.2 cipher suite this OpenSSL "
                              "offers (TLS 1.3 suites are not configurable)");
    }
    if (std::strcmp(SSL_CIPHER_get_version(match), "TLSv1.3") == 0) {
      throw TlsSetupError("cipher_suites",
                          "tls_server_config.cipher_suites: \"" + name +
                              "\" is a TLS 1.3 suite; those are not "
                              "configurable (as in exporter-toolkit)");
    }
    // Appended piecewise: `literal + std::string&&` makes GCC 12 at -O3
    // warn -Wrestrict inside libstdc++ (GCC bug 105651).
    if (!list.empty()) list += ':';
    list += SSL_CIPHER_get_name(match);
  }
  return list;
}

std::string OpenSslGroups(const std::vector<std::string>& go_names) {
  std::string list;
  for (const std::string& name : go_names) {
    const char* group = name == "CurveP256"   ? "P-256"
                        : name == "CurveP384" ? "P-384"
                        : name == "CurveP521" ? "P-521"
                        : name == "X25519"    ? "X25519"
                                              : nullptr;
    if (group == nullptr) {
      throw TlsSetupError("curve_preferences",
                          "tls_server_config.curve_preferences: unknown "
                          "curve \"" +
                              name +
                              "\" (use CurveP256, CurveP384, CurveP521 or "
                              "X25519)");
    }
    if (!list.empty()) list += ':';  // as above (GCC bug 105651)
    list += group;
  }
  return list;
}

// Whether the certificate has one of `allowed` as a subject alternative name.
bool HasAllowedSan(X509* certificate, const std::vector<std::string>& allowed) {
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return false;
  bool found = false;
  for (int i = 0; i < sk_GENERAL_NAME_num(names) && !found; ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    const ASN1_STRING* value = nullptr;
    if (name->type == GEN_DNS) value = name->d.dNSName;
    if (name->type == GEN_EMAIL) value = name->d.rfc822Name;
    if (name->type == GEN_URI) value = name->d.uniformResourceIdentifier;
    if (name->type == GEN_IPADD) value = name->d.iPAddress;
    if (value == nullptr) continue;
    const auto* data = ASN1_STRING_get0_data(value);
    const int length = ASN1_STRING_length(value);
    for (const std::string& want : allowed) {
      if (name->type == GEN_IPADD) {
        ASN1_OCTET_STRING* ip = a2i_IPADDRESS(want.c_str());
        if (ip != nullptr) {
          found = found || (ASN1_STRING_length(ip) == length &&
                            std::memcmp(ASN1_STRING_get0_data(ip), data,
                                        static_cast<std::size_t>(length)) == 0);
          ASN1_OCTET_STRING_free(ip);
        }
      } else if (want.size() == static_cast<std::size_t>(length) &&
                 std::memcmp(want.data(), data, want.size()) == 0) {
        found = true;
      }
    }
  }
  GENERAL_NAMES_free(names);
  return found;
}

class TlsStream final : public ByteStream {
 public:
  TlsStream(SSL* ssl, std::vector<std::string> allowed_sans)
      : ssl_(ssl), allowed_sans_(std::move(allowed_sans)) {}
  ~TlsStream() override { SSL_free(ssl_); }

  long Handshake(std::string& error) override {
    ERR_clear_error();
    int rc = SSL_accept(ssl_);
    if (rc != 1) {
      const int ssl_error = SSL_get_error(ssl_, rc);
      if (ssl_error == SSL_ERROR_WANT_READ) return kWantRead;
      if (ssl_error == SSL_ERROR_WANT_WRITE) return kWantWrite;
      error = ssl_error == SSL_ERROR_SSL ? OpenSslError() : "connection closed";
      return kError;
    }
    if (!allowed_sans_.empty()) {
      X509* peer = SSL_get0_peer_certificate(ssl_);
      if (peer == nullptr || !HasAllowedSan(peer, allowed_sans_)) {
        error = "client certificate has none of client_allowed_sans";
        return kError;
      }
    }
    return 1;
  }

  long Read(char* data, std::size_t size) override {
    ERR_clear_error();
    std::size_t got = 0;
    if (SSL_read_ex(ssl_, data, size, &got) == 1) {
      return static_cast<long>(got);
    }
    const int error = SSL_get_error(ssl_, 0);
    if (error == SSL_ERROR_ZERO_RETURN) return 0;
    return Want(error);
  }

  long Write(const char* data, std::size_t size) override {
    ERR_clear_error();
    std::size_t written = 0;
    if (SSL_write_ex(ssl_, data, size, &written) == 1) {
      return static_cast<long>(written);
    }
    return Want(SSL_get_error(ssl_, 0));
  }

  void Finish() override {
    ERR_clear_error();
    SSL_shutdown(ssl_);  // Sends close_notify; the peer's is not awaited.
  }

 private:
  static long Want(int ssl_error) {
    if (ssl_error == SSL_ERROR_WANT_READ) return kWantRead;
    if (ssl_error == SSL_ERROR_WANT_WRITE) return kWantWrite;
    return kError;
  }

  SSL* ssl_;
  std::vector<std::string> allowed_sans_;
};

class OpenSslAcceptor final : public TlsAcceptor {
 public:
  OpenSslAcceptor(CtxPtr ctx, std::vector<std::string> allowed_sans)
      : ctx_(std::move(ctx)), allowed_sans_(std::move(allowed_sans)) {}

  std::unique_ptr<ByteStream> NewStream(StreamSocket& socket,
                                        std::string& error) const override {
    ERR_clear_error();
    SSL* ssl = SSL_new(ctx_.get());
    if (ssl == nullptr) {
      error = OpenSslError();
      return nullptr;
    }
    auto stream = std::make_unique<TlsStream>(ssl, allowed_sans_);
    if (SSL_set_fd(ssl, static_cast<int>(socket.NativeHandle())) != 1) {
      error = OpenSslError();
      return nullptr;
    }
    return stream;
  }

 private:
  CtxPtr ctx_;
  std::vector<std::string> allowed_sans_;
};

// Protocol versions, options, cipher suites and curves.
void ConfigureProtocol(SSL_CTX* c, const TlsServerSettings& settings) {
  if (SSL_CTX_set_min_proto_version(c, VersionOf(settings.min_version)) != 1) {
    throw TlsSetupError("min_version",
                        "tls_server_config.min_version: " + OpenSslError());
  }
  if (settings.max_version &&
      SSL_CTX_set_max_proto_version(c, VersionOf(*settings.max_version)) != 1) {
    throw TlsSetupError("max_version",
                        "tls_server_config.max_version: " + OpenSslError());
  }
  uint64_t options = SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION;
  if (settings.prefer_server_cipher_suites) {
    options |= SSL_OP_CIPHER_SERVER_PREFERENCE;
  }
  SSL_CTX_set_options(c, options);
  SSL_CTX_set_mode(
      c, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  static const unsigned char kSessionContext[] = "entra_pta_exporter";
  SSL_CTX_set_session_id_context(c, kSessionContext,
                                 sizeof kSessionContext - 1);
  if (!settings.cipher_suites.empty() &&
      SSL_CTX_set_cipher_list(
          c, OpenSslCipherList(settings.cipher_suites).c_str()) != 1) {
    std::string message = "tls_server_config.cipher_suites: ";
    message += OpenSslError();  // appended: GCC bug 105651, as above
    throw TlsSetupError("cipher_suites", message);
  }
  if (!settings.curve_preferences.empty() &&
      SSL_CTX_set1_groups_list(
          c, OpenSslGroups(settings.curve_preferences).c_str()) != 1) {
    std::string message = "tls_server_config.curve_preferences: ";
    message += OpenSslError();  // appended: GCC bug 105651, as above
    throw TlsSetupError("curve_preferences", message);
  }
}

// The server's certificate chain and its private key.
void LoadServerCertificate(SSL_CTX* c, const TlsServerSettings& settings) {
  RequireSmallRegularFile("cert_file", settings.cert_file);
  RequireSmallRegularFile("key_file", settings.key_file);
  if (!settings.client_ca_file.empty()) {
    RequireSmallRegularFile("client_ca_file", settings.client_ca_file);
  }
  if (SSL_CTX_use_certificate_chain_file(c, settings.cert_file.c_str()) != 1) {
    throw TlsSetupError("cert_file",
                        "tls_server_config.cert_file: cannot load the "
                        "certificate chain from " +
                            settings.cert_file + ": " + OpenSslError());
  }
  if (SSL_CTX_use_PrivateKey_file(c, settings.key_file.c_str(),
                                  SSL_FILETYPE_PEM) != 1) {
    if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
      throw TlsSetupError("key_file",
                          "tls_server_config.key_file: the private key does "
                          "not match the certificate in cert_file");
    }
    throw TlsSetupError("key_file",
                        "tls_server_config.key_file: cannot load the private "
                        "key from " +
                            settings.key_file +
                            " (PEM, not encrypted): " + OpenSslError());
  }
  if (SSL_CTX_check_private_key(c) != 1) {
    throw TlsSetupError("key_file",
                        "tls_server_config.key_file: the private key does not "
                        "match the certificate in cert_file");
  }
}

// Which client certificates are asked for, and against which CAs.
void ConfigureClientAuth(SSL_CTX* c, const TlsServerSettings& settings) {
  if (!settings.client_ca_file.empty()) {
    STACK_OF(X509_NAME)* names =
        SSL_load_client_CA_file(settings.client_ca_file.c_str());
    if (names == nullptr ||
        SSL_CTX_load_verify_locations(c, settings.client_ca_file.c_str(),
                                      nullptr) != 1) {
      if (names != nullptr) sk_X509_NAME_pop_free(names, X509_NAME_free);
      throw TlsSetupError("client_ca_file",
                          "tls_server_config.client_ca_file: cannot load CA "
                          "certificates from " +
                              settings.client_ca_file + ": " + OpenSslError());
    }
    SSL_CTX_set_client_CA_list(c, names);
  }
  switch (settings.client_auth) {
    case ClientAuth::kNoClientCert:
      SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
      break;
    case ClientAuth::kRequestClientCert:
      SSL_CTX_set_verify(c, SSL_VERIFY_PEER, &AcceptAnyCertificate);
      break;
    case ClientAuth::kRequireAnyClientCert:
      SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                         &AcceptAnyCertificate);
      break;
    case ClientAuth::kVerifyClientCertIfGiven:
      SSL_CTX_set_verify(c, SSL_VERIFY_PEER, nullptr);
      break;
    case ClientAuth::kRequireAndVerifyClientCert:
      SSL_CTX_set_verify(c, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                         nullptr);
      break;
  }
}

}  // namespace

std::shared_ptr<const TlsAcceptor> MakeTlsAcceptor(
    const TlsServerSettings& settings) {
  CtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx)
    throw TlsSetupError("", "cannot create a TLS context: " + OpenSslError());
  SSL_CTX_set_default_passwd_cb(ctx.get(), &NoPassword);
  ConfigureProtocol(ctx.get(), settings);
  LoadServerCertificate(ctx.get(), settings);
  ConfigureClientAuth(ctx.get(), settings);
  ERR_clear_error();
  return std::make_shared<OpenSslAcceptor>(std::move(ctx),
                                           settings.client_allowed_sans);
}

}  // namespace entra_pta
