// The cloud collector against a fake HttpClient that answers with the
// documented shapes of the Microsoft identity platform token endpoint and
// Graph beta agentGroups?$expand=agents, and a fake clock.
#include "collectors/cloud/cloud_collector.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "collectors/cloud/testing/fake_http_client.h"
#include "exporter/testing/fake_clock.h"

namespace entra_pta::cloud {
namespace {

namespace fs = std::filesystem;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::Answer;
using testing::FakeHttpClient;

const char kGraph[] = "https://graph.test";
const char kAuthority[] = "https://login.test";
const char kTenant[] = "11111111-2222-3333-4444-555555555555";
const char kRefreshToken[] = "RT-original-secret";

std::string AgentJson(const std::string& id, const std::string& machine,
                      const std::string& status) {
  return R"({"id":")" + id + R"(","machineName":")" + machine +
         R"(","externalIp":"203.0.113.)" + std::to_string(id.size()) +
         R"(","status":")" + status +
         R"(","supportedPublishingTypes":["authentication"]})";
}

std::string Page(const std::vector<std::string>& agents,
                 const std::string& next_link = "") {
  std::string joined;
  for (const auto& a : agents) joined += (joined.empty() ? "" : ",") + a;
  return R"({"@odata.context":"x","value":[{"id":"g1","displayName":"Default group for Pass-through Authentication","publishingType":"authentication","isDefault":true,"agents":[)" +
         joined + "]}]" +
         (next_link.empty() ? ""
                            : R"(,"@odata.nextLink":")" + next_link + "\"") +
         "}";
}

std::optional<double> Sample(const std::vector<prometheus::MetricFamily>& out,
                             const std::string& name,
                             std::map<std::string, std::string> labels = {}) {
  for (const auto& family : out) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      std::map<std::string, std::string> have;
      for (const auto& l : metric.label) have[l.name] = l.value;
      bool match = true;
      for (const auto& [k, v] : labels) match &= have[k] == v;
      if (match) return metric.gauge.value;
    }
  }
  return std::nullopt;
}

class CloudCollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() /
        ("entra-pta-cloud-" +
         std::string(
             ::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    settings_.graph.tenant_id = kTenant;
    settings_.graph.client_id = "99999999-0000-0000-0000-000000000000";
    settings_.graph.authority_url = kAuthority;
    settings_.graph.graph_url = kGraph;
    settings_.graph.state_file = (dir_ / "state.json").string();
    settings_.machine_name = "pta01";
    // The agent list alone; directory_signals_test.cc covers the rest.
    settings_.signin_failures = false;
    settings_.directory_sync = false;
    CloudState state;
    state.refresh_token = ProtectSecret(kRefreshToken).value();
    ASSERT_TRUE(SaveCloudState(settings_.graph.state_file, state).ok());
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A token endpoint that issues AT-<n> and rotates the refresh token, and a
  // Graph that answers `pages` (by URL) for the right bearer token only.
  void ServeGraph(std::map<std::string, std::string> pages) {
    http_->SetHandler([this, pages](const HttpRequest& request) {
      if (request.url ==
          std::string(kAuthority) + "/" + kTenant + "/oauth2/v2.0/token") {
        ++tokens_issued_;
        return Answer(
            200,
            R"({"token_type":"Bearer","expires_in":3600,"access_token":"AT-)" +
                std::to_string(tokens_issued_) +
                R"(","refresh_token":"RT-rotated-)" +
                std::to_string(tokens_issued_) + "\"}");
      }
      auto auth = request.headers.find("Authorization");
      if (auth == request.headers.end() ||
          auth->second != "Bearer AT-" + std::to_string(tokens_issued_)) {
        return Answer(401,
                      R"({"error":{"code":"InvalidAuthenticationToken"}})");
      }
      auto page = pages.find(request.url);
      if (page == pages.end()) return Answer(404, "{}");
      return Answer(200, page->second);
    });
  }

  std::unique_ptr<CloudCollector> MakeCollector() {
    auto* http = http_.get();
    return std::make_unique<CloudCollector>(
        settings_,
        [http](const std::atomic<bool>*) {
          // The collector owns its client; hand it a forwarding one.
          return std::make_unique<FakeHttpClient>(
              [http](const HttpRequest& r) { return http->Send(r); });
        },
        clock_, &signals_, /*background=*/false);
  }

  std::vector<prometheus::MetricFamily> Collect(CloudCollector& collector,
                                                Status* status = nullptr) {
    std::vector<prometheus::MetricFamily> out;
    Status result = collector.Collect(
        ScrapeContext{std::chrono::steady_clock::now() + seconds(10)}, out);
    if (status != nullptr) *status = result;
    return out;
  }

  std::string FirstPageUrl() const { return AgentGroupsUrl(kGraph); }

  fs::path dir_;
  CloudSettings settings_;
  entra_pta::testing::FakeClock clock_;
  SignOfLifeTimes signals_;
  std::shared_ptr<FakeHttpClient> http_ = std::make_shared<FakeHttpClient>(
      [](const HttpRequest&) { return Answer(500, ""); });
  int tokens_issued_ = 0;
};

TEST_F(CloudCollectorTest, FollowsNextLinkAndReportsEveryAgent) {
  const std::string page2 = std::string(kGraph) + "/beta/page2?$skiptoken=2";
  ServeGraph(
      {{FirstPageUrl(), Page({AgentJson("a1", "PTA01.corp.test", "active"),
                              AgentJson("a2", "pta02.corp.test", "inactive")},
                             page2)},
       {page2, Page({AgentJson("a3", "pta03.corp.test", "active"),
                     AgentJson("a1", "PTA01.corp.test", "active")})}});
  auto collector = MakeCollector();
  Status status = Status::Ok();
  auto before = Collect(*collector, &status);
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(Sample(before, "entra_pta_cloud_api_up"), std::nullopt);

  collector->RefreshNow();
  auto out = Collect(*collector, &status);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(Sample(out, "entra_pta_cloud_api_up"), 1);
  EXPECT_EQ(Sample(out, "entra_pta_cloud_last_refresh_timestamp_seconds"),
            ToUnixSeconds(clock_.Now()));
  EXPECT_EQ(Sample(out, "entra_pta_cloud_agents", {{"status", "active"}}), 2);
  EXPECT_EQ(Sample(out, "entra_pta_cloud_agents", {{"status", "inactive"}}), 1);
  EXPECT_EQ(Sample(out, "entra_pta_cloud_agent_active",
                   {{"agent_id", "a1"},
                    {"machine_name", "PTA01.corp.test"},
                    {"external_ip", "203.0.113.2"}}),
            1);
  EXPECT_EQ(Sample(out, "entra_pta_cloud_agent_active", {{"agent_id", "a2"}}),
            0);
  EXPECT_EQ(Sample(out, "entra_pta_cloud_agent_last_active_timestamp_seconds",
                   {{"agent_id", "a3"}}),
            ToUnixSeconds(clock_.Now()));
  EXPECT_EQ(Sample(out, "entra_pta_cloud_agent_last_active_timestamp_seconds",
                   {{"agent_id", "a2"}}),
            std::nullopt);
  EXPECT_EQ(collector->NextDelay(), minutes(5));
  // This machine (pta01) is active: the heartbeat's "cloud" signal.
  EXPECT_EQ(signals_.Latest("cloud"), clock_.Now());
}

TEST_F(CloudCollectorTest, AccessTokenIsReusedUntilNearExpiryAndRotated) {
  ServeGraph({{FirstPageUrl(), Page({AgentJson("a1", "x", "active")})}});
  auto collector = MakeCollector();
  collector->RefreshNow();
  collector->RefreshNow();
  EXPECT_EQ(tokens_issued_, 1);
  // The token request used the stored refresh token, and the rotated one
  // replaced it in the state file.
  auto requests = http_->requests();
  EXPECT_NE(requests[0].body.find("grant_type=refresh_token"),
            std::string::npos);
  EXPECT_NE(requests[0].body.find(kRefreshToken), std::string::npos);
  auto state = LoadCloudState(settings_.graph.state_file).value();
  EXPECT_EQ(UnprotectSecret(*state.refresh_token).value(), "RT-rotated-1");
  clock_.Advance(minutes(56));  // past expires_in minus the 5-minute margin
  collector->RefreshNow();
  EXPECT_EQ(tokens_issued_, 2);
  EXPECT_NE(http_->requests().back().headers.at("Authorization").find("AT-2"),
            std::string::npos);
  requests = http_->requests();
  EXPECT_NE(requests[requests.size() - 2].body.find("RT-rotated-1"),
            std::string::npos);
}

TEST_F(CloudCollectorTest, UnauthorizedGetsANewTokenOnce) {
  ServeGraph({{FirstPageUrl(), Page({AgentJson("a1", "x", "active")})}});
  auto collector = MakeCollector();
  collector->RefreshNow();
  tokens_issued_ = 7;  // Graph now only accepts AT-7: the cached AT-1 fails
  collector->RefreshNow();
  Status status = Status::Ok();
  auto out = Collect(*collector, &status);
  EXPECT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(tokens_issued_, 8);
}

TEST_F(CloudCollectorTest, RevokedRefreshTokenIsAClearErrorWithoutSecrets) {
  ServeGraph({{FirstPageUrl(), Page({AgentJson("a1", "x", "active")})}});
  auto collector = MakeCollector();
  collector->RefreshNow();
  http_->SetHandler([](const HttpRequest&) {
    return Answer(
        400,
        R"({"error":"invalid_grant","error_description":"AADSTS50173: The provided grant has expired due to it being revoked. RT-original-secret","error_codes":[50173]})");
  });
  clock_.Advance(minutes(60));
  collector->RefreshNow();
  Status status = Status::Ok();
  auto out = Collect(*collector, &status);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("invalid_grant, AADSTS50173"),
            std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("run `entra_pta_exporter graph login` again"),
            std::string::npos);
  EXPECT_EQ(status.message().find("RT-"), std::string::npos);
  EXPECT_EQ(status.message().find("AT-"), std::string::npos);
  EXPECT_EQ(Sample(out, "entra_pta_cloud_api_up"), 0);
  // The last good list stays, with its refresh time.
  EXPECT_EQ(Sample(out, "entra_pta_cloud_agents", {{"status", "active"}}), 1);
  for (const auto& family : out) {
    for (const auto& metric : family.metric) {
      for (const auto& label : metric.label) {
        EXPECT_EQ(label.value.find("RT-"), std::string::npos);
        EXPECT_EQ(label.value.find("AT-"), std::string::npos);
      }
    }
  }
}

TEST_F(CloudCollectorTest, NotSignedInSaysSo) {
  fs::remove(settings_.graph.state_file);
  auto collector = MakeCollector();
  collector->RefreshNow();
  Status status = Status::Ok();
  Collect(*collector, &status);
  EXPECT_NE(status.message().find("not signed in"), std::string::npos);
  EXPECT_TRUE(http_->requests().empty());
}

TEST_F(CloudCollectorTest, AHostileRetryAfterIsCapped) {
  ServeGraph({});
  auto collector = MakeCollector();
  http_->SetHandler([this](const HttpRequest& request) {
    if (request.method == "POST") {
      return Answer(200, R"({"expires_in":3600,"access_token":"AT-1"})");
    }
    return Answer(429, R"({"error":{"code":"TooManyRequests"}})",
                  {{"retry-after", "10000000000"}});
  });
  collector->RefreshNow();
  // At most max(refresh interval, 1 h): never years, never an overflow
  // that would turn the wait into a busy loop.
  EXPECT_EQ(collector->NextDelay(), std::chrono::hours(1));
}

TEST_F(CloudCollectorTest, ThrottlingHonoursRetryAfterAndErrorsBackOff) {
  ServeGraph({});
  auto collector = MakeCollector();
  http_->SetHandler([this](const HttpRequest& request) {
    if (request.method == "POST") {
      return Answer(200, R"({"expires_in":3600,"access_token":"AT-1"})");
    }
    return Answer(429, R"({"error":{"code":"TooManyRequests"}})",
                  {{"retry-after", "120"}});
  });
  collector->RefreshNow();
  EXPECT_EQ(collector->NextDelay(), seconds(120));
  Status status = Status::Ok();
  auto out = Collect(*collector, &status);
  EXPECT_NE(status.message().find("HTTP 429 (throttled)"), std::string::npos);
  EXPECT_EQ(Sample(out, "entra_pta_cloud_api_up"), 0);
  EXPECT_EQ(Sample(out, "entra_pta_cloud_agents", {{"status", "active"}}),
            std::nullopt);  // never had a list
  http_->SetHandler([](const HttpRequest& request) {
    if (request.method == "POST") {
      return Answer(200, R"({"expires_in":3600,"access_token":"AT-1"})");
    }
    return Answer(500, "<html>oops</html>");
  });
  collector->RefreshNow();
  EXPECT_EQ(collector->NextDelay(), seconds(30));  // 2nd failure in a row
  collector->RefreshNow();
  EXPECT_EQ(collector->NextDelay(), seconds(60));
  Collect(*collector, &status);
  EXPECT_NE(status.message().find("answered HTTP 500"), std::string::npos);
  (void)tokens_issued_;
}

TEST_F(CloudCollectorTest, MalformedAndOversizedAnswersAreErrors) {
  auto collector = MakeCollector();
  http_->SetHandler([](const HttpRequest& request) {
    if (request.method == "POST") {
      return Answer(200, R"({"expires_in":3600,"access_token":"AT-1"})");
    }
    return Answer(200, R"({"value": [{"agents": [{"id": )");
  });
  collector->RefreshNow();
  Status status = Status::Ok();
  Collect(*collector, &status);
  EXPECT_NE(status.message().find("malformed JSON"), std::string::npos);
  http_->SetHandler([](const HttpRequest& request) {
    if (request.method == "POST") {
      return Answer(200, R"({"expires_in":3600,"access_token":"AT-1"})");
    }
    HttpResponse response;
    response.status = 200;
    response.body_too_large = true;
    response.error = "the response is larger than 4194304 bytes";
    return response;
  });
  collector->RefreshNow();
  Collect(*collector, &status);
  EXPECT_NE(status.message().find("larger than 4194304 bytes"),
            std::string::npos);
}

TEST_F(CloudCollectorTest, NextLinkOutsideGraphIsRefused) {
  ServeGraph({{FirstPageUrl(), Page({AgentJson("a1", "x", "active")},
                                    "https://evil.test/beta/steal")}});
  auto collector = MakeCollector();
  collector->RefreshNow();
  Status status = Status::Ok();
  Collect(*collector, &status);
  EXPECT_NE(status.message().find("points outside https://graph.test/"),
            std::string::npos);
  for (const auto& request : http_->requests()) {
    EXPECT_EQ(request.url.find("evil"), std::string::npos);
  }
}

TEST_F(CloudCollectorTest, LastActiveSurvivesARestart) {
  ServeGraph({{FirstPageUrl(), Page({AgentJson("a1", "pta09", "active")})}});
  const auto seen_at = clock_.Now();
  MakeCollector()->RefreshNow();
  clock_.Advance(minutes(30));
  ServeGraph({{FirstPageUrl(), Page({AgentJson("a1", "pta09", "inactive")})}});
  auto restarted = MakeCollector();
  restarted->RefreshNow();
  auto out = Collect(*restarted);
  EXPECT_EQ(Sample(out, "entra_pta_cloud_agent_active", {{"agent_id", "a1"}}),
            0);
  EXPECT_EQ(Sample(out, "entra_pta_cloud_agent_last_active_timestamp_seconds",
                   {{"agent_id", "a1"}, {"machine_name", "pta09"}}),
            ToUnixSeconds(seen_at));
  // The state file still holds a refresh token (the rotated one).
  auto state = LoadCloudState(settings_.graph.state_file).value();
  EXPECT_TRUE(state.refresh_token.has_value());
}

TEST_F(CloudCollectorTest, ClientSecretFromTheEnvironment) {
  settings_.graph.auth = AuthMode::kClientSecret;
  settings_.graph.client_secret_env = "ENTRA_PTA_TEST_CLIENT_SECRET";
  auto environment = std::make_shared<std::map<std::string, std::string>>();
  (*environment)["ENTRA_PTA_TEST_CLIENT_SECRET"] = "CS-very-secret";
  settings_.graph.environment =
      [environment](const std::string& name) -> std::optional<std::string> {
    auto it = environment->find(name);
    if (it == environment->end()) return std::nullopt;
    return it->second;
  };
  http_->SetHandler([](const HttpRequest& request) {
    if (request.method == "POST") {
      return Answer(
          401,
          R"({"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided: CS-very-secret"})");
    }
    return Answer(500, "");
  });
  auto collector = MakeCollector();
  collector->RefreshNow();
  Status status = Status::Ok();
  Collect(*collector, &status);
  EXPECT_NE(status.message().find("invalid_client, AADSTS7000215"),
            std::string::npos)
      << status.message();
  EXPECT_EQ(status.message().find("CS-very-secret"), std::string::npos);
  const auto request = http_->requests().at(0);
  EXPECT_NE(request.body.find("grant_type=client_credentials"),
            std::string::npos);
  EXPECT_NE(request.body.find("client_secret=CS-very-secret"),
            std::string::npos);
  EXPECT_NE(request.body.find("scope=https%3A%2F%2Fgraph.test%2F.default"),
            std::string::npos);
  environment->clear();
  collector->RefreshNow();
  Collect(*collector, &status);
  EXPECT_NE(status.message().find("ENTRA_PTA_TEST_CLIENT_SECRET is not set"),
            std::string::npos);
}

TEST(SameMachineTest, Matching) {
  EXPECT_TRUE(SameMachine("PTA01.corp.example.com", "pta01"));
  EXPECT_TRUE(SameMachine("pta01", "PTA01.corp.example.com"));
  EXPECT_TRUE(SameMachine("pta01.a", "pta01.a"));
  EXPECT_FALSE(SameMachine("pta011", "pta01"));
  EXPECT_FALSE(SameMachine("", "pta01"));
}

ConfigSection Section(const std::string& yaml) {
  static std::vector<YAML::Node> keep;
  keep.push_back(YAML::Load(yaml));
  return ConfigSection(keep.back(), keep.back().Mark(), "f.yml",
                       "collectors.cloud");
}

TEST(ParseCloudSettingsTest, DefaultsFollowTheCloud) {
  TenantSettings tenant{kTenant, Cloud::kAzureUSGovernment};
  auto settings =
      ParseCloudSettings(ConfigSection("f.yml", "collectors.cloud"), tenant);
  EXPECT_EQ(settings.graph.authority_url, "https://login.microsoftonline.us");
  EXPECT_EQ(settings.graph.graph_url, "https://graph.microsoft.us");
  EXPECT_EQ(settings.refresh_interval, minutes(5));
  EXPECT_EQ(settings.graph.auth, AuthMode::kDeviceCode);
  EXPECT_TRUE(settings.signin_failures);
  EXPECT_TRUE(settings.directory_sync);
  EXPECT_EQ(settings.signin_lookback, std::chrono::hours(1));
  auto overridden = ParseCloudSettings(
      Section("authority_url: https://127.0.0.1:8443/\n"
              "graph_url: https://127.0.0.1:8443/graph\nca_file: /ca.pem\n"
              "refresh_interval: 1m\nmachine_name: PTA01\n"
              "signin_failures: false\ndirectory_sync: false\n"
              "signin_lookback: 2h\n"),
      tenant);
  EXPECT_FALSE(overridden.signin_failures);
  EXPECT_FALSE(overridden.directory_sync);
  EXPECT_EQ(overridden.signin_lookback, std::chrono::hours(2));
  EXPECT_EQ(overridden.graph.authority_url, "https://127.0.0.1:8443");
  EXPECT_EQ(overridden.graph.graph_url, "https://127.0.0.1:8443/graph");
  EXPECT_EQ(overridden.ca_file, "/ca.pem");
  EXPECT_EQ(overridden.machine_name, "pta01");
}

TEST(ParseCloudSettingsTest, Errors) {
  TenantSettings tenant{kTenant, Cloud::kAzurePublic};
  TenantSettings no_tenant;
  const std::vector<std::tuple<std::string, TenantSettings, std::string>>
      cases = {
          {"graph_url: http://graph.test", tenant, "must be an https:// URL"},
          {"client_id: nope", tenant, "invalid application (client) ID"},
          {"auth: password", tenant,
           "use device_code, client_secret or client_certificate"},
          {"auth: client_certificate\nclient_key_file: /k", tenant,
           "needs client_certificate_file and client_key_file"},
          {"auth: client_secret", tenant, "needs client_secret_env"},
          {"client_secret_env: A\nclient_secret_file: /b", tenant, "not both"},
          {"refresh_interval: 0", tenant, "must be greater than 0"},
          {"signin_lookback: 14m", tenant, "between 15m and 30d"},
          {"signin_lookback: 31d", tenant, "between 15m and 30d"},
          {"signin_failures: maybe", tenant, "signin_failures"},
          {"enabled: true\nclient_id: 99999999-0000-0000-0000-000000000000",
           no_tenant, "needs tenant.id"},
          {"enabled: true", tenant, "client_id: required"},
      };
  for (const auto& [yaml, t, expected] : cases) {
    try {
      ParseCloudSettings(Section(yaml), t);
      ADD_FAILURE() << "accepted: " << yaml;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos)
          << yaml << " -> " << e.what();
    }
  }
}

}  // namespace
}  // namespace entra_pta::cloud
