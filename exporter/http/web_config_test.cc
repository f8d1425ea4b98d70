#include "exporter/http/web_config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "exporter/http/basic_auth.h"
#include "exporter/sdk/config_section.h"
#include "exporter/testing/fake_clock.h"
#include "exporter/testing/test_pki.h"

namespace entra_pta {
namespace {

namespace fs = std::filesystem;

// "secret" at cost 4, made with `htpasswd -nbBC 4 alice secret`.
constexpr char kAliceHash[] =
    "$2y$04$RPd3zuCm6ncg2H5mpoRrXOALwGuoyv8NoYE/0loOfpYSTtbBNcQbS";

class WebConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("web-config-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }

  // A self-signed certificate and key, made in-process.
  void MakeCertificate(const std::string& name, const std::string& cn) {
    ASSERT_TRUE(testing::WriteSelfSignedCertificate(
        (dir_ / (name + ".crt")).string(), (dir_ / (name + ".key")).string(),
        cn));
  }

  std::string ErrorOf(const std::string& yaml) {
    try {
      LoadWebConfig(yaml, (dir_ / "web.yml").string());
    } catch (const ConfigError& e) {
      std::string text = e.what();
      // Relative to the folder, so expectations stay short (a backslash on
      // Windows, where the paths in errors are native).
      const std::string prefix =
          dir_.string() + static_cast<char>(fs::path::preferred_separator);
      for (auto at = text.find(prefix); at != std::string::npos;
           at = text.find(prefix)) {
        text.erase(at, prefix.size());
      }
      return text;
    }
    return "(no error)";
  }

  fs::path dir_;
};

TEST_F(WebConfigTest, EmptyFileMeansPlainAndOpen) {
  EXPECT_EQ(ErrorOf(""), "(no error)");
  auto loaded = LoadWebConfig("# nothing\n", "web.yml");
  EXPECT_EQ(loaded.security->tls, nullptr);
  EXPECT_EQ(loaded.security->auth, nullptr);
  EXPECT_EQ(loaded.files, std::vector<std::string>{"web.yml"});
}

TEST_F(WebConfigTest, LoadsTlsWithRelativeFilesAndBasicAuth) {
  MakeCertificate("server", "localhost");
  const std::string file = Write("web.yml", std::string(R"(
tls_server_config:
  cert_file: server.crt
  key_file: server.key
  min_version: TLS13
  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: server.crt
  client_allowed_sans: [scraper.example]
  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]
  curve_preferences: [X25519, CurveP256]
  prefer_server_cipher_suites: true
http_server_config:
  http2: false
  headers:
    Strict-Transport-Security: max-age=31536000
basic_auth_users:
  alice: )") + kAliceHash + "\n");
  LoadedWebConfig loaded = LoadWebConfigFile(file);
  EXPECT_NE(loaded.security->tls, nullptr);
  ASSERT_NE(loaded.security->auth, nullptr);
  ASSERT_EQ(loaded.security->headers.size(), 1u);
  EXPECT_EQ(loaded.security->headers[0].first, "Strict-Transport-Security");
  EXPECT_EQ(loaded.files,
            (std::vector<std::string>{file, (dir_ / "server.crt").string(),
                                      (dir_ / "server.key").string(),
                                      (dir_ / "server.crt").string()}));
  // "alice:secret" and "alice:wrong"
  EXPECT_TRUE(loaded.security->auth->Allows("Basic YWxpY2U6c2VjcmV0"));
  EXPECT_FALSE(loaded.security->auth->Allows("Basic YWxpY2U6d3Jvbmc="));
}

TEST_F(WebConfigTest, BadFilesNameTheirPosition) {
  MakeCertificate("server", "localhost");
  MakeCertificate("other", "localhost");
  const std::string tls =
      "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n";
  EXPECT_EQ(ErrorOf("tls_server_config:\n  key_file: b\n"),
            "web.yml:2:3: tls_server_config.cert_file: a value is required");
  EXPECT_EQ(ErrorOf(tls + "  min_version: TLS14\n"),
            "web.yml:4:16: tls_server_config.min_version: \"TLS14\" is not "
            "one of TLS10, TLS11, TLS12, TLS13");
  EXPECT_EQ(ErrorOf(tls + "  min_version: TLS13\n  max_version: TLS12\n"),
            "web.yml:5:16: tls_server_config.max_version: lower than "
            "min_version");
  EXPECT_EQ(ErrorOf(tls + "  client_auth_type: VerifyAll\n"),
            "web.yml:4:21: tls_server_config.client_auth_type: \"VerifyAll\" "
            "is not one of NoClientCert, RequestClientCert, "
            "RequireAnyClientCert, VerifyClientCertIfGiven, "
            "RequireAndVerifyClientCert");
  EXPECT_EQ(ErrorOf(tls + "  client_auth_type: RequireAndVerifyClientCert\n"),
            "web.yml:4:21: tls_server_config.client_ca_file: required when "
            "client_auth_type is RequireAndVerifyClientCert");
  EXPECT_EQ(ErrorOf(tls + "  client_ca_file: server.crt\n"),
            "web.yml:4:19: tls_server_config.client_ca_file: client "
            "certificates are not verified with client_auth_type "
            "NoClientCert (use VerifyClientCertIfGiven or "
            "RequireAndVerifyClientCert)");
  EXPECT_EQ(ErrorOf(tls + "  client_allowed_sans: [a]\n"),
            "web.yml:4:24: tls_server_config.client_allowed_sans: needs "
            "client_auth_type RequireAndVerifyClientCert");
  EXPECT_EQ(ErrorOf(tls + "  cipher_suites: [TLS_AES_128_GCM_SHA256]\n"),
            "web.yml:4:18: tls_server_config.cipher_suites: "
            "\"TLS_AES_128_GCM_SHA256\" is a TLS 1.3 suite; those are not "
            "configurable (as in exporter-toolkit)");
  EXPECT_EQ(ErrorOf(tls + "  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n"),
            "web.yml:4:18: tls_server_config.cipher_suites: "
            "\"TLS_RSA_WITH_RC4_128_SHA\" is not a TLS 1.2 cipher suite this "
            "OpenSSL offers (TLS 1.3 suites are not configurable)");
  EXPECT_EQ(ErrorOf(tls + "  curve_preferences: [CurveP224]\n"),
            "web.yml:4:22: tls_server_config.curve_preferences: unknown curve "
            "\"CurveP224\" (use CurveP256, CurveP384, CurveP521 or X25519)");
  EXPECT_EQ(ErrorOf(tls + "  cipher_suite: [x]\n"),
            "web.yml:4:3: unknown key tls_server_config.cipher_suite (known "
            "keys: cert_file, cipher_suites, client_allowed_sans, "
            "client_auth_type, client_ca_file, curve_preferences, key_file, "
            "max_version, min_version, prefer_server_cipher_suites)");
  EXPECT_EQ(ErrorOf("tls_config:\n  cert_file: a\n"),
            "web.yml:1:1: unknown key tls_config (known keys: "
            "basic_auth_users, http_server_config, tls_server_config)");
  EXPECT_EQ(ErrorOf("http_server_config:\n  headers:\n    Server: x\n"),
            "web.yml:3:5: http_server_config.headers: \"Server\" cannot be set "
            "(use Content-Security-Policy, Strict-Transport-Security, "
            "X-Frame-Options, X-Content-Type-Options or X-XSS-Protection)");
  EXPECT_EQ(
      ErrorOf("basic_auth_users:\n  'a:b': " + std::string(kAliceHash) + "\n"),
      "web.yml:2:3: basic_auth_users.a:b: a user name cannot contain "
      "':' (HTTP basic authentication separates the password with it)");
  EXPECT_EQ(
      ErrorOf("basic_auth_users:\n  bob: "
              "$2y$18$iRX6s0JgrGaAZsNZ5R7i8eFqB4bEgwjG1ndnT0nh0s9sGaGXtadEq\n"),
      "web.yml:2:8: basic_auth_users.bob: bcrypt cost 18 is above 17 (each "
      "check would take many seconds)");
}

TEST_F(WebConfigTest, UnusableTlsFilesAreLocated) {
  MakeCertificate("server", "localhost");
  MakeCertificate("other", "localhost");
  Write("garbage.pem", "-----BEGIN CERTIFICATE-----\nnot base64\n");
  std::string error = ErrorOf(
      "tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key\n");
  EXPECT_EQ(error,
            "web.yml:2:14: tls_server_config.cert_file: missing.crt does not "
            "exist or cannot be read");
  // Only regular files reach OpenSSL, which would read a FIFO or a device
  // for ever (tested off Windows in web_config_posix_test.cc).
  fs::create_directories(dir_ / "folder.crt");
  EXPECT_EQ(ErrorOf("tls_server_config:\n  cert_file: folder.crt\n  key_file: "
                    "server.key\n"),
            "web.yml:2:14: tls_server_config.cert_file: folder.crt is not a "
            "regular file");
  {
    std::ofstream big(dir_ / "big.pem");
    big << std::string(5 * 1024 * 1024, 'A');
  }
  EXPECT_EQ(ErrorOf("tls_server_config:\n  cert_file: big.pem\n  key_file: "
                    "server.key\n"),
            "web.yml:2:14: tls_server_config.cert_file: big.pem is larger than "
            "4 MiB; not a PEM file");
  error = ErrorOf(
      "tls_server_config:\n  cert_file: garbage.pem\n  key_file: server.key\n");
  EXPECT_EQ(error.rfind("web.yml:2:14: tls_server_config.cert_file:", 0), 0u)
      << error;
  EXPECT_EQ(ErrorOf("tls_server_config:\n  cert_file: server.crt\n  key_file: "
                    "other.key\n"),
            "web.yml:3:13: tls_server_config.key_file: the private key does "
            "not match the certificate in cert_file");
  error = ErrorOf(
      "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
      "  client_auth_type: VerifyClientCertIfGiven\n"
      "  client_ca_file: garbage.pem\n");
  EXPECT_EQ(error.rfind("web.yml:5:19: tls_server_config.client_ca_file: "
                        "cannot load CA certificates from garbage.pem",
                        0),
            0u)
      << error;
}

TEST_F(WebConfigTest, SecretsAreNeverEchoed) {
  // The file holds password hashes and names key files; errors must not
  // repeat a hash or any key material.
  std::string error =
      ErrorOf("basic_auth_users:\n  alice: secret-hash-value\n");
  EXPECT_EQ(error,
            "web.yml:2:10: basic_auth_users.alice: not a bcrypt hash "
            "(expected $2a$, $2b$ or $2y$, a cost, then 53 characters, as "
            "made by `htpasswd -nBC 10 alice`)");
  MakeCertificate("server", "localhost");
  std::ifstream key_in(dir_ / "server.key");
  std::stringstream key_text;
  key_text << key_in.rdbuf();
  error = ErrorOf(
      "tls_server_config:\n  cert_file: server.key\n  key_file: server.key\n");
  EXPECT_EQ(error.find("PRIVATE KEY"), std::string::npos) << error;
  EXPECT_EQ(error.find(key_text.str().substr(30, 20)), std::string::npos);
}

TEST_F(WebConfigTest, MissingFileIsAConfigError) {
  try {
    CheckWebConfigFile("/nonexistent/web.yml");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/web.yml"),
              std::string::npos);
  }
}

TEST_F(WebConfigTest, WatcherReloadsChangesAndKeepsTheLastGoodSettings) {
  const std::string file = Write("web.yml", "");
  std::ostringstream log;
  testing::FakeClock clock;
  Logger logger(log, clock);
  WebConfigWatcher watcher(file, logger, clock);
  auto first = watcher.Current();
  EXPECT_EQ(first->auth, nullptr);

  Write("web.yml",
        std::string("basic_auth_users:\n  alice: ") + kAliceHash + "\n");
  // Not re-checked within the interval.
  EXPECT_EQ(watcher.Current(), first);
  clock.Advance(std::chrono::seconds(2));
  auto second = watcher.Current();
  ASSERT_NE(second->auth, nullptr);
  EXPECT_NE(log.str().find("web configuration reloaded"), std::string::npos);

  // Broken: the old settings stay, and the error is logged once.
  Write("web.yml", "basic_auth_users:\n  alice: not-a-hash-at-all\n");
  clock.Advance(std::chrono::seconds(2));
  EXPECT_EQ(watcher.Current(), second);
  clock.Advance(std::chrono::seconds(2));
  EXPECT_EQ(watcher.Current(), second);
  const std::string text = log.str();
  const auto first_error = text.find("cannot reload the web configuration");
  ASSERT_NE(first_error, std::string::npos) << text;
  EXPECT_EQ(text.find("cannot reload", first_error + 1), std::string::npos);
  EXPECT_NE(text.find("web.yml:2:10"), std::string::npos) << text;
  EXPECT_EQ(text.find("not-a-hash-at-all"), std::string::npos) << text;

  Write("web.yml", "");
  clock.Advance(std::chrono::seconds(2));
  EXPECT_EQ(watcher.Current()->auth, nullptr);
}

}  // namespace
}  // namespace entra_pta
