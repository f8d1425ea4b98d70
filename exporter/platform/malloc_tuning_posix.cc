#include <malloc.h>

#include <cstdlib>

#include "exporter/platform/malloc_tuning.h"

namespace entra_pta {

bool LimitMallocArenas() {
  if (std::getenv("MALLOC_ARENA_MAX") != nullptr) return false;
  return mallopt(M_ARENA_MAX, kMallocArenaLimit) == 1;
}

}  // namespace entra_pta
