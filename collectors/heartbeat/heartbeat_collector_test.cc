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

// The gauge value of `name`{source=`source`}, if present.
std::optional<double> SourceValue(
    const std::vector<prometheus::MetricFamily>& families,
    const std::string& name, const std::string& source) {
  for (const auto& family : families) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      for (const auto& label : metric.label) {
        if (label.name == "source" && label.value == source) {
          return metric.gauge.value;
        }
      }
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
    settings_.bootstrap_source = false;  // signal sources: HeartbeatSignalTest
  }
  void TearDown() override { fs::remove_all(dir_); }

  void AddTraceFile(system_clock::time_point when) {
    fs::path file = dir_ / "AzureADConnectAuthenticationAgent_0f1e2d3c.log";
    std::ofstream(file) << "Passthrough Authentication request succeeded\n";
    fs::last_write_time(file, std::chrono::file_clock::from_sys(when));
  }

  Status Collect(std::vector<prometheus::MetricFamily>& out) {
    HeartbeatCollector collector(settings_, clock_, &signals_);
    return collector.Collect(ScrapeContext{std::chrono::steady_clock::now()},
                             out);
  }

  fs::path dir_;
  HeartbeatSettings settings_;
  testing::FakeClock clock_;
  SignOfLifeTimes signals_;
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
  EXPECT_EQ(SourceValue(out, "entra_pta_agent_heartbeat_evidence", "trace_log"),
            1);
  EXPECT_EQ(SourceValue(out, "entra_pta_agent_heartbeat_evidence", "any"), 1);
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

TEST_F(HeartbeatCollectorTest, NoTraceFileIsUnknownNotStale) {
  clock_.Set(kWritten + hours(5));
  std::vector<prometheus::MetricFamily> out;
  ASSERT_TRUE(Collect(out).ok());
  EXPECT_EQ(SourceValue(out, "entra_pta_agent_heartbeat_stale", "trace_log"),
            0);
  EXPECT_EQ(SourceValue(out, "entra_pta_agent_heartbeat_evidence", "trace_log"),
            0);
  EXPECT_EQ(SourceValue(out, "entra_pta_agent_heartbeat_stale", "any"), 0);
  EXPECT_EQ(SourceValue(out, "entra_pta_agent_heartbeat_evidence", "any"), 0);
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

// The signal sources: the endpoint collector records "bootstrap" and the
// cloud collector records "cloud" on the SignOfLifeTimes; here the test records
// them itself.
class HeartbeatSignalTest : public ::testing::Test {
 protected:
  HeartbeatSignalTest() {
    settings_.trace_log_source = false;
    settings_.cloud_source = true;
  }

  std::vector<prometheus::MetricFamily> Collect(HeartbeatCollector& collector,
                                                Status* status = nullptr) {
    std::vector<prometheus::MetricFamily> out;
    Status result =
        collector.Collect(ScrapeContext{std::chrono::steady_clock::now()}, out);
    if (status != nullptr) *status = result;
    EXPECT_TRUE(status != nullptr || result.ok()) << result.message();
    return out;
  }

  HeartbeatSettings settings_;
  testing::FakeClock clock_;
  SignOfLifeTimes signals_;
};

TEST_F(HeartbeatSignalTest, BootstrapSignalAgesAndGoesStale) {
  HeartbeatCollector collector(settings_, clock_, &signals_);
  signals_.Record("bootstrap", kWritten);
  clock_.Set(kWritten + minutes(10));
  auto out = Collect(collector);
  EXPECT_EQ(SourceValue(out, "entra_pta_agent_last_heartbeat_timestamp_seconds",
                        "bootstrap"),
            1.8e9);
  EXPECT_EQ(
      SourceValue(out, "entra_pta_agent_heartbeat_age_seconds", "bootstrap"),
      600);
  EXPECT_EQ(SourceValue(out, "entra_pta_agent_heartbeat_stale", "bootstrap"),
            0);
  clock_.Set(kWritten + minutes(121));
  out = Collect(collector);
  EXPECT_EQ(SourceValue(out, "entra_pta_agent_heartbeat_stale", "bootstrap"),
            1);
  EXPECT_EQ(
      SourceValue(out, "entra_pta_agent_heartbeat_age_seconds", "bootstrap"),
      7260);
  // A newer probe success makes it fresh again.
  signals_.Record("bootstrap", kWritten + minutes(120));
  out = Collect(collector);
  EXPECT_EQ(SourceValue(out, "entra_pta_agent_heartbeat_stale", "bootstrap"),
            0);
  EXPECT_EQ(
      SourceValue(out, "entra_pta_agent_heartbeat_age_seconds", "bootstrap"),
      60);
}

TEST_F(HeartbeatSignalTest, CloudSignalIsItsOwnSource) {
  HeartbeatCollector collector(settings_, clock_, &signals_);
  signals_.Record("cloud", clock_.Now() - minutes(3));
  signals_.Record("bootstrap", clock_.Now() - minutes(130));
  auto out = Collect(collector);
  EXPECT_EQ(SourceValue(out, "entra_pta_agent_heartbeat_age_seconds", "cloud"),
            180);
  EXPECT_EQ(SourceValue(out, "entra_pta_agent_heartbeat_stale", "cloud"), 0);
  EXPECT_EQ(SourceValue(out, "entra_pta_agent_heartbeat_stale", "bootstrap"),
            1);
}

TEST_F(HeartbeatSignalTest, NeverRecordedIsUnknownNotStale) {
  HeartbeatCollector collector(settings_, clock_, &signals_);
  clock_.Advance(minutes(119));
  auto out = Collect(collector);
  EXPECT_EQ(SourceValue(out, "entra_pta_agent_heartbeat_stale", "bootstrap"),
            0);
  EXPECT_EQ(SourceValue(out, "entra_pta_agent_heartbeat_stale", "cloud"), 0);
  EXPECT_EQ(
      SourceValue(out, "entra_pta_agent_heartbeat_age_seconds", "bootstrap"),
      std::nullopt);
  EXPECT_EQ(SourceValue(out, "entra_pta_agent_last_heartbeat_timestamp_seconds",
                        "cloud"),
            std::nullopt);
  // Past the threshold with still nothing recorded: unknown, not stale.
  clock_.Advance(hours(10));
  out = Collect(collector);
  for (const char* source : {"bootstrap", "cloud", "any"}) {
    EXPECT_EQ(SourceValue(out, "entra_pta_agent_heartbeat_stale", source), 0)
        << source;
    EXPECT_EQ(SourceValue(out, "entra_pta_agent_heartbeat_evidence", source), 0)
        << source;
  }
}

// Issue 14 defect 1: the shipped defaults with no tenant.id (nothing
// records "bootstrap") and no trace file must not turn stale after the
// threshold, which paged EntraPTAHeartbeatStale (critical) for nothing.
TEST(HeartbeatDefaultsTest, NoTenantAndNoTraceFileIsNeverStale) {
  const fs::path dir =
      fs::temp_directory_path() / "entra-pta-heartbeat-test-defaults";
  fs::remove_all(dir);
  fs::create_directories(dir);
  HeartbeatSettings settings;  // trace_log and bootstrap on, cloud off
  settings.trace_dir = dir.string();
  testing::FakeClock clock;
  SignOfLifeTimes signals;
  HeartbeatCollector collector(settings, clock, &signals);
  clock.Advance(hours(3));
  std::vector<prometheus::MetricFamily> out;
  ASSERT_TRUE(
      collector.Collect(ScrapeContext{std::chrono::steady_clock::now()}, out)
          .ok());
  fs::remove_all(dir);
  for (const char* source : {"trace_log", "bootstrap", "any"}) {
    EXPECT_EQ(SourceValue(out, "entra_pta_agent_heartbeat_stale", source), 0)
        << source;
    EXPECT_EQ(SourceValue(out, "entra_pta_agent_heartbeat_evidence", source), 0)
        << source;
  }
}

TEST_F(HeartbeatSignalTest, CloudSourceIsOffByDefault) {
  HeartbeatSettings defaults;
  defaults.trace_log_source = false;
  HeartbeatCollector collector(defaults, clock_, &signals_);
  signals_.Record("cloud", clock_.Now());
  auto out = Collect(collector);
  EXPECT_EQ(SourceValue(out, "entra_pta_agent_heartbeat_stale", "cloud"),
            std::nullopt);
  EXPECT_EQ(SourceValue(out, "entra_pta_agent_heartbeat_stale", "bootstrap"),
            0);
}

TEST_F(HeartbeatSignalTest, AnyIsFreshWhileOneSourceIsFresh) {
  HeartbeatCollector collector(settings_, clock_, &signals_);
  signals_.Record("cloud", clock_.Now() - minutes(200));
  signals_.Record("bootstrap", clock_.Now() - minutes(7));
  auto out = Collect(collector);
  EXPECT_EQ(SourceValue(out, "entra_pta_agent_heartbeat_stale", "cloud"), 1);
  EXPECT_EQ(SourceValue(out, "entra_pta_agent_heartbeat_stale", "any"), 0);
  // The newest sign of life of all sources.
  EXPECT_EQ(SourceValue(out, "entra_pta_agent_heartbeat_age_seconds", "any"),
            420);
  clock_.Advance(minutes(114));
  out = Collect(collector);
  EXPECT_EQ(SourceValue(out, "entra_pta_agent_heartbeat_stale", "any"), 1);
  EXPECT_EQ(SourceValue(out, "entra_pta_agent_heartbeat_age_seconds", "any"),
            121 * 60);
}

TEST_F(HeartbeatSignalTest, UnreadableTraceLogLeavesOtherSourcesReported) {
  settings_.trace_log_source = true;
  settings_.trace_dir = "/nonexistent/entra-pta-heartbeat-test";
  HeartbeatCollector collector(settings_, clock_, &signals_);
  signals_.Record("bootstrap", clock_.Now() - minutes(1));
  Status status = Status::Ok();
  auto out = Collect(collector, &status);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("/nonexistent/entra-pta-heartbeat-test"),
            std::string::npos);
  EXPECT_EQ(SourceValue(out, "entra_pta_agent_heartbeat_stale", "trace_log"),
            std::nullopt);
  EXPECT_EQ(SourceValue(out, "entra_pta_agent_heartbeat_stale", "bootstrap"),
            0);
  EXPECT_EQ(SourceValue(out, "entra_pta_agent_heartbeat_stale", "any"), 0);
}

TEST(CombineSourcesTest, Rule) {
  const auto t = kWritten;
  auto obs = [](std::string name, std::optional<system_clock::time_point> last,
                std::optional<bool> stale, double age) {
    return SourceObservation{std::move(name), last, stale, age};
  };
  EXPECT_FALSE(CombineSources({}).has_value());
  // Unreadable sources take no part.
  EXPECT_FALSE(CombineSources({obs("trace_log", std::nullopt, std::nullopt, 0)})
                   .has_value());
  auto all_stale = CombineSources({obs("trace_log", t, true, 9000),
                                   obs("bootstrap", std::nullopt, true, 0)});
  ASSERT_TRUE(all_stale.has_value());
  EXPECT_EQ(all_stale->source, "any");
  EXPECT_EQ(all_stale->stale, true);
  EXPECT_EQ(all_stale->last, t);
  EXPECT_EQ(all_stale->age_seconds, 9000);
  // A source still in its start-up grace (no timestamp, not stale) is no
  // evidence of life: the stale trace log decides.
  auto grace = CombineSources({obs("trace_log", t, true, 9000),
                               obs("bootstrap", std::nullopt, false, 0)});
  ASSERT_TRUE(grace.has_value());
  EXPECT_EQ(grace->stale, true);
  auto grace_only = CombineSources({obs("bootstrap", std::nullopt, false, 0)});
  ASSERT_TRUE(grace_only.has_value());
  EXPECT_EQ(grace_only->stale, false);
  auto one_fresh = CombineSources(
      {obs("trace_log", t, true, 9000), obs("cloud", t + hours(2), false, 1),
       obs("bootstrap", std::nullopt, std::nullopt, 0)});
  ASSERT_TRUE(one_fresh.has_value());
  EXPECT_EQ(one_fresh->stale, false);
  EXPECT_EQ(one_fresh->last, t + hours(2));
  EXPECT_EQ(one_fresh->age_seconds, 1);
  // Only sources without evidence (no trace file, nothing probed): readable,
  // so reported, but unknown: not stale and no age.
  auto no_times = CombineSources({obs("trace_log", std::nullopt, false, 0),
                                  obs("bootstrap", std::nullopt, false, 0)});
  ASSERT_TRUE(no_times.has_value());
  EXPECT_EQ(no_times->stale, false);
  EXPECT_FALSE(no_times->last.has_value());
}

TEST(ParseHeartbeatSettingsTest, Sources) {
  HeartbeatSettings defaults =
      ParseHeartbeatSettings(ConfigSection("f.yml", "collectors.heartbeat"));
  EXPECT_TRUE(defaults.trace_log_source);
  EXPECT_TRUE(defaults.bootstrap_source);
  EXPECT_FALSE(defaults.cloud_source);
  YAML::Node node = YAML::Load(
      "sources:\n  trace_log: false\n  cloud: true\n  bootstrap: false\n");
  HeartbeatSettings set = ParseHeartbeatSettings(
      ConfigSection(node, node.Mark(), "f.yml", "collectors.heartbeat"));
  EXPECT_FALSE(set.trace_log_source);
  EXPECT_TRUE(set.cloud_source);
  EXPECT_FALSE(set.bootstrap_source);
  YAML::Node typo = YAML::Load("sources:\n  clowd: true\n");
  try {
    ParseHeartbeatSettings(
        ConfigSection(typo, typo.Mark(), "f.yml", "collectors.heartbeat"));
    FAIL() << "unknown source accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("collectors.heartbeat.sources.clowd"),
              std::string::npos)
        << e.what();
  }
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
