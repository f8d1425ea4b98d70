#include "exporter/platform/malloc_tuning.h"

namespace entra_pta {

// The Windows process heap has no per-thread arenas to limit.
bool LimitMallocArenas() { return false; }

}  // namespace entra_pta
