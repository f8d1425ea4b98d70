// The SCM backend against a real service: the test installs
// entra_pta_test_service.exe (built next to this test) under a unique name,
// starts, reconfigures, stops and deletes it, and checks what the backend
// reports at each step. Runs on Windows and under Wine.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "collectors/service/service_collector.h"
#include "collectors/service/service_control.h"
#include "exporter/platform/win32_windows.h"
#include "exporter/testing/metric_lookup.h"

namespace entra_pta::service {
namespace {

std::wstring ExeDirectory() {
  wchar_t path[MAX_PATH];
  DWORD length = GetModuleFileNameW(nullptr, path, MAX_PATH);
  std::wstring full(path, length);
  return full.substr(0, full.find_last_of(L"\\/"));
}

double NowUnixSeconds() {
  return std::chrono::duration<double>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class ServiceControlWindowsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    name_ = "EntraPtaTestSvc" + std::to_string(GetCurrentProcessId());
    manager_ = OpenSCManagerW(nullptr, nullptr, SC_MANAGER_ALL_ACCESS);
    ASSERT_NE(manager_, nullptr) << win32::ErrorText(GetLastError());
    std::wstring binary =
        L"\"" + ExeDirectory() + L"\\entra_pta_test_service.exe\"";
    service_ = CreateServiceW(manager_, win32::Widen(name_).c_str(),
                              L"Entra PTA Test Service", SERVICE_ALL_ACCESS,
                              SERVICE_WIN32_OWN_PROCESS, SERVICE_DEMAND_START,
                              SERVICE_ERROR_NORMAL, binary.c_str(), nullptr,
                              nullptr, nullptr, nullptr, nullptr);
    ASSERT_NE(service_, nullptr) << win32::ErrorText(GetLastError());
  }

  void TearDown() override {
    if (service_ != nullptr) {
      SERVICE_STATUS status;
      ControlService(service_, SERVICE_CONTROL_STOP, &status);
      WaitForState(SERVICE_STOPPED);
      DeleteService(service_);
      CloseServiceHandle(service_);
    }
    if (manager_ != nullptr) CloseServiceHandle(manager_);
  }

  // Polls the SCM until the service reaches `state` (or 10 s pass).
  bool WaitForState(DWORD state) {
    for (int i = 0; i < 500; ++i) {
      SERVICE_STATUS status;
      if (QueryServiceStatus(service_, &status) &&
          status.dwCurrentState == state) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  ServiceStatus QueryBackend(const std::string& name) {
    std::vector<ServiceStatus> out;
    Status status = control_->Query({name}, out);
    EXPECT_TRUE(status.ok()) << status.message();
    EXPECT_EQ(out.size(), 1u);
    return out.empty() ? ServiceStatus{} : out[0];
  }

  std::string name_;
  SC_HANDLE manager_ = nullptr;
  SC_HANDLE service_ = nullptr;
  std::unique_ptr<ServiceControl> control_ = MakeSystemServiceControl();
};

TEST_F(ServiceControlWindowsTest, BackendIsSupported) {
  EXPECT_TRUE(ServiceControlSupported());
}

TEST_F(ServiceControlWindowsTest, NotInstalledIsAValueNotAnError) {
  ServiceStatus status = QueryBackend("EntraPtaNoSuchService");
  EXPECT_EQ(status.name, "EntraPtaNoSuchService");
  EXPECT_FALSE(status.installed);
}

// The default list includes Entra Connect Sync's ADSync, which most agent
// servers (and this test's host) do not have: installed 0, no failure.
TEST_F(ServiceControlWindowsTest, DefaultsWithoutTheSyncEngineAreNoFailure) {
  ServiceCollector collector(ServiceSettings(), MakeSystemServiceControl(),
                             /*supported=*/true);
  std::vector<prometheus::MetricFamily> out;
  Status status = collector.Collect(ScrapeContext{}, out);
  EXPECT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(entra_pta::testing::FindSample(out, "entra_pta_service_installed",
                                           {{"service", "ADSync"}}),
            0);
  EXPECT_EQ(entra_pta::testing::FindSample(out, "entra_pta_service_state",
                                           {{"service", "ADSync"}}),
            std::nullopt);
}

TEST_F(ServiceControlWindowsTest, StoppedRunningStoppedDeleted) {
  ServiceStatus stopped = QueryBackend(name_);
  EXPECT_TRUE(stopped.installed);
  EXPECT_EQ(stopped.state, ServiceState::kStopped);
  EXPECT_EQ(stopped.start_mode, StartMode::kManual);
  EXPECT_EQ(stopped.display_name, "Entra PTA Test Service");
  EXPECT_EQ(stopped.run_as, "LocalSystem");
  EXPECT_EQ(stopped.process_id, 0u);
  EXPECT_FALSE(stopped.process_start_time_seconds);

  const double before = NowUnixSeconds();
  ASSERT_TRUE(StartServiceW(service_, 0, nullptr))
      << win32::ErrorText(GetLastError());
  ASSERT_TRUE(WaitForState(SERVICE_RUNNING));
  ServiceStatus running = QueryBackend(name_);
  EXPECT_EQ(running.state, ServiceState::kRunning);
  EXPECT_NE(running.process_id, 0u);
  ASSERT_TRUE(running.process_start_time_seconds);
  EXPECT_GE(*running.process_start_time_seconds, before - 5);
  EXPECT_LE(*running.process_start_time_seconds, NowUnixSeconds() + 5);
  ASSERT_TRUE(running.process_memory_bytes);
  EXPECT_GT(*running.process_memory_bytes, 0);

  SERVICE_STATUS status;
  ASSERT_TRUE(ControlService(service_, SERVICE_CONTROL_STOP, &status));
  ASSERT_TRUE(WaitForState(SERVICE_STOPPED));
  ServiceStatus stopped_again = QueryBackend(name_);
  EXPECT_EQ(stopped_again.state, ServiceState::kStopped);
  EXPECT_FALSE(stopped_again.process_memory_bytes);

  ASSERT_TRUE(DeleteService(service_));
  CloseServiceHandle(service_);
  service_ = nullptr;
  EXPECT_FALSE(QueryBackend(name_).installed);
}

TEST_F(ServiceControlWindowsTest, StartModes) {
  auto set_start = [&](DWORD start_type) {
    ASSERT_TRUE(ChangeServiceConfigW(
        service_, SERVICE_NO_CHANGE, start_type, SERVICE_NO_CHANGE, nullptr,
        nullptr, nullptr, nullptr, nullptr, nullptr, nullptr))
        << win32::ErrorText(GetLastError());
  };
  set_start(SERVICE_DISABLED);
  EXPECT_EQ(QueryBackend(name_).start_mode, StartMode::kDisabled);
  set_start(SERVICE_AUTO_START);
  EXPECT_EQ(QueryBackend(name_).start_mode, StartMode::kAuto);
  SERVICE_DELAYED_AUTO_START_INFO delayed{TRUE};
  if (ChangeServiceConfig2W(service_, SERVICE_CONFIG_DELAYED_AUTO_START_INFO,
                            &delayed)) {
    EXPECT_EQ(QueryBackend(name_).start_mode, StartMode::kDelayedAuto);
  } else {
    GTEST_LOG_(INFO) << "this SCM cannot set delayed auto start: "
                     << win32::ErrorText(GetLastError());
  }
}

}  // namespace
}  // namespace entra_pta::service
