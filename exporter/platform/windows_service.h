// Running the exporter as a Windows service: `--service install` registers
// it with the Service Control Manager (automatic start, restart on failure,
// an Event Log source), `--service uninstall` removes it, and `--service run`
// (the command line the SCM starts) runs the exporter under the SCM
// dispatcher with its log going to the Windows Event Log (Application log),
// and `--service stop` stops it and waits until its process has ended (what
// the MSI runs before it removes the files).
// The Windows backend is windows_service_windows.cc; elsewhere
// (windows_service_posix.cc) every call fails with "only on Windows".
// This header stays free of Prometheus and Windows headers: the backend is
// also cross-compiled on its own for the Wine tests.
// Thread-safety: startup code, called from the main thread; the callbacks
// handed to the body (ServiceControls) may be called from any thread.
#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exporter/util/status.h"

namespace entra_pta {

enum class ServiceCommand { kInstall, kUninstall, kRun, kStop };

// "install", "uninstall", "run" or "stop".
std::optional<ServiceCommand> ParseServiceCommand(std::string_view text);

struct ServiceDefinition {
  std::string name = "entra_pta_exporter";
  std::string display_name = "Entra PTA Exporter";
  std::string description =
      "Prometheus exporter for Microsoft Entra ID Pass-through "
      "Authentication agents.";
};

// What the service wrapper hands the body. The SCM sees START_PENDING from
// the start until the body calls `running` (after it has read its flags and
// configuration and bound its listener): an installer that starts the
// service and waits (the MSI's ServiceControl Wait) learns about a bad
// configuration from the start failing, not from a later crash.
struct ServiceControls {
  // True once the SCM asked the service to stop (stop or system shutdown).
  std::function<bool()> stop_requested;
  // Another START_PENDING checkpoint: startup is making progress.
  std::function<void()> starting;
  // Startup is done: the service reports SERVICE_RUNNING (once; later calls
  // do nothing).
  std::function<void()> running;
};

// The exporter itself: starts (calling `controls.running` when it is
// ready), then runs until `controls.stop_requested()` is true, writing log
// lines to `log`; returns the process exit status. Returning before
// `running` is a failed start: the SCM sees SERVICE_STOPPED with the exit
// status as the service-specific exit code (ERROR_SERVICE_SPECIFIC_ERROR).
using ServiceBody =
    std::function<int(std::ostream& log, const ServiceControls& controls)>;

// Whether this build can run as a Windows service.
bool WindowsServiceSupported();

// Registers `executable` (empty: this process' executable) to be started
// as `executable --service run
// <run_args...>`, automatically at boot as LocalSystem, restarted by the SCM
// after 10 s, 30 s and 60 s when it fails (also on a non-zero exit), and an
// Application Event Log source of the same name. When the SCM has no
// recovery settings at all (Wine's), the service is installed without them
// and `warning` (if not null) says so; otherwise that is an error.
Status InstallService(const ServiceDefinition& service,
                      const std::string& executable,
                      const std::vector<std::string>& run_args,
                      std::string* warning = nullptr);

// Stops the service if it runs (StopService), deletes it and its Event Log
// source.
Status UninstallService(const ServiceDefinition& service);

// Asks the service to stop unless it is stopped already, waits until the SCM
// reports it stopped and then until every other process running this
// process' own executable file has ended (the service's process outlives
// its SERVICE_STOPPED report by a little, and a running image cannot be
// deleted), all within `timeout`. Ok when nothing runs any more.
Status StopService(const ServiceDefinition& service,
                   std::chrono::milliseconds timeout);

// Hands the process to the SCM dispatcher and runs `body` as the service
// until the SCM asks it to stop (stop or system shutdown). Returns the exit
// status, or 1 when the process was not started by the SCM.
int RunAsService(const ServiceDefinition& service, const ServiceBody& body);

// For a body that must end the process without returning (a collector
// thread is stuck at shutdown, so the process ends with std::_Exit): when
// running as a service, tells the SCM now that the service stopped with
// `exit_code`, so an admin's stop is not taken for a crash and the
// recovery actions do not restart it. Does nothing otherwise.
void ReportServiceStopped(int exit_code);

// The log line (logfmt, level=error: an Error event in the Event Log) the
// service writes when its body returned `exit_code` before it was running:
// the body's own message may carry no level (a configuration error is
// printed as file:line:column: message).
std::string FailedStartLogLine(int exit_code);

// The command line for CreateProcess/the SCM: each argument quoted when it
// needs to be, by the rules CommandLineToArgvW and the C runtime parse.
std::string QuoteCommandLine(const std::vector<std::string>& args);

}  // namespace entra_pta
