#include "collectors/service/service_control.h"

namespace entra_pta::service {

const std::vector<ServiceState>& AllServiceStates() {
  static const std::vector<ServiceState> states = {
      ServiceState::kStopped,         ServiceState::kStartPending,
      ServiceState::kStopPending,     ServiceState::kRunning,
      ServiceState::kContinuePending, ServiceState::kPausePending,
      ServiceState::kPaused};
  return states;
}

const std::vector<StartMode>& AllStartModes() {
  static const std::vector<StartMode> modes = {
      StartMode::kBoot,        StartMode::kSystem, StartMode::kAuto,
      StartMode::kDelayedAuto, StartMode::kManual, StartMode::kDisabled};
  return modes;
}

std::string_view ServiceStateName(ServiceState state) {
  switch (state) {
    case ServiceState::kStopped:
      return "stopped";
    case ServiceState::kStartPending:
      return "start_pending";
    case ServiceState::kStopPending:
      return "stop_pending";
    case ServiceState::kRunning:
      return "running";
    case ServiceState::kContinuePending:
      return "continue_pending";
    case ServiceState::kPausePending:
      return "pause_pending";
    case ServiceState::kPaused:
      return "paused";
  }
  return "unknown";
}

std::string_view StartModeName(StartMode mode) {
  switch (mode) {
    case StartMode::kBoot:
      return "boot";
    case StartMode::kSystem:
      return "system";
    case StartMode::kAuto:
      return "auto";
    case StartMode::kDelayedAuto:
      return "delayed_auto";
    case StartMode::kManual:
      return "manual";
    case StartMode::kDisabled:
      return "disabled";
  }
  return "unknown";
}

std::optional<ServiceState> ServiceStateFromWin32(std::uint32_t state) {
  // winsvc.h: SERVICE_STOPPED 1, START_PENDING 2, STOP_PENDING 3, RUNNING 4,
  // CONTINUE_PENDING 5, PAUSE_PENDING 6, PAUSED 7.
  if (state < 1 || state > 7) return std::nullopt;
  return AllServiceStates()[state - 1];
}

std::optional<StartMode> StartModeFromWin32(std::uint32_t start_type,
                                            bool delayed_auto_start) {
  // winnt.h: SERVICE_BOOT_START 0, SYSTEM_START 1, AUTO_START 2,
  // DEMAND_START 3, DISABLED 4. "Delayed" only qualifies automatic start.
  switch (start_type) {
    case 0:
      return StartMode::kBoot;
    case 1:
      return StartMode::kSystem;
    case 2:
      return delayed_auto_start ? StartMode::kDelayedAuto : StartMode::kAuto;
    case 3:
      return StartMode::kManual;
    case 4:
      return StartMode::kDisabled;
    default:
      return std::nullopt;
  }
}

}  // namespace entra_pta::service
