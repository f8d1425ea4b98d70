#include "exporter/util/duration.h"

#include <gtest/gtest.h>

#include "exporter/util/deadline.h"

namespace entra_pta {
namespace {

using std::chrono::milliseconds;

TEST(ParseDurationTest, AcceptsPrometheusNotation) {
  EXPECT_EQ(ParseDuration("0"), milliseconds(0));
  EXPECT_EQ(ParseDuration("500ms"), milliseconds(500));
  EXPECT_EQ(ParseDuration("30s"), milliseconds(30'000));
  EXPECT_EQ(ParseDuration("120m"), milliseconds(7'200'000));
  EXPECT_EQ(ParseDuration("2h30m"), milliseconds(9'000'000));
  EXPECT_EQ(ParseDuration("1d"), milliseconds(86'400'000));
  EXPECT_EQ(ParseDuration("1w"), milliseconds(604'800'000));
  EXPECT_EQ(ParseDuration("1m500ms"), milliseconds(60'500));
}

TEST(ParseDurationTest, RejectsEverythingElse) {
  for (const char* bad : {"", "10", "10x", "-5s", "1.5s", "s", "5m5h", "5s5s",
                          " 5s", "5s ", "99999999999999999999y", "1h-1m"}) {
    EXPECT_EQ(ParseDuration(bad), std::nullopt) << bad;
  }
}

TEST(FormatDurationTest, RoundTrips) {
  EXPECT_EQ(FormatDuration(milliseconds(7'200'000)), "2h");
  EXPECT_EQ(FormatDuration(milliseconds(500)), "500ms");
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0s");
  for (long long ms : {1LL, 999LL, 61'000LL, 90'061'001LL}) {
    EXPECT_EQ(ParseDuration(FormatDuration(milliseconds(ms))),
              milliseconds(ms));
  }
}

TEST(DeadlineAfterTest, SaturatesInsteadOfOverflowing) {
  using std::chrono::steady_clock;
  const steady_clock::time_point now = steady_clock::now();
  EXPECT_EQ(DeadlineAfter(now, milliseconds(1500)) - now, milliseconds(1500));
  EXPECT_EQ(DeadlineAfter(now, milliseconds(0)), now);
  // 1000 years in nanoseconds does not fit the steady clock's int64.
  EXPECT_EQ(DeadlineAfter(now, milliseconds(1000LL * 365 * 24 * 3600 * 1000)),
            steady_clock::time_point::max());
  EXPECT_EQ(DeadlineAfter(now, milliseconds::max()),
            steady_clock::time_point::max());
  EXPECT_EQ(DeadlineAfter(now, std::chrono::hours::min()),
            steady_clock::time_point::min());
  EXPECT_GT(SteadyDeadlineAfter(kMaxDuration), now);
}

}  // namespace
}  // namespace entra_pta
