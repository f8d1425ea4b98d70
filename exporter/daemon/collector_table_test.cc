#include "exporter/daemon/collector_table.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "collectors/agent/agent_host.h"
#include "collectors/eventlog/event_source.h"
#include "collectors/service/service_control.h"
#include "exporter/testing/fake_clock.h"
#include "exporter/testing/fake_collector.h"

namespace entra_pta {
namespace {

std::vector<CollectorEntry> FakeTable() {
  auto make = [](const ConfigSection& section, const CollectorDeps&) {
    section.Duration("interval");  // a collector-specific key
    return std::make_unique<testing::FakeCollector>("x");
  };
  return {{"alpha", "first", true, make},
          {"beta", "second", false, make},
          {"gamma", "third", true, make}};
}

std::vector<std::string> Names(
    const std::vector<ScrapeRunner::NamedCollector>& built) {
  std::vector<std::string> names;
  for (const auto& c : built) names.push_back(c.name);
  return names;
}

Config Parse(const std::string& yaml,
             const std::vector<CollectorEntry>& table) {
  return ParseConfig(yaml, "t.yml", CollectorNames(table));
}

TEST(CollectorTableTest, DefaultTableHasUniqueNamedEntries) {
  const auto& table = DefaultCollectorTable();
  std::set<std::string> names;
  for (const auto& entry : table) {
    EXPECT_TRUE(names.insert(entry.name).second) << entry.name;
    EXPECT_FALSE(entry.description.empty()) << entry.name;
    EXPECT_TRUE(entry.create) << entry.name;
  }
  EXPECT_EQ(names.count("heartbeat"), 1u);
}

TEST(CollectorTableTest, WindowsCollectorsAreOnByDefaultOnlyWhereSupported) {
  // The default comes from each backend (chosen by CMake), so off Windows
  // it is false and on Windows true; both builds run this test.
  const std::map<std::string, bool> expected = {
      {"service", service::ServiceControlSupported()},
      {"eventlog", eventlog::EventSourceSupported()},
      {"agent", agent::AgentHostSupported()}};
  std::size_t seen = 0;
  for (const auto& entry : DefaultCollectorTable()) {
    auto it = expected.find(entry.name);
    if (it == expected.end()) continue;
    ++seen;
    EXPECT_EQ(entry.enabled_by_default, it->second) << entry.name;
  }
  EXPECT_EQ(seen, expected.size());
}

TEST(CollectorTableTest, DefaultEnabledUnlessConfigured) {
  auto table = FakeTable();
  testing::FakeClock clock;
  CollectorDeps deps{clock};
  EXPECT_EQ(Names(BuildCollectors(table, Parse("", table), std::nullopt, deps)),
            (std::vector<std::string>{"alpha", "gamma"}));
  Config config =
      Parse("collectors:\n  alpha: {enabled: false}\n  beta: {enabled: true}\n",
            table);
  EXPECT_EQ(Names(BuildCollectors(table, config, std::nullopt, deps)),
            (std::vector<std::string>{"beta", "gamma"}));
}

TEST(CollectorTableTest, FlagReplacesTheEnabledSet) {
  auto table = FakeTable();
  testing::FakeClock clock;
  CollectorDeps deps{clock};
  Config config = Parse("collectors:\n  beta: {enabled: false}\n", table);
  auto enabled = ParseEnabledList("gamma,beta", table);
  EXPECT_EQ(Names(BuildCollectors(table, config, enabled, deps)),
            (std::vector<std::string>{"beta", "gamma"}));
  EXPECT_TRUE(BuildCollectors(table, config, ParseEnabledList("", table), deps)
                  .empty());
}

TEST(CollectorTableTest, EnabledListRejectsUnknownAndRepeatedNames) {
  auto table = FakeTable();
  try {
    ParseEnabledList("alpha,delta", table);
    FAIL();
  } catch (const FlagError& e) {
    EXPECT_STREQ(
        e.what(),
        "--collectors.enabled: unknown collector \"delta\" (known: alpha, "
        "beta, gamma)");
  }
  EXPECT_THROW(ParseEnabledList("alpha,alpha", table), FlagError);
  EXPECT_THROW(ParseEnabledList("alpha,,beta", table), FlagError);
}

TEST(CollectorTableTest, DisabledCollectorSettingsAreStillValidated) {
  auto table = FakeTable();
  testing::FakeClock clock;
  Config config = Parse(
      "collectors:\n  beta:\n    enabled: false\n    interval: soon\n", table);
  try {
    BuildCollectors(table, config, std::nullopt, CollectorDeps{clock});
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(
        e.what(),
        "t.yml:4:15: collectors.beta.interval: invalid duration \"soon\" "
        "(use a number with a unit, e.g. 500ms, 30s, 2h)");
  }
}

}  // namespace
}  // namespace entra_pta
