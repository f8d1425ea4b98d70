#include "collectors/cloud/graph_model.h"

#include <gtest/gtest.h>

#include <optional>

namespace entra_pta::cloud {
namespace {

using std::chrono::seconds;

// The documented shape of GET .../authentication/agentGroups?$expand=agents.
const char kPage[] = R"json({
  "@odata.context": "https://graph.microsoft.com/beta/$metadata#onPremisesPublishingProfiles('authentication')/agentGroups(agents())",
  "value": [
    {"id": "0b1c2d3e-0000-0000-0000-000000000001", "displayName": "Default group for Pass-through Authentication",
     "publishingType": "authentication", "isDefault": true,
     "agents": [
       {"id": "a1", "machineName": "PTA01.corp.example.com", "externalIp": "203.0.113.10", "status": "active", "supportedPublishingTypes": ["authentication"]},
       {"id": "a2", "machineName": "pta02.corp.example.com", "externalIp": "203.0.113.11", "status": "Inactive", "supportedPublishingTypes": ["authentication"]}
     ]},
    {"id": "g2", "displayName": "Empty", "agents": []},
    {"id": "g3", "displayName": "Not expanded"}
  ],
  "@odata.nextLink": "https://graph.microsoft.com/beta/onPremisesPublishingProfiles/authentication/agentGroups?$expand=agents&$skiptoken=X"
})json";

TEST(GraphUrlsTest, FollowTheCloud) {
  EXPECT_EQ(DefaultAuthorityUrl(Cloud::kAzurePublic),
            "https://login.microsoftonline.com");
  EXPECT_EQ(DefaultAuthorityUrl(Cloud::kAzureUSGovernment),
            "https://login.microsoftonline.us");
  EXPECT_EQ(DefaultGraphUrl(Cloud::kAzureUSGovernment),
            "https://graph.microsoft.us");
  EXPECT_EQ(TokenUrl("https://login.microsoftonline.com/", "t"),
            "https://login.microsoftonline.com/t/oauth2/v2.0/token");
  EXPECT_EQ(DeviceCodeUrl("https://a", "t"),
            "https://a/t/oauth2/v2.0/devicecode");
  EXPECT_EQ(AgentGroupsUrl("https://graph.microsoft.com"),
            "https://graph.microsoft.com/beta/onPremisesPublishingProfiles/"
            "authentication/agentGroups?$expand=agents");
  EXPECT_EQ(DelegatedScope("https://graph.microsoft.com"),
            "https://graph.microsoft.com/Policy.Read.HybridAuthentication "
            "offline_access");
  EXPECT_EQ(AppOnlyScope("https://graph.microsoft.us"),
            "https://graph.microsoft.us/.default");
  EXPECT_EQ(LoginScope("https://g", true, true),
            "https://g/Policy.Read.HybridAuthentication "
            "https://g/AuditLog.Read.All https://g/Directory.Read.All "
            "offline_access");
  EXPECT_EQ(LoginScope("https://g", false, true),
            "https://g/Policy.Read.HybridAuthentication "
            "https://g/Organization.Read.All offline_access");
  EXPECT_EQ(LoginScope("https://g/", false, false),
            "https://g/Policy.Read.HybridAuthentication offline_access");
}

TEST(ParseAgentGroupsPageTest, DocumentedShape) {
  auto parsed = ParseAgentGroupsPage(kPage);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  const auto& page = parsed.value();
  ASSERT_EQ(page.agents.size(), 2u);
  EXPECT_EQ(page.agents[0].id, "a1");
  EXPECT_EQ(page.agents[0].machine_name, "PTA01.corp.example.com");
  EXPECT_EQ(page.agents[0].external_ip, "203.0.113.10");
  EXPECT_EQ(page.agents[0].status, "active");
  EXPECT_EQ(page.agents[1].status, "inactive");  // lower-cased
  ASSERT_TRUE(page.next_link.has_value());
  EXPECT_NE(page.next_link->find("$skiptoken=X"), std::string::npos);
}

TEST(ParseAgentGroupsPageTest, MalformedAnswers) {
  for (const char* body :
       {"", "{", "[]", "null", "{\"value\": {}}", "{\"nope\": []}",
        "{\"value\": [1]}", "{\"value\": [{\"agents\": {}}]}",
        "{\"value\": [{\"agents\": [\"a\"]}]}",
        "{\"value\": [{\"agents\": [{\"machineName\": \"x\"}]}]}",
        "{\"value\": [], \"x\": \"\xff\"}"}) {
    EXPECT_FALSE(ParseAgentGroupsPage(body).ok()) << body;
  }
}

TEST(UniqueAgentsTest, OneEntryPerId) {
  auto unique = UniqueAgents({{"b", "m2", "", "active"},
                              {"a", "m1", "", "active"},
                              {"b", "m2", "", "active"}});
  ASSERT_EQ(unique.size(), 2u);
  EXPECT_EQ(unique[0].id, "a");
  EXPECT_EQ(unique[1].id, "b");
}

TEST(ParseTokenResponseTest, GrantAndErrors) {
  auto grant = ParseTokenResponse(
      200,
      R"({"token_type":"Bearer","scope":"x","expires_in":3599,"ext_expires_in":3599,"access_token":"AT-secret","refresh_token":"RT-secret"})");
  ASSERT_TRUE(std::holds_alternative<TokenGrant>(grant));
  EXPECT_EQ(std::get<TokenGrant>(grant).access_token, "AT-secret");
  EXPECT_EQ(std::get<TokenGrant>(grant).refresh_token, "RT-secret");
  EXPECT_EQ(std::get<TokenGrant>(grant).expires_in, seconds(3599));

  auto revoked = ParseTokenResponse(
      400,
      R"({"error":"invalid_grant","error_description":"AADSTS700082: The refresh token has expired due to inactivity. Trace ID: x","error_codes":[700082]})");
  ASSERT_TRUE(std::holds_alternative<TokenError>(revoked));
  EXPECT_EQ(std::get<TokenError>(revoked).error, "invalid_grant");
  EXPECT_EQ(std::get<TokenError>(revoked).code, "AADSTS700082");

  for (auto [status, body] : std::vector<std::pair<long, std::string>>{
           {200, "not json"},
           {200, R"({"expires_in":3599})"},
           {200, R"({"access_token":"AT-secret"})"},
           {500, R"({})"},
           {400, R"({"error":"bad \" AT-secret"})"}}) {
    auto parsed = ParseTokenResponse(status, body);
    ASSERT_TRUE(std::holds_alternative<Status>(parsed)) << body;
    EXPECT_EQ(std::get<Status>(parsed).message().find("AT-secret"),
              std::string::npos);
  }
}

TEST(ParseTokenResponseTest, ExpiresInIsBounded) {
  // GraphSession caches the token until now + expires_in: a huge value
  // overflowed the clock; a day is the longest Entra issues.
  struct Case {
    std::string expires_in;
    std::optional<long long> seconds;  // nullopt: refused
  };
  for (const Case& c : std::vector<Case>{
           {"3599", 3599},
           {"\"3599\"", 3599},
           {"86400", 86400},
           {"86401", 86400},
           {"9223372036854775807", 86400},
           {"18446744073709551615", 86400},
           {"\"9223372036854775807\"", 86400},
           {"\"99999999999999999999999\"", 86400},
           {"1e300", std::nullopt},  // not an integer
           {"0", std::nullopt},
           {"-1", std::nullopt},
           {"-9223372036854775808", std::nullopt},
           {"\"-99999999999999999999\"", std::nullopt},
           {"\"3599abc\"", std::nullopt},
           {"\"\"", std::nullopt},
           {"null", std::nullopt},
       }) {
    auto parsed = ParseTokenResponse(
        200, R"({"access_token":"AT","expires_in":)" + c.expires_in + "}");
    if (c.seconds) {
      ASSERT_TRUE(std::holds_alternative<TokenGrant>(parsed)) << c.expires_in;
      EXPECT_EQ(std::get<TokenGrant>(parsed).expires_in, seconds(*c.seconds))
          << c.expires_in;
    } else {
      EXPECT_TRUE(std::holds_alternative<Status>(parsed)) << c.expires_in;
    }
  }
}

TEST(ParseDeviceCodeResponseTest, PollingValuesAreBounded) {
  // `graph login` polls every `interval` until `expires_in` has passed:
  // zero made it spin, huge values overflowed or waited for ever.
  struct Case {
    std::string expires_in, interval;
    long long want_expires_in, want_interval;
  };
  for (const Case& c : std::vector<Case>{
           {"900", "5", 900, 5},
           {"0", "0", 900, 5},
           {"-5", "-5", 900, 5},
           {"18446744073709551615", "18446744073709551615", 3600, 60},
           {"9223372036854775807", "9223372036854775807", 3600, 60},
           {"\"900\"", "1.5", 900, 5},
       }) {
    auto parsed = ParseDeviceCodeResponse(
        R"({"device_code":"DC","user_code":"U","verification_uri":"https://x",)"
        R"("expires_in":)" +
        c.expires_in + R"(,"interval":)" + c.interval + "}");
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed.value().expires_in, seconds(c.want_expires_in))
        << c.expires_in;
    EXPECT_EQ(parsed.value().interval, seconds(c.want_interval)) << c.interval;
  }
}

TEST(ParseDeviceCodeResponseTest, DocumentedShape) {
  auto parsed = ParseDeviceCodeResponse(
      R"({"device_code":"DC","user_code":"ABCD-EFGH","verification_uri":"https://microsoft.com/devicelogin","expires_in":900,"interval":5,"message":"To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ABCD-EFGH to authenticate."})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed.value().user_code, "ABCD-EFGH");
  EXPECT_EQ(parsed.value().interval, seconds(5));
  auto refused = ParseDeviceCodeResponse(R"({"error":"invalid_client"})");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(),
            "the device code endpoint did not issue a code (invalid_client)");
  // Other text in "error" is not echoed (it reaches the terminal and logs).
  const std::string long_name(72, 'x');
  for (const std::string& body :
       std::vector<std::string>{R"({"error":"AT-secret \u001b[2J\n"})",
                                R"({"error":")" + long_name + R"("})"}) {
    auto hostile = ParseDeviceCodeResponse(body);
    ASSERT_FALSE(hostile.ok());
    EXPECT_EQ(hostile.status().message(),
              "the device code endpoint did not issue a code (unreadable "
              "error)");
  }
}

TEST(ParseRetryAfterTest, SecondsAndDates) {
  const auto now = std::chrono::system_clock::time_point(
      std::chrono::sys_days(std::chrono::year(2015) / 10 / 21) +
      std::chrono::hours(7) + std::chrono::minutes(27));
  EXPECT_EQ(ParseRetryAfter("120", now), seconds(120));
  EXPECT_EQ(ParseRetryAfter("0", now), seconds(0));
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now), seconds(60));
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", now), seconds(0));
  // Hostile values are capped at a day (and never overflow a wait).
  EXPECT_EQ(ParseRetryAfter("10000000000", now), seconds(86400));
  EXPECT_EQ(ParseRetryAfter("99999999999999999999999", now), seconds(86400));
  EXPECT_EQ(ParseRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT", now),
            seconds(86400));
  for (const char* bad :
       {"", "-5", "soon", "12s", "Wed, 21 Foo 2015 07:28:00 GMT",
        "Wed, 32 Oct 2015 07:28:00 GMT"}) {
    EXPECT_FALSE(ParseRetryAfter(bad, now).has_value()) << bad;
  }
}

TEST(GraphErrorCodeTest, CodeOnly) {
  EXPECT_EQ(
      GraphErrorCode(
          R"({"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges"}})"),
      "Authorization_RequestDenied");
  EXPECT_EQ(GraphErrorCode("<html>"), "");
  EXPECT_EQ(GraphErrorCode(R"({"error":{"code":"a b"}})"), "");
}

}  // namespace
}  // namespace entra_pta::cloud
