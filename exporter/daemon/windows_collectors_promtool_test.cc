// The Windows collectors' full output, fed by their fakes, serialized as
// /metrics would be and checked with the real `promtool check metrics`
// (Debian package prometheus). On Linux the real scrape only shows their
// "unsupported" form (tests/integration/test_windows_collectors.py); this
// lints every family they expose on Windows.
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "collectors/agent/agent_collector.h"
#include "collectors/agent/testing/fake_agent_host.h"
#include "collectors/eventlog/event_xml.h"
#include "collectors/eventlog/eventlog_collector.h"
#include "collectors/eventlog/testing/fake_event_source.h"
#include "collectors/service/service_collector.h"
#include "collectors/service/testing/fake_service_control.h"
#include "exporter/testing/fake_clock.h"

namespace entra_pta {
namespace {

namespace fs = std::filesystem;

TEST(WindowsCollectorsPromtoolTest, FullOutputPassesPromtool) {
  const fs::path dir =
      fs::temp_directory_path() / "entra-pta-windows-collectors-promtool";
  fs::remove_all(dir);
  fs::create_directories(dir);
  testing::FakeClock clock;
  std::vector<prometheus::MetricFamily> families;
  ScrapeContext context{std::chrono::steady_clock::now() +
                        std::chrono::seconds(10)};

  auto control = std::make_unique<service::testing::FakeServiceControl>();
  service::ServiceStatus running;
  running.state = service::ServiceState::kRunning;
  running.start_mode = service::StartMode::kAuto;
  running.display_name = "Microsoft Azure AD Connect Authentication Agent";
  running.run_as = "NT AUTHORITY\\NetworkService";
  running.process_start_time_seconds = 1.8e9;
  running.process_memory_bytes = 8.4e7;
  control->services["AzureADConnectAuthenticationAgent"] = running;
  service::ServiceCollector services(service::ServiceSettings{},
                                     std::move(control), true);
  ASSERT_TRUE(services.Collect(context, families).ok());

  eventlog::EventlogSettings event_settings;
  event_settings.state_dir = (dir / "state").string();
  auto source = std::make_unique<eventlog::testing::FakeEventSource>();
  auto* events = &source->channels[event_settings.channels[0]];
  eventlog::EventlogCollector eventlog(event_settings, std::move(source), true,
                                       clock, nullptr);
  ASSERT_TRUE(eventlog.Collect(context, families).ok());  // sets the start
  families.clear();
  ASSERT_TRUE(services.Collect(context, families).ok());
  const double later = ToUnixSeconds(clock.Now()) + 1;
  events->push_back(
      {"<Event><System><Provider Name='Microsoft-AzureADConnect-"
       "AuthenticationAgent'/><EventID>31019</EventID><Level>2"
       "</Level><TimeCreated SystemTime='" +
           eventlog::FormatSystemTime(later) + "'/></System></Event>",
       later});
  ASSERT_TRUE(eventlog.Collect(context, families).ok());

  agent::AgentSettings agent_settings;
  agent_settings.binary_path = "agent.exe";
  agent_settings.registry_key = "key";
  agent_settings.trust_settings_path = (dir / "TrustSettings.xml").string();
  std::ofstream(agent_settings.trust_settings_path)
      << "<A><Thumbprint>" << std::string(40, 'A') << "</Thumbprint></A>";
  auto host = std::make_unique<agent::testing::FakeAgentHost>();
  host->files["agent.exe"] = {"1.5.2482.0", 1.7e9};
  host->registry["key"] = {"instance", "tenant"};
  host->certificates[std::string(40, 'A')] = 1.81e9;
  agent::AgentCollector agent(agent_settings, std::move(host), true);
  ASSERT_TRUE(agent.Collect(context, families).ok());

  const fs::path exposition = dir / "metrics.txt";
  {
    std::ofstream out(exposition);
    prometheus::TextSerializer().Serialize(out, families);
  }
  const fs::path findings = dir / "promtool.txt";
  const std::string command = "promtool check metrics < '" +
                              exposition.string() + "' > '" +
                              findings.string() + "' 2>&1";
  int status = std::system(command.c_str());
  std::ifstream in(findings);
  std::ostringstream text;
  text << in.rdbuf();
  std::ifstream body_in(exposition);
  std::ostringstream body;
  body << body_in.rdbuf();
  EXPECT_EQ(status, 0) << text.str() << "\n" << body.str();
  EXPECT_EQ(text.str(), "") << body.str();
  EXPECT_NE(body.str().find("entra_pta_events_total{channel="),
            std::string::npos);
  EXPECT_NE(body.str().find(
                "entra_pta_agent_certificate_not_after_timestamp_seconds"),
            std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace entra_pta
