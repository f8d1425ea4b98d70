#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "exporter/platform/malloc_tuning.h"

namespace entra_pta {
namespace {

// Arenas in use, from glibc's own report (one <heap nr=...> per arena).
int ArenaCount() {
  char* text = nullptr;
  size_t size = 0;
  FILE* out = open_memstream(&text, &size);
  malloc_info(0, out);
  std::fclose(out);
  std::string xml(text, size);
  std::free(text);
  int heaps = 0;
  for (auto at = xml.find("<heap nr="); at != std::string::npos;
       at = xml.find("<heap nr=", at + 1)) {
    ++heaps;
  }
  return heaps;
}

TEST(MallocTuningTest, ThreadsShareAtMostTheLimitOfArenas) {
  ASSERT_EQ(std::getenv("MALLOC_ARENA_MAX"), nullptr)
      << "the test needs glibc's default behaviour";
  ASSERT_TRUE(LimitMallocArenas());
  // Threads that are alive at the same time and all allocate would each
  // get an arena of their own without the limit.
  std::vector<std::thread> threads;
  std::vector<void*> blocks(8);
  std::latch all_allocated(static_cast<std::ptrdiff_t>(blocks.size()));
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    threads.emplace_back([&blocks, &all_allocated, i] {
      blocks[i] = std::malloc(4096);
      all_allocated.arrive_and_wait();
    });
  }
  for (auto& t : threads) t.join();
  for (void* block : blocks) std::free(block);
  EXPECT_LE(ArenaCount(), kMallocArenaLimit);
}

}  // namespace
}  // namespace entra_pta
