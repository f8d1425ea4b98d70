// The verdict engine fed by the real collectors: each pillar's collectors
// run over their testing backends through the real scrape runner (the
// families a scrape of /metrics has, entra_pta_scrape_collector_* included),
// serialized in the text format and parsed back
// (exporter/testing/text_exposition.h), and the engine judges those
// families. A metric renamed in a collector but not in the engine makes one
// of these tests fail.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "collectors/cloud/cloud_collector.h"
#include "collectors/cloud/graph_model.h"
#include "collectors/cloud/platform.h"
#include "collectors/cloud/state_store.h"
#include "collectors/cloud/testing/fake_http_client.h"
#include "collectors/domain_controller/domain_controller_collector.h"
#include "collectors/domain_controller/testing/dns_test_messages.h"
#include "collectors/domain_controller/testing/fake_network.h"
#include "collectors/domain_controller/testing/loopback_dns_server.h"
#include "collectors/endpoint/endpoint_collector.h"
#include "collectors/probe/testing/fake_prober.h"
#include "collectors/service/service_collector.h"
#include "collectors/service/testing/fake_service_control.h"
#include "exporter/daemon/diagnose.h"
#include "exporter/testing/fake_clock.h"
#include "exporter/testing/text_exposition.h"
#include "exporter/verdict/engine.h"
#include "exporter/verdict/thresholds.h"

namespace entra_pta::verdict {
namespace {

namespace fs = std::filesystem;

class EngineOnCollectorsTest : public ::testing::Test {
 protected:
  // One run of `collectors` through the scrape runner, judged.
  std::vector<Finding> Judge(
      std::vector<ScrapeRunner::NamedCollector> collectors) {
    std::ostringstream log;
    Logger logger(log, clock_);
    run_ = diagnose::RunCollectorsOnce(std::move(collectors), logger, clock_,
                                       std::chrono::seconds(10));
    // As /metrics serves them: through the text format and back.
    auto parsed = entra_pta::testing::ThroughTextExposition(run_.families);
    EXPECT_TRUE(parsed.ok()) << parsed.status().message();
    if (parsed.ok()) run_.families = std::move(*parsed);
    Input input;
    input.families = Borrow(run_.families);
    input.collector_errors = run_.errors;
    input.now = clock_.Now();
    return Assess(input);
  }

  static const Finding* Find(const std::vector<Finding>& findings,
                             const std::string& id) {
    for (const Finding& f : findings) {
      if (f.id == id) return &f;
    }
    return nullptr;
  }

  entra_pta::testing::FakeClock clock_;
  diagnose::CollectorRun run_;
};

TEST_F(EngineOnCollectorsTest, NetworkSlowAndUnreachableEndpoints) {
  probe::EndpointSettings settings;
  std::string error;
  settings.targets = {
      *probe::ParseTargetUrl("login", "https://login.test/", &error),
      *probe::ParseTargetUrl("crl", "http://crl.test/", &error),
      *probe::ParseTargetUrl("fast", "https://fast.test/", &error)};
  auto prober = std::make_unique<probe::testing::FakeProber>();
  probe::ProbeResult slow;
  slow.http_status = 200;
  slow.phases = {0.1, 0.2, 0.3, 1.6, kEndpointSlowSeconds + 0.2};
  prober->Set("login", slow);
  probe::ProbeResult fast = slow;
  fast.phases.total = kEndpointSlowSeconds - 0.2;
  prober->Set("fast", fast);
  probe::ProbeResult dns;
  dns.failure = probe::FailureReason::kDns;
  prober->Set("crl", dns);
  auto hub = std::make_shared<probe::ProbeHub>(settings, std::move(prober),
                                               clock_, nullptr, nullptr);
  const auto findings =
      Judge({{"endpoint", std::make_shared<endpoint::EndpointCollector>(hub)}});
  const Finding* login = Find(findings, "network.endpoint.login");
  ASSERT_NE(login, nullptr);
  EXPECT_EQ(login->pillar, Pillar::kNetwork);
  EXPECT_EQ(login->severity, Severity::kWarn) << login->summary;
  EXPECT_EQ(login->alert_name, "EntraPTAEndpointSlow");
  EXPECT_EQ(login->runbook_anchor, "entraptaendpointslow");
  ASSERT_NE(Find(findings, "network.endpoint.fast"), nullptr);
  EXPECT_EQ(Find(findings, "network.endpoint.fast")->severity, Severity::kPass);
  const Finding* crl = Find(findings, "network.endpoint.crl");
  ASSERT_NE(crl, nullptr);
  EXPECT_EQ(crl->severity, Severity::kFail);
  EXPECT_EQ(crl->alert_name, "EntraPTAEndpointUnreachable");
  EXPECT_NE(crl->summary.find("port 80"), std::string::npos) << crl->summary;
  EXPECT_NE(crl->first_fix.at(0).find("Resolve-DnsName crl.test"),
            std::string::npos);
  EXPECT_FALSE(crl->meaning.empty());
}

TEST_F(EngineOnCollectorsTest, AgentHostStoppedAgentService) {
  auto control = std::make_unique<service::testing::FakeServiceControl>();
  service::ServiceStatus stopped;
  stopped.state = service::ServiceState::kStopped;
  stopped.start_mode = service::StartMode::kDisabled;
  control->services["AzureADConnectAuthenticationAgent"] = stopped;
  service::ServiceStatus running;
  running.state = service::ServiceState::kRunning;
  running.start_mode = service::StartMode::kAuto;
  control->services["AzureADConnectAgentUpdater"] = running;
  const auto findings =
      Judge({{"service", std::make_shared<service::ServiceCollector>(
                             service::ServiceSettings(), std::move(control),
                             /*supported=*/true)}});
  const Finding* agent =
      Find(findings, "services.AzureADConnectAuthenticationAgent");
  ASSERT_NE(agent, nullptr);
  EXPECT_EQ(agent->pillar, Pillar::kAgent);
  EXPECT_EQ(agent->severity, Severity::kFail);
  EXPECT_EQ(agent->summary, "not running (stopped)");
  EXPECT_EQ(agent->alert_name, "EntraPTAAgentServiceNotRunning");
  EXPECT_EQ(agent->first_fix.back(),
            "Set-Service -Name AzureADConnectAuthenticationAgent -StartupType "
            "Automatic");
  const Finding* updater =
      Find(findings, "services.AzureADConnectAgentUpdater");
  ASSERT_NE(updater, nullptr);
  EXPECT_EQ(updater->severity, Severity::kPass);
  EXPECT_EQ(updater->summary, "running");
}

TEST_F(EngineOnCollectorsTest, DomainControllersOneDownOnLdap) {
  using namespace domain_controller;
  using namespace domain_controller::testing;
  // A real DNS server on 127.0.0.1, asked through c-ares as in production.
  const std::string srv = "_ldap._tcp.dc._msdcs.corp.test";
  LoopbackDnsServer dns_server([srv](const Bytes& query,
                                     Transport) -> std::optional<Bytes> {
    const std::string name = QueryName(query);
    if (QueryType(query) == kDnsTypeSrv && name == srv) {
      return SrvAnswer(QueryId(query), srv,
                       {{"dc1.corp.test", 389}, {"dc2.corp.test", 389}}, {});
    }
    if (QueryType(query) == kDnsTypeA && name == "dc1.corp.test") {
      return AAnswer(QueryId(query), name, {10, 0, 0, 1});
    }
    if (QueryType(query) == kDnsTypeA && name == "dc2.corp.test") {
      return AAnswer(QueryId(query), name, {10, 0, 0, 2});
    }
    return std::nullopt;
  });
  DomainControllerSettings settings;
  settings.domain = "corp.test";
  settings.dns_servers = {dns_server.endpoint()};
  auto network = std::make_shared<FakeNetwork>();
  network->connect["10.0.0.1:389"] = {true, std::chrono::milliseconds(3), ""};
  network->connect["10.0.0.1:88"] = {true, std::chrono::milliseconds(3), ""};
  network->connect["10.0.0.2:389"] = {false, std::chrono::milliseconds(1),
                                      "Connection refused"};
  network->connect["10.0.0.2:88"] = {true, std::chrono::milliseconds(3), ""};
  const auto findings =
      Judge({{"domain_controller",
              std::make_shared<DomainControllerCollector>(settings, network)}});
  const Finding* discovery = Find(findings, "dc.discovery.corp.test");
  ASSERT_NE(discovery, nullptr);
  EXPECT_EQ(discovery->pillar, Pillar::kDomainController);
  EXPECT_EQ(discovery->severity, Severity::kPass);
  EXPECT_EQ(discovery->summary, "2 domain controller(s) found");
  const Finding* ldap = Find(findings, "dc.port.389");
  ASSERT_NE(ldap, nullptr);
  EXPECT_EQ(ldap->severity, Severity::kWarn);
  EXPECT_EQ(ldap->alert_name, "EntraPTADomainControllerUnreachable");
  EXPECT_NE(ldap->first_fix.at(0).find("dc2.corp.test -Port 389"),
            std::string::npos);
  ASSERT_NE(Find(findings, "dc.port.88"), nullptr);
  EXPECT_EQ(Find(findings, "dc.port.88")->severity, Severity::kPass);
}

// The cloud collector against a fake token endpoint and Graph answering the
// documented shapes: two agents, one inactive.
TEST_F(EngineOnCollectorsTest, CloudTwoAgentsOneInactive) {
  using namespace cloud;
  const fs::path dir =
      fs::temp_directory_path() / "entra-pta-verdict-cloud-collector";
  fs::remove_all(dir);
  CloudSettings settings;
  const std::string authority = "https://login.test";
  const std::string tenant = "11111111-2222-3333-4444-555555555555";
  settings.graph.tenant_id = tenant;
  settings.graph.client_id = "99999999-0000-0000-0000-000000000000";
  settings.graph.authority_url = authority;
  settings.graph.graph_url = "https://graph.test";
  settings.graph.state_file = (dir / "state.json").string();
  settings.machine_name = "pta01";
  CloudState state;
  state.refresh_token = *ProtectSecret("RT-secret");
  ASSERT_TRUE(SaveCloudState(settings.graph.state_file, state).ok());
  auto agent = [](const std::string& id, const std::string& status) {
    return R"({"id":")" + id + R"(","machineName":")" + id +
           R"(.corp.test","externalIp":"203.0.113.1","status":")" + status +
           R"(","supportedPublishingTypes":["authentication"]})";
  };
  const std::string page =
      R"({"value":[{"id":"g1","displayName":"Default","publishingType":"authentication","isDefault":true,"agents":[)" +
      agent("pta01", "active") + "," + agent("pta02", "inactive") + "]}]}";
  const std::string groups = AgentGroupsUrl("https://graph.test");
  auto handler = [=](const HttpRequest& request) {
    if (request.url == authority + "/" + tenant + "/oauth2/v2.0/token") {
      return cloud::testing::Answer(
          200,
          R"({"token_type":"Bearer","expires_in":3600,"access_token":"AT","refresh_token":"RT2"})");
    }
    return request.url == groups ? cloud::testing::Answer(200, page)
                                 : cloud::testing::Answer(404, "{}");
  };
  SignOfLifeTimes signals;
  auto collector = std::make_shared<CloudCollector>(
      settings,
      [handler](const std::atomic<bool>*) {
        return std::make_unique<cloud::testing::FakeHttpClient>(handler);
      },
      clock_, &signals, /*background=*/false);
  collector->RefreshNow();
  const auto findings = Judge({{"cloud", collector}});
  fs::remove_all(dir);
  const Finding* count = Find(findings, "cloud.active_agents");
  ASSERT_NE(count, nullptr)
      << (run_.errors.empty() ? "" : run_.errors.begin()->second);
  EXPECT_EQ(count->pillar, Pillar::kCloud);
  EXPECT_EQ(count->severity, Severity::kFail);
  EXPECT_EQ(count->alert_name, "EntraPTAOnlyOneActiveAgent");
  const Finding* inactive = Find(findings, "cloud.agent.pta02");
  ASSERT_NE(inactive, nullptr);
  EXPECT_EQ(inactive->severity, Severity::kWarn);
  EXPECT_EQ(inactive->alert_name, "EntraPTACloudAgentInactive");
  EXPECT_EQ(inactive->summary,
            "Entra reports the agent on pta02.corp.test inactive");
}

}  // namespace
}  // namespace entra_pta::verdict
