// The Windows-service wrapper against the real SCM (Windows or Wine):
// install a stand-in exporter (tests/windows/test_exporter_service.cc),
// check its registration, start and stop it through the SCM, and
// uninstall it.
#include <gtest/gtest.h>

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

  std::vector<std::string> RunArgs(int exit_code = 0, bool abandon = false) {
    std::vector<std::string> args = {
        "--name=" + service_.name,
        "--marker=" + win32::Narrow(marker_.wstring()),
        "--exit=" + std::to_string(exit_code)};
    if (abandon) args.push_back("--abandon");
    return args;
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

}  // namespace
}  // namespace entra_pta
