// The HTTP server's event loop with the web configuration's TLS, client
// certificates (mTLS) and basic authentication, end to end with libcurl:
// the non-blocking handshake the loop drives, and its deadline.
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "exporter/http/http_server.h"
#include "exporter/http/listen_address.h"
#include "exporter/http/web_config.h"
#include "exporter/testing/fake_clock.h"

namespace entra_pta {
namespace {

namespace fs = std::filesystem;

// "alice:secret", cost 4.
constexpr char kAliceHash[] =
    "$2y$04$RPd3zuCm6ncg2H5mpoRrXOALwGuoyv8NoYE/0loOfpYSTtbBNcQbS";

size_t Append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

class TlsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("tls-server-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(dir_);
  }

  // A CA, and a certificate it signed for `cn` with `san` (openssl, a test
  // dependency).
  void MakeCertificate(const std::string& name, const std::string& san) {
    const std::string d = "'" + dir_.string() + "/";
    if (!fs::exists(dir_ / "ca.crt")) {
      ASSERT_EQ(std::system(("openssl req -x509 -newkey ec -pkeyopt "
                             "ec_paramgen_curve:P-256 -nodes -days 2 "
                             "-subj /CN=test-ca -keyout " +
                             d + "ca.key' -out " + d + "ca.crt' 2>/dev/null")
                                .c_str()),
                0);
    }
    ASSERT_EQ(
        std::system(("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
                     "-nodes -subj /CN=" +
                     name + " -keyout " + d + name + ".key' -out " + d + name +
                     ".csr' 2>/dev/null && openssl x509 -req -in " + d + name +
                     ".csr' -CA " + d + "ca.crt' -CAkey " + d +
                     "ca.key' -CAcreateserial -days 2 -extfile <(printf "
                     "'subjectAltName=" +
                     san + "') -out " + d + name + ".crt' 2>/dev/null")
                        .insert(0, "bash -c \"")
                        .append("\"")
                        .c_str()),
        0);
  }

  void Start(const std::string& web_yml) {
    const std::string path = (dir_ / "web.yml").string();
    std::ofstream(path) << web_yml;
    security_ = LoadWebConfigFile(path).security;
    HttpServer::Handlers handlers;
    handlers.metrics = [](std::optional<double>) {
      return std::string("up 1\n");
    };
    handlers.landing_page_html = [] { return std::string("<html></html>"); };
    handlers.version_json = [] { return std::string("{}"); };
    HttpServer::Limits limits;
    limits.request_head_timeout = std::chrono::milliseconds(1500);
    server_ = std::make_unique<HttpServer>(handlers, logger_, limits, [this] {
      return std::shared_ptr<const WebSecurity>(security_);
    });
    server_->Start(*ParseListenAddress("127.0.0.1:0"));
  }

  // Status (0 when the request failed) and body of GET /metrics over TLS.
  std::pair<long, std::string> Get(const std::string& client_cert = "",
                                   const std::string& user = "") {
    std::string body;
    CURL* curl = curl_easy_init();
    const std::string url =
        "https://localhost:" + std::to_string(server_->port()) + "/metrics";
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    const std::string ca = (dir_ / "ca.crt").string();
    curl_easy_setopt(curl, CURLOPT_CAINFO, ca.c_str());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Append);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
    curl_slist* resolve = curl_slist_append(
        nullptr, ("localhost:" + std::to_string(server_->port()) + ":127.0.0.1")
                     .c_str());
    curl_easy_setopt(curl, CURLOPT_RESOLVE, resolve);
    const std::string cert = (dir_ / (client_cert + ".crt")).string();
    const std::string key = (dir_ / (client_cert + ".key")).string();
    if (!client_cert.empty()) {
      curl_easy_setopt(curl, CURLOPT_SSLCERT, cert.c_str());
      curl_easy_setopt(curl, CURLOPT_SSLKEY, key.c_str());
    }
    if (!user.empty()) curl_easy_setopt(curl, CURLOPT_USERPWD, user.c_str());
    long status = 0;
    if (curl_easy_perform(curl) == CURLE_OK) {
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    }
    curl_slist_free_all(resolve);
    curl_easy_cleanup(curl);
    return {status, body};
  }

  fs::path dir_;
  std::ostringstream log_;
  testing::FakeClock clock_;
  Logger logger_{log_, clock_};
  std::shared_ptr<const WebSecurity> security_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(TlsServerTest, ServesTlsWithClientCertificatesAndBasicAuth) {
  MakeCertificate("server", "DNS:localhost");
  MakeCertificate("scraper", "DNS:scraper.example");
  MakeCertificate("other", "DNS:other.example");
  Start(std::string("tls_server_config:\n"
                    "  cert_file: server.crt\n  key_file: server.key\n"
                    "  client_auth_type: RequireAndVerifyClientCert\n"
                    "  client_ca_file: ca.crt\n"
                    "  client_allowed_sans: [scraper.example]\n"
                    "basic_auth_users:\n  alice: ") +
        kAliceHash + "\n");
  EXPECT_EQ(Get("scraper", "alice:secret"),
            (std::pair<long, std::string>{200, "up 1\n"}));
  EXPECT_EQ(Get("scraper", "alice:wrong").first, 401);
  EXPECT_EQ(Get("scraper").first, 401);
  // No client certificate, or one without an allowed name: no answer.
  EXPECT_EQ(Get("", "alice:secret").first, 0);
  EXPECT_EQ(Get("other", "alice:secret").first, 0);
}

TEST_F(TlsServerTest, StalledHandshakesCostNoWorkerAndAreCutOff) {
  MakeCertificate("server", "DNS:localhost");
  Start(
      "tls_server_config:\n  cert_file: server.crt\n  key_file: "
      "server.key\n");
  // Connections that never start their handshake.
  std::vector<std::unique_ptr<CURL, void (*)(CURL*)>> stalled;
  for (int i = 0; i < 50; ++i) {
    stalled.emplace_back(curl_easy_init(), &curl_easy_cleanup);
    const std::string url =
        "http://127.0.0.1:" + std::to_string(server_->port());
    curl_easy_setopt(stalled.back().get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(stalled.back().get(), CURLOPT_CONNECT_ONLY, 1L);
    ASSERT_EQ(curl_easy_perform(stalled.back().get()), CURLE_OK);
  }
  EXPECT_EQ(Get().first, 200);
  // After the head timeout (1.5 s here) the server has closed them.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  int closed = 0;
  for (auto& curl : stalled) {
    char byte;
    std::size_t got = 0;
    CURLcode rc = curl_easy_recv(curl.get(), &byte, 1, &got);
    if (rc != CURLE_AGAIN && got == 0) ++closed;
  }
  EXPECT_EQ(closed, 50);
  EXPECT_EQ(Get().first, 200);
}

}  // namespace
}  // namespace entra_pta
