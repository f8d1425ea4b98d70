// The wevtapi backend against the real Windows Event Log: the test writes
// events with ReportEvent under its own source in the Application log and
// reads them back through the backend, from a start time and then from the
// bookmark. Runs on a real Windows machine (the Windows CI workflow); under
// Wine, whose Event Log stores nothing, it is skipped and the fake-wevtapi
// test (event_source_windows_test.cc) covers the backend instead.
#include <gtest/gtest.h>

#include <chrono>
#include <variant>

#include "collectors/eventlog/event_source.h"
#include "collectors/eventlog/event_xml.h"
#include "exporter/platform/win32_windows.h"

namespace entra_pta::eventlog {
namespace {

bool RunningUnderWine() {
  HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
  return ntdll != nullptr &&
         GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

double NowUnixSeconds() {
  return std::chrono::duration<double>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST(EventSourceRealWindowsTest, ReadsNewApplicationEventsThenResumes) {
  if (RunningUnderWine()) GTEST_SKIP() << "Wine's Event Log stores nothing";
  const std::wstring source =
      L"EntraPtaExporterTest" + std::to_wstring(GetCurrentProcessId());
  HANDLE log = RegisterEventSourceW(nullptr, source.c_str());
  ASSERT_NE(log, nullptr) << win32::ErrorText(GetLastError());
  auto report = [&](WORD type, DWORD id) {
    const wchar_t* strings[] = {L"entra-pta-exporter test event"};
    ASSERT_TRUE(
        ReportEventW(log, type, 0, id, nullptr, 1, 0, strings, nullptr));
  };
  const std::string provider = win32::Narrow(source);
  // Windows stores TimeCreated with sub-second precision; start a little
  // earlier than now so clock granularity cannot hide the first events.
  const double since = NowUnixSeconds() - 1;
  report(EVENTLOG_ERROR_TYPE, 31019);
  report(EVENTLOG_WARNING_TYPE, 31034);

  auto source_backend = MakeSystemEventSource();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  std::vector<EventFields> ours;
  auto collect = [&](std::string_view xml) {
    auto parsed = ParseRenderedEvent(xml);
    ASSERT_TRUE(std::holds_alternative<EventFields>(parsed))
        << std::get<std::string>(parsed);
    if (std::get<EventFields>(parsed).provider == provider) {
      ours.push_back(std::get<EventFields>(parsed));
    }
  };
  ChannelRead first = source_backend->ReadNew(
      "Application", BookmarkState{"", since}, deadline, collect);
  ASSERT_EQ(first.outcome, ReadOutcome::kOk) << first.error;
  ASSERT_EQ(ours.size(), 2u);
  EXPECT_EQ(ours[0].event_id, 31019u);
  EXPECT_EQ(LevelName(ours[0].level), "error");
  EXPECT_EQ(ours[1].event_id, 31034u);
  EXPECT_EQ(LevelName(ours[1].level), "warning");
  ASSERT_FALSE(first.bookmark_xml.empty());

  report(EVENTLOG_INFORMATION_TYPE, 1000);
  ours.clear();
  ChannelRead second = source_backend->ReadNew(
      "Application", BookmarkState{first.bookmark_xml, since}, deadline,
      collect);
  ASSERT_EQ(second.outcome, ReadOutcome::kOk) << second.error;
  ASSERT_EQ(ours.size(), 1u);
  EXPECT_EQ(ours[0].event_id, 1000u);
  DeregisterEventSource(log);

  ChannelRead missing =
      source_backend->ReadNew("Microsoft-EntraPtaExporter-NoSuchChannel/Admin",
                              BookmarkState{"", since}, deadline, collect);
  EXPECT_EQ(missing.outcome, ReadOutcome::kChannelMissing) << missing.error;
}

}  // namespace
}  // namespace entra_pta::eventlog
