#include "collectors/domain_controller/domain_controller_collector.h"

#include <gtest/gtest.h>

#include <mutex>

#include "collectors/domain_controller/testing/dns_test_messages.h"
#include "collectors/domain_controller/testing/fake_network.h"
#include "collectors/domain_controller/testing/loopback_dns_server.h"
#include "collectors/domain_controller/testing/udp_socket.h"

namespace entra_pta::domain_controller {
namespace {

using testing::AAnswer;
using testing::Bytes;
using testing::FakeNetwork;
using testing::kDnsTypeA;
using testing::kDnsTypeSrv;
using testing::LoopbackDnsServer;
using testing::QueryId;
using testing::QueryName;
using testing::QueryType;
using testing::SrvAnswer;
using SteadyClock = std::chrono::steady_clock;

const char kSrvName[] = "_ldap._tcp.dc._msdcs.corp.test";

std::optional<double> Sample(
    const std::vector<prometheus::MetricFamily>& families,
    const std::string& name,
    const std::vector<std::pair<std::string, std::string>>& labels) {
  for (const auto& family : families) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      bool match = true;
      for (const auto& [key, value] : labels) {
        bool found = false;
        for (const auto& label : metric.label) {
          found |= label.name == key && label.value == value;
        }
        match &= found;
      }
      if (match) return metric.gauge.value;
    }
  }
  return std::nullopt;
}

class DomainControllerCollectorTest : public ::testing::Test {
 protected:
  DomainControllerCollectorTest() {
    settings_.domain = "corp.test";
    settings_.dns_servers = {dns_server_.endpoint()};
    network_->connect["10.0.0.1:389"] = {true, std::chrono::milliseconds(3),
                                         ""};
    network_->connect["10.0.0.1:88"] = {true, std::chrono::milliseconds(4), ""};
    network_->connect["10.0.0.2:389"] = {false, std::chrono::milliseconds(1),
                                         "Connection refused"};
    network_->connect["10.0.0.2:88"] = {true, std::chrono::milliseconds(2), ""};
  }

  Status Collect(std::vector<prometheus::MetricFamily>& out,
                 SteadyClock::duration budget = std::chrono::seconds(10)) {
    DomainControllerCollector collector(settings_, network_);
    return collector.Collect(ScrapeContext{SteadyClock::now() + budget}, out);
  }

  // The answers of the DNS server; nullopt: none. Set between Collects.
  void SetDns(std::function<std::optional<Bytes>(const Bytes&)> dns) {
    std::lock_guard lock(dns_mu_);
    dns_ = std::move(dns);
  }

  std::mutex dns_mu_;
  std::function<std::optional<Bytes>(const Bytes&)> dns_ = [](const Bytes&) {
    return std::optional<Bytes>();
  };
  // A real DNS server on 127.0.0.1, asked through c-ares.
  LoopbackDnsServer dns_server_{[this](const Bytes& query, testing::Transport) {
    std::lock_guard lock(dns_mu_);
    return dns_(query);
  }};
  DomainControllerSettings settings_;
  std::shared_ptr<FakeNetwork> network_ = std::make_shared<FakeNetwork>();
};

TEST_F(DomainControllerCollectorTest, DiscoversAndConnectsToEachDc) {
  // dc1's address also comes in the additional section; c-ares asks for
  // every DC's address.
  SetDns([](const Bytes& query) -> std::optional<Bytes> {
    if (QueryType(query) == kDnsTypeSrv && QueryName(query) == kSrvName) {
      return SrvAnswer(QueryId(query), kSrvName,
                       {{"dc1.corp.test", 389}, {"dc2.corp.test", 389}},
                       {{"dc1.corp.test", {10, 0, 0, 1}}});
    }
    if (QueryType(query) == kDnsTypeA && QueryName(query) == "dc1.corp.test") {
      return AAnswer(QueryId(query), "dc1.corp.test", {10, 0, 0, 1});
    }
    if (QueryType(query) == kDnsTypeA && QueryName(query) == "dc2.corp.test") {
      return AAnswer(QueryId(query), "dc2.corp.test", {10, 0, 0, 2});
    }
    return std::nullopt;
  });
  std::vector<prometheus::MetricFamily> out;
  Status status = Collect(out);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(Sample(out, "entra_pta_dc_discovered", {{"domain", "corp.test"}}),
            2);
  EXPECT_EQ(
      Sample(out, "entra_pta_dns_lookup_success", {{"domain", "corp.test"}}),
      1);
  EXPECT_TRUE(Sample(out, "entra_pta_dns_lookup_duration_seconds",
                     {{"domain", "corp.test"}})
                  .has_value());
  EXPECT_EQ(Sample(out, "entra_pta_dc_up",
                   {{"dc", "dc1.corp.test"}, {"port", "389"}}),
            1);
  EXPECT_EQ(
      Sample(out, "entra_pta_dc_up", {{"dc", "dc1.corp.test"}, {"port", "88"}}),
      1);
  EXPECT_EQ(Sample(out, "entra_pta_dc_up",
                   {{"dc", "dc2.corp.test"}, {"port", "389"}}),
            0);
  EXPECT_EQ(
      Sample(out, "entra_pta_dc_up", {{"dc", "dc2.corp.test"}, {"port", "88"}}),
      1);
  EXPECT_EQ(Sample(out, "entra_pta_dc_connect_duration_seconds",
                   {{"dc", "dc1.corp.test"}, {"port", "88"}}),
            0.004);
  // No duration for a connection that was refused.
  EXPECT_EQ(Sample(out, "entra_pta_dc_connect_duration_seconds",
                   {{"dc", "dc2.corp.test"}, {"port", "389"}}),
            std::nullopt);
}

TEST_F(DomainControllerCollectorTest, UnresolvableDcIsDown) {
  settings_.ports = {636};
  SetDns([](const Bytes& query) -> std::optional<Bytes> {
    if (QueryType(query) == kDnsTypeSrv) {
      return SrvAnswer(QueryId(query), kSrvName, {{"ghost.corp.test", 389}});
    }
    return AAnswer(QueryId(query), "ghost.corp.test", {}, 3);
  });
  std::vector<prometheus::MetricFamily> out;
  ASSERT_TRUE(Collect(out).ok());
  EXPECT_EQ(Sample(out, "entra_pta_dc_discovered", {}), 1);
  EXPECT_EQ(Sample(out, "entra_pta_dc_up",
                   {{"dc", "ghost.corp.test"}, {"port", "636"}}),
            0);
  EXPECT_TRUE(network_->connected_to.empty());
}

TEST_F(DomainControllerCollectorTest, NoSuchServiceTargetIsNotADc) {
  SetDns([](const Bytes& query) -> std::optional<Bytes> {
    return SrvAnswer(QueryId(query), kSrvName, {{"", 0}});
  });
  std::vector<prometheus::MetricFamily> out;
  ASSERT_TRUE(Collect(out).ok());
  EXPECT_EQ(Sample(out, "entra_pta_dc_discovered", {}), 0);
  EXPECT_EQ(Sample(out, "entra_pta_dc_up", {}), std::nullopt);
}

TEST_F(DomainControllerCollectorTest, DnsFailuresAreReported) {
  settings_.dns_timeout = std::chrono::milliseconds(300);
  // An answer that echoes the question but whose SRV record is cut short.
  Bytes malformed = testing::Header(0, 0x8180, 1, 1, 0, 0);
  testing::Append(malformed, testing::Question(kSrvName, kDnsTypeSrv));
  testing::Append(malformed, {0xC0, 12, 0, 33, 0, 1, 0});
  struct Case {
    std::string description;
    std::function<std::optional<Bytes>(const Bytes&)> dns;
    std::string expected;
    std::optional<double> discovered;
  };
  const std::vector<Case> cases = {
      {"NXDOMAIN",
       [](const Bytes& q) -> std::optional<Bytes> {
         return SrvAnswer(QueryId(q), kSrvName, {}, {}, 3);
       },
       "NXDOMAIN (the name does not exist)", 0},
      {"SERVFAIL",
       [](const Bytes& q) -> std::optional<Bytes> {
         return SrvAnswer(QueryId(q), kSrvName, {}, {}, 2);
       },
       "SERVFAIL", std::nullopt},
      {"no answer", [](const Bytes&) { return std::optional<Bytes>(); },
       "no answer within 300ms", std::nullopt},
      {"malformed", [&](const Bytes&) { return std::optional(malformed); },
       "malformed answer", std::nullopt},
  };
  for (const Case& c : cases) {
    SetDns(c.dns);
    std::vector<prometheus::MetricFamily> out;
    Status status = Collect(out);
    ASSERT_FALSE(status.ok()) << c.description;
    EXPECT_NE(
        status.message().find("DNS SRV lookup of " + std::string(kSrvName) +
                              " at " + dns_server_.endpoint().ToString()),
        std::string::npos)
        << status.message();
    EXPECT_NE(status.message().find(c.expected), std::string::npos)
        << c.description << ": " << status.message();
    EXPECT_EQ(Sample(out, "entra_pta_dns_lookup_success", {}), 0)
        << c.description;
    EXPECT_TRUE(Sample(out, "entra_pta_dns_lookup_duration_seconds", {}))
        << c.description;
    EXPECT_EQ(Sample(out, "entra_pta_dc_discovered", {}), c.discovered)
        << c.description;
  }
  auto closed = testing::OpenLoopbackUdpSocket(0);
  ASSERT_NE(closed, nullptr);
  settings_.dns_servers = {{"127.0.0.1", closed->port()}};
  closed.reset();  // nothing listens there now
  std::vector<prometheus::MetricFamily> out;
  Status status = Collect(out);
  EXPECT_NE(status.message().find("no DNS server listening at " +
                                  settings_.dns_servers[0].ToString()),
            std::string::npos)
      << status.message();
}

TEST_F(DomainControllerCollectorTest, WaitsAreBoundedByTheDeadline) {
  settings_.dns_timeout = std::chrono::seconds(30);
  settings_.connect_timeout = std::chrono::seconds(30);
  // A silent DNS server: the scrape deadline ends the lookup.
  auto start = SteadyClock::now();
  std::vector<prometheus::MetricFamily> out;
  Status status = Collect(out, std::chrono::seconds(1));
  EXPECT_LT(SteadyClock::now() - start, std::chrono::milliseconds(1500));
  EXPECT_NE(status.message().find("(the scrape deadline)"), std::string::npos)
      << status.message();
  SetDns([](const Bytes& query) -> std::optional<Bytes> {
    if (QueryType(query) == kDnsTypeA) {
      return AAnswer(QueryId(query), "dc1.corp.test", {10, 0, 0, 1});
    }
    return SrvAnswer(QueryId(query), kSrvName, {{"dc1.corp.test", 389}});
  });
  const auto before = SteadyClock::now();
  out.clear();
  ASSERT_TRUE(Collect(out, std::chrono::seconds(2)).ok());
  EXPECT_LE(network_->last_connect_deadline, before + std::chrono::seconds(2));
  // And the configured timeouts apply when shorter than the deadline.
  settings_.connect_timeout = std::chrono::milliseconds(800);
  const auto again = SteadyClock::now();
  ASSERT_TRUE(Collect(out, std::chrono::seconds(20)).ok());
  EXPECT_LE(network_->last_connect_deadline, again + std::chrono::seconds(1));
}

TEST_F(DomainControllerCollectorTest, DomainFromTheHost) {
  settings_.domain.clear();
  std::vector<prometheus::MetricFamily> out;
  Status status = Collect(out);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("set collectors.domain_controller.domain"),
            std::string::npos);
  network_->machine_domain = "Corp.Test";
  SetDns([](const Bytes& query) -> std::optional<Bytes> {
    return SrvAnswer(QueryId(query), QueryName(query), {});
  });
  out.clear();
  ASSERT_TRUE(Collect(out).ok());
  EXPECT_EQ(Sample(out, "entra_pta_dc_discovered", {{"domain", "corp.test"}}),
            0);
}

ConfigSection Section(const std::string& yaml) {
  static std::vector<YAML::Node> keep;  // the section refers to the node
  keep.push_back(YAML::Load(yaml));
  return ConfigSection(keep.back(), keep.back().Mark(), "f.yml",
                       "collectors.domain_controller");
}

TEST(ParseDomainControllerSettingsTest, ValuesAndDefaults) {
  FakeNetwork network;
  auto defaults = ParseDomainControllerSettings(
      ConfigSection("f.yml", "collectors.domain_controller"), network);
  EXPECT_EQ(defaults.ports, (std::vector<std::uint16_t>{389, 88}));
  EXPECT_EQ(defaults.dns_timeout, std::chrono::seconds(2));
  EXPECT_TRUE(defaults.dns_servers.empty());
  auto set = ParseDomainControllerSettings(
      Section("domain: Corp.Test.\ndns_server: 127.0.0.1:5353, 10.0.0.10\n"
              "ports: '389, 88, 636'\ndns_timeout: 500ms\n"
              "connect_timeout: 1s\n"),
      network);
  EXPECT_EQ(set.domain, "corp.test");
  ASSERT_EQ(set.dns_servers.size(), 2u);
  EXPECT_EQ(set.dns_servers[0].ToString(), "127.0.0.1:5353");
  EXPECT_EQ(set.dns_servers[1].ToString(), "10.0.0.10:53");
  EXPECT_EQ(set.ports, (std::vector<std::uint16_t>{389, 88, 636}));
  EXPECT_EQ(set.dns_timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(set.connect_timeout, std::chrono::seconds(1));
}

TEST(ParseDomainControllerSettingsTest, BadValuesAreLocatedErrors) {
  FakeNetwork network;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"domain: 'corp..test'",
       "1:9: collectors.domain_controller.domain: "
       "invalid DNS domain"},
      {"dns_server: dns.corp.test",
       "1:13: collectors.domain_controller."
       "dns_server: invalid address list"},
      {"dns_server: '10.0.0.1,'", "invalid address list"},
      {"ports: '389,389'",
       "1:8: collectors.domain_controller.ports: invalid "
       "port list"},
      {"ports: '0'", "invalid port list"},
      {"ports: '389,'", "invalid port list"},
      {"dns_timeout: 0", "dns_timeout: must be greater than 0"},
      {"enabled: true",
       "domain: required, because this machine is not "
       "joined"},
  };
  for (const auto& [yaml, expected] : cases) {
    try {
      ParseDomainControllerSettings(Section(yaml), network);
      ADD_FAILURE() << "accepted: " << yaml;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos)
          << yaml << " -> " << e.what();
    }
  }
  // Enabled without a domain is fine on a domain member.
  network.machine_domain = "corp.test";
  EXPECT_NO_THROW(
      ParseDomainControllerSettings(Section("enabled: true"), network));
}

TEST(DcLocatorNameTest, Name) {
  EXPECT_EQ(DcLocatorName("Corp.Example.COM."),
            "_ldap._tcp.dc._msdcs.corp.example.com");
}

}  // namespace
}  // namespace entra_pta::domain_controller
