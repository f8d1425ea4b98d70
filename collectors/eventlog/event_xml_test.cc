#include "collectors/eventlog/event_xml.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace entra_pta::eventlog {
namespace {

std::string Fixture(const std::string& name) {
  std::ifstream in(std::string(ENTRA_PTA_EVENTLOG_TESTDATA) + "/" + name);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string ErrorOf(std::string_view xml) {
  auto parsed = ParseRenderedEvent(xml);
  if (!parsed.ok()) return parsed.status().message();
  return "(parsed)";
}

std::string Event(const std::string& system) {
  return "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/"
         "event'><System>" +
         system + "</System></Event>";
}

TEST(ParseRenderedEventTest, RealisticEvent) {
  auto parsed = ParseRenderedEvent(Fixture("event_31019.xml"));
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  const auto& event = *parsed;
  EXPECT_EQ(event.provider, "Microsoft-AzureADConnect-AuthenticationAgent");
  EXPECT_EQ(event.event_id, 31019u);
  EXPECT_EQ(event.level, 2u);
  ASSERT_TRUE(event.time_created_seconds);
  // date -u -d 2026-11-25T20:15:42Z +%s
  EXPECT_NEAR(*event.time_created_seconds, 1795637742.1234567, 1e-6);
  EXPECT_EQ(event.record_id, 1187u);
}

TEST(ParseRenderedEventTest, MissingOrInvalidFieldsAreErrors) {
  EXPECT_EQ(ErrorOf(Event("<EventID>1</EventID>")), "event has no <Provider>");
  EXPECT_EQ(ErrorOf(Event("<Provider Name='p'/>")), "event has no <EventID>");
  EXPECT_EQ(ErrorOf(Event("<Provider/><EventID>1</EventID>")),
            "event <Provider> has no Name");
  EXPECT_EQ(ErrorOf(Event("<Provider Name='p'/><EventID>70000</EventID>")),
            "invalid <EventID> \"70000\"");
  EXPECT_EQ(ErrorOf(Event("<Provider Name='p'/><EventID>-1</EventID>")),
            "invalid <EventID> \"-1\"");
  EXPECT_EQ(ErrorOf(Event("<Provider Name='p'/><EventID>1</EventID>"
                          "<Level>x</Level>")),
            "invalid <Level> \"x\"");
  EXPECT_EQ(ErrorOf(Event("<Provider Name='p'/><EventID>1</EventID>"
                          "<TimeCreated SystemTime='yesterday'/>")),
            "invalid TimeCreated SystemTime \"yesterday\"");
  EXPECT_EQ(ErrorOf("<Other/>"), "not an event: the root element is <Other>");
  EXPECT_EQ(ErrorOf("<Event/>"), "event has no <System> element");
  // EventData cannot smuggle System fields in.
  EXPECT_EQ(ErrorOf("<Event><System/><EventData><Provider Name='x'/>"
                    "<EventID>1</EventID></EventData></Event>"),
            "event has no <Provider>");
}

TEST(ParseRenderedEventTest, TruncatedAndHostileInputNeverCrashes) {
  const std::string full = Fixture("event_31019.xml");
  for (std::size_t n = 0; n + 1 < full.size(); n += 7) {
    EXPECT_NE(ErrorOf(full.substr(0, n)), "(parsed)") << n;
  }
  EXPECT_EQ(ErrorOf("<!DOCTYPE Event [<!ENTITY a 'aaaa'>]><Event/>"),
            "malformed event XML: 1:17: DOCTYPE and other declarations are "
            "not accepted");
  std::string nested = "<Event><System>";
  for (int i = 0; i < 10000; ++i) nested += "<x>";
  EXPECT_NE(ErrorOf(nested).find("nested deeper"), std::string::npos);
  EXPECT_NE(ErrorOf(std::string("<Event>\0</Event>", 16)), "(parsed)");
}

TEST(ParseRenderedEventTest, LevelsHaveNames) {
  EXPECT_EQ(LevelName(0), "information");
  EXPECT_EQ(LevelName(1), "critical");
  EXPECT_EQ(LevelName(2), "error");
  EXPECT_EQ(LevelName(3), "warning");
  EXPECT_EQ(LevelName(4), "information");
  EXPECT_EQ(LevelName(5), "verbose");
  EXPECT_EQ(LevelName(17), "17");
}

TEST(SystemTimeTest, ParsesAndFormats) {
  EXPECT_EQ(ParseSystemTime("1970-01-01T00:00:00Z"), 0.0);
  EXPECT_EQ(ParseSystemTime("2000-03-01T00:00:01.5Z"), 951868801.5);
  EXPECT_EQ(ParseSystemTime("2026-13-01T00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseSystemTime("2026-11-25T20:15:42"), std::nullopt);
  EXPECT_EQ(ParseSystemTime("2026-11-25T20:15:42.Z"), std::nullopt);
  EXPECT_EQ(FormatSystemTime(951868801.5), "2000-03-01T00:00:01.500Z");
  EXPECT_EQ(FormatSystemTime(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(SinceQuery(1795637742.25),
            "*[System[TimeCreated[@SystemTime>='2026-11-25T20:15:42.250Z']]]");
}

}  // namespace
}  // namespace entra_pta::eventlog
