// The Windows-service wrapper against the real SCM (Windows or Wine):
// install a stand-in exporter (tests/windows/test_exporter_service.cc),
// check its registration, start and stop it through the SCM, and
// uninstall it.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "exporter/platform/win32_windows.h"
#include "exporter/platform/windows_service.h"
// clang-format off
#include <shellapi.h>
// clang-format on

namespace entra_pta {
namespace {

namespace fs = std::filesystem;

fs::path ExeDirectory() {
  wchar_t path[MAX_PATH];
  GetModuleFileNameW(nullptr, path, MAX_PATH);
  return fs::path(path).parent_path();
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(QuoteCommandLineTest, RoundTripsThroughCommandLineToArgvW) {
  const std::vector<std::string> args = {
      "C:\\Program Files\\x\\entra_pta_exporter.exe",
      "--config.file=C:\\a b\\c.yml",
      "plain",
      "",
      "quote\"inside",
      "trailing\\",
      "trailing space\\",
      "back\\\\\"slash"};
  std::wstring line = win32::Widen(QuoteCommandLine(args));
  int count = 0;
  wchar_t** parsed = CommandLineToArgvW(line.c_str(), &count);
  ASSERT_NE(parsed, nullptr);
  std::vector<std::string> back;
  for (int i = 0; i < count; ++i) back.push_back(win32::Narrow(parsed[i]));
  LocalFree(parsed);
  EXPECT_EQ(back, args);
}

class WindowsServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    service_.name =
        "EntraPtaExporterTest" + std::to_string(GetCurrentProcessId());
    service_.display_name = "Entra PTA Exporter (test)";
    marker_ = fs::temp_directory_path() / (service_.name + ".marker");
    fs::remove(marker_);
    executable_ = win32::Narrow(
        (ExeDirectory() / "entra_pta_test_exporter_service.exe").wstring());
    manager_ = OpenSCManagerW(nullptr, nullptr, SC_MANAGER_ALL_ACCESS);
    ASSERT_NE(manager_, nullptr);
  }
  void TearDown() override {
    UninstallService(service_);
    CloseServiceHandle(manager_);
    fs::remove(marker_);
  }

  SC_HANDLE Open() {
    return OpenServiceW(manager_, win32::Widen(service_.name).c_str(),
                        SERVICE_ALL_ACCESS);
  }

  bool WaitForState(SC_HANDLE service, DWORD state, SERVICE_STATUS& status) {
    for (int i = 0; i < 500; ++i) {
      if (QueryServiceStatus(service, &status) &&
          status.dwCurrentState == state) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  std::vector<std::string> RunArgs(int exit_code = 0, bool abandon = false,
                                   std::vector<std::string> more = {}) {
    std::vector<std::string> args = {
        "--name=" + service_.name,
        "--marker=" + win32::Narrow(marker_.wstring()),
        "--exit=" + std::to_string(exit_code)};
    if (abandon) args.push_back("--abandon");
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }

  // Every state the SCM reports from now until `last` (or 10 s), sampled
  // every 10 ms; the final status in `status`.
  std::vector<SERVICE_STATUS> StatesUntil(SC_HANDLE service, DWORD last,
                                          SERVICE_STATUS& status) {
    std::vector<SERVICE_STATUS> seen;
    for (int i = 0; i < 1000; ++i) {
      if (!QueryServiceStatus(service, &status)) break;
      seen.push_back(status);
      if (status.dwCurrentState == last) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return seen;
  }

  ServiceDefinition service_;
  fs::path marker_;
  std::string executable_;
  SC_HANDLE manager_ = nullptr;
};

TEST_F(WindowsServiceTest, InstallRegistersAutoStartRestartAndEventSource) {
  std::string warning;
  Status installed = InstallService(service_, executable_, RunArgs(), &warning);
  ASSERT_TRUE(installed.ok()) << installed.message();
  Status again = InstallService(service_, executable_, RunArgs());
  EXPECT_FALSE(again.ok());
  EXPECT_NE(again.message().find("already installed"), std::string::npos);

  SC_HANDLE service = Open();
  ASSERT_NE(service, nullptr);
  std::vector<BYTE> buffer(8192);
  DWORD needed = 0;
  auto* config = reinterpret_cast<QUERY_SERVICE_CONFIGW*>(buffer.data());
  ASSERT_TRUE(QueryServiceConfigW(service, config,
                                  static_cast<DWORD>(buffer.size()), &needed));
  std::vector<std::string> expected_argv = {executable_, "--service", "run"};
  for (const auto& arg : RunArgs()) expected_argv.push_back(arg);
  EXPECT_EQ(win32::Narrow(config->lpBinaryPathName),
            QuoteCommandLine(expected_argv));
  EXPECT_EQ(config->dwStartType, static_cast<DWORD>(SERVICE_AUTO_START));
  EXPECT_EQ(win32::Narrow(config->lpDisplayName), "Entra PTA Exporter (test)");

  std::vector<BYTE> actions_buffer(8192);
  if (QueryServiceConfig2W(
          service, SERVICE_CONFIG_FAILURE_ACTIONS, actions_buffer.data(),
          static_cast<DWORD>(actions_buffer.size()), &needed)) {
    EXPECT_EQ(warning, "");
    auto* actions =
        reinterpret_cast<SERVICE_FAILURE_ACTIONSW*>(actions_buffer.data());
    ASSERT_EQ(actions->cActions, 3u);
    EXPECT_EQ(actions->lpsaActions[0].Type, SC_ACTION_RESTART);
    EXPECT_EQ(actions->lpsaActions[0].Delay, 10'000u);
    EXPECT_EQ(actions->lpsaActions[2].Delay, 60'000u);
    EXPECT_EQ(actions->dwResetPeriod, 86'400u);
  } else {
    // Wine's SCM has no recovery settings: installing says so instead.
    EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_LEVEL));
    EXPECT_NE(warning.find("cannot restart"), std::string::npos) << warning;
  }
  CloseServiceHandle(service);

  HKEY key = nullptr;
  std::wstring source_key =
      L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\" +
      win32::Widen(service_.name);
  ASSERT_EQ(
      RegOpenKeyExW(HKEY_LOCAL_MACHINE, source_key.c_str(), 0, KEY_READ, &key),
      ERROR_SUCCESS);
  RegCloseKey(key);

  Status removed = UninstallService(service_);
  ASSERT_TRUE(removed.ok()) << removed.message();
  EXPECT_EQ(Open(), nullptr);
  EXPECT_NE(
      RegOpenKeyExW(HKEY_LOCAL_MACHINE, source_key.c_str(), 0, KEY_READ, &key),
      ERROR_SUCCESS);
  Status removed_again = UninstallService(service_);
  EXPECT_FALSE(removed_again.ok());
  EXPECT_NE(removed_again.message().find("is not installed"),
            std::string::npos);
}

TEST_F(WindowsServiceTest, StartedAndStoppedByTheScm) {
  std::string warning;
  ASSERT_TRUE(InstallService(service_, executable_, RunArgs(), &warning).ok());
  SC_HANDLE service = Open();
  ASSERT_NE(service, nullptr);
  ASSERT_TRUE(StartServiceW(service, 0, nullptr))
      << win32::ErrorText(GetLastError());
  SERVICE_STATUS status{};
  ASSERT_TRUE(WaitForState(service, SERVICE_RUNNING, status));
  ASSERT_TRUE(ControlService(service, SERVICE_CONTROL_STOP, &status));
  ASSERT_TRUE(WaitForState(service, SERVICE_STOPPED, status));
  EXPECT_EQ(status.dwWin32ExitCode, static_cast<DWORD>(NO_ERROR));
  EXPECT_EQ(ReadFile(marker_), "started\nstopped\n");
  CloseServiceHandle(service);
}

TEST_F(WindowsServiceTest, AnAbandonedStopIsStillReportedAsStopped) {
  // The exporter's path when a collector is stuck at shutdown: it reports
  // "stopped" itself, then ends the process without returning.
  std::string warning;
  ASSERT_TRUE(
      InstallService(service_, executable_, RunArgs(0, true), &warning).ok());
  SC_HANDLE service = Open();
  ASSERT_NE(service, nullptr);
  ASSERT_TRUE(StartServiceW(service, 0, nullptr))
      << win32::ErrorText(GetLastError());
  SERVICE_STATUS status{};
  ASSERT_TRUE(WaitForState(service, SERVICE_RUNNING, status));
  ASSERT_TRUE(ControlService(service, SERVICE_CONTROL_STOP, &status));
  ASSERT_TRUE(WaitForState(service, SERVICE_STOPPED, status));
  EXPECT_EQ(status.dwWin32ExitCode, static_cast<DWORD>(NO_ERROR));
  EXPECT_EQ(ReadFile(marker_), "started\nstopped\n");
  CloseServiceHandle(service);
}

TEST_F(WindowsServiceTest, NonZeroExitIsReportedAsAServiceSpecificError) {
  std::string warning;
  ASSERT_TRUE(InstallService(service_, executable_, RunArgs(2), &warning).ok());
  SC_HANDLE service = Open();
  ASSERT_NE(service, nullptr);
  // Keep the SCM from restarting it during the test.
  SERVICE_FAILURE_ACTIONSW none{};
  ChangeServiceConfig2W(service, SERVICE_CONFIG_FAILURE_ACTIONS, &none);
  ASSERT_TRUE(StartServiceW(service, 0, nullptr));
  SERVICE_STATUS_PROCESS status{};
  bool stopped = false;
  for (int i = 0; i < 500 && !stopped; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    DWORD needed = 0;
    stopped = QueryServiceStatusEx(service, SC_STATUS_PROCESS_INFO,
                                   reinterpret_cast<BYTE*>(&status),
                                   sizeof status, &needed) &&
              status.dwCurrentState == SERVICE_STOPPED &&
              ReadFile(marker_) == "started\nstopped\n";
  }
  ASSERT_TRUE(stopped);
  EXPECT_EQ(status.dwWin32ExitCode,
            static_cast<DWORD>(ERROR_SERVICE_SPECIFIC_ERROR));
  EXPECT_EQ(status.dwServiceSpecificExitCode, 2u);
  CloseServiceHandle(service);
}

// Issue 17: the SCM (and an MSI waiting for the start) sees START_PENDING
// while the body reads its configuration, with a wait hint and a new
// checkpoint per step, and RUNNING only once the body says so.
TEST_F(WindowsServiceTest, StartPendingUntilTheBodyRuns) {
  std::string warning;
  ASSERT_TRUE(InstallService(service_, executable_,
                             RunArgs(0, false, {"--start-ms=1200"}), &warning)
                  .ok());
  SC_HANDLE service = Open();
  ASSERT_NE(service, nullptr);
  ASSERT_TRUE(StartServiceW(service, 0, nullptr))
      << win32::ErrorText(GetLastError());
  SERVICE_STATUS status{};
  std::vector<SERVICE_STATUS> seen =
      StatesUntil(service, SERVICE_RUNNING, status);
  ASSERT_EQ(status.dwCurrentState, static_cast<DWORD>(SERVICE_RUNNING));
  DWORD pending = 0;
  DWORD highest_checkpoint = 0;
  for (const SERVICE_STATUS& s : seen) {
    if (s.dwCurrentState != SERVICE_START_PENDING) continue;
    ++pending;
    highest_checkpoint = std::max(highest_checkpoint, s.dwCheckPoint);
    EXPECT_GE(s.dwWaitHint, 10'000u);
  }
  // 1.2 s of startup sampled every 10 ms; the SCM may say START_PENDING
  // itself for the first moments, so only most of it is counted.
  EXPECT_GE(pending, 20u);
  EXPECT_GE(highest_checkpoint, 2u);
  ASSERT_TRUE(ControlService(service, SERVICE_CONTROL_STOP, &status));
  ASSERT_TRUE(WaitForState(service, SERVICE_STOPPED, status));
  EXPECT_EQ(ReadFile(marker_), "started\nstopped\n");
  CloseServiceHandle(service);
}

// Issue 17: a body that returns before it runs (a configuration error) is
// a failed start: never RUNNING, STOPPED with its exit status as the
// service-specific exit code.
TEST_F(WindowsServiceTest, AFailedStartIsNeverReportedRunning) {
  std::string warning;
  ASSERT_TRUE(
      InstallService(service_, executable_,
                     RunArgs(2, false, {"--start-ms=600", "--fail-start"}),
                     &warning)
          .ok());
  SC_HANDLE service = Open();
  ASSERT_NE(service, nullptr);
  SERVICE_FAILURE_ACTIONSW none{};
  ChangeServiceConfig2W(service, SERVICE_CONFIG_FAILURE_ACTIONS, &none);
  ASSERT_TRUE(StartServiceW(service, 0, nullptr));
  SERVICE_STATUS status{};
  std::vector<SERVICE_STATUS> seen =
      StatesUntil(service, SERVICE_STOPPED, status);
  ASSERT_EQ(status.dwCurrentState, static_cast<DWORD>(SERVICE_STOPPED));
  EXPECT_EQ(std::count_if(seen.begin(), seen.end(),
                          [](const SERVICE_STATUS& s) {
                            return s.dwCurrentState == SERVICE_RUNNING;
                          }),
            0);
  EXPECT_EQ(status.dwWin32ExitCode,
            static_cast<DWORD>(ERROR_SERVICE_SPECIFIC_ERROR));
  EXPECT_EQ(status.dwServiceSpecificExitCode, 2u);
  EXPECT_EQ(ReadFile(marker_), "failed to start\n");
  CloseServiceHandle(service);
}

// Issue 17: `--service stop` returns only once the SCM says stopped and
// no other process runs the caller's executable; with nothing running it
// is done at once.
TEST_F(WindowsServiceTest, StopServiceWaitsForTheStop) {
  std::string warning;
  ASSERT_TRUE(InstallService(service_, executable_, RunArgs(), &warning).ok());
  SC_HANDLE service = Open();
  ASSERT_NE(service, nullptr);
  Status idle = StopService(service_, std::chrono::seconds(5));
  EXPECT_TRUE(idle.ok()) << idle.message();
  ASSERT_TRUE(StartServiceW(service, 0, nullptr));
  SERVICE_STATUS status{};
  ASSERT_TRUE(WaitForState(service, SERVICE_RUNNING, status));
  Status stopped = StopService(service_, std::chrono::seconds(30));
  ASSERT_TRUE(stopped.ok()) << stopped.message();
  ASSERT_TRUE(QueryServiceStatus(service, &status));
  EXPECT_EQ(status.dwCurrentState, static_cast<DWORD>(SERVICE_STOPPED));
  EXPECT_EQ(ReadFile(marker_), "started\nstopped\n");
  CloseServiceHandle(service);
  ServiceDefinition missing = service_;
  missing.name += "Missing";
  Status absent = StopService(missing, std::chrono::seconds(1));
  EXPECT_FALSE(absent.ok());
  EXPECT_NE(absent.message().find("is not installed"), std::string::npos);
}

// Issue 17: the regression's shape. The service's process ends 1.5 s after
// it reported stopped; `--service stop`, run from the same exe as an MSI
// runs it, returns only after that process has ended (its image could not
// be deleted before).
TEST_F(WindowsServiceTest, StopWaitsForTheProcessNotJustTheState) {
  std::string warning;
  ASSERT_TRUE(InstallService(service_, executable_,
                             RunArgs(0, false, {"--linger-ms=1500"}), &warning)
                  .ok());
  SC_HANDLE service = Open();
  ASSERT_NE(service, nullptr);
  ASSERT_TRUE(StartServiceW(service, 0, nullptr));
  SERVICE_STATUS plain{};
  ASSERT_TRUE(WaitForState(service, SERVICE_RUNNING, plain));
  SERVICE_STATUS_PROCESS running{};
  DWORD needed = 0;
  ASSERT_TRUE(QueryServiceStatusEx(service, SC_STATUS_PROCESS_INFO,
                                   reinterpret_cast<BYTE*>(&running),
                                   sizeof running, &needed));
  HANDLE process = OpenProcess(SYNCHRONIZE, FALSE, running.dwProcessId);
  ASSERT_NE(process, nullptr);

  std::wstring command = win32::Widen(QuoteCommandLine(
      {executable_, "--service", "stop", "--name=" + service_.name}));
  STARTUPINFOW startup{};
  startup.cb = sizeof startup;
  PROCESS_INFORMATION stopper{};
  ASSERT_TRUE(CreateProcessW(nullptr, command.data(), nullptr, nullptr, FALSE,
                             0, nullptr, nullptr, &startup, &stopper));
  ASSERT_EQ(WaitForSingleObject(stopper.hProcess, 60'000),
            static_cast<DWORD>(WAIT_OBJECT_0));
  DWORD stop_exit = 99;
  GetExitCodeProcess(stopper.hProcess, &stop_exit);
  CloseHandle(stopper.hThread);
  CloseHandle(stopper.hProcess);
  EXPECT_EQ(stop_exit, 0u);
  EXPECT_EQ(WaitForSingleObject(process, 0), static_cast<DWORD>(WAIT_OBJECT_0))
      << "the service's process still runs after --service stop returned";
  WaitForSingleObject(process, 10'000);
  CloseHandle(process);
  CloseServiceHandle(service);
}

}  // namespace
}  // namespace entra_pta
