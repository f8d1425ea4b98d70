// The verdict engine's sign-in, directory sync and ADSync findings
// (signins.cc) on hand-made families: every threshold of thresholds.h they
// use probed on both sides, each unavailable source with its reason, and
// ADSync's absence judged no fault.
#include <gtest/gtest.h>

#include <cctype>
#include <memory>
#include <optional>
#include <ostream>

#include "exporter/testing/scenario_collector.h"
#include "exporter/verdict/engine.h"
#include "exporter/verdict/thresholds.h"

namespace entra_pta::verdict {
namespace {

using entra_pta::testing::Counter;
using entra_pta::testing::Gauge;
using prometheus::MetricFamily;

constexpr double kNow = 1'800'000'000;
constexpr double kWindow = kSignInFailureWindowMinutes * 60;
constexpr double kStale = kDirectorySyncStaleHours * 3600;

MetricFamily Ran(const std::string& collector) {
  return Gauge("entra_pta_scrape_collector_success",
               {{{{"collector", collector}}, 1}});
}

std::vector<Finding> Judge(const std::vector<MetricFamily>& families) {
  Input input;
  input.families = Borrow(families);
  input.now = std::chrono::system_clock::time_point(
      std::chrono::seconds(static_cast<long long>(kNow)));
  return Assess(input);
}

const Finding* Find(const std::vector<Finding>& findings,
                    const std::string& id) {
  for (const Finding& f : findings) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

Finding Get(const std::vector<Finding>& findings, const std::string& id) {
  const Finding* f = Find(findings, id);
  if (f == nullptr) {
    ADD_FAILURE() << "no finding " << id;
    return Finding();
  }
  return *f;
}

// The cloud collector after a good refresh: every code at 0 except
// `code`, which has `count` failures, the last `age` seconds ago.
std::vector<MetricFamily> SignIns(const std::string& code, double count,
                                  double age) {
  std::vector<entra_pta::testing::Samples::value_type> totals;
  for (const char* c : {"80001", "80002", "80005", "80007", "80010", "80011",
                        "80012", "80013", "80014"}) {
    totals.push_back({{{"code", c}, {"reason", "r"}}, c == code ? count : 0});
  }
  return {Ran("cloud"),
          Gauge("entra_pta_signin_logs_available", {{{{"reason", "ok"}}, 1}}),
          Counter("entra_pta_signin_failures_total", totals),
          Gauge("entra_pta_signin_failure_last_timestamp_seconds",
                {{{{"code", code}}, kNow - age}})};
}

struct FamilyCase {
  std::string id;
  std::string code;
  int max;
  std::string alert;
};

void PrintTo(const FamilyCase& c, std::ostream* out) {
  *out << c.id << " " << c.code;
}

class SignInFamilyTest : public ::testing::TestWithParam<FamilyCase> {};

TEST_P(SignInFamilyTest, FailsAboveTheAlertThresholdOnlyWhenRecent) {
  const FamilyCase& c = GetParam();
  Finding above = Get(Judge(SignIns(c.code, c.max + 1, 60)), c.id);
  EXPECT_EQ(above.severity, Severity::kFail) << above.summary;
  EXPECT_EQ(above.alert_name, c.alert);
  std::string anchor = c.alert;
  for (char& ch : anchor) ch = static_cast<char>(std::tolower(ch));
  EXPECT_EQ(above.runbook_anchor, anchor);
  EXPECT_FALSE(above.first_fix.empty());
  EXPECT_FALSE(above.meaning.empty());
  EXPECT_NE(above.evidence.front().find("AADSTS"), std::string::npos);

  Finding at = Get(Judge(SignIns(c.code, c.max, 60)), c.id);
  EXPECT_EQ(at.severity, Severity::kWarn) << at.summary;
  EXPECT_EQ(at.alert_name, "");

  // The same count, the last one just inside and just outside the window.
  EXPECT_EQ(Get(Judge(SignIns(c.code, c.max + 1, kWindow)), c.id).severity,
            Severity::kFail);
  Finding old = Get(Judge(SignIns(c.code, c.max + 1, kWindow + 1)), c.id);
  EXPECT_EQ(old.severity, Severity::kPass) << old.summary;
  EXPECT_EQ(old.alert_name, "");
}

INSTANTIATE_TEST_SUITE_P(
    Families, SignInFamilyTest,
    ::testing::Values(
        FamilyCase{"cloud.signins.ad_unreachable", "80001",
                   kSignInADUnreachableMax,
                   "EntraPTASignInFailuresADUnreachable"},
        FamilyCase{"cloud.signins.ad_unreachable", "80007",
                   kSignInADUnreachableMax,
                   "EntraPTASignInFailuresADUnreachable"},
        FamilyCase{"cloud.signins.timeouts", "80002", kSignInTimeoutsMax,
                   "EntraPTASignInFailuresTimeouts"},
        FamilyCase{"cloud.signins.timeouts", "80014", kSignInTimeoutsMax,
                   "EntraPTASignInFailuresTimeouts"},
        FamilyCase{"cloud.signins.decryption", "80010", kSignInDecryptionMax,
                   "EntraPTASignInFailuresDecryption"},
        FamilyCase{"cloud.signins.decryption", "80011", kSignInDecryptionMax,
                   "EntraPTASignInFailuresDecryption"}),
    [](const ::testing::TestParamInfo<FamilyCase>& param_info) {
      return "Code" + param_info.param.code;
    });

TEST(SignInFindingsTest, CodesOutsideTheFamiliesNeverFail) {
  std::vector<Finding> findings = Judge(SignIns("80012", 500, 30));
  for (const char* id :
       {"cloud.signins.ad_unreachable", "cloud.signins.timeouts",
        "cloud.signins.decryption"}) {
    EXPECT_EQ(Get(findings, id).severity, Severity::kPass) << id;
  }
}

TEST(SignInFindingsTest, UnavailableLogsWarnWithTheReasonInsteadOfFamilies) {
  std::vector<MetricFamily> families = {
      Ran("cloud"), Gauge("entra_pta_signin_logs_available",
                          {{{{"reason", "not_licensed"}}, 0}})};
  std::vector<Finding> findings = Judge(families);
  Finding logs = Get(findings, "cloud.signin_logs");
  EXPECT_EQ(logs.severity, Severity::kWarn);
  EXPECT_NE(logs.summary.find("not_licensed"), std::string::npos);
  EXPECT_NE(logs.first_fix.at(0).find("P1 or P2"), std::string::npos);
  EXPECT_EQ(logs.alert_name, "EntraPTASignInLogsUnavailable");
  EXPECT_EQ(Find(findings, "cloud.signins.ad_unreachable"), nullptr);

  families[1] = Gauge("entra_pta_signin_logs_available",
                      {{{{"reason", "forbidden"}}, 0}});
  EXPECT_NE(Get(Judge(families), "cloud.signin_logs")
                .first_fix.at(0)
                .find("AuditLog.Read.All"),
            std::string::npos);
  // A cloud collector without the sign-in part reports none of it.
  EXPECT_EQ(Find(Judge({Ran("cloud")}), "cloud.signin_logs"), nullptr);
  EXPECT_EQ(Find(Judge({Ran("cloud")}), "cloud.directory_sync"), nullptr);
}

std::vector<MetricFamily> Sync(double enabled, std::optional<double> age) {
  std::vector<MetricFamily> families = {
      Ran("cloud"),
      Gauge("entra_pta_directory_sync_available", {{{{"reason", "ok"}}, 1}}),
      Gauge("entra_pta_directory_sync_enabled", {{{}, enabled}}),
      Gauge("entra_pta_password_sync_last_timestamp_seconds",
            {{{}, kNow - 120}})};
  if (age) {
    families.push_back(Gauge("entra_pta_directory_sync_last_timestamp_seconds",
                             {{{}, kNow - *age}}));
  }
  return families;
}

TEST(DirectorySyncFindingTest, StaleAboveThreeHoursWhileEnabled) {
  Finding stale = Get(Judge(Sync(1, kStale + 1)), "cloud.directory_sync");
  EXPECT_EQ(stale.severity, Severity::kWarn);
  EXPECT_EQ(stale.alert_name, "EntraPTADirectorySyncStale");
  EXPECT_EQ(stale.runbook_anchor, "entraptadirectorysyncstale");
  EXPECT_FALSE(stale.meaning.empty());
  EXPECT_NE(
      stale.first_fix.at(0).find("Start-ADSyncSyncCycle -PolicyType Delta"),
      std::string::npos);
  EXPECT_NE(stale.evidence.back().find("password hash sync"),
            std::string::npos);

  Finding fresh = Get(Judge(Sync(1, kStale)), "cloud.directory_sync");
  EXPECT_EQ(fresh.severity, Severity::kPass) << fresh.summary;
  EXPECT_EQ(fresh.alert_name, "");
  EXPECT_NE(fresh.summary.find("3h"), std::string::npos) << fresh.summary;
}

TEST(DirectorySyncFindingTest, DisabledUnknownAndUnavailableWarn) {
  Finding disabled = Get(Judge(Sync(0, kStale * 10)), "cloud.directory_sync");
  EXPECT_EQ(disabled.severity, Severity::kWarn);
  EXPECT_NE(disabled.summary.find("not enabled"), std::string::npos);
  EXPECT_EQ(disabled.alert_name, "");  // the stale alert needs enabled == 1

  EXPECT_EQ(Get(Judge(Sync(1, std::nullopt)), "cloud.directory_sync").severity,
            Severity::kWarn);

  Finding unavailable =
      Get(Judge({Ran("cloud"), Gauge("entra_pta_directory_sync_available",
                                     {{{{"reason", "forbidden"}}, 0}})}),
          "cloud.directory_sync");
  EXPECT_EQ(unavailable.severity, Severity::kWarn);
  EXPECT_NE(unavailable.summary.find("forbidden"), std::string::npos);
  EXPECT_NE(unavailable.first_fix.at(0).find("Organization.Read.All"),
            std::string::npos);
  EXPECT_EQ(unavailable.alert_name, "EntraPTADirectorySyncUnavailable");
}

std::vector<MetricFamily> Services(std::optional<std::string> sync_state) {
  std::vector<entra_pta::testing::Samples::value_type> installed = {
      {{{"service", "AzureADConnectAuthenticationAgent"}}, 1},
      {{{"service", "ADSync"}}, sync_state ? 1.0 : 0.0}};
  std::vector<entra_pta::testing::Samples::value_type> states = {
      {{{"service", "AzureADConnectAuthenticationAgent"}, {"state", "running"}},
       1}};
  if (sync_state) {
    for (const char* s : {"running", "stopped"}) {
      states.push_back({{{"service", "ADSync"}, {"state", s}},
                        *sync_state == s ? 1.0 : 0.0});
    }
  }
  return {Ran("service"), Gauge("entra_pta_service_installed", installed),
          Gauge("entra_pta_service_state", states)};
}

TEST(SyncServiceFindingTest, AbsentIsNoFaultStoppedWarnsRunningPasses) {
  std::vector<Finding> absent = Judge(Services(std::nullopt));
  Finding not_installed = Get(absent, "services.ADSync");
  EXPECT_EQ(not_installed.severity, Severity::kPass);
  EXPECT_NE(not_installed.summary.find("not installed"), std::string::npos);
  EXPECT_EQ(not_installed.alert_name, "");
  int count = 0;
  for (const Finding& f : absent) count += f.id == "services.ADSync";
  EXPECT_EQ(count, 1);  // not judged a second time as an agent service

  Finding stopped = Get(Judge(Services("stopped")), "services.ADSync");
  EXPECT_EQ(stopped.severity, Severity::kWarn);
  EXPECT_EQ(stopped.alert_name, "EntraPTASyncServiceNotRunning");
  EXPECT_FALSE(stopped.meaning.empty());
  EXPECT_EQ(stopped.first_fix.at(0), "Start-Service -Name ADSync");

  EXPECT_EQ(Get(Judge(Services("running")), "services.ADSync").severity,
            Severity::kPass);
}

}  // namespace
}  // namespace entra_pta::verdict
