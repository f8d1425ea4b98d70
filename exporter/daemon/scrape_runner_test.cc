#include "exporter/daemon/scrape_runner.h"

#include <gtest/gtest.h>

#include <sstream>

#include "exporter/testing/fake_clock.h"
#include "exporter/testing/fake_collector.h"

namespace entra_pta {
namespace {

using std::chrono::milliseconds;
using testing::FakeCollector;

// The value of `name`{collector=`collector`} (or of the unlabelled sample).
std::optional<double> Find(
    const std::vector<prometheus::MetricFamily>& families,
    const std::string& name, const std::string& collector = "") {
  for (const auto& family : families) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      bool match = collector.empty();
      for (const auto& label : metric.label) {
        if (label.name == "collector" && label.value == collector) match = true;
      }
      if (match) return metric.gauge.value;
    }
  }
  return std::nullopt;
}

class ScrapeRunnerTest : public ::testing::Test {
 protected:
  std::ostringstream log_;
  testing::FakeClock clock_;
  Logger logger_{log_, clock_, LogLevel::kDebug};
};

TEST(ScrapeBudgetTest, HeaderMinusMarginCappedByMax) {
  ScrapeSettings s;  // margin 500ms, max 10s
  EXPECT_EQ(ScrapeBudget(std::nullopt, s), milliseconds(10'000));
  EXPECT_EQ(ScrapeBudget(10.0, s), milliseconds(9'500));
  EXPECT_EQ(ScrapeBudget(2.5, s), milliseconds(2'000));
  EXPECT_EQ(ScrapeBudget(0.4, s), milliseconds(200));  // not above the margin
  EXPECT_EQ(ScrapeBudget(60.0, s), milliseconds(10'000));
  EXPECT_EQ(ScrapeBudget(-1.0, s), milliseconds(10'000));
}

TEST_F(ScrapeRunnerTest, ReportsEveryCollector) {
  auto a = std::make_shared<FakeCollector>("a_value", 3);
  auto b = std::make_shared<FakeCollector>("b_value", 4);
  ScrapeRunner runner({{"a", a}, {"b", b}}, logger_, clock_);
  auto families = runner.Scrape(milliseconds(5'000));
  EXPECT_EQ(Find(families, "a_value"), 3);
  EXPECT_EQ(Find(families, "b_value"), 4);
  for (const char* name : {"a", "b"}) {
    EXPECT_EQ(Find(families, "entra_pta_scrape_collector_success", name), 1);
    EXPECT_EQ(Find(families, "entra_pta_scrape_collector_timeout", name), 0);
    EXPECT_TRUE(
        Find(families, "entra_pta_scrape_collector_duration_seconds", name));
  }
  auto summaries = runner.Summaries();
  ASSERT_EQ(summaries.size(), 2u);
  EXPECT_TRUE(summaries[0].has_run);
  EXPECT_TRUE(summaries[0].success);
}

TEST_F(ScrapeRunnerTest, FailureIsIsolatedAndLoggedOncePerChange) {
  auto good = std::make_shared<FakeCollector>("good_value");
  auto bad = std::make_shared<FakeCollector>("bad_value");
  bad->FailWith("agent trace directory missing");
  ScrapeRunner runner({{"good", good}, {"bad", bad}}, logger_, clock_);
  auto families = runner.Scrape(milliseconds(5'000));
  EXPECT_EQ(Find(families, "entra_pta_scrape_collector_success", "good"), 1);
  EXPECT_EQ(Find(families, "entra_pta_scrape_collector_success", "bad"), 0);
  EXPECT_EQ(Find(families, "entra_pta_scrape_collector_timeout", "bad"), 0);
  EXPECT_EQ(Find(families, "good_value"), 1);
  EXPECT_EQ(Find(families, "bad_value"), 1);  // partial output is kept
  EXPECT_EQ(runner.Summaries()[1].error, "agent trace directory missing");

  runner.Scrape(milliseconds(5'000));
  const std::string log = log_.str();
  auto first = log.find(
      "level=error collector=bad msg=\"collector failed\" "
      "err=\"agent trace directory missing\"");
  ASSERT_NE(first, std::string::npos) << log;
  EXPECT_EQ(log.find("level=error", first + 1), std::string::npos) << log;
  EXPECT_NE(log.find("level=debug collector=bad"), std::string::npos) << log;

  bad->FailWith("");
  runner.Scrape(milliseconds(5'000));
  EXPECT_NE(
      log_.str().find("level=info collector=bad msg=\"collector recovered\""),
      std::string::npos);
}

TEST_F(ScrapeRunnerTest, SlowCollectorMissesDeadlineWithoutHoldingTheScrape) {
  auto fast = std::make_shared<FakeCollector>("fast_value");
  auto slow = std::make_shared<FakeCollector>("slow_value");
  slow->CloseGate();  // Collect() blocks until Open().
  ScrapeRunner runner({{"fast", fast}, {"slow", slow}}, logger_, clock_);

  auto started = std::chrono::steady_clock::now();
  auto families = runner.Scrape(milliseconds(200));
  auto elapsed = std::chrono::steady_clock::now() - started;
  // The gate never opens during the scrape, so returning at all proves the
  // deadline cut it short; the bound only guards against a hang.
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  EXPECT_GE(elapsed, milliseconds(200));
  EXPECT_EQ(Find(families, "entra_pta_scrape_collector_success", "slow"), 0);
  EXPECT_EQ(Find(families, "entra_pta_scrape_collector_timeout", "slow"), 1);
  EXPECT_GE(
      *Find(families, "entra_pta_scrape_collector_duration_seconds", "slow"),
      0.2);
  EXPECT_EQ(Find(families, "slow_value"), std::nullopt);
  EXPECT_EQ(Find(families, "entra_pta_scrape_collector_success", "fast"), 1);
  EXPECT_EQ(Find(families, "fast_value"), 1);
  EXPECT_TRUE(runner.Summaries()[1].timed_out);

  // A second scrape joins the stuck run instead of starting another.
  families = runner.Scrape(milliseconds(50));
  EXPECT_EQ(slow->calls(), 1);
  EXPECT_EQ(fast->calls(), 2);
  EXPECT_EQ(Find(families, "entra_pta_scrape_collector_timeout", "slow"), 1);

  slow->Open();
  EXPECT_TRUE(runner.WaitIdle(std::chrono::seconds(5)));
  families = runner.Scrape(milliseconds(5'000));
  EXPECT_EQ(slow->calls(), 2);
  EXPECT_EQ(Find(families, "entra_pta_scrape_collector_success", "slow"), 1);
  EXPECT_EQ(Find(families, "slow_value"), 1);
}

TEST_F(ScrapeRunnerTest, SummaryKeepsTheLastScrapesFamiliesOfEachCollector) {
  auto fast = std::make_shared<FakeCollector>("fast_value", 7);
  auto slow = std::make_shared<FakeCollector>("slow_value");
  ScrapeRunner runner({{"fast", fast}, {"slow", slow}}, logger_, clock_);
  EXPECT_EQ(runner.Summaries()[0].families, nullptr);  // not run yet

  runner.Scrape(milliseconds(5'000));
  auto summaries = runner.Summaries();
  ASSERT_NE(summaries[0].families, nullptr);
  EXPECT_EQ(Find(*summaries[0].families, "fast_value"), 7);
  // Only the collector's own families, not the scrape_collector_* ones.
  EXPECT_EQ(Find(*summaries[0].families, "slow_value"), std::nullopt);
  EXPECT_EQ(Find(*summaries[0].families, "entra_pta_scrape_collector_success",
                 "fast"),
            std::nullopt);
  ASSERT_NE(summaries[1].families, nullptr);
  EXPECT_EQ(Find(*summaries[1].families, "slow_value"), 1);

  // A timed-out run has no families to show.
  slow->CloseGate();
  runner.Scrape(milliseconds(50));
  summaries = runner.Summaries();
  EXPECT_TRUE(summaries[1].timed_out);
  EXPECT_EQ(summaries[1].families, nullptr);
  ASSERT_NE(summaries[0].families, nullptr);
  EXPECT_EQ(Find(*summaries[0].families, "fast_value"), 7);
  slow->Open();
  EXPECT_TRUE(runner.WaitIdle(std::chrono::seconds(5)));
}

class ThrowingCollector final : public Collector {
 public:
  Status Collect(const ScrapeContext&,
                 std::vector<prometheus::MetricFamily>&) override {
    throw std::runtime_error("boom");
  }
};

TEST_F(ScrapeRunnerTest, ExceptionBecomesFailure) {
  ScrapeRunner runner({{"throws", std::make_shared<ThrowingCollector>()}},
                      logger_, clock_);
  auto families = runner.Scrape(milliseconds(5'000));
  EXPECT_EQ(Find(families, "entra_pta_scrape_collector_success", "throws"), 0);
  EXPECT_EQ(runner.Summaries()[0].error, "collector raised an exception: boom");
}

// Issue 14 defect 4: a budget of 1000 years overflowed `now + budget` into
// the past, so every collector "did not finish within the scrape deadline"
// at once. The deadline saturates instead.
TEST_F(ScrapeRunnerTest, HugeBudgetDoesNotOverflowTheDeadline) {
  auto a = std::make_shared<FakeCollector>("a_value", 3);
  ScrapeRunner runner({{"a", a}}, logger_, clock_);
  auto families = runner.Scrape(milliseconds(1000LL * 365 * 24 * 3600 * 1000));
  EXPECT_EQ(Find(families, "a_value"), 3);
  EXPECT_EQ(Find(families, "entra_pta_scrape_collector_success", "a"), 1);
  EXPECT_EQ(Find(families, "entra_pta_scrape_collector_timeout", "a"), 0);
  families = runner.Scrape(milliseconds::max());
  EXPECT_EQ(Find(families, "entra_pta_scrape_collector_timeout", "a"), 0);
}

TEST_F(ScrapeRunnerTest, PassesTheDeadlineToCollectors) {
  class DeadlineProbe final : public Collector {
   public:
    std::chrono::steady_clock::time_point seen;
    Status Collect(const ScrapeContext& context,
                   std::vector<prometheus::MetricFamily>&) override {
      seen = context.deadline;
      return Status::Ok();
    }
  };
  auto probe = std::make_shared<DeadlineProbe>();
  ScrapeRunner runner({{"probe", probe}}, logger_, clock_);
  auto before = std::chrono::steady_clock::now();
  runner.Scrape(milliseconds(3'000));
  EXPECT_GE(probe->seen, before + milliseconds(3'000));
  EXPECT_LE(probe->seen,
            std::chrono::steady_clock::now() + milliseconds(3'000));
}

}  // namespace
}  // namespace entra_pta
