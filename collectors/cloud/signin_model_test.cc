// The sign-in log and organization parsers, the query URL, the ledger that
// counts each sign-in once, and its place in the state file.
#include "collectors/cloud/signin_model.h"

#include <gtest/gtest.h>

#include "collectors/cloud/signin_ledger.h"
#include "collectors/cloud/state_store.h"

namespace entra_pta::cloud {
namespace {

UnixMillis At(const std::string& iso) {
  return ParseGraphDateTime(iso).value();
}

TEST(GraphDateTimeTest, ParsesGraphsForms) {
  EXPECT_EQ(At("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(At("2026-12-04T20:01:02Z"), 1796414462000);
  EXPECT_EQ(At("2026-12-04T20:01:02.5Z"), 1796414462500);
  EXPECT_EQ(At("2026-12-04T20:01:02.1234567Z"), 1796414462123);
  EXPECT_EQ(At("2026-12-04T21:01:02+01:00"), 1796414462000);
  EXPECT_EQ(At("2026-12-04T19:31:02-00:30"), 1796414462000);
  EXPECT_EQ(FormatGraphDateTime(1796414462999), "2026-12-04T20:01:02Z");
  for (const char* bad :
       {"", "2026-12-04", "2026-12-04T20:01:02", "2026-13-04T20:01:02Z",
        "2026-02-30T20:01:02Z", "2026-12-04T24:01:02Z", "1969-12-31T23:59:59Z",
        "2026-12-04T20:01:02.Z", "2026-12-04T20:01:02.1234567890Z",
        "2026-12-04T20:01:02+1:00", "2026-12-04T20:01:02Zjunk",
        "２026-12-04T20:01:02Z"}) {
    EXPECT_FALSE(ParseGraphDateTime(bad).ok()) << bad;
  }
  EXPECT_EQ(ParseHttpDate("Fri, 04 Dec 2026 20:01:02 GMT"), 1796414462000);
  EXPECT_EQ(ParseHttpDate("Fri, 04 Dec 2026 20:01:02 CET"), std::nullopt);
  EXPECT_EQ(ParseHttpDate("yesterday"), std::nullopt);
}

TEST(SignInUrlTest, DocumentedFilterFormsEncoded) {
  const std::string url = SignInFailuresUrl("https://graph.test/",
                                            At("2026-12-04T20:00:00Z"), 1000);
  EXPECT_EQ(url.rfind("https://graph.test/v1.0/auditLogs/signIns?$filter=", 0),
            0u);
  EXPECT_NE(url.find("createdDateTime%20ge%202026-12-04T20%3A00%3A00Z%20and%20"
                     "%28status%2FerrorCode%20eq%2080001%20or%20"),
            std::string::npos)
      << url;
  EXPECT_NE(url.find("status%2FerrorCode%20eq%2080014%29&$top=1000"),
            std::string::npos)
      << url;
  EXPECT_EQ(url.find(' '), std::string::npos);
  EXPECT_EQ(OrganizationUrl("https://graph.test"),
            "https://graph.test/v1.0/organization?$select="
            "onPremisesSyncEnabled,onPremisesLastSyncDateTime,"
            "onPremisesLastPasswordSyncDateTime");
  EXPECT_EQ(PtaErrorCodes().size(), 9u);
  EXPECT_STREQ(PtaReason(80001), "ad_unreachable");
  EXPECT_EQ(PtaReason(50126), nullptr);
}

TEST(SignInPageTest, ReadsPtaFailuresAndTheNextLink) {
  auto page = ParseSignInPage(
      R"({"@odata.context":"c","value":[)"
      R"({"id":"66ea54eb-6301-4ee5-be62-ff5a759b8100",)"
      R"("createdDateTime":"2026-12-04T20:01:02Z","userPrincipalName":"u",)"
      R"("status":{"errorCode":80001,"failureReason":"x",)"
      R"("additionalDetails":null}},)"
      R"({"id":"s2","createdDateTime":"2026-12-04T20:00:00Z",)"
      R"("status":{"errorCode":50126}}],)"
      R"("@odata.nextLink":"https://graph.test/v1.0/auditLogs/signIns?$skiptoken=x"})");
  ASSERT_TRUE(page.ok()) << page.status().message();
  ASSERT_EQ(page->failures.size(), 1u);
  EXPECT_EQ(page->failures[0].id, "66ea54eb-6301-4ee5-be62-ff5a759b8100");
  EXPECT_EQ(page->failures[0].code, 80001);
  EXPECT_EQ(page->failures[0].created, At("2026-12-04T20:01:02Z"));
  EXPECT_EQ(page->other_codes, 1);
  EXPECT_EQ(page->next_link,
            "https://graph.test/v1.0/auditLogs/signIns?$skiptoken=x");
  EXPECT_TRUE(ParseSignInPage(R"({"value":[]})").ok());
}

TEST(SignInPageTest, MalformedAndHostileAnswersAreClearErrors) {
  for (const char* bad : {
           "",
           "[]",
           "{",
           R"({"value":{}})",
           R"({"value":[1]})",
           R"({"value":[{"createdDateTime":"2026-12-04T20:01:02Z",)"
           R"("status":{"errorCode":80001}}]})",
           R"({"value":[{"id":"a\"b","createdDateTime":"2026-12-04T20:01:02Z",)"
           R"("status":{"errorCode":80001}}]})",
           R"({"value":[{"id":"a","createdDateTime":"yesterday",)"
           R"("status":{"errorCode":80001}}]})",
           R"({"value":[{"id":"a","createdDateTime":null,)"
           R"("status":{"errorCode":80001}}]})",
           R"({"value":[{"id":"a","createdDateTime":"2026-12-04T20:01:02Z",)"
           R"("status":{"errorCode":"80001"}}]})",
           R"({"value":[{"id":"a","createdDateTime":"2026-12-04T20:01:02Z",)"
           R"("status":null}]})",
       }) {
    auto page = ParseSignInPage(bad);
    ASSERT_FALSE(page.ok()) << bad;
    EXPECT_EQ(page.status().message().find("a\\\"b"), std::string::npos);
    EXPECT_EQ(page.status().message().rfind("Graph", 0), 0u)
        << page.status().message();
  }
  // Integers that are no PTA code (nor an int32) are skipped; a number too
  // large for any integer type is an error; neither crashes.
  auto page = ParseSignInPage(
      R"({"value":[{"id":"a","createdDateTime":"2026-12-04T20:01:02Z",)"
      R"("status":{"errorCode":-1}},{"id":"b",)"
      R"("createdDateTime":"2026-12-04T20:01:02Z",)"
      R"("status":{"errorCode":4294967296}}]})");
  ASSERT_TRUE(page.ok()) << page.status().message();
  EXPECT_TRUE(page->failures.empty());
  EXPECT_EQ(page->other_codes, 2);
  EXPECT_FALSE(
      ParseSignInPage(
          R"({"value":[{"id":"a","createdDateTime":"2026-12-04T20:01:02Z",)"
          R"("status":{"errorCode":99999999999999999999}}]})")
          .ok());
}

TEST(OrganizationTest, SyncStateAndNulls) {
  auto sync = ParseOrganization(
      R"({"value":[{"onPremisesSyncEnabled":true,)"
      R"("onPremisesLastSyncDateTime":"2026-12-04T19:00:00Z",)"
      R"("onPremisesLastPasswordSyncDateTime":null}]})");
  ASSERT_TRUE(sync.ok()) << sync.status().message();
  EXPECT_TRUE(sync->enabled);
  EXPECT_EQ(sync->last_sync, At("2026-12-04T19:00:00Z"));
  EXPECT_EQ(sync->last_password_sync, std::nullopt);
  sync = ParseOrganization(R"({"value":[{"onPremisesSyncEnabled":null}]})");
  ASSERT_TRUE(sync.ok());
  EXPECT_FALSE(sync->enabled);
  for (const char* bad :
       {"", R"({"value":[]})", R"({"value":[{"onPremisesSyncEnabled":1}]})",
        R"({"value":[{"onPremisesLastSyncDateTime":5}]})",
        R"({"value":[{"onPremisesLastSyncDateTime":"soon"}]})"}) {
    EXPECT_FALSE(ParseOrganization(bad).ok()) << bad;
  }
}

TEST(QueryFailureTest, FixedReasons) {
  EXPECT_EQ(ClassifyHttpFailure(
                403, "Authentication_RequestFromNonPremiumTenantOrB2CTenant"),
            QueryFailure::kNotLicensed);
  EXPECT_EQ(ClassifyHttpFailure(403, "Authorization_RequestDenied"),
            QueryFailure::kForbidden);
  EXPECT_EQ(ClassifyHttpFailure(401, ""), QueryFailure::kUnauthorized);
  EXPECT_EQ(ClassifyHttpFailure(429, ""), QueryFailure::kThrottled);
  EXPECT_EQ(ClassifyHttpFailure(0, ""), QueryFailure::kUnreachable);
  EXPECT_EQ(ClassifyHttpFailure(400, "BadRequest"), QueryFailure::kBadResponse);
  EXPECT_EQ(AvailabilityReasons().size(), 7u);
}

TEST(SignInLedgerTest, CountsEachIdOnceAndMovesTheWatermark) {
  SignInLedger ledger;
  const UnixMillis now = At("2026-12-04T20:00:00Z");
  EXPECT_EQ(SignInQueryStart(ledger, now, std::chrono::hours(1)),
            At("2026-12-04T19:00:00Z"));
  std::vector<SignInFailure> page = {{"a", 80001, now - 60'000},
                                     {"b", 80001, now},
                                     {"a", 80001, now - 60'000}};
  EXPECT_EQ(CountNewFailures(ledger, page, now), 2);
  FinishSignInQuery(ledger);
  EXPECT_EQ(ledger.watermark, now);
  EXPECT_EQ(ledger.totals[80001], 2u);
  EXPECT_EQ(ledger.last_seen[80001], now);
  EXPECT_EQ(SignInQueryStart(ledger, now + 60'000, std::chrono::hours(1)),
            now - 15 * 60'000);
  // The overlap re-read counts nothing; a day later the look-back bounds it.
  EXPECT_EQ(CountNewFailures(ledger, page, now), 0);
  EXPECT_EQ(SignInQueryStart(ledger, now + 86'400'000, std::chrono::hours(1)),
            now + 86'400'000 - 3'600'000);
  // Ids older than the next start are forgotten.
  CountNewFailures(ledger, {{"c", 80002, now + 20 * 60'000}}, now);
  FinishSignInQuery(ledger);
  EXPECT_EQ(ledger.seen.size(), 1u);
  EXPECT_EQ(ledger.seen.count("c"), 1u);
}

TEST(SignInLedgerTest, ATimeFarInTheFutureCannotStopTheCounting) {
  SignInLedger ledger;
  const UnixMillis now = At("2026-12-04T20:00:00Z");
  EXPECT_EQ(CountNewFailures(
                ledger, {{"bogus", 80001, At("9999-12-31T23:59:59Z")}}, now),
            0);
  FinishSignInQuery(ledger);
  EXPECT_EQ(ledger.watermark, std::nullopt);
  ledger.watermark = At("9999-12-31T23:59:59Z");  // from a damaged file
  EXPECT_EQ(SignInQueryStart(ledger, now, std::chrono::hours(1)),
            now - 3'600'000);
}

TEST(SignInLedgerTest, RoundTripsThroughTheStateFileAndRejectsNonsense) {
  CloudState state;
  state.signin_failures.watermark = 1796414462000;
  state.signin_failures.seen["66ea54eb"] = 1796414462000;
  state.signin_failures.totals[80001] = 42;
  state.signin_failures.last_seen[80001] = 1796414462000;
  auto parsed = ParseCloudState(SerializeCloudState(state));
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->signin_failures.watermark, 1796414462000);
  EXPECT_EQ(parsed->signin_failures.seen, state.signin_failures.seen);
  EXPECT_EQ(parsed->signin_failures.totals, state.signin_failures.totals);
  EXPECT_EQ(parsed->signin_failures.last_seen, state.signin_failures.last_seen);
  // A state file from before this feature has no ledger: an empty one.
  EXPECT_TRUE(
      ParseCloudState(R"({"last_active":{}})")->signin_failures.seen.empty());
  for (const char* bad : {
           R"({"signin_failures":[]})",
           R"({"signin_failures":{"watermark_unix_ms":-1}})",
           R"({"signin_failures":{"seen":{"a":"x"}}})",
           R"({"signin_failures":{"totals":{"12345":1}}})",
           R"({"signin_failures":{"totals":{"80001":-5}}})",
           R"({"signin_failures":{"last_unix_ms":{"80001":1e300}}})",
       }) {
    EXPECT_FALSE(ParseCloudState(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace entra_pta::cloud
