// ServiceControl: the Windows Service Control Manager as the service
// collector sees it. The Windows backend (service_control_windows.cc) uses
// the native SCM API (never WMI); the other backend reports that this OS has
// no SCM. Tests use a fake. This header and service_status.cc must stay free
// of Windows and Prometheus headers: they are also cross-compiled on their
// own for the Wine tests.
// Thread-safety: one Query() at a time per object; the pure functions are
// thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exporter/util/status.h"

namespace entra_pta::service {

enum class ServiceState {
  kStopped,
  kStartPending,
  kStopPending,
  kRunning,
  kContinuePending,
  kPausePending,
  kPaused,
};
enum class StartMode {
  kBoot,
  kSystem,
  kAuto,
  kDelayedAuto,
  kManual,
  kDisabled
};

// Every value, in the order the metrics list them.
const std::vector<ServiceState>& AllServiceStates();
const std::vector<StartMode>& AllStartModes();
std::string_view ServiceStateName(ServiceState state);  // "start_pending"
std::string_view StartModeName(StartMode mode);         // "delayed_auto"

// From SERVICE_STATUS_PROCESS.dwCurrentState (SERVICE_STOPPED = 1 ...
// SERVICE_PAUSED = 7); nullopt for anything else.
std::optional<ServiceState> ServiceStateFromWin32(std::uint32_t state);
// From QUERY_SERVICE_CONFIG.dwStartType (SERVICE_BOOT_START = 0 ...
// SERVICE_DISABLED = 4) and SERVICE_DELAYED_AUTO_START_INFO.
std::optional<StartMode> StartModeFromWin32(std::uint32_t start_type,
                                            bool delayed_auto_start);

struct ServiceStatus {
  std::string name;
  bool installed = false;  // false: the SCM has no service of that name
  ServiceState state = ServiceState::kStopped;
  StartMode start_mode = StartMode::kManual;
  std::string display_name;
  std::string run_as;  // the account, e.g. NT AUTHORITY\NetworkService
  std::uint32_t process_id = 0;  // 0 when no process runs
  // Known only while a process runs and can be opened.
  std::optional<double> process_start_time_seconds;  // Unix time
  std::optional<double> process_memory_bytes;        // working set
};

class ServiceControl {
 public:
  virtual ~ServiceControl() = default;

  // Status of each named service, in order. A service that does not exist
  // is installed = false, not an error; an error means the SCM itself (or a
  // service that exists) could not be queried.
  virtual Status Query(const std::vector<std::string>& names,
                       std::vector<ServiceStatus>& out) = 0;
};

// Whether this build has a real SCM backend (true only on Windows).
bool ServiceControlSupported();

// The backend of this OS.
std::unique_ptr<ServiceControl> MakeSystemServiceControl();

}  // namespace entra_pta::service
