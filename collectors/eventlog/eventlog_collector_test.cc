#include "collectors/eventlog/eventlog_collector.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "collectors/eventlog/event_xml.h"
#include "collectors/eventlog/testing/fake_event_source.h"
#include "exporter/testing/fake_clock.h"
#include "exporter/testing/metric_lookup.h"

namespace entra_pta::eventlog {
namespace {

namespace fs = std::filesystem;
using entra_pta::testing::FindSample;
using entra_pta::testing::SampleCount;
using testing::FakeEvent;
using testing::FakeEventSource;

const std::string kAgent = "Microsoft-AzureADConnect-AuthenticationAgent/Admin";
const std::string kUpdater = "Microsoft-AzureADConnect-AgentUpdater/Admin";
const std::string kProvider = "Microsoft-AzureADConnect-AuthenticationAgent";

FakeEvent MakeEvent(std::uint32_t id, std::uint32_t level, double created,
                    std::uint64_t record_id = 0) {
  const std::string record =
      record_id == 0
          ? ""
          : "<EventRecordID>" + std::to_string(record_id) + "</EventRecordID>";
  return FakeEvent{
      "<Event><System><Provider Name='" + kProvider + "'/><EventID>" +
          std::to_string(id) + "</EventID><Level>" + std::to_string(level) +
          "</Level><TimeCreated SystemTime='" + FormatSystemTime(created) +
          "'/>" + record + "</System></Event>",
      created};
}

class EventlogCollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() /
        ("entra-pta-eventlog-" +
         std::string(
             ::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    settings_.state_dir = dir_.string();
    source_ = new FakeEventSource;
    source_->channels[kAgent] = {};
    Restart();
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A new collector on the same state dir, as after an exporter restart.
  void Restart() {
    auto source = std::make_unique<FakeEventSource>(*source_);
    source_ = source.get();
    collector_ = std::make_unique<EventlogCollector>(
        settings_, std::move(source), true, clock_, &logger_);
  }

  std::vector<prometheus::MetricFamily> Scrape() {
    std::vector<prometheus::MetricFamily> out;
    status_ = collector_->Collect(ScrapeContext{}, out);
    return out;
  }

  double Now() const { return ToUnixSeconds(clock_.Now()); }

  void Add(std::uint32_t id, std::uint32_t level, double created) {
    source_->channels[kAgent].push_back(MakeEvent(id, level, created));
  }

  std::optional<double> Count(const std::vector<prometheus::MetricFamily>& out,
                              std::uint32_t id, const std::string& level) {
    return FindSample(out, "entra_pta_events_total",
                      {{"channel", kAgent},
                       {"provider", kProvider},
                       {"event_id", std::to_string(id)},
                       {"level", level}});
  }

  fs::path dir_;
  EventlogSettings settings_;
  entra_pta::testing::FakeClock clock_;
  std::ostringstream log_;
  Logger logger_{log_, clock_};
  FakeEventSource* source_ = nullptr;
  std::unique_ptr<EventlogCollector> collector_;
  Status status_ = Status::Ok();
};

TEST_F(EventlogCollectorTest, FirstStartSkipsHistoryThenCountsNewEvents) {
  Add(31019, 2, Now() - 3600);  // history: never counted
  auto out = Scrape();
  ASSERT_TRUE(status_.ok()) << status_.message();
  EXPECT_EQ(SampleCount(out, "entra_pta_events_total"), 0u);
  EXPECT_EQ(
      FindSample(out, "entra_pta_eventlog_channel_up", {{"channel", kAgent}}),
      1);
  // The updater channel does not exist: 0, and not a collector failure.
  EXPECT_EQ(
      FindSample(out, "entra_pta_eventlog_channel_up", {{"channel", kUpdater}}),
      0);
  EXPECT_TRUE(fs::exists(dir_ / BookmarkFileName(kAgent)));

  clock_.Advance(std::chrono::seconds(30));
  Add(31019, 2, Now() - 10);
  Add(31019, 2, Now() - 5);
  Add(31034, 3, Now() - 1);
  out = Scrape();
  ASSERT_TRUE(status_.ok()) << status_.message();
  EXPECT_EQ(Count(out, 31019, "error"), 2);
  EXPECT_EQ(Count(out, 31034, "warning"), 1);
  EXPECT_EQ(FindSample(out, "entra_pta_event_last_timestamp_seconds",
                       {{"channel", kAgent}, {"event_id", "31019"}}),
            Now() - 5);
  EXPECT_EQ(FindSample(out, "entra_pta_event_id_info",
                       {{"event_id", "31019"}, {"meaning", "dc_unreachable"}}),
            1);
  EXPECT_EQ(
      FindSample(out, "entra_pta_event_id_info",
                 {{"event_id", "31034"}, {"meaning", "cloud_unreachable"}}),
      1);

  // Nothing new: the counters stay, nothing is counted twice.
  out = Scrape();
  EXPECT_EQ(Count(out, 31019, "error"), 2);
}

TEST_F(EventlogCollectorTest, RestartResumesFromTheSavedBookmark) {
  Scrape();
  Add(31019, 2, Now() + 1);
  Scrape();
  Restart();  // counters start again at 0; the bookmark file stays
  Add(1000, 4, Now() + 2);
  auto out = Scrape();
  ASSERT_TRUE(status_.ok()) << status_.message();
  EXPECT_EQ(Count(out, 31019, "error"), std::nullopt);  // not re-counted
  EXPECT_EQ(Count(out, 1000, "information"), 1);
  EXPECT_EQ(source_->last_start[kAgent].bookmark_xml,
            FakeEventSource::BookmarkFor(kAgent, 1));
}

TEST_F(EventlogCollectorTest, RestartBeforeAnyEventKeepsTheStartTime) {
  Scrape();
  const double started = Now();
  clock_.Advance(std::chrono::minutes(10));
  Add(31034, 3, started + 60);  // arrived while the exporter was down
  Restart();
  auto out = Scrape();
  EXPECT_EQ(Count(out, 31034, "warning"), 1);
}

TEST_F(EventlogCollectorTest, CorruptBookmarkFileIsReplacedWithAWarning) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / BookmarkFileName(kAgent)) << "entra-pta-exporter ev";
  Add(31019, 2, Now() - 100);  // older than "now": not counted
  auto out = Scrape();
  ASSERT_TRUE(status_.ok()) << status_.message();
  EXPECT_EQ(FindSample(out, "entra_pta_eventlog_bookmark_resets_total",
                       {{"channel", kAgent}}),
            1);
  EXPECT_EQ(SampleCount(out, "entra_pta_events_total"), 0u);
  EXPECT_NE(log_.str().find("level=warn collector=eventlog"), std::string::npos)
      << log_.str();
  EXPECT_NE(log_.str().find("truncated"), std::string::npos);
  // Replaced by a valid file.
  BookmarkStore store(dir_.string());
  auto replaced = store.Load(kAgent);
  ASSERT_TRUE(replaced.ok()) << replaced.status().message();
  EXPECT_TRUE(replaced->has_value());
}

TEST_F(EventlogCollectorTest, BookmarkRejectedByWindowsIsReplaced) {
  BookmarkStore store(dir_.string());
  ASSERT_TRUE(
      store
          .Save(kAgent,
                BookmarkState{"<BookmarkList>garbage</BookmarkList>", 0})
          .ok());
  Restart();
  settings_.look_back = std::chrono::hours(1);
  Restart();
  Add(31019, 2, Now() - 60);  // inside the look-back window
  auto out = Scrape();
  ASSERT_TRUE(status_.ok()) << status_.message();
  EXPECT_EQ(FindSample(out, "entra_pta_eventlog_bookmark_resets_total",
                       {{"channel", kAgent}}),
            1);
  EXPECT_EQ(Count(out, 31019, "error"), 1);
}

TEST_F(EventlogCollectorTest, ARejectedBookmarkDoesNotCountEventsTwice) {
  settings_.look_back = std::chrono::hours(1);
  Restart();
  Scrape();  // first start: from now minus the look-back, nothing yet
  auto& events = source_->channels[kAgent];
  events.push_back(MakeEvent(31019, 2, Now() - 60, 1));
  events.push_back(MakeEvent(31034, 3, Now() - 30, 2));
  auto out = Scrape();
  ASSERT_EQ(Count(out, 31019, "error"), 1);
  ASSERT_EQ(Count(out, 31034, "warning"), 1);
  // Windows refuses the bookmark: the look-back window is read again and
  // returns both counted events plus a new one.
  events.push_back(MakeEvent(31019, 2, Now() - 10, 3));
  source_->reject_bookmark_once[kAgent] = true;
  out = Scrape();
  ASSERT_TRUE(status_.ok()) << status_.message();
  EXPECT_EQ(FindSample(out, "entra_pta_eventlog_bookmark_resets_total",
                       {{"channel", kAgent}}),
            1);
  EXPECT_EQ(Count(out, 31019, "error"), 2);  // the old one once, the new one
  EXPECT_EQ(Count(out, 31034, "warning"), 1);
}

TEST_F(EventlogCollectorTest, ABurstOfOneHundredThousandEventsIsCounted) {
  Scrape();
  auto& events = source_->channels[kAgent];
  for (int i = 0; i < 100'000; ++i) {
    events.push_back(
        MakeEvent(i % 2 ? 31019 : 31034, i % 2 ? 2 : 3, Now() + 1));
  }
  auto out = Scrape();
  EXPECT_EQ(Count(out, 31019, "error"), 50'000);
  EXPECT_EQ(Count(out, 31034, "warning"), 50'000);
  events.push_back(MakeEvent(31019, 2, Now() + 2));
  out = Scrape();
  EXPECT_EQ(Count(out, 31019, "error"), 50'001);
}

TEST_F(EventlogCollectorTest, UnparsableEventsAreCountedApart) {
  Scrape();
  source_->channels[kAgent].push_back(FakeEvent{"<Event><System>", Now() + 1});
  auto out = Scrape();
  EXPECT_TRUE(status_.ok());
  EXPECT_EQ(FindSample(out, "entra_pta_eventlog_unparsable_events_total",
                       {{"channel", kAgent}}),
            1);
}

TEST_F(EventlogCollectorTest, ReadErrorFailsTheCollectorButKeepsOtherChannels) {
  source_->failing[kUpdater] = "EvtNext failed: error 5";
  source_->channels[kAgent].push_back(MakeEvent(31019, 2, Now() + 1));
  auto out = Scrape();
  EXPECT_FALSE(status_.ok());
  EXPECT_EQ(status_.message(),
            "channel " + kUpdater + ": EvtNext failed: error 5");
  EXPECT_EQ(Count(out, 31019, "error"), 1);
  EXPECT_EQ(
      FindSample(out, "entra_pta_eventlog_channel_up", {{"channel", kUpdater}}),
      0);
}

TEST_F(EventlogCollectorTest, AReadFailingMidwayKeepsWhatItCounted) {
  Scrape();
  for (int i = 0; i < 5; ++i) Add(31019, 2, Now() + 1);
  source_->fail_after[kAgent] = 3;
  auto out = Scrape();
  EXPECT_FALSE(status_.ok());
  EXPECT_EQ(Count(out, 31019, "error"), 3);
  source_->fail_after.clear();
  out = Scrape();
  EXPECT_TRUE(status_.ok()) << status_.message();
  EXPECT_EQ(Count(out, 31019, "error"), 5);  // the last 2, not all 5 again
}

TEST_F(EventlogCollectorTest, UnsupportedOsSaysSo) {
  EventlogCollector collector(settings_, std::make_unique<FakeEventSource>(),
                              false, clock_, &logger_);
  std::vector<prometheus::MetricFamily> out;
  Status status = collector.Collect(ScrapeContext{}, out);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("unsupported on this OS"), std::string::npos);
  EXPECT_EQ(FindSample(out, "entra_pta_eventlog_os_supported"), 0);
  EXPECT_FALSE(fs::exists(dir_));
}

TEST(EventlogSettingsTest, ParsesAndValidates) {
  auto settings = ParseEventlogSettings(
      ParseConfigRoot("channels: [A/Admin]\nstate_dir: /tmp/x\nlook_back: 1h\n"
                      "named_event_ids:\n  100: thing_one\n",
                      "t.yml"));
  EXPECT_EQ(settings.channels, (std::vector<std::string>{"A/Admin"}));
  EXPECT_EQ(settings.state_dir, "/tmp/x");
  EXPECT_EQ(settings.look_back, std::chrono::hours(1));
  EXPECT_EQ(settings.named_event_ids,
            (std::map<std::uint32_t, std::string>{{100, "thing_one"}}));
  auto error = [](const std::string& yaml) {
    try {
      ParseEventlogSettings(ParseConfigRoot(yaml, "t.yml"));
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  EXPECT_EQ(error("named_event_ids:\n  abc: x\n"),
            "t.yml:2:3: named_event_ids: \"abc\" is not an event ID (0-65535)");
  EXPECT_EQ(
      error("named_event_ids:\n  70000: x\n"),
      "t.yml:2:3: named_event_ids: \"70000\" is not an event ID (0-65535)");
  EXPECT_EQ(error("named_event_ids:\n  1: Bad Name\n"),
            "t.yml:2:6: named_event_ids.1: meaning \"Bad Name\" must be "
            "lower_snake_case (a-z, 0-9, _)");
  EXPECT_EQ(error("channels: []\n"), "t.yml:1:11: channels: the list is empty");
}

}  // namespace
}  // namespace entra_pta::eventlog
