#include "collectors/heartbeat/heartbeat_collector.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "exporter/testing/fake_clock.h"

namespace entra_pta::heartbeat {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using std::chrono::system_clock;

const system_clock::time_point kWritten(seconds(1'800'000'000));

std::optional<double> Value(
    const std::vector<prometheus::MetricFamily>& families,
    const std::string& name) {
  for (const auto& family : families) {
    if (family.name == name && !family.metric.empty()) {
      return family.metric[0].gauge.value;
    }
  }
  return std::nullopt;
}

std::string SourceLabel(const std::vector<prometheus::MetricFamily>& families,
                        const std::string& name) {
  for (const auto& family : families) {
    if (family.name != name) continue;
    for (const auto& label : family.metric.at(0).label) {
      if (label.name == "source") return label.value;
    }
  }
  return "";
}

TEST(AssessHeartbeatTest, StaleOnlyPastTheThreshold) {
  const milliseconds threshold = minutes(120);
  auto at = [&](system_clock::duration age) {
    return AssessHeartbeat(kWritten, kWritten + age, threshold);
  };
  EXPECT_FALSE(at(minutes(0)).stale);
  EXPECT_FALSE(at(minutes(119)).stale);
  EXPECT_FALSE(at(minutes(120)).stale);
  EXPECT_TRUE(at(minutes(120) + milliseconds(1)).stale);
  EXPECT_DOUBLE_EQ(at(minutes(121)).age_seconds, 7260);
  // A timestamp in the future (clock skew) is age 0, not negative.
  EXPECT_EQ(at(-minutes(5)).age_seconds, 0);
  EXPECT_FALSE(at(-minutes(5)).stale);
}

class HeartbeatCollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() /
        ("entra-pta-heartbeat-test-" +
         std::string(
             ::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    settings_.trace_dir = dir_.string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  void AddTraceFile(system_clock::time_point when) {
    fs::path file = dir_ / "AzureADConnectAuthenticationAgent_0f1e2d3c.log";
    std::ofstream(file) << "Passthrough Authentication request succeeded\n";
    fs::last_write_time(file, std::chrono::file_clock::from_sys(when));
  }

  Status Collect(std::vector<prometheus::MetricFamily>& out) {
    HeartbeatCollector collector(settings_, clock_);
    return collector.Collect(ScrapeContext{std::chrono::steady_clock::now()},
                             out);
  }

  fs::path dir_;
  HeartbeatSettings settings_;
  testing::FakeClock clock_;
};

TEST_F(HeartbeatCollectorTest, FreshTraceFileIsNotStale) {
  AddTraceFile(kWritten);
  clock_.Set(kWritten + minutes(10));
  std::vector<prometheus::MetricFamily> out;
  ASSERT_TRUE(Collect(out).ok());
  EXPECT_EQ(Value(out, "entra_pta_agent_last_heartbeat_timestamp_seconds"),
            1.8e9);
  EXPECT_EQ(Value(out, "entra_pta_agent_heartbeat_age_seconds"), 600);
  EXPECT_EQ(Value(out, "entra_pta_agent_heartbeat_stale"), 0);
  EXPECT_EQ(Value(out, "entra_pta_agent_heartbeat_threshold_seconds"), 7200);
  EXPECT_EQ(SourceLabel(out, "entra_pta_agent_heartbeat_stale"), "trace_log");
}

TEST_F(HeartbeatCollectorTest, BecomesStaleAsTheClockMovesOn) {
  AddTraceFile(kWritten);
  clock_.Set(kWritten + hours(2));
  std::vector<prometheus::MetricFamily> out;
  ASSERT_TRUE(Collect(out).ok());
  EXPECT_EQ(Value(out, "entra_pta_agent_heartbeat_stale"), 0);
  clock_.Advance(seconds(1));
  out.clear();
  ASSERT_TRUE(Collect(out).ok());
  EXPECT_EQ(Value(out, "entra_pta_agent_heartbeat_stale"), 1);
  EXPECT_EQ(Value(out, "entra_pta_agent_heartbeat_age_seconds"), 7201);
}

TEST_F(HeartbeatCollectorTest, ConfiguredThresholdApplies) {
  settings_.stale_threshold = minutes(30);
  AddTraceFile(kWritten);
  clock_.Set(kWritten + minutes(31));
  std::vector<prometheus::MetricFamily> out;
  ASSERT_TRUE(Collect(out).ok());
  EXPECT_EQ(Value(out, "entra_pta_agent_heartbeat_stale"), 1);
  EXPECT_EQ(Value(out, "entra_pta_agent_heartbeat_threshold_seconds"), 1800);
}

TEST_F(HeartbeatCollectorTest, NoTraceFileIsStaleWithoutTimestamp) {
  std::vector<prometheus::MetricFamily> out;
  ASSERT_TRUE(Collect(out).ok());
  EXPECT_EQ(Value(out, "entra_pta_agent_heartbeat_stale"), 1);
  EXPECT_EQ(Value(out, "entra_pta_agent_last_heartbeat_timestamp_seconds"),
            std::nullopt);
  EXPECT_EQ(Value(out, "entra_pta_agent_heartbeat_age_seconds"), std::nullopt);
}

TEST_F(HeartbeatCollectorTest, MissingDirectoryFailsClearly) {
  settings_.trace_dir = (dir_ / "absent").string();
  std::vector<prometheus::MetricFamily> out;
  Status status = Collect(out);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("does not exist"), std::string::npos);
  EXPECT_NE(status.message().find((dir_ / "absent").string()),
            std::string::npos);
  EXPECT_EQ(Value(out, "entra_pta_agent_heartbeat_stale"), std::nullopt);
  EXPECT_EQ(Value(out, "entra_pta_agent_heartbeat_threshold_seconds"), 7200);
}

TEST(ParseHeartbeatSettingsTest, DefaultsAndOverrides) {
  HeartbeatSettings defaults =
      ParseHeartbeatSettings(ConfigSection("f.yml", "collectors.heartbeat"));
  EXPECT_EQ(defaults.stale_threshold, minutes(120));
  EXPECT_EQ(
      defaults.trace_dir,
      "%ProgramData%\\Microsoft\\Azure AD Connect Authentication Agent\\Trace");
  YAML::Node node = YAML::Load("trace_dir: /t\nstale_threshold: 45m\n");
  HeartbeatSettings set = ParseHeartbeatSettings(
      ConfigSection(node, node.Mark(), "f.yml", "collectors.heartbeat"));
  EXPECT_EQ(set.trace_dir, "/t");
  EXPECT_EQ(set.stale_threshold, minutes(45));
}

}  // namespace
}  // namespace entra_pta::heartbeat
