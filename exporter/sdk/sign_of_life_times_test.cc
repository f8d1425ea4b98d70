#include "exporter/sdk/sign_of_life_times.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace entra_pta {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

TEST(SignOfLifeTimesTest, UnknownSignalIsAbsent) {
  SignOfLifeTimes board;
  EXPECT_FALSE(board.Latest("bootstrap").has_value());
}

TEST(SignOfLifeTimesTest, KeepsTheLatestTimePerSignal) {
  SignOfLifeTimes board;
  const system_clock::time_point t0 = system_clock::from_time_t(1000);
  board.Record("bootstrap", t0 + seconds(10));
  board.Record("bootstrap", t0);  // older: must not move the signal back
  board.Record("cloud", t0 + seconds(5));
  EXPECT_EQ(board.Latest("bootstrap"), t0 + seconds(10));
  EXPECT_EQ(board.Latest("cloud"), t0 + seconds(5));
}

TEST(SignOfLifeTimesTest, ConcurrentRecordsKeepTheMaximum) {
  SignOfLifeTimes board;
  const system_clock::time_point t0 = system_clock::from_time_t(1000);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&board, t0, t] {
      for (int i = 0; i < 1000; ++i) board.Record("s", t0 + seconds(i * 4 + t));
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(board.Latest("s"), t0 + seconds(999 * 4 + 3));
}

}  // namespace
}  // namespace entra_pta
