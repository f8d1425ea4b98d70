#include "collectors/probe/probe_hub.h"

#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include "collectors/probe/testing/fake_prober.h"
#include "exporter/testing/fake_clock.h"

namespace entra_pta::probe {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

Target T(const std::string& name, const std::string& url,
         bool bootstrap = false) {
  std::string error;
  Target target = *ParseTargetUrl(name, url, &error);
  target.is_bootstrap = bootstrap;
  return target;
}

ProbeResult Ok(long status) {
  ProbeResult result;
  result.http_status = status;
  return result;
}

ProbeResult Failed(FailureReason reason, std::string detail) {
  ProbeResult result;
  result.failure = reason;
  result.detail = std::move(detail);
  return result;
}

EnvironmentLookup NoEnvironment() {
  return [](const std::string&) -> std::optional<std::string> {
    return std::nullopt;
  };
}

struct HubFixture {
  explicit HubFixture(EndpointSettings settings,
                      milliseconds join_window = milliseconds(1000),
                      EnvironmentLookup env = NoEnvironment())
      : clock(), logger(log, clock, LogLevel::kDebug) {
    auto owned = std::make_unique<testing::FakeProber>();
    prober = owned.get();
    hub =
        std::make_shared<ProbeHub>(std::move(settings), std::move(owned), clock,
                                   &signals, &logger, env, join_window);
  }
  entra_pta::testing::FakeClock clock;
  std::ostringstream log;
  Logger logger;
  SignOfLifeTimes signals;
  testing::FakeProber* prober = nullptr;
  std::shared_ptr<ProbeHub> hub;
};

EndpointSettings TwoTargets() {
  EndpointSettings settings;
  settings.targets = {T("bootstrap", "https://b.example/", true),
                      T("crl", "http://crl.example/")};
  return settings;
}

TEST(ProbeHubTest, ConcurrentCallersShareOneRound) {
  HubFixture f(TwoTargets());
  f.prober->Set("bootstrap", Ok(404));
  f.prober->Set("crl", Ok(200));
  f.prober->Hold();
  const auto deadline = steady_clock::now() + std::chrono::seconds(10);
  std::shared_ptr<const ProbeRound> a, b;
  std::thread first([&] { a = f.hub->Round(deadline); });
  while (f.prober->calls() == 0) std::this_thread::yield();
  std::thread second([&] { b = f.hub->Round(deadline); });
  std::this_thread::sleep_for(milliseconds(50));
  f.prober->Release();
  first.join();
  second.join();
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a, b);
  EXPECT_EQ(f.prober->calls(), 1);
  // Within the join window the finished round is reused...
  EXPECT_EQ(f.hub->Round(deadline), a);
  EXPECT_EQ(f.prober->calls(), 1);
}

TEST(ProbeHubTest, AfterTheJoinWindowANewRoundRuns) {
  HubFixture f(TwoTargets(), milliseconds(0));
  const auto deadline = steady_clock::now() + std::chrono::seconds(10);
  auto first = f.hub->Round(deadline);
  auto second = f.hub->Round(deadline);
  EXPECT_NE(first, second);
  EXPECT_EQ(f.prober->calls(), 2);
}

// Issue 14 defect 7: a scrape that joins a round still running at its own
// deadline reports every target as timed out, in time, instead of nothing.
TEST(ProbeHubTest, AJoinerReportsEveryTargetTimedOutAtItsDeadline) {
  HubFixture f(TwoTargets());
  f.prober->Hold();
  std::thread runner(
      [&] { f.hub->Round(steady_clock::now() + std::chrono::seconds(10)); });
  while (f.prober->calls() == 0) std::this_thread::yield();
  const auto deadline = steady_clock::now() + milliseconds(300);
  auto joined = f.hub->Round(deadline);
  EXPECT_LT(steady_clock::now(), deadline);
  // Released before any ASSERT, so a failure cannot leave the thread
  // joinable (std::terminate).
  f.prober->Release();
  runner.join();
  ASSERT_NE(joined, nullptr);
  EXPECT_TRUE(joined->status.ok());
  ASSERT_EQ(joined->requests.size(), 2u);
  ASSERT_EQ(joined->results.size(), 2u);
  EXPECT_EQ(joined->requests[0].target.name, "bootstrap");
  EXPECT_EQ(joined->requests[1].target.name, "crl");
  for (const ProbeResult& result : joined->results) {
    EXPECT_EQ(result.failure, FailureReason::kTimeout);
  }
}

// Issue 14 defect 7: the probes overran the scrape deadline by a few ms and
// the whole round was dropped, healthy targets included. The prober now
// gets a deadline kProbeReserve earlier: the finished targets are reported,
// the unfinished one as timed out, before the scrape deadline.
TEST(ProbeHubTest, ARoundThatRunsToTheDeadlineKeepsItsFinishedTargets) {
  HubFixture f(TwoTargets());
  f.prober->Set("crl", Ok(200));  // "bootstrap" is left black-holed
  f.prober->Hold();               // ProbeAll runs until its deadline
  const auto deadline = steady_clock::now() + milliseconds(800);
  auto round = f.hub->Round(deadline);
  EXPECT_LE(steady_clock::now(), deadline - kProbeReserve + milliseconds(100));
  ASSERT_NE(round, nullptr);
  ASSERT_EQ(round->results.size(), 2u);
  EXPECT_EQ(round->results[0].failure, FailureReason::kTimeout);
  EXPECT_TRUE(round->results[1].reachable());
  EXPECT_EQ(round->results[1].http_status, 200);
}

TEST(ProbeHubTest, ProbeDeadlineLeavesTheReserve) {
  const auto now = steady_clock::now();
  EXPECT_EQ(ProbeDeadline(now + milliseconds(2500), now),
            now + milliseconds(2250));
  EXPECT_EQ(ProbeDeadline(now + milliseconds(400), now),
            now + milliseconds(200));
  EXPECT_EQ(ProbeDeadline(now - milliseconds(5), now), now - milliseconds(5));
}

TEST(ProbeHubTest, AThrowingRoundIsAnErrorAndTheNextRoundRuns) {
  HubFixture f(TwoTargets(), milliseconds(0));
  const auto deadline = steady_clock::now() + std::chrono::seconds(10);
  f.prober->ThrowOnNextCall();
  auto failed = f.hub->Round(deadline);
  ASSERT_NE(failed, nullptr);
  EXPECT_FALSE(failed->status.ok());
  EXPECT_NE(failed->status.message().find("scripted failure"),
            std::string::npos);
  auto next = f.hub->Round(deadline);
  ASSERT_NE(next, nullptr);
  EXPECT_TRUE(next->status.ok());
  EXPECT_EQ(next->results.size(), 2u);
  EXPECT_EQ(f.prober->calls(), 2);
}

TEST(ProbeHubTest, BootstrapSignalOnlyWhenReachable) {
  HubFixture f(TwoTargets(), milliseconds(0));
  const auto deadline = steady_clock::now() + std::chrono::seconds(10);
  f.prober->Set("bootstrap", Failed(FailureReason::kTls, "handshake"));
  f.hub->Round(deadline);
  EXPECT_FALSE(f.signals.Latest(kBootstrapSignal).has_value());
  f.prober->Set("bootstrap", Ok(404));
  f.hub->Round(deadline);
  EXPECT_EQ(f.signals.Latest(kBootstrapSignal), f.clock.Now());
}

TEST(ProbeHubTest, ProxyDecisionReachesTheRequests) {
  EndpointSettings settings = TwoTargets();
  settings.proxy.no_proxy = "crl.example";
  HubFixture f(settings, milliseconds(0),
               [](const std::string& name) -> std::optional<std::string> {
                 if (name == "https_proxy" || name == "http_proxy") {
                   return "http://user:pw@envproxy:3128";
                 }
                 return std::nullopt;
               });
  f.hub->Round(steady_clock::now() + std::chrono::seconds(10));
  std::vector<ProbeRequest> requests = f.prober->last_requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].proxy_url, "http://user:pw@envproxy:3128");
  EXPECT_EQ(requests[1].proxy_url, "");
}

TEST(ProbeHubTest, UnreadableAgentConfigStopsTheRoundWithAClearError) {
  EndpointSettings settings = TwoTargets();
  settings.proxy.from_agent_config = true;
  settings.proxy.agent_config_file = "/nonexistent/agent.exe.config";
  HubFixture f(settings);
  auto round = f.hub->Round(steady_clock::now() + std::chrono::seconds(10));
  ASSERT_NE(round, nullptr);
  EXPECT_FALSE(round->status.ok());
  EXPECT_NE(round->status.message().find("/nonexistent/agent.exe.config"),
            std::string::npos);
  EXPECT_TRUE(round->requests.empty());
  EXPECT_EQ(f.prober->calls(), 0);
}

TEST(ProbeHubTest, LogsAFailureOnceAndTheRecovery) {
  EndpointSettings settings = TwoTargets();
  settings.proxy.proxy_url = "http://user:hunter2@proxy:3128";
  HubFixture f(settings, milliseconds(0));
  const auto deadline = steady_clock::now() + std::chrono::seconds(10);
  f.prober->Set("crl", Ok(200));
  f.prober->Set("bootstrap",
                Failed(FailureReason::kProxy,
                       "Failed to connect to user:hunter2@proxy port 3128"));
  f.hub->Round(deadline);
  f.hub->Round(deadline);
  f.prober->Set("bootstrap", Ok(404));
  f.hub->Round(deadline);
  const std::string log = f.log.str();
  EXPECT_EQ(log.find("hunter2"), std::string::npos) << log;
  std::size_t first = log.find("endpoint unreachable");
  ASSERT_NE(first, std::string::npos) << log;
  EXPECT_EQ(log.find("endpoint unreachable", first + 1), std::string::npos)
      << log;
  EXPECT_NE(log.find("reason=proxy"), std::string::npos) << log;
  EXPECT_NE(log.find("proxy=http://proxy:3128"), std::string::npos) << log;
  EXPECT_NE(log.find("endpoint reachable again"), std::string::npos) << log;
}

}  // namespace
}  // namespace entra_pta::probe
