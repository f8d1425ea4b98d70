// The cloud collector's sign-in failures and directory sync against a fake
// HttpClient answering as Graph v1.0 auditLogs/signIns and organization
// are documented to (newest first, paged through @odata.nextLink, 429 with
// Retry-After, 403 without the licence), with a fake clock.
#include <gtest/gtest.h>

#include <filesystem>

#include "collectors/cloud/cloud_collector.h"
#include "collectors/cloud/testing/fake_http_client.h"
#include "exporter/testing/fake_clock.h"
#include "exporter/testing/metric_lookup.h"

namespace entra_pta::cloud {
namespace {

namespace fs = std::filesystem;
using entra_pta::testing::FindSample;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::Answer;
using testing::FakeHttpClient;

const char kGraph[] = "https://graph.test";
const char kTokenUrl[] =
    "https://login.test/11111111-2222-3333-4444-555555555555/oauth2/v2.0/"
    "token";
const char kSignIns[] = "https://graph.test/v1.0/auditLogs/signIns";

struct FakeSignIn {
  std::string id;
  int code;
  UnixMillis created;
};

// The sign-in log and organization of a fake tenant. Graph's clock is the
// test clock plus `graph_offset`.
class FakeGraph {
 public:
  explicit FakeGraph(entra_pta::testing::FakeClock& clock) : clock_(clock) {}

  UnixMillis GraphNow() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               clock_.Now().time_since_epoch() + graph_offset)
        .count();
  }
  void Add(const std::string& id, int code, UnixMillis created) {
    log.push_back({id, code, created});
  }

  HttpResponse Serve(const HttpRequest& request) {
    const std::map<std::string, std::string> date = {
        {"date", HttpDate(GraphNow())}};
    if (request.url == kTokenUrl) {
      return Answer(200, R"({"expires_in":3600,"access_token":"AT-1",)"
                         R"("refresh_token":"RT-2"})");
    }
    if (request.url.find("/beta/") != std::string::npos) {
      return Answer(200, R"({"value":[]})", date);
    }
    if (request.url.find("/v1.0/organization") != std::string::npos) {
      return Answer(organization_status, organization, date);
    }
    if (request.url.rfind(kSignIns, 0) != 0) return Answer(404, "{}");
    signin_urls.push_back(request.url);
    if (!throttles.empty()) {
      std::string retry_after = throttles.front();
      throttles.erase(throttles.begin());
      return Answer(429, R"({"error":{"code":"TooManyRequests"}})",
                    {{"retry-after", retry_after}});
    }
    if (signin_status != 200) return Answer(signin_status, signin_body, date);
    if (!signin_body.empty()) return Answer(200, signin_body, date);
    return Answer(200, Page(request.url), date);
  }

  std::chrono::milliseconds graph_offset{0};
  std::vector<FakeSignIn> log;
  std::size_t page_size = 1000;
  bool repeat_last_on_next_page = false;
  std::vector<std::string> throttles;  // Retry-After of the next 429s
  long signin_status = 200;
  std::string signin_body;
  int fail_page = 0;  // 1-based page answered 500 once, 0: none
  long organization_status = 200;
  std::string organization =
      R"({"value":[{"onPremisesSyncEnabled":true,)"
      R"("onPremisesLastSyncDateTime":"2026-12-04T19:00:00Z",)"
      R"("onPremisesLastPasswordSyncDateTime":null}]})";
  std::vector<std::string> signin_urls;  // every page
  std::vector<std::string> queries;      // first pages only

 private:
  static std::string HttpDate(UnixMillis when) {
    // Only what ParseHttpDate reads; the weekday is not checked.
    const std::string iso = FormatGraphDateTime(when);
    static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    return "Fri, " + iso.substr(8, 2) + " " +
           kMonths[std::stoi(iso.substr(5, 2)) - 1] + " " + iso.substr(0, 4) +
           " " + iso.substr(11, 8) + " GMT";
  }

  // Evaluates the one filter form the collector sends: the time from
  // "createdDateTime ge <t>", every PTA code (checked by signin_model_test).
  std::string Page(const std::string& url) {
    std::size_t offset = 0;
    if (auto skip = url.find("$skiptoken="); skip != std::string::npos) {
      offset = std::stoul(url.substr(skip + 11));
    } else {
      queries.push_back(url);
      const std::string marker = "createdDateTime%20ge%20";
      const auto at = url.find(marker) + marker.size();
      std::string since = url.substr(at, url.find("%20", at) - at);
      for (auto colon = since.find("%3A"); colon != std::string::npos;
           colon = since.find("%3A")) {
        since.replace(colon, 3, ":");
      }
      since_ = ParseGraphDateTime(since).value();
      snapshot_.clear();
      for (const auto& s : log) {
        if (s.created >= since_) snapshot_.push_back(s);
      }
      std::sort(
          snapshot_.begin(), snapshot_.end(),
          [](const auto& a, const auto& b) { return a.created > b.created; });
      pages_served_ = 0;
    }
    if (++pages_served_ == fail_page) {
      fail_page = 0;
      return "{\"value\":[";  // cut off: malformed
    }
    std::string value;
    const std::size_t end = std::min(snapshot_.size(), offset + page_size);
    for (std::size_t i = offset; i < end; ++i) {
      const FakeSignIn& s = snapshot_[i];
      value += std::string(value.empty() ? "" : ",") + R"({"id":")" + s.id +
               R"(","createdDateTime":")" + FormatGraphDateTime(s.created) +
               R"(","userPrincipalName":"u@contoso.test","status":)" +
               R"({"errorCode":)" + std::to_string(s.code) +
               R"(,"failureReason":"x","additionalDetails":null}})";
    }
    std::string body = R"({"@odata.context":"c","value":[)" + value + "]";
    if (end < snapshot_.size()) {
      body += R"(,"@odata.nextLink":")" + std::string(kSignIns) +
              "?$top=1000&$skiptoken=" +
              std::to_string(end - (repeat_last_on_next_page ? 1 : 0)) + "\"";
    }
    return body + "}";
  }

  entra_pta::testing::FakeClock& clock_;
  UnixMillis since_ = 0;
  std::vector<FakeSignIn> snapshot_;
  int pages_served_ = 0;
};

double Sec(UnixMillis when) { return static_cast<double>(when) / 1000.0; }

// How the collector's URL spells a time in $filter.
std::string Encoded(const std::string& iso) {
  std::string out;
  for (char c : iso) out += c == ':' ? std::string("%3A") : std::string(1, c);
  return "ge%20" + out;
}

// The single reason an `_available` family reports, with its value.
std::string Availability(const std::vector<prometheus::MetricFamily>& out,
                         const std::string& name) {
  for (const auto& family : out) {
    if (family.name != name) continue;
    if (family.metric.size() != 1) return "several series";
    return family.metric[0].label.at(0).value + "=" +
           std::to_string(static_cast<int>(family.metric[0].gauge.value));
  }
  return "absent";
}

class DirectorySignalsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() /
        ("entra-pta-signins-" +
         std::string(
             ::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    settings_.graph.tenant_id = "11111111-2222-3333-4444-555555555555";
    settings_.graph.client_id = "99999999-0000-0000-0000-000000000000";
    settings_.graph.authority_url = "https://login.test";
    settings_.graph.graph_url = kGraph;
    settings_.graph.state_file = (dir_ / "state.json").string();
    CloudState state;
    state.refresh_token = ProtectSecret("RT-1").value();
    ASSERT_TRUE(SaveCloudState(settings_.graph.state_file, state).ok());
    clock_.Set(std::chrono::system_clock::time_point(std::chrono::milliseconds(
        ParseGraphDateTime("2026-12-04T20:00:00Z").value())));
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<CloudCollector> MakeCollector() {
    FakeGraph* graph = &graph_;
    return std::make_unique<CloudCollector>(
        settings_,
        [graph](const std::atomic<bool>*) {
          return std::make_unique<FakeHttpClient>(
              [graph](const HttpRequest& r) { return graph->Serve(r); });
        },
        clock_, nullptr, /*background=*/false, &logger_);
  }

  std::vector<prometheus::MetricFamily> Collect(CloudCollector& collector) {
    std::vector<prometheus::MetricFamily> out;
    Status status = collector.Collect(
        ScrapeContext{std::chrono::steady_clock::now() + seconds(10)}, out);
    EXPECT_TRUE(status.ok()) << status.message();
    return out;
  }

  std::optional<double> Total(const std::vector<prometheus::MetricFamily>& out,
                              const std::string& code) {
    return FindSample(out, "entra_pta_signin_failures_total",
                      {{"code", code}, {"reason", PtaReason(std::stoi(code))}});
  }

  // Minutes before Graph's now.
  UnixMillis Ago(int minutes_ago) {
    return graph_.GraphNow() - minutes_ago * 60'000LL;
  }

  int LogLines(const std::string& fragment) {
    int count = 0;
    std::istringstream lines(log_.str());
    for (std::string line; std::getline(lines, line);) {
      count += line.find(fragment) != std::string::npos ? 1 : 0;
    }
    return count;
  }

  fs::path dir_;
  CloudSettings settings_;
  entra_pta::testing::FakeClock clock_;
  FakeGraph graph_{clock_};
  std::ostringstream log_;
  Logger logger_{log_, clock_};
};

TEST_F(DirectorySignalsTest, PagesDuplicatesAndRefreshesAreCountedOnce) {
  for (int i = 0; i < 7; ++i)
    graph_.Add("a" + std::to_string(i), 80001, Ago(i));
  graph_.Add("b", 80014, Ago(3));
  graph_.page_size = 3;
  graph_.repeat_last_on_next_page = true;
  auto collector = MakeCollector();
  EXPECT_EQ(
      Availability(Collect(*collector), "entra_pta_signin_logs_available"),
      "absent");
  collector->RefreshNow();
  auto out = Collect(*collector);
  EXPECT_EQ(Availability(out, "entra_pta_signin_logs_available"), "ok=1");
  EXPECT_EQ(Total(out, "80001"), 7);
  EXPECT_EQ(Total(out, "80014"), 1);
  for (const PtaErrorCode& code : PtaErrorCodes()) {
    EXPECT_TRUE(Total(out, std::to_string(code.code))) << code.code;
  }
  EXPECT_EQ(FindSample(out, "entra_pta_signin_failure_last_timestamp_seconds",
                       {{"code", "80001"}}),
            Sec(Ago(0)));
  EXPECT_EQ(FindSample(out, "entra_pta_signin_failure_last_timestamp_seconds",
                       {{"code", "80002"}}),
            std::nullopt);
  EXPECT_GE(graph_.signin_urls.size(), 4u);  // 8 sign-ins, 3 a page, overlap
  for (int refresh = 0; refresh < 3; ++refresh) {
    clock_.Advance(minutes(1));
    collector->RefreshNow();
  }
  graph_.Add("c", 80001, Ago(0));
  clock_.Advance(minutes(1));
  collector->RefreshNow();
  out = Collect(*collector);
  EXPECT_EQ(Total(out, "80001"), 8);
  EXPECT_EQ(Total(out, "80014"), 1);
  // Later queries start 15 minutes before the newest sign-in seen (a0).
  EXPECT_NE(graph_.queries.back().find(Encoded("2026-12-04T19:45:00Z")),
            std::string::npos)
      << graph_.queries.back();
}

TEST_F(DirectorySignalsTest, ARestartContinuesExactlyFromTheStateFile) {
  graph_.Add("a", 80002, Ago(5));
  graph_.Add("b", 80002, Ago(4));
  MakeCollector()->RefreshNow();
  graph_.Add("c", 80002, Ago(1));  // while the exporter was down
  auto restarted = MakeCollector();
  restarted->RefreshNow();
  restarted->RefreshNow();
  auto out = Collect(*restarted);
  EXPECT_EQ(Total(out, "80002"), 3);
  auto state = LoadCloudState(settings_.graph.state_file).value();
  EXPECT_EQ(state.signin_failures.totals.at(80002), 3u);
  EXPECT_EQ(state.signin_failures.watermark, Ago(1));
  EXPECT_TRUE(state.refresh_token.has_value());  // kept alongside
}

TEST_F(DirectorySignalsTest, AFailedPageCountsWhatWasReadAndRereadsTheWindow) {
  for (int i = 0; i < 5; ++i)
    graph_.Add("a" + std::to_string(i), 80007, Ago(i));
  graph_.page_size = 2;
  graph_.fail_page = 2;
  auto collector = MakeCollector();
  collector->RefreshNow();
  auto out = Collect(*collector);
  EXPECT_EQ(Availability(out, "entra_pta_signin_logs_available"),
            "bad_response=0");
  EXPECT_EQ(Total(out, "80007"), std::nullopt);  // never read completely
  collector->RefreshNow();
  out = Collect(*collector);
  EXPECT_EQ(Availability(out, "entra_pta_signin_logs_available"), "ok=1");
  EXPECT_EQ(Total(out, "80007"), 5);
}

TEST_F(DirectorySignalsTest, ThrottlingIsWaitedOutThenReported) {
  graph_.Add("a", 80005, Ago(1));
  graph_.throttles = {"1", "1"};
  auto collector = MakeCollector();
  collector->RefreshNow();
  auto out = Collect(*collector);
  EXPECT_EQ(Availability(out, "entra_pta_signin_logs_available"), "ok=1");
  EXPECT_EQ(Total(out, "80005"), 1);
  // A long Retry-After is not waited for in the refresh.
  graph_.throttles = {"120"};
  collector->RefreshNow();
  out = Collect(*collector);
  EXPECT_EQ(Availability(out, "entra_pta_signin_logs_available"),
            "throttled=0");
  EXPECT_EQ(Total(out, "80005"), 1);
  EXPECT_EQ(LogLines("Graph sign-in logs unavailable"), 1);
}

TEST_F(DirectorySignalsTest, ForbiddenAndNotLicensedAreReasonsNotFailures) {
  graph_.signin_status = 403;
  graph_.signin_body =
      R"({"error":{"code":"Authentication_RequestFromNonPremiumTenantOrB2CTenant",)"
      R"("message":"Neither tenant is B2C or tenant doesn't have premium license"}})";
  graph_.organization_status = 403;
  graph_.organization = R"({"error":{"code":"Authorization_RequestDenied"}})";
  auto collector = MakeCollector();
  for (int i = 0; i < 3; ++i) collector->RefreshNow();
  auto out = Collect(*collector);  // Collect checks the status is ok
  EXPECT_EQ(Availability(out, "entra_pta_signin_logs_available"),
            "not_licensed=0");
  EXPECT_EQ(Availability(out, "entra_pta_directory_sync_available"),
            "forbidden=0");
  EXPECT_EQ(Total(out, "80001"), std::nullopt);
  EXPECT_EQ(FindSample(out, "entra_pta_directory_sync_enabled"), std::nullopt);
  EXPECT_EQ(LogLines("reason=not_licensed"), 1);  // once, not per refresh
  EXPECT_EQ(LogLines("reason=forbidden"), 1);
  graph_.signin_body = R"({"error":{"code":"Authorization_RequestDenied"}})";
  collector->RefreshNow();
  EXPECT_EQ(
      Availability(Collect(*collector), "entra_pta_signin_logs_available"),
      "forbidden=0");
  graph_.signin_status = 401;
  collector->RefreshNow();
  EXPECT_EQ(
      Availability(Collect(*collector), "entra_pta_signin_logs_available"),
      "unauthorized=0");
  graph_.signin_status = 200;
  graph_.signin_body.clear();
  collector->RefreshNow();
  EXPECT_EQ(
      Availability(Collect(*collector), "entra_pta_signin_logs_available"),
      "ok=1");
  EXPECT_EQ(LogLines("Graph sign-in logs readable again"), 1);
}

TEST_F(DirectorySignalsTest, MalformedAnswersKeepTheLastValues) {
  graph_.Add("a", 80010, Ago(1));
  auto collector = MakeCollector();
  collector->RefreshNow();
  graph_.organization = "{\"value\":[{\"onPremisesSyncEnabled\":\"yes\"}]}";
  for (const char* body :
       {"{", R"({"value":{}})", R"({"value":[{"id":"x"}]})",
        R"({"value":[{"id":"x","createdDateTime":"2026-13-01T00:00:00Z",)"
        R"("status":{"errorCode":80001}}]})"}) {
    graph_.signin_body = body;  // answered with HTTP 200
    collector->RefreshNow();
    auto out = Collect(*collector);
    EXPECT_EQ(Availability(out, "entra_pta_signin_logs_available"),
              "bad_response=0")
        << body;
    EXPECT_EQ(Availability(out, "entra_pta_directory_sync_available"),
              "bad_response=0")
        << body;
    EXPECT_EQ(Total(out, "80010"), 1);
    EXPECT_EQ(FindSample(out, "entra_pta_directory_sync_enabled"), 1);
  }
}

TEST_F(DirectorySignalsTest, GraphsClockNotTheLocalOneBoundsTheQuery) {
  settings_.signin_lookback = hours(1);
  for (auto offset : {-hours(2), hours(2)}) {
    SCOPED_TRACE(offset.count());
    graph_.graph_offset = offset;
    graph_.log.clear();
    graph_.signin_urls.clear();
    graph_.queries.clear();
    fs::remove(settings_.graph.state_file);
    CloudState state;
    state.refresh_token = ProtectSecret("RT-1").value();
    ASSERT_TRUE(SaveCloudState(settings_.graph.state_file, state).ok());
    graph_.Add("old", 80013, Ago(61));
    graph_.Add("new", 80013, Ago(0));
    auto collector = MakeCollector();
    collector->RefreshNow();
    EXPECT_NE(
        graph_.queries.front().find(Encoded(FormatGraphDateTime(Ago(60)))),
        std::string::npos)
        << graph_.queries.front();
    graph_.Add("later", 80013, Ago(0) + 1000);
    collector->RefreshNow();
    collector->RefreshNow();
    EXPECT_EQ(Total(Collect(*collector), "80013"), 2);
  }
}

TEST_F(DirectorySignalsTest, OrganizationSyncTimesAndNulls) {
  auto collector = MakeCollector();
  collector->RefreshNow();
  auto out = Collect(*collector);
  EXPECT_EQ(Availability(out, "entra_pta_directory_sync_available"), "ok=1");
  EXPECT_EQ(FindSample(out, "entra_pta_directory_sync_enabled"), 1);
  EXPECT_EQ(FindSample(out, "entra_pta_directory_sync_last_timestamp_seconds"),
            Sec(ParseGraphDateTime("2026-12-04T19:00:00Z").value()));
  EXPECT_EQ(FindSample(out, "entra_pta_password_sync_last_timestamp_seconds"),
            std::nullopt);
  graph_.organization =
      R"({"value":[{"onPremisesSyncEnabled":null,)"
      R"("onPremisesLastPasswordSyncDateTime":"2026-12-04T19:58:30.5+00:00"}]})";
  collector->RefreshNow();
  out = Collect(*collector);
  EXPECT_EQ(FindSample(out, "entra_pta_directory_sync_enabled"), 0);
  EXPECT_EQ(FindSample(out, "entra_pta_directory_sync_last_timestamp_seconds"),
            std::nullopt);
  EXPECT_EQ(FindSample(out, "entra_pta_password_sync_last_timestamp_seconds"),
            Sec(ParseGraphDateTime("2026-12-04T19:58:30.5Z").value()));
}

TEST_F(DirectorySignalsTest, ANextLinkOutsideGraphIsNotFollowed) {
  graph_.signin_body =
      R"({"value":[],"@odata.nextLink":"https://graph.test.evil/v1.0/x"})";
  auto collector = MakeCollector();
  collector->RefreshNow();
  EXPECT_EQ(
      Availability(Collect(*collector), "entra_pta_signin_logs_available"),
      "bad_response=0");
  EXPECT_EQ(graph_.signin_urls.size(), 1u);
  EXPECT_EQ(LogLines("points outside https://graph.test"), 1);
}

TEST_F(DirectorySignalsTest, SwitchedOffAsksNothing) {
  settings_.signin_failures = false;
  settings_.directory_sync = false;
  auto collector = MakeCollector();
  collector->RefreshNow();
  auto out = Collect(*collector);
  EXPECT_TRUE(graph_.signin_urls.empty());
  EXPECT_EQ(Availability(out, "entra_pta_signin_logs_available"), "absent");
  EXPECT_EQ(Availability(out, "entra_pta_directory_sync_available"), "absent");
}

}  // namespace
}  // namespace entra_pta::cloud
