#include "exporter/sdk/logger.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "exporter/testing/fake_clock.h"

namespace entra_pta {
namespace {

TEST(LoggerTest, WritesLogfmtWithQuotingAndCollector) {
  std::ostringstream out;
  testing::FakeClock clock;  // 2027-01-15T08:00:00Z
  Logger logger(out, clock);
  logger.Log(LogLevel::kError, "heartbeat", "collector failed",
             {{"err", "dir \"C:\\x\" gone\nnext"}, {"n", "3"}});
  EXPECT_EQ(
      out.str(),
      "ts=2027-01-15T08:00:00.000Z level=error collector=heartbeat "
      "msg=\"collector failed\" err=\"dir \\\"C:\\\\x\\\" gone\\nnext\" n=3\n");
}

TEST(LoggerTest, WritesJsonLines) {
  std::ostringstream out;
  testing::FakeClock clock;
  Logger logger(out, clock, LogLevel::kInfo, LogFormat::kJson);
  logger.Log(LogLevel::kWarn, "heartbeat", "hello", {{"k", "v\xff"}});
  auto j = nlohmann::json::parse(out.str());
  EXPECT_EQ(j["level"], "warn");
  EXPECT_EQ(j["collector"], "heartbeat");
  EXPECT_EQ(j["msg"], "hello");
  EXPECT_EQ(j["ts"], "2027-01-15T08:00:00.000Z");
  EXPECT_EQ(j["k"], "v\xEF\xBF\xBD");  // invalid UTF-8 replaced, not thrown
}

TEST(LoggerTest, DropsLinesBelowLevel) {
  std::ostringstream out;
  testing::FakeClock clock;
  Logger logger(out, clock, LogLevel::kWarn);
  logger.Info("quiet");
  logger.Debug("quieter");
  EXPECT_EQ(out.str(), "");
  logger.SetLevel(LogLevel::kDebug);
  logger.Debug("now");
  EXPECT_NE(out.str().find("level=debug"), std::string::npos);
}

TEST(LoggerTest, ParsesLevelsAndFormats) {
  EXPECT_EQ(ParseLogLevel("warn"), LogLevel::kWarn);
  EXPECT_EQ(ParseLogLevel("WARN"), std::nullopt);
  EXPECT_EQ(ParseLogFormat("json"), LogFormat::kJson);
  EXPECT_EQ(ParseLogFormat("text"), std::nullopt);
}

TEST(LoggerTest, FormatsTimestampsInUtc) {
  using namespace std::chrono;
  EXPECT_EQ(FormatRfc3339Millis(system_clock::time_point(milliseconds(1'234))),
            "1970-01-01T00:00:01.234Z");
}

}  // namespace
}  // namespace entra_pta
