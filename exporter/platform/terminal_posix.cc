// StdoutWantsColour for POSIX systems.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "exporter/platform/terminal.h"

namespace entra_pta::diagnose {

bool StdoutWantsColour() {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && no_color[0] != '\0') return false;
  return isatty(fileno(stdout)) == 1;
}

}  // namespace entra_pta::diagnose
