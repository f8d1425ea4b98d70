#include "exporter/config.h"

#include <gtest/gtest.h>

namespace entra_pta {
namespace {

const std::vector<std::string> kCollectors = {"heartbeat", "other"};

TEST(ConfigTest, EmptyTextGivesDefaults) {
  Config config = ParseConfig("", "c.yml", kCollectors);
  EXPECT_EQ(config.web.listen_address, ":9847");
  EXPECT_EQ(config.web.config_file, "");
  EXPECT_EQ(config.log.level, LogLevel::kInfo);
  EXPECT_EQ(config.log.format, LogFormat::kLogfmt);
  EXPECT_EQ(config.scrape.timeout_margin, std::chrono::milliseconds(500));
  EXPECT_EQ(config.scrape.max_timeout, std::chrono::seconds(10));
  EXPECT_TRUE(config.collector_sections.empty());
}

TEST(ConfigTest, ReadsEveryKey) {
  Config config = ParseConfig(R"(
web:
  listen_address: 127.0.0.1:9999
  config_file: web.yml
log:
  level: debug
  format: json
scrape:
  timeout_margin: 250ms
  max_timeout: 1m
collectors:
  heartbeat:
    enabled: false
)",
                              "c.yml", kCollectors);
  EXPECT_EQ(config.web.listen_address, "127.0.0.1:9999");
  EXPECT_EQ(config.web.config_file, "web.yml");
  EXPECT_EQ(config.log.level, LogLevel::kDebug);
  EXPECT_EQ(config.log.format, LogFormat::kJson);
  EXPECT_EQ(config.scrape.timeout_margin, std::chrono::milliseconds(250));
  EXPECT_EQ(config.scrape.max_timeout, std::chrono::minutes(1));
  ASSERT_EQ(config.collector_sections.count("heartbeat"), 1u);
  const ConfigSection& section = config.collector_sections.at("heartbeat");
  EXPECT_EQ(section.path(), "collectors.heartbeat");
  EXPECT_EQ(section.Bool("enabled"), false);
}

TEST(ConfigTest, TenantIdIsLowerCasedAndCloudParsed) {
  Config config = ParseConfig(R"(
tenant:
  id: 0A1B2C3D-0000-4000-8000-00000000ABCD
  cloud: AzureUSGovernment
)",
                              "c.yml", kCollectors);
  EXPECT_EQ(config.tenant.id, "0a1b2c3d-0000-4000-8000-00000000abcd");
  EXPECT_EQ(config.tenant.cloud, Cloud::kAzureUSGovernment);
  EXPECT_EQ(CloudName(config.tenant.cloud), "AzureUSGovernment");
  EXPECT_EQ(ParseConfig("", "c.yml", kCollectors).tenant.cloud,
            Cloud::kAzurePublic);
}

TEST(ConfigTest, BadTenantValuesAreLocated) {
  try {
    ParseConfig("tenant:\n  id: contoso.onmicrosoft.com\n", "c.yml",
                kCollectors);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.line(), 2);
    EXPECT_EQ(e.column(), 7);
    EXPECT_NE(e.message().find("invalid tenant ID"), std::string::npos);
  }
  try {
    ParseConfig("tenant:\n  cloud: AzureChina\n", "c.yml", kCollectors);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.line(), 2);
    EXPECT_EQ(e.column(), 10);
    EXPECT_NE(e.message().find("AzurePublic or AzureUSGovernment"),
              std::string::npos);
  }
}

TEST(ConfigTest, ErrorsCarryFileLineAndColumn) {
  try {
    ParseConfig("log:\n  format: xml\n", "dir/c.yml", kCollectors);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.file(), "dir/c.yml");
    EXPECT_EQ(e.line(), 2);
    EXPECT_EQ(e.column(), 11);
    EXPECT_STREQ(
        e.what(),
        "dir/c.yml:2:11: log.format: invalid format \"xml\" (use logfmt "
        "or json)");
  }
}

TEST(ConfigTest, UnreadableFileIsAConfigError) {
  EXPECT_THROW(LoadConfigFile("/nonexistent/entra.yml", kCollectors),
               ConfigError);
}

TEST(ConfigSectionTest, AbsentKeysAreNullopt) {
  ConfigSection section("f.yml", "collectors.x");
  EXPECT_EQ(section.String("a"), std::nullopt);
  EXPECT_EQ(section.Duration("b"), std::nullopt);
  EXPECT_EQ(section.Section("c"), std::nullopt);
  EXPECT_NO_THROW(section.RejectUnknownKeys());
}

TEST(ListenAddressTest, AcceptsExporterForms) {
  auto any = ParseListenAddress(":9847");
  ASSERT_TRUE(any);
  EXPECT_EQ(any->host, "");
  EXPECT_EQ(any->port, 9847);
  auto local = ParseListenAddress("localhost:0");
  ASSERT_TRUE(local);
  EXPECT_EQ(local->host, "127.0.0.1");
  EXPECT_EQ(local->port, 0);
  auto v6 = ParseListenAddress("[::1]:9847");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->ipv6);
  EXPECT_EQ(v6->host, "::1");
}

TEST(ListenAddressTest, RejectsMalformed) {
  for (const char* bad : {"9847", ":", ":65536", ":-1", "host:9847", "1.2.3:80",
                          "1.2.3.256:80", "[]:80", "[::1]", ":98a", "[zz]:1"}) {
    EXPECT_EQ(ParseListenAddress(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace entra_pta
