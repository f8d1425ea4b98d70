#include "collectors/probe/endpoint_settings.h"

#include <gtest/gtest.h>

namespace entra_pta::probe {
namespace {

const char kTenant[] = "0a1b2c3d-0000-4000-8000-00000000abcd";

ConfigSection Section(const std::string& yaml) {
  return *ParseConfigRoot("endpoint:\n" + yaml, "c.yml").Section("endpoint");
}

std::string ErrorOf(const std::string& yaml,
                    const TenantSettings& tenant = {}) {
  try {
    ConfigSection section = Section(yaml);
    ParseEndpointSettings(section, tenant);
    section.RejectUnknownKeys();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(DefaultTargetsTest, PublicCloudWithTenant) {
  TenantSettings tenant{kTenant, Cloud::kAzurePublic};
  std::vector<Target> targets = DefaultTargets(tenant);
  ASSERT_EQ(targets.size(), 10u);
  EXPECT_EQ(targets[0].name, "bootstrap");
  EXPECT_EQ(targets[0].url, std::string("https://") + kTenant +
                                ".pta.bootstrap.his.msappproxy.net/");
  EXPECT_TRUE(targets[0].is_bootstrap);
  EXPECT_EQ(targets[1].host,
            std::string(kTenant) + ".registration.msappproxy.net");
  EXPECT_FALSE(targets[1].is_bootstrap);
  std::vector<std::string> names;
  for (const Target& t : targets) names.push_back(t.name + " " + t.url);
  EXPECT_EQ(names[2], "login https://login.microsoftonline.com/");
  EXPECT_EQ(names[3], "login_windows https://login.windows.net/");
  EXPECT_EQ(names[4], "autologon https://autologon.microsoftazuread-sso.com/");
  EXPECT_EQ(names[5], "crl_microsoft http://crl.microsoft.com/");
  EXPECT_EQ(names[6], "oneocsp_microsoft http://oneocsp.microsoft.com/");
  EXPECT_EQ(names[7], "ocsp_msocsp http://ocsp.msocsp.com/");
  EXPECT_EQ(names[8], "crl3_digicert http://crl3.digicert.com/");
  EXPECT_EQ(names[9], "ocsp_digicert http://ocsp.digicert.com/");
  EXPECT_EQ(targets[5].port, 80);
  EXPECT_EQ(targets[2].port, 443);
}

TEST(DefaultTargetsTest, NoTenantLeavesOutTheTenantHosts) {
  std::vector<Target> targets = DefaultTargets(TenantSettings{});
  for (const Target& t : targets) {
    EXPECT_NE(t.name, "bootstrap");
    EXPECT_NE(t.name, "registration");
  }
  EXPECT_EQ(targets.front().name, "login");
}

TEST(DefaultTargetsTest, UsGovernmentUsesItsOwnHosts) {
  std::vector<Target> targets =
      DefaultTargets(TenantSettings{kTenant, Cloud::kAzureUSGovernment});
  EXPECT_EQ(targets[0].host,
            std::string(kTenant) + ".pta.bootstrap.his.msappproxy.us");
  EXPECT_EQ(targets[2].url, "https://login.microsoftonline.us/");
  bool has_crl_us = false;
  for (const Target& t : targets) {
    has_crl_us |= t.url == "http://crl.microsoft.us/";
    EXPECT_EQ(t.host.find("microsoftonline.com"), std::string::npos);
  }
  EXPECT_TRUE(has_crl_us);
}

TEST(ParseTargetUrlTest, SplitsHostPortAndScheme) {
  std::string error;
  auto t = ParseTargetUrl("x", "HTTPS://Example.COM:8443/path?q", &error);
  ASSERT_TRUE(t) << error;
  EXPECT_EQ(t->scheme, "https");
  EXPECT_EQ(t->host, "example.com");
  EXPECT_EQ(t->port, 8443);
  t = ParseTargetUrl("x", "http://[::1]:8080", &error);
  ASSERT_TRUE(t) << error;
  EXPECT_EQ(t->host, "::1");
  EXPECT_EQ(t->url, "http://[::1]:8080/");
}

TEST(ParseTargetUrlTest, RejectsWhatCannotBeProbed) {
  const std::pair<const char*, const char*> cases[] = {
      {"ftp://x/", "unsupported scheme"},
      {"login.microsoftonline.com", "absolute"},
      {"https://user:pw@x/", "user information"},
      {"https://x:0/", "invalid port"},
      {"https://x:99999/", "invalid port"},
      {"https://x:12ab/", "invalid port"},
      {"https:///", "invalid host"},
      {"https://ex ample/", "invalid host"},
      {"https://x/#frag", "fragment"},
      {"https://[::1/", "unterminated"},
  };
  for (const auto& [url, problem] : cases) {
    std::string error;
    EXPECT_FALSE(ParseTargetUrl("x", url, &error)) << url;
    EXPECT_NE(error.find(problem), std::string::npos) << url << ": " << error;
  }
}

TEST(ParseEndpointSettingsTest, ReadsEveryKey) {
  ConfigSection section = Section(R"(
  default_targets: false
  service_bus_namespaces: [contoso-sb, other.servicebus.windows.net]
  targets:
    - name: local
      url: https://localhost:8443/
      bootstrap: true
  timeout: 2s
  proxy_url: http://user:pw@proxy:3128
  no_proxy: .contoso.com
  proxy_from_environment: false
  proxy_from_agent_config: true
  agent_config_file: /tmp/a.config
  ca_file: /tmp/ca.pem
)");
  EndpointSettings s = ParseEndpointSettings(section, TenantSettings{});
  section.RejectUnknownKeys();
  ASSERT_EQ(s.targets.size(), 3u);
  EXPECT_EQ(s.targets[0].name, "servicebus_contoso-sb");
  EXPECT_EQ(s.targets[0].url, "https://contoso-sb.servicebus.windows.net/");
  EXPECT_EQ(s.targets[1].name, "servicebus_other");
  EXPECT_EQ(s.targets[2].name, "local");
  EXPECT_TRUE(s.targets[2].is_bootstrap);
  EXPECT_EQ(s.timeout, std::chrono::seconds(2));
  EXPECT_EQ(s.proxy.proxy_url, "http://user:pw@proxy:3128");
  EXPECT_EQ(s.proxy.no_proxy, ".contoso.com");
  EXPECT_FALSE(s.proxy.from_environment);
  EXPECT_TRUE(s.proxy.from_agent_config);
  EXPECT_EQ(s.proxy.agent_config_file, "/tmp/a.config");
  EXPECT_EQ(s.ca_file, "/tmp/ca.pem");
}

TEST(ParseEndpointSettingsTest, DefaultsKeepTheDefaultTargets) {
  ConfigSection section = Section("  timeout: 1s\n");
  EndpointSettings s = ParseEndpointSettings(
      section, TenantSettings{kTenant, Cloud::kAzurePublic});
  EXPECT_EQ(s.targets.size(), 10u);
  EXPECT_TRUE(s.proxy.from_environment);
  EXPECT_FALSE(s.proxy.from_agent_config);
  EXPECT_EQ(ParseEndpointSettings(Section("  timeout: 1s\n"), TenantSettings{})
                .timeout,
            std::chrono::seconds(1));
}

TEST(ParseEndpointSettingsTest, BadValuesAreLocated) {
  EXPECT_EQ(ErrorOf("  targets:\n    - name: login\n      url: https://x/\n"),
            "c.yml:3:13: endpoint.targets[0].name: endpoint name \"login\" is "
            "already used (by a default target or an earlier entry)");
  EXPECT_EQ(ErrorOf("  targets:\n    - name: a b\n      url: https://x/\n"),
            "c.yml:3:13: endpoint.targets[0].name: invalid endpoint name \"a "
            "b\" (use letters, digits, _ . -; at most 64)");
  EXPECT_EQ(ErrorOf("  targets:\n    - name: a\n      url: ftp://x/\n"),
            "c.yml:4:12: endpoint.targets[0].url: unsupported scheme \"ftp\" "
            "(use http or https)");
  EXPECT_EQ(ErrorOf("  targets:\n    - name: a\n"),
            "c.yml:3:7: endpoint.targets[0].url: a value is required");
  EXPECT_EQ(ErrorOf("  targets:\n    - name: a\n      url: https://x/\n      "
                    "port: 1\n"),
            "c.yml:5:7: unknown key endpoint.targets[0].port (known keys: "
            "bootstrap, name, url)");
  EXPECT_EQ(ErrorOf("  timeout: 0s\n"),
            "c.yml:2:12: endpoint.timeout: must be greater than 0");
  EXPECT_EQ(ErrorOf("  service_bus_namespaces: [\"a b\"]\n"),
            "c.yml:2:28: endpoint.service_bus_namespaces[0]: invalid Service "
            "Bus namespace \"a b\"");
  EXPECT_EQ(ErrorOf("  targets: https://x/\n"),
            "c.yml:2:12: endpoint.targets: expected a list of mappings, got "
            "\"https://x/\"");
}

TEST(ParseEndpointSettingsTest, ProxyErrorsNeverEchoThePassword) {
  std::string error =
      ErrorOf("  proxy_url: socks5://user:hunter2@proxy:1080\n");
  EXPECT_NE(error.find("expected an http:// proxy URL"), std::string::npos);
  EXPECT_EQ(error.find("hunter2"), std::string::npos) << error;
}

}  // namespace
}  // namespace entra_pta::probe
