// Keeps the C library's allocator from growing one arena per thread. The
// exporter's threads (HTTP workers, one per collector run, libcurl's
// resolver) each allocate briefly; glibc would give each its own arena
// (up to 8 per core), which measured 3.4 MiB more resident memory under
// probe load for no throughput gain (docs/performance.md). The
// MALLOC_ARENA_MAX environment variable, when set, wins.
// Thread-safety: call once at startup, before other threads exist.
#pragma once

namespace entra_pta {

// The arena limit applied when the environment does not set one.
inline constexpr int kMallocArenaLimit = 2;

// Applies kMallocArenaLimit where the allocator has per-thread arenas
// (glibc); elsewhere does nothing. Returns true when a limit was applied.
bool LimitMallocArenas();

}  // namespace entra_pta
