#include "exporter/web_config.h"

#include <gtest/gtest.h>

#include "exporter/config_section.h"

namespace entra_pta {
namespace {

std::string ErrorOf(const std::string& yaml) {
  try {
    CheckWebConfig(yaml, "web.yml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(WebConfigTest, EmptyFileIsValid) {
  EXPECT_EQ(ErrorOf(""), "(no error)");
  EXPECT_EQ(ErrorOf("# nothing to configure\n"), "(no error)");
}

TEST(WebConfigTest, ValidTlsSettingsAreRefusedAtTheirPosition) {
  // Valid exporter-toolkit TLS settings: understood, but this release cannot
  // serve TLS, so it must refuse rather than serve plain HTTP.
  EXPECT_EQ(
      ErrorOf(R"(# web config
tls_server_config:
  cert_file: /etc/exporter/tls.crt
  key_file: /etc/exporter/tls.key
  min_version: TLS13
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: /etc/exporter/ca.crt
)"),
      "web.yml:2:1: tls_server_config: serving TLS is not supported by "
      "this release; remove it or put a TLS-terminating proxy in front of "
      "the exporter");
}

TEST(WebConfigTest, BadFilesNameTheirPosition) {
  EXPECT_EQ(ErrorOf("tls_server_config:\n  key_file: b\n"),
            "web.yml:2:3: tls_server_config.cert_file: a value is required");
  EXPECT_EQ(ErrorOf("tls_server_config:\n  cert_file: a\n  key_file: b\n"
                    "  min_version: TLS10\n"),
            "web.yml:4:16: tls_server_config.min_version: \"TLS10\" is not "
            "allowed (use TLS12 or TLS13)");
  EXPECT_EQ(ErrorOf("tls_server_config:\n  cert_file: a\n  key_file: b\n"
                    "  client_auth_type: RequireAnyClientCert\n"),
            "web.yml:4:21: tls_server_config.client_auth_type: "
            "\"RequireAnyClientCert\" is not supported (use NoClientCert, "
            "VerifyClientCertIfGiven or RequireAndVerifyClientCert)");
  EXPECT_EQ(ErrorOf("tls_server_config:\n  cert_file: a\n  key_file: b\n"
                    "  client_auth_type: RequireAndVerifyClientCert\n"),
            "web.yml:4:21: tls_server_config.client_ca_file: required when "
            "client_auth_type is RequireAndVerifyClientCert");
  EXPECT_EQ(ErrorOf("tls_server_config:\n  cert_file: a\n  key_file: b\n"
                    "  cipher_suites: [TLS_AES_128_GCM_SHA256]\n"),
            "web.yml:4:3: unknown key tls_server_config.cipher_suites (known "
            "keys: cert_file, client_auth_type, client_ca_file, key_file, "
            "min_version)");
  EXPECT_EQ(ErrorOf("basic_auth_users:\n  alice: $2y$10$abc\n"),
            "web.yml:1:1: basic_auth_users is not supported by this release; "
            "remove it or put an authenticating proxy in front of the "
            "exporter");
  EXPECT_EQ(ErrorOf("tls_config:\n  cert_file: a\n"),
            "web.yml:1:1: unknown key tls_config (known keys: "
            "tls_server_config)");
}

TEST(WebConfigTest, BadHashesInBasicAuthAreNeverEchoed) {
  // The file may hold password hashes; the error must not repeat them.
  std::string error =
      ErrorOf("basic_auth_users:\n  alice: secret-hash-value\n");
  EXPECT_EQ(error.find("secret-hash-value"), std::string::npos) << error;
}

TEST(WebConfigTest, MissingFileIsAConfigError) {
  try {
    CheckWebConfigFile("/nonexistent/web.yml");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/web.yml"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace entra_pta
