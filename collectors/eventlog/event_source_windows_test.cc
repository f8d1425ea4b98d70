// The wevtapi backend end to end. Under Wine it runs against the fake
// wevtapi.dll from tests/windows (Wine's own wevtapi is a stub), which serves
// channels from files this test writes; the backend code is unchanged. The
// test checks that the fake, not Wine's stub, is what was loaded.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <variant>

#include "collectors/eventlog/bookmark_file.h"
#include "collectors/eventlog/event_source.h"
#include "collectors/eventlog/event_xml.h"
#include "exporter/platform/win32_windows.h"

namespace entra_pta::eventlog {
namespace {

namespace fs = std::filesystem;
const std::string kChannel =
    "Microsoft-AzureADConnect-AuthenticationAgent/Admin";
const std::string kProvider = "Microsoft-AzureADConnect-AuthenticationAgent";

std::string EventXml(std::uint64_t record_id, std::uint32_t id,
                     std::uint32_t level, double created) {
  return "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/"
         "event'><System><Provider Name='" +
         kProvider + "'/><EventID>" + std::to_string(id) + "</EventID><Level>" +
         std::to_string(level) + "</Level><TimeCreated SystemTime='" +
         FormatSystemTime(created) + "'/><EventRecordID>" +
         std::to_string(record_id) + "</EventRecordID><Channel>" + kChannel +
         "</Channel></System></Event>";
}

auto FarDeadline() {
  return std::chrono::steady_clock::now() + std::chrono::minutes(5);
}

class EventSourceWindowsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("entra-pta-wevt-" + std::to_string(GetCurrentProcessId()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    SetEnvironmentVariableW(L"ENTRA_PTA_FAKE_WEVTAPI_DIR",
                            dir_.wstring().c_str());
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Appends events with consecutive record ids, `created` seconds each.
  void Append(const std::vector<std::pair<std::uint32_t, double>>& events,
              std::uint32_t level = 2) {
    std::ofstream out(
        dir_ / "Microsoft-AzureADConnect-AuthenticationAgent_Admin.events",
        std::ios::app | std::ios::binary);
    for (const auto& [id, created] : events) {
      ++last_record_;
      out << last_record_ << '\t' << EventXml(last_record_, id, level, created)
          << '\n';
    }
  }

  ChannelRead Read(const BookmarkState& start,
                   std::vector<EventFields>& events) {
    return source_->ReadNew(
        kChannel, start, FarDeadline(), [&](std::string_view xml) {
          auto parsed = ParseRenderedEvent(xml);
          ASSERT_TRUE(parsed.ok()) << parsed.status().message();
          events.push_back(*parsed);
        });
  }

  fs::path dir_;
  std::uint64_t last_record_ = 1000;
  std::unique_ptr<EventSource> source_ = MakeSystemEventSource();
};

TEST_F(EventSourceWindowsTest, TheFakeWevtapiIsLoaded) {
  EXPECT_TRUE(EventSourceSupported());
  std::vector<EventFields> events;
  Read(BookmarkState{"", 0}, events);  // loads wevtapi.dll
  HMODULE module = GetModuleHandleW(L"wevtapi.dll");
  ASSERT_NE(module, nullptr);
  wchar_t module_path[MAX_PATH], exe_path[MAX_PATH];
  GetModuleFileNameW(module, module_path, MAX_PATH);
  GetModuleFileNameW(nullptr, exe_path, MAX_PATH);
  EXPECT_EQ(fs::path(module_path).parent_path(),
            fs::path(exe_path).parent_path())
      << win32::Narrow(module_path);
}

TEST_F(EventSourceWindowsTest, MissingChannelIsReportedAsSuch) {
  std::vector<EventFields> events;
  ChannelRead read = Read(BookmarkState{"", 0}, events);
  EXPECT_EQ(read.outcome, ReadOutcome::kChannelMissing) << read.error;
  EXPECT_TRUE(events.empty());
}

TEST_F(EventSourceWindowsTest, SinceTimeThenBookmarkReadsOnlyNewEvents) {
  const double t0 = 1'800'000'000;
  Append({{31019, t0 - 60}, {31034, t0 + 1}, {31019, t0 + 2}});
  std::vector<EventFields> events;
  ChannelRead first = Read(BookmarkState{"", t0}, events);
  ASSERT_EQ(first.outcome, ReadOutcome::kOk) << first.error;
  ASSERT_EQ(events.size(), 2u);  // the one before t0 is history
  EXPECT_EQ(events[0].event_id, 31034u);
  EXPECT_EQ(events[1].event_id, 31019u);
  EXPECT_EQ(events[1].provider, kProvider);
  EXPECT_EQ(events[1].record_id, 1003u);
  EXPECT_EQ(first.events, 2u);
  EXPECT_NE(first.bookmark_xml.find("RecordId='1003'"), std::string::npos)
      << first.bookmark_xml;

  // Persist and reload the bookmark as the collector does across restarts.
  BookmarkStore store((dir_ / "state").string());
  ASSERT_TRUE(store.Save(kChannel, BookmarkState{first.bookmark_xml, t0}).ok());
  ASSERT_TRUE(store.Save(kChannel, BookmarkState{first.bookmark_xml, t0}).ok())
      << "replacing an existing bookmark file must work on Windows too";
  auto loaded = store.Load(kChannel);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  ASSERT_TRUE(loaded->has_value());

  Append({{1000, t0 + 3}}, 4);
  events.clear();
  ChannelRead second = Read(**loaded, events);
  ASSERT_EQ(second.outcome, ReadOutcome::kOk) << second.error;
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event_id, 1000u);
  EXPECT_EQ(LevelName(events[0].level), "information");

  // Nothing new: no events, no new bookmark (the caller keeps its own).
  events.clear();
  ChannelRead third = Read(BookmarkState{second.bookmark_xml, t0}, events);
  EXPECT_EQ(third.outcome, ReadOutcome::kOk);
  EXPECT_TRUE(events.empty());
  EXPECT_TRUE(third.bookmark_xml.empty());
}

TEST_F(EventSourceWindowsTest, RejectedBookmarkIsReportedNotCrashed) {
  Append({{31019, 1}});
  std::vector<EventFields> events;
  ChannelRead read = Read(BookmarkState{"<BookmarkList>truncated", 0}, events);
  EXPECT_EQ(read.outcome, ReadOutcome::kBadBookmark);
  EXPECT_NE(read.error.find("rejected"), std::string::npos) << read.error;
  EXPECT_TRUE(events.empty());
}

TEST_F(EventSourceWindowsTest, ABurstOfOneHundredThousandEvents) {
  std::vector<std::pair<std::uint32_t, double>> burst;
  for (int i = 0; i < 100'000; ++i)
    burst.push_back({i % 2 ? 31019u : 31034u, 2e9});
  Append(burst);
  std::uint64_t seen = 0, dc = 0;
  ChannelRead read =
      source_->ReadNew(kChannel, BookmarkState{"", 1e9}, FarDeadline(),
                       [&](std::string_view xml) {
                         ++seen;
                         auto parsed = ParseRenderedEvent(xml);
                         if (parsed.ok() && parsed->event_id == 31019) {
                           ++dc;
                         }
                       });
  ASSERT_EQ(read.outcome, ReadOutcome::kOk) << read.error;
  EXPECT_EQ(seen, 100'000u);
  EXPECT_EQ(read.events, 100'000u);
  EXPECT_EQ(dc, 50'000u);
  EXPECT_NE(read.bookmark_xml.find("RecordId='101000'"), std::string::npos);
}

TEST_F(EventSourceWindowsTest, StopsAtTheDeadlineWithABookmarkToResumeFrom) {
  std::vector<std::pair<std::uint32_t, double>> burst(1000, {31019u, 2e9});
  Append(burst);
  std::uint64_t seen = 0;
  ChannelRead read = source_->ReadNew(kChannel, BookmarkState{"", 1e9},
                                      std::chrono::steady_clock::now(),
                                      [&](std::string_view) { ++seen; });
  ASSERT_EQ(read.outcome, ReadOutcome::kOk) << read.error;
  EXPECT_TRUE(read.stopped_at_deadline);
  ASSERT_GT(seen, 0u);
  ASSERT_LT(seen, 1000u);
  std::uint64_t rest = 0;
  ChannelRead resumed =
      source_->ReadNew(kChannel, BookmarkState{read.bookmark_xml, 1e9},
                       FarDeadline(), [&](std::string_view) { ++rest; });
  EXPECT_EQ(seen + rest, 1000u);
  EXPECT_FALSE(resumed.stopped_at_deadline);
}

}  // namespace
}  // namespace entra_pta::eventlog
