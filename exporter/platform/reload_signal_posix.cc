#include <signal.h>

#include <atomic>

#include "exporter/platform/reload_signal.h"

namespace entra_pta {
namespace {

// Lock-free, so the handler may touch it (checked below).
std::atomic<bool> g_reload_requested{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void OnReloadSignal(int) { g_reload_requested.store(true); }

}  // namespace

void InstallReloadSignalHandler() {
  struct sigaction action {};
  action.sa_handler = OnReloadSignal;
  sigemptyset(&action.sa_mask);
  // Restart interrupted system calls: a SIGHUP must not fail a collector's
  // read or an accept().
  action.sa_flags = SA_RESTART;
  sigaction(SIGHUP, &action, nullptr);
}

bool TakeReloadRequest() { return g_reload_requested.exchange(false); }

}  // namespace entra_pta
