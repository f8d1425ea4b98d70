// The thresholds in exporter/verdict/thresholds.h are the ones the alert
// rules (alerts/entra-pta.rules.yml) use, and every alert the diagnose
// report names exists there.

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "collectors/heartbeat/heartbeat_collector.h"
#include "exporter/daemon/diagnose_test_scenarios.h"
#include "exporter/verdict/thresholds.h"

namespace entra_pta::diagnose {
namespace {

using namespace entra_pta::diagnose::scenarios;
using namespace entra_pta::verdict;  // the thresholds

std::map<std::string, YAML::Node> AlertRules() {
  std::map<std::string, YAML::Node> rules;
  YAML::Node root = YAML::LoadFile(std::string(ENTRA_PTA_SOURCE_DIR) +
                                   "/alerts/entra-pta.rules.yml");
  for (const auto& group : root["groups"]) {
    for (const auto& rule : group["rules"]) {
      if (rule["alert"]) {
        rules[rule["alert"].as<std::string>()] =
            static_cast<const YAML::Node&>(rule);
      }
    }
  }
  return rules;
}

std::string Expr(const std::map<std::string, YAML::Node>& rules,
                 const std::string& alert) {
  auto it = rules.find(alert);
  if (it == rules.end()) return "<no alert " + alert + ">";
  return it->second["expr"].as<std::string>();
}

TEST(DiagnoseThresholdsTest, AgreeWithTheAlertRules) {
  const auto rules = AlertRules();
  auto contains = [](const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  };
  EXPECT_PRED2(contains, Expr(rules, "EntraPTAAgentCertificateExpiring"),
               "< " + std::to_string(kCertificateWarnDays) + " * 86400");
  EXPECT_PRED2(contains, Expr(rules, "EntraPTAAgentCertificateAboutToExpire"),
               "< " + std::to_string(kCertificateFailDays) + " * 86400");
  EXPECT_PRED2(contains, Expr(rules, "EntraPTAAgentOutdated"),
               "> " + std::to_string(kAgentOutdatedDays) + " * 86400");
  EXPECT_PRED2(contains, Expr(rules, "EntraPTAHeartbeatLate"),
               "> " + std::to_string(kHeartbeatLateSeconds));
  EXPECT_PRED2(contains, Expr(rules, "EntraPTAFewerThanThreeActiveAgents"),
               "< " + std::to_string(kRecommendedActiveAgents) + " > 1");
  EXPECT_PRED2(contains, Expr(rules, "EntraPTAOnlyOneActiveAgent"), "== 1");
  EXPECT_PRED2(contains, Expr(rules, "EntraPTANoActiveAgents"), "== 0");
  EXPECT_PRED2(contains, Expr(rules, "EntraPTAEndpointSlow"),
               "> " + std::to_string(kEndpointSlowSeconds) + "\n");
  // The landing page names an agent event as long as the alerts' window
  // still counts it.
  for (const char* alert :
       {"EntraPTAAgentCannotReachDomainController",
        "EntraPTAAgentCannotReachCloud", "EntraPTAAgentErrorEvents"}) {
    EXPECT_PRED2(contains, Expr(rules, alert),
                 "[" + std::to_string(kRecentEventMinutes) + "m]")
        << alert;
  }
  // Sign-in failures per code family in the alerts' window, and the
  // directory sync age (exporter/verdict/signins.cc).
  const std::string window =
      "[" + std::to_string(kSignInFailureWindowMinutes) + "m])) > ";
  EXPECT_PRED2(contains, Expr(rules, "EntraPTASignInFailuresADUnreachable"),
               std::string("{code=~\"") + kSignInADUnreachableCodes + "\"}" +
                   window + std::to_string(kSignInADUnreachableMax) + "\n");
  EXPECT_PRED2(contains, Expr(rules, "EntraPTASignInFailuresTimeouts"),
               std::string("{code=~\"") + kSignInTimeoutsCodes + "\"}" +
                   window + std::to_string(kSignInTimeoutsMax) + "\n");
  EXPECT_PRED2(contains, Expr(rules, "EntraPTASignInFailuresDecryption"),
               std::string("{code=~\"") + kSignInDecryptionCodes + "\"}" +
                   window + std::to_string(kSignInDecryptionMax) + "\n");
  EXPECT_PRED2(contains, Expr(rules, "EntraPTADirectorySyncStale"),
               "> " + std::to_string(kDirectorySyncStaleHours) + " * 3600");
  EXPECT_PRED2(contains, Expr(rules, "EntraPTADirectorySyncStale"),
               "entra_pta_directory_sync_enabled == 1");
  for (const char* alert :
       {"EntraPTASignInLogsUnavailable", "EntraPTADirectorySyncUnavailable",
        "EntraPTASyncServiceNotRunning"}) {
    EXPECT_EQ(rules.count(alert), 1u) << alert;
  }
  // The stale alert relies on the collector's flag and needs evidence; its
  // threshold is the heartbeat collector's default, and its text names the
  // measured age and the threshold metric, never a fixed number of minutes.
  EXPECT_EQ(heartbeat::HeartbeatSettings().stale_threshold,
            std::chrono::minutes(kHeartbeatStaleMinutes));
  EXPECT_PRED2(contains, Expr(rules, "EntraPTAHeartbeatStale"),
               "entra_pta_agent_heartbeat_evidence{source=\"any\"} == 1");
  const std::string stale_summary =
      rules.at("EntraPTAHeartbeatStale")["annotations"]["summary"]
          .as<std::string>();
  EXPECT_PRED2(contains, stale_summary, "$value | humanizeDuration");
  EXPECT_EQ(stale_summary.find("120 minutes"), std::string::npos);
  EXPECT_PRED2(contains,
               rules.at("EntraPTAHeartbeatStale")["annotations"]["description"]
                   .as<std::string>(),
               "entra_pta_agent_heartbeat_threshold_seconds");
  // Every alert diagnose names exists in the rule file.
  for (const GoldenCase& c : GoldenCases()) {
    auto parsed = nlohmann::json::parse(
        RunScenario(c.scenario(), OutputFormat::kJson).out);
    for (const auto& section : parsed["sections"]) {
      for (const auto& check : section["checks"]) {
        const std::string alert = check["alert"];
        if (!alert.empty()) {
          EXPECT_EQ(rules.count(alert), 1u) << alert;
        }
      }
    }
  }
}

}  // namespace
}  // namespace entra_pta::diagnose
