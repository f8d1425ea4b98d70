// The operating system's "reload your config" request: SIGHUP on POSIX
// systems. Windows has no such signal; there a service restart applies a
// changed config. The backend is chosen by CMake (reload_signal_posix.cc,
// reload_signal_windows.cc).
// Thread-safety: InstallReloadSignalHandler once from the main thread at
// startup; TakeReloadRequest from one thread (the serve loop).
#pragma once

namespace entra_pta {

// Makes SIGHUP request a reload instead of ending the process. No-op on
// Windows.
void InstallReloadSignalHandler();

// True once per received request (several signals between two calls count
// as one). Always false on Windows.
bool TakeReloadRequest();

}  // namespace entra_pta
