#include "exporter/daemon/reloader.h"

#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include "exporter/sdk/config_section.h"
#include "exporter/testing/fake_clock.h"
#include "exporter/testing/fake_collector.h"

namespace entra_pta {
namespace {

using std::chrono::milliseconds;
using testing::FakeCollector;

bool Has(const std::vector<prometheus::MetricFamily>& families,
         const std::string& name) {
  for (const auto& family : families) {
    if (family.name == name) return true;
  }
  return false;
}

double Value(const std::vector<prometheus::MetricFamily>& families,
             const std::string& name) {
  for (const auto& family : families) {
    if (family.name == name) return family.metric.at(0).gauge.value;
  }
  ADD_FAILURE() << "no family " << name;
  return -1;
}

std::size_t Count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (std::size_t pos = text.find(part); pos != std::string::npos;
       pos = text.find(part, pos + 1)) {
    ++n;
  }
  return n;
}

// Waits (without a fixed sleep) until `done` holds.
template <typename Predicate>
void WaitFor(Predicate done) {
  while (!done()) std::this_thread::yield();
}

class ReloaderTest : public ::testing::Test {
 protected:
  LoadedConfig With(std::shared_ptr<FakeCollector> collector) {
    LoadedConfig loaded;
    loaded.config.file = "exporter.yml";
    loaded.collectors.push_back({"fake", std::move(collector)});
    return loaded;
  }

  // The next Reload() loads `next` (or throws `error` when set).
  Reloader::Load Loader() {
    return [this] {
      if (error_) throw *error_;
      return With(next_);
    };
  }

  std::ostringstream log_;
  testing::FakeClock clock_;
  Logger logger_{log_, clock_, LogLevel::kDebug};
  std::shared_ptr<FakeCollector> old_ =
      std::make_shared<FakeCollector>("old_value");
  std::shared_ptr<FakeCollector> next_ =
      std::make_shared<FakeCollector>("new_value");
  std::optional<ConfigError> error_;
};

TEST_F(ReloaderTest, InFlightScrapeFinishesOnOldSetNextScrapeUsesNewSet) {
  Reloader reloader(With(old_), Loader(), logger_, clock_);
  old_->CloseGate();
  std::vector<prometheus::MetricFamily> in_flight;
  std::thread scrape([&] {
    auto serving = reloader.Current();
    in_flight = serving->runner->Scrape(milliseconds(60'000));
  });
  WaitFor([&] { return old_->calls() == 1; });

  ASSERT_TRUE(reloader.Reload());
  auto after = reloader.Current()->runner->Scrape(milliseconds(60'000));
  EXPECT_TRUE(Has(after, "new_value"));
  EXPECT_FALSE(Has(after, "old_value"));
  // The old set is still held by the scrape in flight.
  reloader.ReleaseIdle();
  EXPECT_EQ(reloader.RetiredCount(), 1u);

  old_->Open();
  scrape.join();
  EXPECT_TRUE(Has(in_flight, "old_value"));
  EXPECT_FALSE(Has(in_flight, "new_value"));
  ASSERT_TRUE(reloader.WaitIdle(milliseconds(10'000)));
  reloader.ReleaseIdle();
  EXPECT_EQ(reloader.RetiredCount(), 0u);
}

TEST_F(ReloaderTest, ReplacedSetIsKeptUntilItsCollectorRunEnds) {
  Reloader reloader(With(old_), Loader(), logger_, clock_);
  old_->CloseGate();
  // The scrape gives up on the slow collector; its run goes on.
  auto timed_out = reloader.Current()->runner->Scrape(milliseconds(1));
  EXPECT_EQ(Value(timed_out, "entra_pta_scrape_collector_timeout"), 1);
  ASSERT_TRUE(reloader.Reload());
  reloader.ReleaseIdle();
  EXPECT_EQ(reloader.RetiredCount(), 1u);
  EXPECT_FALSE(reloader.WaitIdle(milliseconds(0)));

  old_->Open();
  ASSERT_TRUE(reloader.WaitIdle(milliseconds(10'000)));
  reloader.ReleaseIdle();
  EXPECT_EQ(reloader.RetiredCount(), 0u);
  EXPECT_EQ(old_->finished(), 1);
}

TEST_F(ReloaderTest, InvalidConfigKeepsTheRunningSetAndLogsOnce) {
  Reloader reloader(With(old_), Loader(), logger_, clock_);
  const auto before = reloader.Current();
  EXPECT_EQ(
      Value(reloader.Families(), "entra_pta_config_last_reload_successful"), 1);
  const double started =
      Value(reloader.Families(),
            "entra_pta_config_last_reload_success_timestamp_seconds");
  EXPECT_EQ(started, ToUnixSeconds(clock_.Now()));

  clock_.Advance(std::chrono::seconds(30));
  error_ = ConfigError("exporter.yml", 7, 3, "unknown key \"colectors\"");
  EXPECT_FALSE(reloader.Reload());
  EXPECT_EQ(reloader.Current(), before);
  auto families = reloader.Current()->runner->Scrape(milliseconds(60'000));
  EXPECT_TRUE(Has(families, "old_value"));
  EXPECT_EQ(
      Value(reloader.Families(), "entra_pta_config_last_reload_successful"), 0);
  EXPECT_EQ(Value(reloader.Families(),
                  "entra_pta_config_last_reload_success_timestamp_seconds"),
            started);
  EXPECT_EQ(Count(log_.str(), "exporter.yml:7:3: unknown key"), 1u)
      << log_.str();
  EXPECT_EQ(reloader.RetiredCount(), 0u);

  // Fixed: the next reload succeeds and the metrics say so.
  error_.reset();
  clock_.Advance(std::chrono::seconds(30));
  ASSERT_TRUE(reloader.Reload());
  EXPECT_EQ(
      Value(reloader.Families(), "entra_pta_config_last_reload_successful"), 1);
  EXPECT_EQ(Value(reloader.Families(),
                  "entra_pta_config_last_reload_success_timestamp_seconds"),
            started + 60);
}

TEST_F(ReloaderTest, RestartOnlySettingsKeepTheirRunningValue) {
  LoadedConfig initial = With(old_);
  initial.config.web.listen_address = "127.0.0.1:9847";
  initial.config.web.config_file = "/etc/web.yml";
  Reloader reloader(
      std::move(initial),
      [this] {
        LoadedConfig loaded = With(next_);
        loaded.config.web.listen_address = ":9999";
        loaded.config.web.config_file = "/etc/other-web.yml";
        loaded.config.log.level = LogLevel::kWarn;
        loaded.config.scrape.max_timeout = milliseconds(3'000);
        return loaded;
      },
      logger_, clock_);
  ASSERT_TRUE(reloader.Reload());
  EXPECT_EQ(reloader.config().web.listen_address, "127.0.0.1:9847");
  EXPECT_EQ(reloader.config().web.config_file, "/etc/web.yml");
  EXPECT_NE(log_.str().find("web.listen_address changes only on restart"),
            std::string::npos)
      << log_.str();
  EXPECT_NE(log_.str().find("web config file path changes only on restart"),
            std::string::npos);
  // What can change did change.
  EXPECT_EQ(reloader.Current()->scrape.max_timeout, milliseconds(3'000));
  EXPECT_FALSE(logger_.Enabled(LogLevel::kInfo));
}

TEST_F(ReloaderTest, ConcurrentScrapesDuringReloadsAllSucceed) {
  Reloader reloader(With(old_), Loader(), logger_, clock_);
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> scrapers;
  for (int i = 0; i < 4; ++i) {
    scrapers.emplace_back([&] {
      while (!stop.load()) {
        auto serving = reloader.Current();
        auto families = serving->runner->Scrape(milliseconds(60'000));
        if (Value(families, "entra_pta_scrape_collector_success") != 1) {
          ++failures;
        }
      }
    });
  }
  for (int i = 0; i < 50; ++i) {
    next_ = std::make_shared<FakeCollector>(i % 2 ? "old_value" : "new_value");
    ASSERT_TRUE(reloader.Reload());
    reloader.ReleaseIdle();
  }
  stop = true;
  for (auto& t : scrapers) t.join();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_TRUE(reloader.WaitIdle(milliseconds(10'000)));
  reloader.ReleaseIdle();
  EXPECT_EQ(reloader.RetiredCount(), 0u);
}

}  // namespace
}  // namespace entra_pta
