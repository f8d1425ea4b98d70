// The Windows-service backend: install/uninstall/stop through the SCM API,
// and the SCM dispatcher for `--service run` with the log going to the
// Application Event Log (event_log_sink_windows.h).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <ostream>
#include <thread>
#include <utility>
#include <vector>

#include "exporter/platform/event_log_sink_windows.h"
#include "exporter/platform/win32_windows.h"
#include "exporter/platform/windows_service.h"
// clang-format off
#include <tlhelp32.h>
// clang-format on

namespace entra_pta {
namespace {

using win32::ErrorText;
using win32::Widen;

// The message file every .NET-equipped Windows has (the PTA agent requires
// .NET Framework 4.x): each event ID's message is just "%1", so Event
// Viewer shows our log line as the event's text.
constexpr wchar_t kEventMessageFile[] =
    L"%SystemRoot%\\Microsoft.NET\\Framework64\\v4.0.30319\\EventLogMessages."
    L"dll";
std::wstring EventSourceKey(const std::string& name) {
  return L"SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\" +
         Widen(name);
}

class ScHandle {
 public:
  explicit ScHandle(SC_HANDLE handle) : handle_(handle) {}
  ~ScHandle() {
    if (handle_ != nullptr) CloseServiceHandle(handle_);
  }
  ScHandle(const ScHandle&) = delete;
  ScHandle& operator=(const ScHandle&) = delete;
  ScHandle(ScHandle&& other) noexcept
      : handle_(std::exchange(other.handle_, nullptr)) {}
  ScHandle& operator=(ScHandle&&) = delete;
  SC_HANDLE get() const { return handle_; }

 private:
  SC_HANDLE handle_;
};

struct Runtime {
  const ServiceDefinition* service = nullptr;
  const ServiceBody* body = nullptr;
  SERVICE_STATUS_HANDLE status_handle = nullptr;
  std::atomic<bool> stop_requested{false};
  int exit_code = 0;
};
Runtime* g_runtime = nullptr;

void Report(DWORD state, int exit_code = 0, DWORD wait_hint_ms = 0) {
  SERVICE_STATUS status{};
  status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  status.dwCurrentState = state;
  status.dwControlsAccepted =
      state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN
                               : 0;
  if (exit_code != 0) {
    // A non-zero exit is a failure the SCM's recovery actions act on.
    status.dwWin32ExitCode = ERROR_SERVICE_SPECIFIC_ERROR;
    status.dwServiceSpecificExitCode = static_cast<DWORD>(exit_code);
  }
  status.dwWaitHint = wait_hint_ms;
  // The control handler and the service thread both report.
  static std::atomic<DWORD> checkpoint{0};
  status.dwCheckPoint =
      (state == SERVICE_RUNNING || state == SERVICE_STOPPED) ? 0 : ++checkpoint;
  SetServiceStatus(g_runtime->status_handle, &status);
}

DWORD WINAPI ControlHandler(DWORD control, DWORD, void*, void*) {
  switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
      g_runtime->stop_requested = true;
      Report(SERVICE_STOP_PENDING, 0, 10'000);
      return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE:
      return NO_ERROR;
    default:
      return ERROR_CALL_NOT_IMPLEMENTED;
  }
}

// The SCM's patience while the service starts; each checkpoint renews it.
constexpr DWORD kStartWaitHintMs = 30'000;

void WINAPI ServiceMain(DWORD, wchar_t**) {
  const std::wstring name = Widen(g_runtime->service->name);
  g_runtime->status_handle =
      RegisterServiceCtrlHandlerExW(name.c_str(), ControlHandler, nullptr);
  if (g_runtime->status_handle == nullptr) return;
  Report(SERVICE_START_PENDING, 0, kStartWaitHintMs);
  std::atomic<bool> running{false};
  ServiceControls controls;
  controls.stop_requested = [] { return g_runtime->stop_requested.load(); };
  controls.starting = [&running] {
    if (!running) Report(SERVICE_START_PENDING, 0, kStartWaitHintMs);
  };
  controls.running = [&running] {
    if (!running.exchange(true)) Report(SERVICE_RUNNING);
  };
  int exit_code;
  {
    EventLogSink log(g_runtime->service->name);
    exit_code = (*g_runtime->body)(log.stream(), controls);
    if (!running && exit_code != 0) {
      log.stream() << FailedStartLogLine(exit_code) << std::flush;
    }
  }
  g_runtime->exit_code = exit_code;
  // Last: the SCM (and an installer waiting on it) hears "stopped" only
  // once the body's threads and the Event Log handle are gone.
  Report(SERVICE_STOPPED, exit_code);
}

// Waits for every process other than this one whose image is this
// process' executable file, until `deadline`; false when one still runs.
bool WaitForOtherProcessesOfThisExe(
    std::chrono::steady_clock::time_point deadline) {
  std::wstring own(MAX_PATH, L'\0');
  DWORD own_length =
      GetModuleFileNameW(nullptr, own.data(), static_cast<DWORD>(own.size()));
  own.resize(own_length);
  const std::wstring own_name = own.substr(own.find_last_of(L"\\/") + 1);
  HANDLE snapshot = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
  if (snapshot == INVALID_HANDLE_VALUE) return false;
  std::vector<HANDLE> processes;
  PROCESSENTRY32W entry{};
  entry.dwSize = sizeof entry;
  for (BOOL more = Process32FirstW(snapshot, &entry); more;
       more = Process32NextW(snapshot, &entry)) {
    if (entry.th32ProcessID == GetCurrentProcessId() ||
        _wcsicmp(entry.szExeFile, own_name.c_str()) != 0) {
      continue;
    }
    HANDLE process =
        OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE,
                    entry.th32ProcessID);
    if (process == nullptr) continue;  // ended meanwhile
    std::wstring image(32'768, L'\0');
    DWORD length = static_cast<DWORD>(image.size());
    if (QueryFullProcessImageNameW(process, 0, image.data(), &length) &&
        CompareStringOrdinal(image.c_str(), static_cast<int>(length),
                             own.c_str(), static_cast<int>(own.size()),
                             TRUE) == CSTR_EQUAL) {
      processes.push_back(process);
    } else {
      CloseHandle(process);
    }
  }
  CloseHandle(snapshot);
  bool ended = true;
  for (HANDLE process : processes) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    DWORD wait = static_cast<DWORD>(std::max<long long>(left.count(), 0));
    if (WaitForSingleObject(process, wait) != WAIT_OBJECT_0) ended = false;
    CloseHandle(process);
  }
  return ended;
}

Status SetRegistryValue(HKEY key, const wchar_t* name, DWORD type,
                        const void* data, DWORD size) {
  LSTATUS result =
      RegSetValueExW(key, name, 0, type, static_cast<const BYTE*>(data), size);
  if (result != ERROR_SUCCESS) {
    return Status::Error("cannot register the Event Log source: " +
                         ErrorText(static_cast<DWORD>(result)));
  }
  return Status::Ok();
}

Status RegisterEventLogSource(const std::string& name) {
  HKEY key = nullptr;
  LSTATUS created =
      RegCreateKeyExW(HKEY_LOCAL_MACHINE, EventSourceKey(name).c_str(), 0,
                      nullptr, 0, KEY_SET_VALUE, nullptr, &key, nullptr);
  if (created != ERROR_SUCCESS) {
    return Status::Error("cannot register the Event Log source: " +
                         ErrorText(static_cast<DWORD>(created)));
  }
  Status status = SetRegistryValue(key, L"EventMessageFile", REG_EXPAND_SZ,
                                   kEventMessageFile, sizeof kEventMessageFile);
  DWORD types =
      EVENTLOG_ERROR_TYPE | EVENTLOG_WARNING_TYPE | EVENTLOG_INFORMATION_TYPE;
  if (status.ok()) {
    status = SetRegistryValue(key, L"TypesSupported", REG_DWORD, &types,
                              sizeof types);
  }
  RegCloseKey(key);
  return status;
}

}  // namespace

bool WindowsServiceSupported() { return true; }

Status InstallService(const ServiceDefinition& service,
                      const std::string& executable,
                      const std::vector<std::string>& run_args,
                      std::string* warning) {
  ScHandle manager(OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CREATE_SERVICE));
  if (manager.get() == nullptr) {
    return Status::Error(
        "cannot connect to the Service Control Manager (run as an "
        "administrator): " +
        ErrorText(GetLastError()));
  }
  std::string program = executable;
  if (program.empty()) {
    std::wstring path(MAX_PATH, L'\0');
    DWORD length = 0;
    while ((length = GetModuleFileNameW(nullptr, path.data(),
                                        static_cast<DWORD>(path.size()))) ==
           path.size()) {
      path.resize(path.size() * 2);
    }
    program = win32::Narrow(std::wstring_view(path.data(), length));
  }
  std::vector<std::string> argv = {program, "--service", "run"};
  argv.insert(argv.end(), run_args.begin(), run_args.end());
  const std::wstring command_line = Widen(QuoteCommandLine(argv));
  ScHandle handle(CreateServiceW(
      manager.get(), Widen(service.name).c_str(),
      Widen(service.display_name).c_str(),
      SERVICE_CHANGE_CONFIG | SERVICE_QUERY_CONFIG | DELETE,
      SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START, SERVICE_ERROR_NORMAL,
      command_line.c_str(), nullptr, nullptr, nullptr, nullptr, nullptr));
  if (handle.get() == nullptr) {
    DWORD code = GetLastError();
    if (code == ERROR_SERVICE_EXISTS) {
      return Status::Error("service " + service.name +
                           " is already installed (run --service uninstall "
                           "first)");
    }
    return Status::Error("cannot create service " + service.name + ": " +
                         ErrorText(code));
  }
  std::wstring description = Widen(service.description);
  SERVICE_DESCRIPTIONW description_info{description.data()};
  ChangeServiceConfig2W(handle.get(), SERVICE_CONFIG_DESCRIPTION,
                        &description_info);
  SC_ACTION actions[] = {{SC_ACTION_RESTART, 10'000},
                         {SC_ACTION_RESTART, 30'000},
                         {SC_ACTION_RESTART, 60'000}};
  SERVICE_FAILURE_ACTIONSW failure_actions{};
  failure_actions.dwResetPeriod = 24 * 60 * 60;  // forget failures after 1 day
  failure_actions.cActions = 3;
  failure_actions.lpsaActions = actions;
  SERVICE_FAILURE_ACTIONS_FLAG on_non_crash_failures{TRUE};
  if (!ChangeServiceConfig2W(handle.get(), SERVICE_CONFIG_FAILURE_ACTIONS,
                             &failure_actions) ||
      !ChangeServiceConfig2W(handle.get(), SERVICE_CONFIG_FAILURE_ACTIONS_FLAG,
                             &on_non_crash_failures)) {
    DWORD code = GetLastError();
    if (code == ERROR_INVALID_LEVEL && warning != nullptr) {
      // An SCM without recovery settings (Wine's): the service still works.
      *warning = "this Service Control Manager cannot restart " + service.name +
                 " on failure: " + ErrorText(code);
    } else {
      DeleteService(handle.get());
      return Status::Error("cannot configure restart on failure for " +
                           service.name + ": " + ErrorText(code));
    }
  }
  if (Status registered = RegisterEventLogSource(service.name);
      !registered.ok()) {
    DeleteService(handle.get());
    return registered;
  }
  return Status::Ok();
}

namespace {

// The manager handle stays open as long as the service's: the SCM may
// invalidate a service handle once its manager handle is closed.
struct OpenedService {
  ScHandle manager;
  ScHandle service;
};

StatusOr<OpenedService> OpenInstalledService(const ServiceDefinition& service,
                                             DWORD access) {
  ScHandle manager(OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT));
  if (manager.get() == nullptr) {
    return Status::Error(
        "cannot connect to the Service Control Manager (run as an "
        "administrator): " +
        ErrorText(GetLastError()));
  }
  ScHandle handle(
      OpenServiceW(manager.get(), Widen(service.name).c_str(), access));
  if (handle.get() == nullptr) {
    DWORD code = GetLastError();
    if (code == ERROR_SERVICE_DOES_NOT_EXIST) {
      return Status::Error("service " + service.name + " is not installed");
    }
    return Status::Error("cannot open service " + service.name + ": " +
                         ErrorText(code));
  }
  return OpenedService{std::move(manager), std::move(handle)};
}

}  // namespace

Status StopService(const ServiceDefinition& service,
                   std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  StatusOr<OpenedService> opened =
      OpenInstalledService(service, SERVICE_STOP | SERVICE_QUERY_STATUS);
  if (!opened.ok()) return opened.status();
  const ScHandle& handle = opened->service;
  SERVICE_STATUS status{};
  if (!QueryServiceStatus(handle.get(), &status)) {
    return Status::Error("cannot query service " + service.name + ": " +
                         ErrorText(GetLastError()));
  }
  // Stop pending already (an installer's own StopServices) needs no request.
  if (status.dwCurrentState != SERVICE_STOPPED &&
      status.dwCurrentState != SERVICE_STOP_PENDING &&
      !ControlService(handle.get(), SERVICE_CONTROL_STOP, &status)) {
    DWORD code = GetLastError();
    if (code != ERROR_SERVICE_NOT_ACTIVE) {
      return Status::Error("cannot stop service " + service.name + ": " +
                           ErrorText(code));
    }
  }
  while (status.dwCurrentState != SERVICE_STOPPED) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::Error("service " + service.name + " did not stop in time");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!QueryServiceStatus(handle.get(), &status)) {
      return Status::Error("cannot query service " + service.name + ": " +
                           ErrorText(GetLastError()));
    }
  }
  if (!WaitForOtherProcessesOfThisExe(deadline)) {
    return Status::Error("service " + service.name +
                         " reported stopped but its process did not end in "
                         "time");
  }
  return Status::Ok();
}

Status UninstallService(const ServiceDefinition& service) {
  StatusOr<OpenedService> opened = OpenInstalledService(
      service, SERVICE_STOP | SERVICE_QUERY_STATUS | DELETE);
  if (!opened.ok()) return opened.status();
  const ScHandle& handle = opened->service;
  // Best effort: a service that does not stop is still deleted (the SCM
  // removes it once it stops).
  StopService(service, std::chrono::seconds(30));
  if (!DeleteService(handle.get())) {
    return Status::Error("cannot delete service " + service.name + ": " +
                         ErrorText(GetLastError()));
  }
  RegDeleteTreeW(HKEY_LOCAL_MACHINE, EventSourceKey(service.name).c_str());
  RegDeleteKeyW(HKEY_LOCAL_MACHINE, EventSourceKey(service.name).c_str());
  return Status::Ok();
}

void ReportServiceStopped(int exit_code) {
  if (g_runtime == nullptr || g_runtime->status_handle == nullptr) return;
  Report(SERVICE_STOPPED, exit_code);
}

int RunAsService(const ServiceDefinition& service, const ServiceBody& body) {
  Runtime runtime;
  runtime.service = &service;
  runtime.body = &body;
  g_runtime = &runtime;
  std::wstring name = Widen(service.name);
  SERVICE_TABLE_ENTRYW table[] = {{name.data(), ServiceMain},
                                  {nullptr, nullptr}};
  if (!StartServiceCtrlDispatcherW(table)) {
    g_runtime = nullptr;
    return 1;
  }
  g_runtime = nullptr;
  return runtime.exit_code;
}

}  // namespace entra_pta
