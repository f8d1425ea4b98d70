#include "collectors/agent/agent_collector.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "collectors/agent/testing/fake_agent_host.h"
#include "exporter/testing/metric_lookup.h"

namespace entra_pta::agent {
namespace {

using entra_pta::testing::FindSample;

const std::string kThumbprint = "3F29132A414EAEDF42645B75D3968C030DF00CEC";

class AgentCollectorTest : public ::testing::Test {
 protected:
  AgentCollectorTest() {
    settings_.binary_path = "C:\\agent\\Agent.exe";
    settings_.registry_key = "SOFTWARE\\Agent";
    settings_.trust_settings_path =
        std::string(ENTRA_PTA_AGENT_TESTDATA) + "/TrustSettings.xml";
    host_.files[settings_.binary_path] = FileVersion{"1.5.2482.0", 1.7e9};
    host_.registry[settings_.registry_key] =
        AgentIds{"0b1c2d3e-aaaa-bbbb-cccc-000000000001",
                 "72f988bf-86f1-41af-91ab-2d7cd011db47"};
    host_.certificates[kThumbprint] = 1.81e9;
  }

  std::vector<prometheus::MetricFamily> Collect(bool supported = true) {
    auto host = std::make_unique<testing::FakeAgentHost>(host_);
    host_seen_ = host.get();
    collector_ =
        std::make_unique<AgentCollector>(settings_, std::move(host), supported);
    std::vector<prometheus::MetricFamily> out;
    status_ = collector_->Collect(ScrapeContext{}, out);
    return out;
  }

  AgentSettings settings_;
  testing::FakeAgentHost host_;
  testing::FakeAgentHost* host_seen_ = nullptr;
  std::unique_ptr<AgentCollector> collector_;
  Status status_ = Status::Ok();
};

TEST_F(AgentCollectorTest, VersionIdsAndCertificate) {
  auto out = Collect();
  ASSERT_TRUE(status_.ok()) << status_.message();
  EXPECT_EQ(FindSample(out, "entra_pta_agent_info",
                       {{"version", "1.5.2482.0"},
                        {"instance_id", "0b1c2d3e-aaaa-bbbb-cccc-000000000001"},
                        {"tenant_id", "72f988bf-86f1-41af-91ab-2d7cd011db47"}}),
            1);
  EXPECT_EQ(FindSample(out, "entra_pta_agent_binary_timestamp_seconds"), 1.7e9);
  EXPECT_EQ(FindSample(
                out, "entra_pta_agent_certificate_not_after_timestamp_seconds"),
            1.81e9);
  EXPECT_EQ(host_seen_->last_user_store, false);
}

TEST_F(AgentCollectorTest, MissingTrustSettingsFileFailsWithItsPath) {
  settings_.trust_settings_path = "/nonexistent/TrustSettings.xml";
  auto out = Collect();
  EXPECT_FALSE(status_.ok());
  EXPECT_NE(
      status_.message().find("cannot read /nonexistent/TrustSettings.xml"),
      std::string::npos)
      << status_.message();
  // What could be read is still there.
  EXPECT_EQ(FindSample(out, "entra_pta_agent_binary_timestamp_seconds"), 1.7e9);
  EXPECT_EQ(FindSample(
                out, "entra_pta_agent_certificate_not_after_timestamp_seconds"),
            std::nullopt);
}

TEST_F(AgentCollectorTest, MissingBinaryAndCertificateAreReported) {
  host_.files.clear();
  host_.certificates.clear();
  auto out = Collect();
  EXPECT_FALSE(status_.ok());
  EXPECT_NE(status_.message().find("cannot read the file version of "
                                   "C:\\agent\\Agent.exe"),
            std::string::npos);
  EXPECT_NE(
      status_.message().find("no certificate with thumbprint " + kThumbprint),
      std::string::npos);
  EXPECT_EQ(FindSample(out, "entra_pta_agent_info"), std::nullopt);
}

TEST_F(AgentCollectorTest, MissingRegistryKeyKeepsTheVersion) {
  host_.registry.clear();
  auto out = Collect();
  EXPECT_FALSE(status_.ok());
  EXPECT_EQ(status_.message(),
            "registry key HKLM\\SOFTWARE\\Agent does not exist");
  EXPECT_EQ(FindSample(out, "entra_pta_agent_info",
                       {{"version", "1.5.2482.0"}, {"instance_id", ""}}),
            1);
}

TEST_F(AgentCollectorTest, UnsupportedOsSaysSo) {
  auto out = Collect(false);
  EXPECT_FALSE(status_.ok());
  EXPECT_NE(status_.message().find("unsupported on this OS"),
            std::string::npos);
  EXPECT_EQ(FindSample(out, "entra_pta_agent_os_supported"), 0);
}

TEST(AgentSettingsTest, DefaultsPointAtTheAgent) {
  AgentSettings defaults =
      ParseAgentSettings(ConfigSection("t.yml", "collectors.agent"));
  EXPECT_NE(
      defaults.binary_path.find("AzureADConnectAuthenticationAgentService.exe"),
      std::string::npos);
  EXPECT_EQ(defaults.registry_key,
            "SOFTWARE\\Microsoft\\Azure AD Connect Agents\\Azure AD Connect "
            "Authentication Agent");
  auto custom = ParseAgentSettings(ParseConfigRoot(
      "binary_path: a.exe\ntrust_settings_path: t.xml\n", "t.yml"));
  EXPECT_EQ(custom.binary_path, "a.exe");
  EXPECT_EQ(custom.trust_settings_path, "t.xml");
}

}  // namespace
}  // namespace entra_pta::agent
