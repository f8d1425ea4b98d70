#include "exporter/views/landing_page.h"

#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <limits>
#include <regex>
#include <set>
#include <sstream>

#include "exporter/sdk/metric_builder.h"
#include "exporter/verdict/thresholds.h"
#include "exporter/views/landing_page_test_fixtures.h"

namespace entra_pta {
namespace {

using namespace landing_page_test;  // NOLINT: fixtures, chrono units

TEST(LandingPageTest, NothingEnabledSaysSoAndLinksEverything) {
  auto pillars = AssessPillars(Table(), {}, kNow);
  ASSERT_EQ(pillars.size(), 4u);
  EXPECT_EQ(pillars[0].key, "cloud");
  EXPECT_EQ(pillars[1].key, "network");
  EXPECT_EQ(pillars[2].key, "agent");
  EXPECT_EQ(pillars[3].key, "domain_controller");
  for (const PillarReport& p : pillars) {
    EXPECT_EQ(p.state, PillarState::kNotEnabled) << p.key;
    EXPECT_FALSE(p.last_scrape) << p.key;
  }
  EXPECT_NE(Pillar(pillars, "domain_controller")
                .headline.find("collectors.domain_controller.enabled: true"),
            std::string::npos);

  std::string html =
      LandingPageHtml(Table(), {}, {"1.2.3", "abc", ":9847"}, kNow);
  for (const char* link :
       {"href=\"/metrics\"", "href=\"/health\"", "href=\"/version\"",
        "runbooks.md\"", "configuration.md\"", "metrics.md\""}) {
    EXPECT_NE(html.find(link), std::string::npos) << link;
  }
  EXPECT_NE(html.find("NOT ENABLED"), std::string::npos);
  EXPECT_NE(html.find("No collector that can run here is enabled."),
            std::string::npos);
  EXPECT_NE(html.find("disabled: set <code>collectors.heartbeat.enabled: "
                      "true</code>"),
            std::string::npos);
  EXPECT_NE(html.find("Version 1.2.3 (revision abc), listening on :9847"),
            std::string::npos);
  EXPECT_NE(html.find("2026-11-25 23:41:07 UTC"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

TEST(LandingPageTest, NotRunYetIsNotScrapedYet) {
  CollectorSummary waiting;
  waiting.name = "heartbeat";
  auto pillars = AssessPillars(Table(), {waiting}, kNow);
  EXPECT_EQ(Pillar(pillars, "agent").state, PillarState::kNotScrapedYet);
  EXPECT_EQ(Pillar(pillars, "agent").collectors.back().state,
            CollectorState::kNotRunYet);
  std::string html = LandingPageHtml(Table(), {waiting}, {}, kNow);
  EXPECT_NE(html.find("Nothing scraped yet"), std::string::npos);
  EXPECT_EQ(html.find("No problem found"), std::string::npos);
}

TEST(LandingPageTest, HealthyPillarsAreOkWithTheirNumbers) {
  auto pillars = AssessPillars(
      Table(),
      {Ran("heartbeat", HealthyHeartbeat()),
       Ran("endpoint",
           Concat(Endpoint("login", "https://login.microsoftonline.com/", true),
                  Endpoint("crl", "http://crl.microsoft.com/", true))),
       Ran("tls", Tls("login", true, "Microsoft Azure RSA TLS Issuing CA 04",
                      "DigiCert Global Root G2"))},
      kNow);
  const PillarReport& agent = Pillar(pillars, "agent");
  EXPECT_EQ(agent.state, PillarState::kOk) << AllText(agent);
  EXPECT_NE(AllText(agent).find("Heartbeat: last sign of life 1m 30s ago"),
            std::string::npos)
      << AllText(agent);
  ASSERT_TRUE(agent.last_scrape);
  EXPECT_EQ(*agent.last_scrape, kNow - seconds(12));
  const PillarReport& network = Pillar(pillars, "network");
  EXPECT_EQ(network.state, PillarState::kOk) << AllText(network);
  EXPECT_EQ(network.headline,
            "No problem found in the last scrape (3 checks passed).");
  EXPECT_NE(AllText(network).find("SSL inspection: no SSL inspection: every "
                                  "https endpoint (1) presents a chain from "
                                  "the allowed issuers."),
            std::string::npos)
      << AllText(network);
  EXPECT_EQ(Pillar(pillars, "cloud").state, PillarState::kNotEnabled);
  EXPECT_TRUE(Pillar(pillars, "cloud").notes.empty());

  std::string html = LandingPageHtml(
      Table(), {Ran("heartbeat", HealthyHeartbeat())}, {}, kNow);
  EXPECT_NE(html.find("id=\"pillar-agent\" data-state=\"ok\""),
            std::string::npos);
  EXPECT_NE(html.find("No problem found in the last scrape."),
            std::string::npos);
  EXPECT_NE(html.find("12 s ago"), std::string::npos);
}

TEST(LandingPageTest, FailedCollectorIsAProblemWithItsErrorEscaped) {
  const std::string hostile = "<script>alert(1)</script>\"'&";
  auto summaries = {
      Ran("heartbeat", {},
          "cannot open trace directory \"/x/" + hostile + "\": No such file")};
  auto pillars = AssessPillars(Table(), summaries, kNow);
  const PillarReport& agent = Pillar(pillars, "agent");
  EXPECT_EQ(agent.state, PillarState::kProblem);
  ASSERT_FALSE(agent.findings.empty());
  EXPECT_NE(agent.findings[0].what.find(hostile), std::string::npos);
  EXPECT_NE(agent.findings[0].first_fix.find("collectors.heartbeat.trace_dir"),
            std::string::npos);
  EXPECT_EQ(agent.collectors.back().state, CollectorState::kFailed);

  std::string html = LandingPageHtml(Table(), summaries, {}, kNow);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find(hostile), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;"),
            std::string::npos);
  EXPECT_NE(html.find("id=\"pillar-agent\" data-state=\"problem\""),
            std::string::npos);
  EXPECT_NE(html.find("1 pillar needs attention."), std::string::npos);
  EXPECT_NE(html.find("<strong>What it means:</strong>"), std::string::npos);
  EXPECT_NE(html.find("<strong>First fix:</strong>"), std::string::npos);
}

TEST(LandingPageTest, MarkupInMetricLabelsCannotOpenCodeOrTags) {
  // \x01 and \x02 are the page's own code markers: dynamic text loses them.
  std::string html = LandingPageHtml(
      Table(),
      {Ran("endpoint", Endpoint("x", "https://h.example/\x01<b>\x02", false,
                                "connect_refused"))},
      {}, kNow);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_NE(html.find("https://h.example/ &lt;b&gt; "), std::string::npos);
}

TEST(LandingPageTest, TimedOutCollectorIsAProblem) {
  CollectorSummary s;
  s.name = "domain_controller";
  s.has_run = true;
  s.timed_out = true;
  s.error = "did not finish within the scrape deadline of 9500ms";
  s.finished_at = kNow;
  auto pillars = AssessPillars(Table(), {s}, kNow);
  const PillarReport& dc = Pillar(pillars, "domain_controller");
  EXPECT_EQ(dc.state, PillarState::kProblem);
  EXPECT_EQ(dc.collectors[0].state, CollectorState::kTimedOut);
  EXPECT_NE(dc.headline.find("timed out: did not finish"), std::string::npos);
  EXPECT_NE(AllText(dc).find("scrape_timeout"), std::string::npos);
}

TEST(LandingPageTest, UnreachableEndpointSaysWhichAndWhyAndHowToTest) {
  auto pillars = AssessPillars(
      Table(),
      {Ran("endpoint",
           Concat(Endpoint("bootstrap", "https://t.pta.example:8443/", false,
                           "connect_refused"),
                  Endpoint("crl", "http://crl.example/", false, "dns")))},
      kNow);
  const PillarReport& network = Pillar(pillars, "network");
  EXPECT_EQ(network.state, PillarState::kProblem);
  ASSERT_EQ(network.findings.size(), 2u);
  EXPECT_EQ(network.findings[0].what,
            "Endpoint bootstrap: unreachable on port 8443: TCP connection "
            "refused (reason connect_refused)");
  EXPECT_EQ(network.findings[0].evidence.at(0), "https://t.pta.example:8443/");
  EXPECT_NE(network.findings[0].first_fix.find(
                "Test-NetConnection -ComputerName t.pta.example -Port 8443"),
            std::string::npos);
  EXPECT_EQ(network.findings[0].runbook_anchor, "entraptaendpointunreachable");
  EXPECT_NE(network.findings[1].what.find("the name did not resolve"),
            std::string::npos);
  EXPECT_NE(network.findings[1].first_fix.find("Resolve-DnsName crl.example"),
            std::string::npos);
  EXPECT_NE(network.findings[1].meaning.find("revocation"), std::string::npos);
  EXPECT_EQ(network.headline, network.findings[0].what);
}

TEST(LandingPageTest, SslInspectionIsNamedOnceWithTheIssuer) {
  auto pillars = AssessPillars(
      Table(),
      {Ran("endpoint", Endpoint("login", "https://localhost:1/", false, "tls",
                                "http://127.0.0.1:8080")),
       Ran("tls", Tls("login", false, "mitmproxy", "mitmproxy"))},
      kNow);
  const PillarReport& network = Pillar(pillars, "network");
  EXPECT_EQ(network.state, PillarState::kProblem);
  // The engine's two findings, as diagnose shows them: the endpoint's
  // failed handshake (pointing at the inspection) and the inspection.
  ASSERT_EQ(network.findings.size(), 2u) << AllText(network);
  EXPECT_EQ(network.findings[0].id, "network.endpoint.login");
  EXPECT_NE(network.findings[0].evidence.back().find(
                "certificate issued by \"mitmproxy\": SSL inspection"),
            std::string::npos)
      << AllText(network);
  const Finding& inspection = network.findings[1];
  EXPECT_EQ(inspection.id, "network.ssl_inspection");
  EXPECT_EQ(inspection.what,
            "SSL inspection: 1 of 1 endpoints present a certificate re-signed "
            "by another CA: SSL inspection breaks the agent");
  EXPECT_EQ(inspection.evidence.at(0),
            "login: SSL inspection detected: its certificate was issued by "
            "\"mitmproxy\" (root \"mitmproxy\"), not by Microsoft's or "
            "DigiCert's CAs");
  EXPECT_NE(inspection.first_fix.find("*.msappproxy.net"), std::string::npos);
  EXPECT_EQ(inspection.runbook_anchor, "entraptatlsinterceptiondetected");
  EXPECT_EQ(inspection.alert_name, "EntraPTATLSInterceptionDetected");
}

// Issue 14 defect 8: after a CA rotation allowed_issuers names the new
// issuing CA but not its root. The page says the root is the part not
// allowed, with its fingerprint, and to allow the root; a device's CA as
// issuer is still SSL inspection with the exemption as the fix.
TEST(LandingPageTest, RootNotAllowedAfterACaRotationIsNotCalledInspection) {
  auto parts = [](bool issuer_allowed, bool root_allowed,
                  const std::string& issuer) {
    Families tls = Tls("login", false, issuer, "New Root 2030");
    tls.push_back(Gauge("entra_pta_tls_chain_part_allowed",
                        {{"endpoint", "login"},
                         {"part", "issuer"},
                         {"name", issuer},
                         {"fingerprint_sha256", "aa11"}},
                        issuer_allowed));
    tls.push_back(Gauge("entra_pta_tls_chain_part_allowed",
                        {{"endpoint", "login"},
                         {"part", "root"},
                         {"name", "New Root 2030"},
                         {"fingerprint_sha256", "bb22"}},
                        root_allowed));
    return tls;
  };
  auto pillars = AssessPillars(
      Table(),
      {Ran("endpoint", Endpoint("login", "https://localhost:1/", false, "tls")),
       Ran("tls", parts(true, false, "Microsoft TLS RSA Issuing CA 10"))},
      kNow);
  const PillarReport& network = Pillar(pillars, "network");
  ASSERT_EQ(network.findings.size(), 2u) << AllText(network);
  const Finding& rotation = network.findings[1];
  EXPECT_EQ(rotation.id, "network.ssl_inspection");
  EXPECT_NE(rotation.what.find("whose root is not on the allow-list (a CA "
                               "rotation"),
            std::string::npos)
      << rotation.what;
  EXPECT_EQ(rotation.evidence.at(0),
            "login: Certificate chain root not on the allow-list: the leaf's "
            "issuing CA \"Microsoft TLS RSA Issuing CA 10\" is allowed, but "
            "the chain's root \"New Root 2030\" (SHA-256 \"bb22\") is not on "
            "collectors.tls.allowed_roots");
  EXPECT_EQ(rotation.first_fix.rfind(
                "If this is the genuine root of the issuing CA", 0),
            0u)
      << rotation.first_fix;
  EXPECT_NE(rotation.first_fix.find(
                "allow the root: add \"New Root 2030\" or \"sha256:bb22\" to "
                "collectors.tls.allowed_roots"),
            std::string::npos)
      << rotation.first_fix;
  EXPECT_EQ(AllText(network).find("Microsoft's or DigiCert's"),
            std::string::npos);

  pillars = AssessPillars(
      Table(),
      {Ran("endpoint", Endpoint("login", "https://localhost:1/", false, "tls")),
       Ran("tls", parts(false, true, "Contoso SSL Inspection CA"))},
      kNow);
  const PillarReport& inspected = Pillar(pillars, "network");
  ASSERT_EQ(inspected.findings.size(), 2u) << AllText(inspected);
  EXPECT_NE(inspected.findings[1].evidence.at(0).find(
                "the leaf's issuing CA \"Contoso SSL Inspection CA\" "
                "(SHA-256 \"aa11\") is not on collectors.tls.allowed_issuers"),
            std::string::npos)
      << AllText(inspected);
  EXPECT_EQ(inspected.findings[1].first_fix.rfind(
                "If it is a device's CA, exempt *.msappproxy.net", 0),
            0u)
      << inspected.findings[1].first_fix;
}

TEST(LandingPageTest, ExpiredCertificateIsTheTlsReason) {
  Families tls = Tls("expired", true, "Issuing CA", "Root CA");
  tls.push_back(Gauge("entra_pta_tls_cert_not_after_timestamp_seconds",
                      {{"endpoint", "expired"}}, 1609459200));  // 2021-01-01
  auto pillars = AssessPillars(
      Table(),
      {Ran("endpoint",
           Endpoint("expired", "https://localhost:2/", false, "tls")),
       Ran("tls", tls)},
      kNow);
  const PillarReport& network = Pillar(pillars, "network");
  ASSERT_EQ(network.findings.size(), 1u);
  EXPECT_EQ(network.findings[0].evidence.back(),
            "its certificate expired on 2021-01-01")
      << AllText(network);
}

TEST(LandingPageTest, SecretsNeverReachThePage) {
  auto summaries = {
      Ran("endpoint", Endpoint("login", "https://login.example/", false,
                               "proxy", "http://alice:hunter2@proxy:3128")),
      Ran("cloud", {},
          "token endpoint answered 400: client_secret=s3cr3tValue&"
          "refresh_token=0.AAAArefresh; {\"access_token\":\"eyJaccess\"} "
          "Authorization: Bearer eyJbearer via https://bob:pw0rd@proxy/")};
  std::string html = LandingPageHtml(Table(), summaries, {}, kNow);
  for (const char* secret : {"hunter2", "alice", "s3cr3tValue", "0.AAAArefresh",
                             "eyJaccess", "eyJbearer", "pw0rd", "bob"}) {
    EXPECT_EQ(html.find(secret), std::string::npos) << secret;
  }
  EXPECT_NE(html.find("http://***@proxy:3128"), std::string::npos);
  EXPECT_NE(html.find("client_secret=***"), std::string::npos);
  EXPECT_NE(html.find("token endpoint answered 400"), std::string::npos);
}

TEST(LandingPageTest, ScrubForDisplayKeepsProseAndBlanksSecrets) {
  EXPECT_EQ(ScrubForDisplay("<script>alert(1)</script>\"'&"),
            "<script>alert(1)</script>\"'&");
  EXPECT_EQ(ScrubForDisplay("the refresh token was revoked; token: expired"),
            "the refresh token was revoked; token: expired");
  EXPECT_EQ(ScrubForDisplay("http://u:p@h:1/x http://h2/ ftp://a@b"),
            "http://***@h:1/x http://h2/ ftp://***@b");
  EXPECT_EQ(ScrubForDisplay("password=abc def"), "password=*** def");
  EXPECT_EQ(ScrubForDisplay("{\"client_secret\": \"x y\"}"),
            "{\"client_secret\": \"***\"}");
  EXPECT_EQ(ScrubForDisplay("line1\nline2\x01\x7f"), "line1 line2  ");
  EXPECT_EQ(ScrubForDisplay("Bearer abc.def"), "Bearer ***");
  EXPECT_EQ(ScrubForDisplay("user@example.com wrote"),
            "user@example.com wrote");
}

TEST(LandingPageTest, WindowsCollectorsElsewhereAreUnsupported) {
  CollectorSummary service =
      Ran("service", {Gauge("entra_pta_service_os_supported", {}, 0)},
          "the Service Control Manager is unsupported on this OS");
  auto only = AssessPillars(Table(), {service}, kNow);
  EXPECT_EQ(Pillar(only, "agent").state, PillarState::kUnsupported);
  EXPECT_NE(Pillar(only, "agent").headline.find("Unsupported on this OS"),
            std::string::npos);

  auto mixed = AssessPillars(
      Table(), {service, Ran("heartbeat", HealthyHeartbeat())}, kNow);
  const PillarReport& agent = Pillar(mixed, "agent");
  EXPECT_EQ(agent.state, PillarState::kOk) << AllText(agent);
  EXPECT_EQ(agent.collectors[0].name, "service");
  EXPECT_EQ(agent.collectors[0].state, CollectorState::kUnsupported);
  std::string html = LandingPageHtml(
      Table(), {service, Ran("heartbeat", HealthyHeartbeat())}, {}, kNow);
  EXPECT_NE(html.find("id=\"collector-service\" data-state=\"unsupported\""),
            std::string::npos);
  EXPECT_NE(html.find("UNSUPPORTED ON THIS OS"), std::string::npos);
}

TEST(LandingPageTest, StaleHeartbeatAndMissingTraceLog) {
  Families stale = {
      Gauge("entra_pta_agent_heartbeat_threshold_seconds", {}, 7200),
      Gauge("entra_pta_agent_heartbeat_stale", {{"source", "any"}}, 1),
      Gauge("entra_pta_agent_heartbeat_age_seconds", {{"source", "any"}},
            3 * 3600 + 300),
      Gauge("entra_pta_agent_heartbeat_stale", {{"source", "trace_log"}}, 1),
      Gauge("entra_pta_agent_heartbeat_age_seconds", {{"source", "trace_log"}},
            3 * 3600 + 300),
      Gauge("entra_pta_agent_heartbeat_stale", {{"source", "bootstrap"}}, 0)};
  auto pillars = AssessPillars(Table(), {Ran("heartbeat", stale)}, kNow);
  const PillarReport& agent = Pillar(pillars, "agent");
  EXPECT_EQ(agent.state, PillarState::kProblem);
  ASSERT_EQ(agent.findings.size(), 1u);
  EXPECT_EQ(agent.findings[0].what,
            "Heartbeat: no sign of life for 3h 5m (threshold 120 minutes, when "
            "Entra marks the agent inactive)");
  EXPECT_EQ(agent.findings[0].evidence,
            (std::vector<std::string>{
                "trace_log: last sign of life 3h 5m ago (stale)",
                "bootstrap: no sign of life recorded (unknown)"}));
  EXPECT_EQ(agent.findings[0].alert_name, "EntraPTAHeartbeatStale");
  EXPECT_NE(agent.findings[0].first_fix.find(
                "Restart-Service -Name AzureADConnectAuthenticationAgent"),
            std::string::npos);

  // Issue 14 defect 1: no evidence from any source (no trace file, no
  // tenant.id to probe) is unknown, a warning that says so, never the
  // critical "no sign of life" finding; even a stale 1 without evidence.
  for (double any_stale : {0.0, 1.0}) {
    Families unknown = {
        Gauge("entra_pta_agent_heartbeat_threshold_seconds", {}, 7200),
        Gauge("entra_pta_agent_heartbeat_stale", {{"source", "any"}},
              any_stale),
        Gauge("entra_pta_agent_heartbeat_evidence", {{"source", "any"}}, 0),
        Gauge("entra_pta_agent_heartbeat_stale", {{"source", "trace_log"}}, 0),
        Gauge("entra_pta_agent_heartbeat_evidence", {{"source", "trace_log"}},
              0),
        Gauge("entra_pta_agent_heartbeat_stale", {{"source", "bootstrap"}}, 0),
        Gauge("entra_pta_agent_heartbeat_evidence", {{"source", "bootstrap"}},
              0)};
    pillars = AssessPillars(Table(), {Ran("heartbeat", unknown)}, kNow);
    const PillarReport& blind = Pillar(pillars, "agent");
    EXPECT_NE(blind.state, PillarState::kProblem) << any_stale;
    ASSERT_EQ(blind.findings.size(), 1u) << any_stale;
    EXPECT_FALSE(blind.findings[0].problem);
    EXPECT_EQ(blind.findings[0].what.rfind("Heartbeat: unknown: no heartbeat "
                                           "source has shown a sign of life",
                                           0),
              0u)
        << blind.findings[0].what;
    EXPECT_NE(blind.findings[0].first_fix.find("tenant.id"), std::string::npos);
  }

  Families late = HealthyHeartbeat();
  late[2] =
      Gauge("entra_pta_agent_heartbeat_age_seconds", {{"source", "any"}}, 2400);
  pillars = AssessPillars(Table(), {Ran("heartbeat", late)}, kNow);
  EXPECT_EQ(Pillar(pillars, "agent").state, PillarState::kWarning);
  EXPECT_EQ(Pillar(pillars, "agent").findings[0].runbook_anchor,
            "entraptaheartbeatlate");
}

TEST(LandingPageTest, CloudCountsAndInactiveAgents) {
  auto cloud = [](double active, double inactive) {
    return Ran(
        "cloud",
        {Gauge("entra_pta_cloud_api_up", {}, 1),
         Gauge("entra_pta_cloud_last_refresh_timestamp_seconds", {},
               UnixSeconds(kNow - minutes(3))),
         Gauge("entra_pta_cloud_agents", {{"status", "active"}}, active),
         Gauge("entra_pta_cloud_agents", {{"status", "inactive"}}, inactive),
         Gauge("entra_pta_cloud_agent_active",
               {{"agent_id", "id-2"},
                {"machine_name", "pta02.corp.example.com"},
                {"external_ip", "203.0.113.11"}},
               0)});
  };
  auto one = AssessPillars(Table(), {cloud(1, 1)}, kNow);
  const PillarReport& c1 = Pillar(one, "cloud");
  EXPECT_EQ(c1.state, PillarState::kProblem);
  EXPECT_EQ(c1.headline.rfind("Active agents in the tenant: only one active "
                              "agent, one failure from a tenant-wide lockout; "
                              "1 active, 1 inactive",
                              0),
            0u)
      << c1.headline;
  ASSERT_EQ(c1.findings.size(), 2u);
  EXPECT_EQ(c1.findings[0].alert_name, "EntraPTAOnlyOneActiveAgent");
  EXPECT_EQ(c1.findings[1].alert_name, "EntraPTACloudAgentInactive");
  EXPECT_NE(c1.findings[1].what.find("pta02.corp.example.com"),
            std::string::npos);
  EXPECT_NE(AllText(c1).find("never seen active by this exporter"),
            std::string::npos);

  auto two = AssessPillars(Table(), {cloud(2, 1)}, kNow);
  EXPECT_EQ(Pillar(two, "cloud").state, PillarState::kWarning);
  auto none = AssessPillars(Table(), {cloud(0, 1)}, kNow);
  EXPECT_NE(Pillar(none, "cloud").headline.find("no active PTA agent"),
            std::string::npos);

  // Before the first refresh the agent numbers are unknown: a warning that
  // says so, as in diagnose.
  auto waiting = AssessPillars(Table(), {Ran("cloud", {})}, kNow);
  EXPECT_EQ(Pillar(waiting, "cloud").state, PillarState::kWarning);
  EXPECT_NE(Pillar(waiting, "cloud").headline.find("the first refresh"),
            std::string::npos);
}

TEST(LandingPageTest, DomainControllersPerPort) {
  Families dc = {
      Gauge("entra_pta_dns_lookup_success", {{"domain", "corp.example"}}, 1),
      Gauge("entra_pta_dc_discovered", {{"domain", "corp.example"}}, 2),
      Gauge("entra_pta_dc_up", {{"dc", "dc1.corp.example"}, {"port", "389"}},
            0),
      Gauge("entra_pta_dc_up", {{"dc", "dc2.corp.example"}, {"port", "389"}},
            0),
      Gauge("entra_pta_dc_up", {{"dc", "dc1.corp.example"}, {"port", "88"}}, 1),
      Gauge("entra_pta_dc_up", {{"dc", "dc2.corp.example"}, {"port", "88"}},
            0)};
  auto pillars = AssessPillars(Table(), {Ran("domain_controller", dc)}, kNow);
  const PillarReport& p = Pillar(pillars, "domain_controller");
  EXPECT_EQ(p.state, PillarState::kProblem);
  ASSERT_EQ(p.findings.size(), 2u) << AllText(p);
  EXPECT_EQ(p.findings[0].what,
            "DCs on port 389: no domain controller reachable on port 389: "
            "every password this agent validates fails");
  EXPECT_EQ(p.findings[0].alert_name, "EntraPTANoDomainControllerReachable");
  EXPECT_FALSE(p.findings[1].problem);
  EXPECT_EQ(p.findings[1].what,
            "DCs on port 88: 1 of 2 domain controllers unreachable on port 88");
  EXPECT_EQ(p.findings[1].alert_name, "EntraPTADomainControllerUnreachable");
  EXPECT_NE(AllText(p).find("DC discovery for corp.example: 2 domain "
                            "controller(s) found"),
            std::string::npos)
      << AllText(p);

  // A failed lookup fails the collector: the engine's lookup finding (a
  // problem, with the lookup's fix) and the collector's failure.
  pillars =
      AssessPillars(Table(),
                    {Ran("domain_controller",
                         {Gauge("entra_pta_dns_lookup_success",
                                {{"domain", "corp.example"}}, 0)},
                         "DNS SRV lookup failed: no DNS server listening")},
                    kNow);
  const PillarReport& failed = Pillar(pillars, "domain_controller");
  EXPECT_EQ(failed.state, PillarState::kProblem);
  ASSERT_EQ(failed.findings.size(), 2u) << AllText(failed);
  EXPECT_EQ(failed.findings[0].id, "dc.discovery.corp.example");
  EXPECT_TRUE(failed.findings[0].problem);
  EXPECT_NE(failed.findings[0].first_fix.find(
                "Resolve-DnsName -Type SRV _ldap._tcp.dc._msdcs.corp.example"),
            std::string::npos);
  EXPECT_EQ(failed.findings[0].runbook_anchor,
            "entraptanodomaincontrollerdiscovered");
  EXPECT_EQ(failed.findings[1].id, "dc.collector.domain_controller");
  EXPECT_EQ(failed.findings[1].alert_name, "EntraPTACollectorFailing");
  EXPECT_NE(failed.findings[1].what.find("no DNS server listening"),
            std::string::npos);

  Families empty = {
      Gauge("entra_pta_dns_lookup_success", {{"domain", "corp.example"}}, 1),
      Gauge("entra_pta_dc_discovered", {{"domain", "corp.example"}}, 0)};
  pillars = AssessPillars(Table(), {Ran("domain_controller", empty)}, kNow);
  EXPECT_NE(Pillar(pillars, "domain_controller")
                .headline.find("no domain controller found"),
            std::string::npos);
}

// Where the page used to be silent and diagnose was not (issue 15), the
// page shows the verdict engine's finding: a slow endpoint ...

}  // namespace
}  // namespace entra_pta
