#include "collectors/service/service_collector.h"

#include <gtest/gtest.h>

#include "collectors/service/testing/fake_service_control.h"
#include "exporter/testing/metric_lookup.h"

namespace entra_pta::service {
namespace {

using entra_pta::testing::FindSample;
using entra_pta::testing::SampleCount;

TEST(ServiceStatusTest, MapsWin32Values) {
  EXPECT_EQ(ServiceStateFromWin32(1), ServiceState::kStopped);
  EXPECT_EQ(ServiceStateFromWin32(4), ServiceState::kRunning);
  EXPECT_EQ(ServiceStateFromWin32(7), ServiceState::kPaused);
  EXPECT_EQ(ServiceStateFromWin32(0), std::nullopt);
  EXPECT_EQ(ServiceStateFromWin32(8), std::nullopt);
  EXPECT_EQ(StartModeFromWin32(2, false), StartMode::kAuto);
  EXPECT_EQ(StartModeFromWin32(2, true), StartMode::kDelayedAuto);
  EXPECT_EQ(StartModeFromWin32(3, true), StartMode::kManual);
  EXPECT_EQ(StartModeFromWin32(4, false), StartMode::kDisabled);
  EXPECT_EQ(StartModeFromWin32(0, false), StartMode::kBoot);
  EXPECT_EQ(StartModeFromWin32(5, false), std::nullopt);
  EXPECT_EQ(ServiceStateName(ServiceState::kStartPending), "start_pending");
  EXPECT_EQ(StartModeName(StartMode::kDelayedAuto), "delayed_auto");
  EXPECT_EQ(AllServiceStates().size(), 7u);
  EXPECT_EQ(AllStartModes().size(), 6u);
}

TEST(ServiceSettingsTest, DefaultsAndList) {
  auto defaults =
      ParseServiceSettings(ConfigSection("t.yml", "collectors.service"));
  EXPECT_EQ(defaults.services,
            (std::vector<std::string>{"AzureADConnectAuthenticationAgent",
                                      "AzureADConnectAgentUpdater", "ADSync"}));
  auto root = ParseConfigRoot("services: [A, B]\n", "t.yml");
  EXPECT_EQ(ParseServiceSettings(root).services,
            (std::vector<std::string>{"A", "B"}));
  auto bad = ParseConfigRoot("services: [A, A]\n", "t.yml");
  try {
    ParseServiceSettings(bad);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "t.yml:1:15: services: \"A\" is listed twice");
  }
  EXPECT_THROW(ParseServiceSettings(ParseConfigRoot("services: A\n", "t.yml")),
               ConfigError);
  EXPECT_THROW(ParseServiceSettings(ParseConfigRoot("services: []\n", "t.yml")),
               ConfigError);
}

class ServiceCollectorTest : public ::testing::Test {
 protected:
  std::vector<prometheus::MetricFamily> Collect(bool supported = true) {
    auto fake = std::make_unique<testing::FakeServiceControl>();
    *fake = fake_;
    ServiceCollector collector(settings_, std::move(fake), supported);
    std::vector<prometheus::MetricFamily> out;
    status_ = collector.Collect(ScrapeContext{}, out);
    return out;
  }
  ServiceSettings settings_;
  testing::FakeServiceControl fake_;
  Status status_ = Status::Ok();
};

TEST_F(ServiceCollectorTest, RunningServiceHasOneCurrentStateAndMode) {
  ServiceStatus agent;
  agent.state = ServiceState::kRunning;
  agent.start_mode = StartMode::kDelayedAuto;
  agent.display_name = "Microsoft Azure AD Connect Authentication Agent";
  agent.run_as = "NT AUTHORITY\\NetworkService";
  agent.process_id = 4242;
  agent.process_start_time_seconds = 1'800'000'000;
  agent.process_memory_bytes = 123'456'789;
  fake_.services["AzureADConnectAuthenticationAgent"] = agent;
  auto out = Collect();
  ASSERT_TRUE(status_.ok()) << status_.message();
  const std::string kAgent = "AzureADConnectAuthenticationAgent";
  EXPECT_EQ(FindSample(out, "entra_pta_service_os_supported"), 1);
  EXPECT_EQ(
      FindSample(out, "entra_pta_service_installed", {{"service", kAgent}}), 1);
  EXPECT_EQ(FindSample(out, "entra_pta_service_state",
                       {{"service", kAgent}, {"state", "running"}}),
            1);
  EXPECT_EQ(FindSample(out, "entra_pta_service_state",
                       {{"service", kAgent}, {"state", "stopped"}}),
            0);
  EXPECT_EQ(SampleCount(out, "entra_pta_service_state"), 7u);
  EXPECT_EQ(FindSample(out, "entra_pta_service_start_mode",
                       {{"service", kAgent}, {"start_mode", "delayed_auto"}}),
            1);
  EXPECT_EQ(FindSample(out, "entra_pta_service_start_mode",
                       {{"service", kAgent}, {"start_mode", "auto"}}),
            0);
  EXPECT_EQ(FindSample(out, "entra_pta_service_info",
                       {{"service", kAgent},
                        {"display_name",
                         "Microsoft Azure AD Connect Authentication Agent"},
                        {"run_as", "NT AUTHORITY\\NetworkService"}}),
            1);
  EXPECT_EQ(FindSample(out, "entra_pta_service_process_start_time_seconds",
                       {{"service", kAgent}}),
            1'800'000'000);
  EXPECT_EQ(FindSample(out, "entra_pta_service_process_memory_bytes",
                       {{"service", kAgent}}),
            123'456'789);
  // The updater is not installed: a value, not a failure.
  EXPECT_EQ(FindSample(out, "entra_pta_service_installed",
                       {{"service", "AzureADConnectAgentUpdater"}}),
            0);
  EXPECT_EQ(FindSample(out, "entra_pta_service_state",
                       {{"service", "AzureADConnectAgentUpdater"}}),
            std::nullopt);
}

TEST_F(ServiceCollectorTest, StoppedServiceHasNoProcessMetrics) {
  ServiceStatus stopped;
  stopped.state = ServiceState::kStopped;
  stopped.start_mode = StartMode::kDisabled;
  fake_.services["AzureADConnectAgentUpdater"] = stopped;
  auto out = Collect();
  EXPECT_TRUE(status_.ok());
  EXPECT_EQ(FindSample(out, "entra_pta_service_state",
                       {{"service", "AzureADConnectAgentUpdater"},
                        {"state", "stopped"}}),
            1);
  EXPECT_EQ(SampleCount(out, "entra_pta_service_process_memory_bytes"), 0u);
}

// Entra Connect Sync's engine runs on few agent servers: by default its
// service is watched, and its absence is a value, not a failure.
TEST_F(ServiceCollectorTest, AbsentSyncEngineIsInstalledZeroNotAnError) {
  ServiceStatus running;
  running.state = ServiceState::kRunning;
  running.start_mode = StartMode::kAuto;
  fake_.services["AzureADConnectAuthenticationAgent"] = running;
  fake_.services["AzureADConnectAgentUpdater"] = running;
  auto out = Collect();
  ASSERT_TRUE(status_.ok()) << status_.message();
  EXPECT_EQ(
      FindSample(out, "entra_pta_service_installed", {{"service", "ADSync"}}),
      0);
  EXPECT_EQ(FindSample(out, "entra_pta_service_state",
                       {{"service", "ADSync"}, {"state", "running"}}),
            std::nullopt);
  EXPECT_EQ(SampleCount(out, "entra_pta_service_installed"), 3u);
}

TEST_F(ServiceCollectorTest, InstalledSyncEngineReportsItsState) {
  ServiceStatus sync;
  sync.state = ServiceState::kStopped;
  sync.start_mode = StartMode::kDelayedAuto;
  sync.display_name = "Microsoft Azure AD Sync";
  sync.run_as = "NT SERVICE\\ADSync";
  fake_.services["ADSync"] = sync;
  auto out = Collect();
  ASSERT_TRUE(status_.ok()) << status_.message();
  EXPECT_EQ(
      FindSample(out, "entra_pta_service_installed", {{"service", "ADSync"}}),
      1);
  EXPECT_EQ(FindSample(out, "entra_pta_service_state",
                       {{"service", "ADSync"}, {"state", "stopped"}}),
            1);
  EXPECT_EQ(FindSample(out, "entra_pta_service_state",
                       {{"service", "ADSync"}, {"state", "running"}}),
            0);
  EXPECT_EQ(FindSample(out, "entra_pta_service_start_mode",
                       {{"service", "ADSync"}, {"start_mode", "delayed_auto"}}),
            1);
}

TEST_F(ServiceCollectorTest, ScmFailureIsAStatusNotAThrow) {
  fake_.failure = Status::Error("OpenSCManager failed: access denied (5)");
  auto out = Collect();
  EXPECT_FALSE(status_.ok());
  EXPECT_EQ(status_.message(), "OpenSCManager failed: access denied (5)");
}

TEST_F(ServiceCollectorTest, UnsupportedOsSaysSoInAMetricAndTheStatus) {
  auto out = Collect(/*supported=*/false);
  EXPECT_EQ(FindSample(out, "entra_pta_service_os_supported"), 0);
  EXPECT_FALSE(status_.ok());
  EXPECT_NE(status_.message().find("unsupported on this OS"),
            std::string::npos);
  EXPECT_EQ(fake_.queries, 0);
}

TEST(ServiceBackendTest, ThisBuildsBackendMatchesItsSupportFlag) {
  auto control = MakeSystemServiceControl();
  std::vector<ServiceStatus> out;
  Status status = control->Query({"AzureADConnectAuthenticationAgent"}, out);
  if (!ServiceControlSupported()) {
    EXPECT_FALSE(status.ok());
    EXPECT_NE(status.message().find("unsupported on this OS"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace entra_pta::service
