// The diagnose command end to end, minus the real collectors: the scripted
// scenarios of diagnose_test_scenarios.h run through the ScrapeRunner, the
// report is rendered, and the output is compared with the golden files
// under tests/golden/diagnose/<scenario>.{txt,json,md}.
//
// To regenerate the golden files after an intended change of the report:
//   ENTRA_PTA_UPDATE_GOLDEN=1 build/exporter/daemon/exporter_diagnose_test
// then review the diff (git diff tests/golden/diagnose) before committing.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "exporter/daemon/diagnose_test_scenarios.h"

namespace entra_pta::diagnose {
namespace {

using namespace entra_pta::diagnose::scenarios;

std::string GoldenPath(const std::string& name) {
  return std::string(ENTRA_PTA_SOURCE_DIR) + "/tests/golden/diagnose/" + name;
}

void ExpectGolden(const std::string& name, const std::string& actual) {
  const std::string path = GoldenPath(name);
  const char* update = std::getenv("ENTRA_PTA_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing golden file " << path
                  << " (regenerate: ENTRA_PTA_UPDATE_GOLDEN=1)";
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str())
      << "golden file " << path
      << " differs (if intended: ENTRA_PTA_UPDATE_GOLDEN=1, review the diff)";
}

class DiagnoseGoldenTest : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(DiagnoseGoldenTest, MatchesGoldenOutputsAndExitStatus) {
  const GoldenCase& c = GetParam();
  const Scenario scenario = c.scenario();
  Outcome text = RunScenario(scenario, OutputFormat::kText);
  Outcome json = RunScenario(scenario, OutputFormat::kJson);
  Outcome markdown = RunScenario(scenario, OutputFormat::kMarkdown);
  EXPECT_EQ(text.status, c.exit_status);
  EXPECT_EQ(json.status, c.exit_status);
  EXPECT_EQ(markdown.status, c.exit_status);
  EXPECT_EQ(text.err, "");
  EXPECT_EQ(text.out.find('\033'), std::string::npos) << "no colour";
  const auto parsed = nlohmann::json::parse(json.out);
  EXPECT_EQ(parsed["exit_status"], c.exit_status);
  ExpectGolden(c.name + ".txt", text.out);
  ExpectGolden(c.name + ".json", json.out);
  ExpectGolden(c.name + ".md", markdown.out);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, DiagnoseGoldenTest,
                         ::testing::ValuesIn(GoldenCases()),
                         [](const ::testing::TestParamInfo<GoldenCase>& param) {
                           return param.param.name;
                         });

}  // namespace
}  // namespace entra_pta::diagnose
