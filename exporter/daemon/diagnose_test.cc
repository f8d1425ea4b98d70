// The diagnose command, minus the real collectors, on scripted scenarios
// (diagnose_test_scenarios.h): what the report says in particular
// situations, flag parsing, configuration errors, and the order and
// patience with which the collectors run. The golden-file comparisons are
// in diagnose_golden_test.cc, the thresholds-versus-alert-rules check in
// diagnose_rules_test.cc.

#include "exporter/daemon/diagnose.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "exporter/daemon/diagnose_test_scenarios.h"
#include "exporter/testing/fake_clock.h"
#include "exporter/testing/scenario_collector.h"
#include "exporter/verdict/thresholds.h"
#include "exporter/views/diagnose_render.h"

namespace entra_pta::diagnose {
namespace {

using entra_pta::testing::FakeClock;
using entra_pta::testing::Gauge;
using prometheus::MetricFamily;
using namespace entra_pta::diagnose::scenarios;
using namespace entra_pta::verdict;  // kHeartbeatUnknown

TEST(DiagnoseTest, SectionsComeInTheOrderAdminsWork) {
  auto parsed =
      nlohmann::json::parse(RunScenario(Healthy(), OutputFormat::kJson).out);
  std::vector<std::string> ids;
  for (const auto& section : parsed["sections"]) ids.push_back(section["id"]);
  EXPECT_EQ(ids, (std::vector<std::string>{"cloud", "network", "events",
                                           "services", "agent", "dc"}));
}

// Issue 14 defect 1: no heartbeat source with evidence (no trace file, no
// tenant.id to probe) is unknown: a WARN that says so, not a FAIL pointing
// at EntraPTAHeartbeatStale; the same words as the landing page.
TEST(DiagnoseTest, HeartbeatWithoutEvidenceIsUnknownNotStale) {
  Scenario s = Healthy();
  for (double any_stale : {0.0, 1.0}) {
    s["heartbeat"] = {
        true,
        {Gauge("entra_pta_agent_heartbeat_threshold_seconds", {{{}, 7200}}),
         Gauge("entra_pta_agent_heartbeat_stale",
               {{{{"source", "trace_log"}}, 0},
                {{{"source", "bootstrap"}}, 0},
                {{{"source", "any"}}, any_stale}}),
         Gauge("entra_pta_agent_heartbeat_evidence",
               {{{{"source", "trace_log"}}, 0},
                {{{"source", "bootstrap"}}, 0},
                {{{"source", "any"}}, 0}})},
        ""};
    EXPECT_EQ(
        Verdicts(RunScenario(s, OutputFormat::kJson).out).at("agent.heartbeat"),
        "warn")
        << any_stale;
    Outcome text = RunScenario(s, OutputFormat::kText);
    EXPECT_NE(
        text.out.find("[WARN] Heartbeat: " + std::string(kHeartbeatUnknown)),
        std::string::npos)
        << text.out;
    EXPECT_NE(text.out.find("trace_log: no sign of life recorded (unknown)"),
              std::string::npos)
        << text.out;
    EXPECT_EQ(text.out.find("alert: EntraPTAHeartbeatStale"), std::string::npos)
        << text.out;
  }
}

TEST(DiagnoseTest, ServiceFixIsTheExactPowerShellForBothServices) {
  Outcome text = RunScenario(ServiceStopped(), OutputFormat::kText);
  EXPECT_NE(text.out.find("fix: Restart-Service -Name "
                          "AzureADConnectAuthenticationAgent, "
                          "AzureADConnectAgentUpdater"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("Set-Service -Name AzureADConnectAgentUpdater "
                          "-StartupType Automatic"),
            std::string::npos);
}

TEST(DiagnoseTest, CollectorsEnabledFlagTurnsTheOthersIntoSkips) {
  Outcome json = RunScenario(Healthy(), OutputFormat::kJson,
                             {"--collectors.enabled=endpoint,tls"});
  EXPECT_EQ(json.status, 0);
  auto verdicts = Verdicts(json.out);
  EXPECT_EQ(verdicts["cloud.collector.cloud"], "skip");
  EXPECT_EQ(verdicts["services.collector.service"], "skip");
  EXPECT_EQ(verdicts["dc.collector.domain_controller"], "skip");
  EXPECT_EQ(verdicts["network.endpoint.login"], "pass");
  EXPECT_EQ(verdicts["network.ssl_inspection"], "pass");
}

TEST(DiagnoseTest, ConfigErrorIsExitTwoWithLocationAndNoReport) {
  const auto dir =
      std::filesystem::temp_directory_path() /
      ("entra-pta-diagnose-test-" + std::to_string(std::random_device()()));
  std::filesystem::create_directories(dir);
  const std::string file = (dir / "bad.yml").string();
  std::ofstream(file) << "collectors:\n  endpoint:\n    timeout: soon\n";
  for (OutputFormat format : {OutputFormat::kText, OutputFormat::kJson}) {
    Outcome o = RunScenario(Healthy(), format, {"--config.file=" + file});
    EXPECT_EQ(o.status, kExitConfigError);
    // The scripted collectors read no keys, so `timeout` is an unknown key
    // here (with the real endpoint collector: an invalid duration).
    EXPECT_NE(o.err.find(file + ":3:"), std::string::npos) << o.err;
    if (format == OutputFormat::kText) {
      EXPECT_EQ(o.out, "");
    } else {
      auto parsed = nlohmann::json::parse(o.out);
      EXPECT_EQ(parsed["result"], "config_error");
      EXPECT_EQ(parsed["exit_status"], 2);
      EXPECT_EQ(parsed["error"]["file"], file);
      EXPECT_EQ(parsed["error"]["line"], 3);
      EXPECT_GT(parsed["error"]["column"], 0);
      EXPECT_EQ(parsed.count("sections"), 0u);
    }
  }
  std::filesystem::remove_all(dir);
}

TEST(DiagnoseTest, FlagErrors) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--output=yaml"},
                                             {"--since=yesterday"},
                                             {"--since=0s"},
                                             {"--timeout"},
                                             {"--web.listen-address=:1"},
                                             {"--frobnicate=1"}}) {
    EXPECT_THROW(ParseDiagnoseFlags(args), FlagError) << args[0];
  }
  DiagnoseFlags flags = ParseDiagnoseFlags(
      {"--output", "markdown", "--since=2h", "--timeout=5s",
       "--config.file=x.yml", "--collectors.enabled=tls,endpoint"});
  EXPECT_EQ(flags.output, OutputFormat::kMarkdown);
  EXPECT_EQ(flags.since, std::chrono::hours(2));
  EXPECT_EQ(flags.timeout, std::chrono::seconds(5));
  EXPECT_EQ(flags.exporter.config_file, "x.yml");
  EXPECT_EQ(flags.exporter.collectors_enabled, "tls,endpoint");
}

TEST(DiagnoseTest, UnknownCollectorInFlagIsAConfigErrorExit) {
  std::ostringstream out, err;
  int status = DiagnoseMain({"--collectors.enabled=nope", "--output=json"},
                            ScenarioTable(Healthy()), out, err);
  EXPECT_EQ(status, kExitConfigError);
  EXPECT_NE(err.str().find("unknown collector \"nope\""), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(out.str())["result"], "config_error");
}

TEST(DiagnoseTest, FlagErrorWithJsonOutputInTwoWords) {
  std::ostringstream out, err;
  int status = DiagnoseMain({"--output", "json", "--since=forever"},
                            ScenarioTable(Healthy()), out, err);
  EXPECT_EQ(status, kExitConfigError);
  auto parsed = nlohmann::json::parse(out.str());
  EXPECT_EQ(parsed["result"], "config_error");
  EXPECT_EQ(parsed["error"].count("line"), 0u);
  EXPECT_NE(err.str().find("--since: invalid duration"), std::string::npos);
}

// Issue 14 defect 4: every duration is bounded, flags included.
// Issue 14 defect 8: allowed_issuers names the new issuing CA after a CA
// rotation but allowed_roots lacks its root: diagnose says the root is the
// part not allowed, with its fingerprint, and to allow it, instead of
// "re-signed by another CA".
TEST(DiagnoseTest, RootNotAllowedAfterACaRotationSaysWhichPartAndTheFix) {
  Scenario s = Healthy();
  s["tls"] = TlsScript({{"registration", "Microsoft TLS RSA Issuing CA 10",
                         "Microsoft TLS RSA Root G3", true, 0},
                        GenuineChains()[1]});
  Outcome text = RunScenario(s, OutputFormat::kText);
  EXPECT_NE(text.out.find("registration: Certificate chain root not on the "
                          "allow-list: the leaf's issuing CA \"Microsoft TLS "
                          "RSA Issuing CA 10\" is allowed, but the chain's "
                          "root \"Microsoft TLS RSA Root G3\" (SHA-256 "
                          "\"2b0f\") is not on collectors.tls.allowed_roots"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("allow the root: add \"Microsoft TLS RSA Root G3\" "
                          "or \"sha256:2b0f\" to collectors.tls.allowed_roots"),
            std::string::npos)
      << text.out;
  EXPECT_EQ(text.out.find("re-signed by another CA"), std::string::npos)
      << text.out;
  // Re-signing by a device: the issuer is not allowed; exempt the hosts.
  s["tls"] = TlsScript({{"registration", "Contoso SSL Inspection CA",
                         "DigiCert Global Root G2", false, 1},
                        GenuineChains()[1]});
  text = RunScenario(s, OutputFormat::kText);
  EXPECT_NE(text.out.find("the leaf's issuing CA \"Contoso SSL Inspection "
                          "CA\" (SHA-256 \"1c0a\") is not on "
                          "collectors.tls.allowed_issuers"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("from SSL inspection on the proxy or firewall"),
            std::string::npos)
      << text.out;
}

TEST(DiagnoseTest, DurationFlagsAreBounded) {
  for (const char* flag : {"--timeout=1000y", "--since=366d"}) {
    std::ostringstream out, err;
    EXPECT_EQ(DiagnoseMain({flag}, ScenarioTable(Healthy()), out, err),
              kExitConfigError)
        << flag;
    EXPECT_NE(err.str().find("is too long (at most 365d)"), std::string::npos)
        << err.str();
  }
}

TEST(DiagnoseTest, DiagnoseTableKeepsTheCollectorsAndTheirConfigChecks) {
  const std::vector<CollectorEntry>& table = DefaultCollectorTable();
  std::vector<CollectorEntry> adapted =
      DiagnoseCollectorTable(table, std::chrono::hours(2), "unused-dir");
  ASSERT_EQ(adapted.size(), table.size());
  for (std::size_t i = 0; i < table.size(); ++i) {
    EXPECT_EQ(adapted[i].name, table[i].name);
    EXPECT_EQ(adapted[i].enabled_by_default, table[i].enabled_by_default);
  }
  // The replaced eventlog factory still validates collectors.eventlog.
  Config config =
      ParseConfig("collectors:\n  eventlog:\n    look_back: later\n", "cfg.yml",
                  CollectorNames(adapted));
  FakeClock clock;
  EXPECT_THROW(BuildCollectors(adapted, config, std::nullopt,
                               CollectorDeps{clock, nullptr}),
               ConfigError);
  Config bad_key = ParseConfig("collectors:\n  eventlog:\n    since: 2h\n",
                               "cfg.yml", CollectorNames(adapted));
  EXPECT_THROW(BuildCollectors(adapted, bad_key, std::nullopt,
                               CollectorDeps{clock, nullptr}),
               ConfigError);
}

TEST(DiagnoseTest, HelpExitsZero) {
  std::ostringstream out, err;
  EXPECT_EQ(DiagnoseMain({"--help"}, ScenarioTable(Healthy()), out, err), 0);
  EXPECT_NE(out.str().find("--since=DURATION"), std::string::npos);
}

TEST(DiagnoseTest, ColourOnlyWhenAsked) {
  DiagnoseInput input;
  input.now = std::chrono::system_clock::time_point(
      std::chrono::seconds(1'800'000'000));
  Report report = BuildReport(input);
  EXPECT_NE(RenderText(report, true).find("\033["), std::string::npos);
  EXPECT_EQ(RenderText(report, false).find("\033["), std::string::npos);
}

// The cloud collector answers from a background refresh; diagnose asks it
// again until the answer is there.
class SlowCloud final : public Collector {
 public:
  Status Collect(const ScrapeContext&,
                 std::vector<MetricFamily>& out) override {
    if (++calls_ >= 3) {
      for (const auto& family : CloudScript(ThreeActiveAgents()).families) {
        out.push_back(family);
      }
    }
    return Status::Ok();
  }
  int calls_ = 0;
};

TEST(DiagnoseTest, WaitsForTheCloudCollectorsFirstAnswer) {
  auto cloud = std::make_shared<SlowCloud>();
  std::vector<ScrapeRunner::NamedCollector> collectors = {{"cloud", cloud}};
  FakeClock clock;
  std::ostringstream log;
  Logger logger(log, clock);
  CollectorRun run = RunCollectorsOnce(std::move(collectors), logger, clock,
                                       std::chrono::seconds(5));
  EXPECT_EQ(cloud->calls_, 3);
  bool found = false;
  for (const auto& family : run.families) {
    if (family.name == "entra_pta_cloud_api_up") found = true;
  }
  EXPECT_TRUE(found);
}

// The heartbeat collector runs after the others, so the bootstrap sign of
// life the endpoint collector records in this run counts.
class RecordsBootstrap final : public Collector {
 public:
  explicit RecordsBootstrap(std::vector<std::string>& order) : order_(order) {}
  Status Collect(const ScrapeContext&, std::vector<MetricFamily>&) override {
    order_.push_back("endpoint");
    return Status::Ok();
  }
  std::vector<std::string>& order_;
};
class ReadsBootstrap final : public Collector {
 public:
  explicit ReadsBootstrap(std::vector<std::string>& order) : order_(order) {}
  Status Collect(const ScrapeContext&, std::vector<MetricFamily>&) override {
    order_.push_back("heartbeat");
    return Status::Ok();
  }
  std::vector<std::string>& order_;
};

TEST(DiagnoseTest, HeartbeatRunsAfterTheOtherCollectors) {
  std::vector<std::string> order;
  std::vector<ScrapeRunner::NamedCollector> collectors = {
      {"heartbeat", std::make_shared<ReadsBootstrap>(order)},
      {"endpoint", std::make_shared<RecordsBootstrap>(order)}};
  FakeClock clock;
  std::ostringstream log;
  Logger logger(log, clock);
  RunCollectorsOnce(std::move(collectors), logger, clock,
                    std::chrono::seconds(5));
  EXPECT_EQ(order, (std::vector<std::string>{"endpoint", "heartbeat"}));
}

}  // namespace
}  // namespace entra_pta::diagnose
