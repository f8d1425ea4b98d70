// The scripted scenarios the diagnose tests share (diagnose_test.cc,
// diagnose_golden_test.cc, diagnose_rules_test.cc): scripted collectors
// (ScenarioCollector) return what the real ones return in each situation,
// and RunScenario runs them through RunDiagnose.
// Thread-safety: plain functions.
#pragma once

#include <prometheus/metric_family.h>

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "exporter/daemon/diagnose.h"

namespace entra_pta::diagnose::scenarios {

// What one collector does in a scenario.
struct Script {
  bool enabled = true;
  std::vector<prometheus::MetricFamily> families;
  std::string error;  // non-empty: the collector fails with it
};
using Scenario = std::map<std::string, Script>;

// --- Collector outputs the tests vary -----------------------------------

// The certificate chain the tls collector found at one endpoint.
struct Chain {
  std::string endpoint;
  std::string issuer;
  std::string root;
  bool allowed;
  // Root on the allow-list while the issuer is (a CA rotation): -1 means
  // as `allowed`.
  int root_allowed = -1;
};

// The tls collector's output for `chains`.
Script TlsScript(const std::vector<Chain>& chains);
// Microsoft's chains to the registration and login endpoints.
std::vector<Chain> GenuineChains();

// One agent as Microsoft Graph lists it.
struct CloudAgent {
  std::string id;
  std::string machine;
  std::string ip;
  bool active;
};

// The cloud collector's output for `agents`.
Script CloudScript(const std::vector<CloudAgent>& agents);
std::vector<CloudAgent> ThreeActiveAgents();

// --- Scenarios ------------------------------------------------------------

// Every collector enabled and healthy.
Scenario Healthy();
// Both services stopped, the updater disabled.
Scenario ServiceStopped();

// A scenario with golden files (tests/golden/diagnose/<name>.*).
struct GoldenCase {
  std::string name;
  Scenario (*scenario)();
  int exit_status;
};

// GoogleTest prints the case by name instead of dumping its bytes.
void PrintTo(const GoldenCase& golden, std::ostream* out);

// Every scenario with a golden file under tests/golden/diagnose/, and the
// exit status it gives.
const std::vector<GoldenCase>& GoldenCases();

// --- Running a scenario ---------------------------------------------------

// The table's collectors, each returning what `scenario` scripts.
std::vector<CollectorEntry> ScenarioTable(const Scenario& scenario);

// What RunDiagnose returned and wrote.
struct Outcome {
  int status;
  std::string out;
  std::string err;
};

// Runs `scenario` through RunDiagnose, with the diagnose flags `extra_args`
// and the output `format`, without colour.
Outcome RunScenario(const Scenario& scenario, OutputFormat format,
                    const std::vector<std::string>& extra_args = {});

// Check id to verdict ("pass", "warn"...) from a JSON report.
std::map<std::string, std::string> Verdicts(const std::string& json_text);

}  // namespace entra_pta::diagnose::scenarios
