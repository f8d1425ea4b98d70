// Whether diagnose's text output should be coloured; the OS backend
// (terminal_windows.cc / terminal_posix.cc) is chosen by
// CMake.
// Thread-safety: reads the environment; call from the main thread.
#pragma once

namespace entra_pta::diagnose {

// True when stdout is a terminal and NO_COLOR is unset or empty
// (https://no-color.org).
bool StdoutWantsColour();

}  // namespace entra_pta::diagnose
