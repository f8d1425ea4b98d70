// The body of the test services: a Windows service that reports running
// until the SCM asks it to stop (or the system shuts down). Shared by the
// service backend's test service (test_service.cc) and the Wine end-to-end
// test's PTA agent stand-in (e2e/agent_standin.cc). Test artefact only.
// One service per process; the SCM's control handler runs on the
// dispatcher's thread and only sets an event.
#ifndef ENTRA_PTA_TESTS_WINDOWS_STOP_ON_REQUEST_SERVICE_H_
#define ENTRA_PTA_TESTS_WINDOWS_STOP_ON_REQUEST_SERVICE_H_

#include <windows.h>

namespace entra_pta::testing {

inline SERVICE_STATUS_HANDLE g_service_status_handle = nullptr;
inline HANDLE g_service_stop_event = nullptr;

inline void ReportServiceState(DWORD state) {
  SERVICE_STATUS status{};
  status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  status.dwCurrentState = state;
  status.dwControlsAccepted =
      state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN
                               : 0;
  SetServiceStatus(g_service_status_handle, &status);
}

inline DWORD WINAPI StopOnRequestHandler(DWORD control, DWORD, void*, void*) {
  if (control == SERVICE_CONTROL_STOP || control == SERVICE_CONTROL_SHUTDOWN) {
    ReportServiceState(SERVICE_STOP_PENDING);
    SetEvent(g_service_stop_event);
  }
  return NO_ERROR;
}

inline void WINAPI StopOnRequestServiceMain(DWORD, wchar_t**) {
  g_service_status_handle =
      RegisterServiceCtrlHandlerExW(L"", StopOnRequestHandler, nullptr);
  if (g_service_status_handle == nullptr) return;
  g_service_stop_event = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  ReportServiceState(SERVICE_RUNNING);
  WaitForSingleObject(g_service_stop_event, INFINITE);
  ReportServiceState(SERVICE_STOPPED);
}

// Connects to the SCM and serves until stopped; the process exit status.
inline int RunStopOnRequestService() {
  wchar_t name[] = L"";
  SERVICE_TABLE_ENTRYW table[] = {{name, StopOnRequestServiceMain},
                                  {nullptr, nullptr}};
  return StartServiceCtrlDispatcherW(table) ? 0 : 1;
}

}  // namespace entra_pta::testing

#endif  // ENTRA_PTA_TESTS_WINDOWS_STOP_ON_REQUEST_SERVICE_H_
