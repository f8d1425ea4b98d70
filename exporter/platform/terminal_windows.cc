// StdoutWantsColour for Windows: a console (Windows 10 and later understand
// ANSI colour once virtual terminal processing is on, which this enables).
#include <io.h>

#include <cstdio>
#include <cstdlib>

#include "exporter/platform/terminal.h"
#include "exporter/platform/win32_windows.h"

namespace entra_pta::diagnose {

bool StdoutWantsColour() {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && no_color[0] != '\0') return false;
  if (_isatty(_fileno(stdout)) == 0) return false;
  HANDLE console = GetStdHandle(STD_OUTPUT_HANDLE);
  DWORD mode = 0;
  if (console == INVALID_HANDLE_VALUE || !GetConsoleMode(console, &mode)) {
    return false;
  }
  return SetConsoleMode(console, mode | ENABLE_VIRTUAL_TERMINAL_PROCESSING) !=
         0;
}

}  // namespace entra_pta::diagnose
