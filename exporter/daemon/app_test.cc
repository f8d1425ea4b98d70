#include "exporter/daemon/app.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "exporter/platform/windows_service.h"
#include "exporter/testing/fake_clock.h"
#include "exporter/testing/test_pki.h"

namespace entra_pta {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    path_ =
        fs::temp_directory_path() /
        ("entra-pta-app-test-" +
         std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string Write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name, std::ios::binary) << text;
    return (path_ / name).string();
  }

 private:
  fs::path path_;
};

struct BadConfig {
  const char* yaml;
  // Expected stderr after "<path>:".
  const char* error;
};

// Each bad file must exit 2 with exactly this file:line:column message.
const BadConfig kBadConfigs[] = {
    {"webb:\n  listen_address: \":1\"\n",
     "1:1: unknown key webb (known keys: collectors, log, scrape, tenant, "
     "web)"},
    {"web:\n  listen_adress: \":9847\"\n",
     "2:3: unknown key web.listen_adress (known keys: config_file, "
     "listen_address)"},
    {"web: \":9847\"\n", "1:6: web: expected a mapping, got \":9847\""},
    {"web:\n  listen_address: localhost\n",
     "2:19: web.listen_address: invalid address \"localhost\" (use host:port, "
     "e.g. :9847 or 127.0.0.1:9847)"},
    {"log:\n  level: [debug]\n",
     "2:10: log.level: expected a string, got a list"},
    {"log:\n  level: verbose\n",
     "2:10: log.level: invalid level \"verbose\" (use debug, info, warn or "
     "error)"},
    {"log:\n  level: info\n  level: debug\n",
     "3:3: duplicate key log.level (first set at line 2)"},
    {"scrape:\n  timeout_margin: 5 seconds\n",
     "2:19: scrape.timeout_margin: invalid duration \"5 seconds\" (use a "
     "number "
     "with a unit, e.g. 500ms, 30s, 2h)"},
    {"scrape:\n  max_timeout: 0\n",
     "2:16: scrape.max_timeout: must be greater than 0"},
    {"collectors:\n",
     "1:1: collectors: a value is required (a mapping of settings)"},
    {"collectors:\n  servic:\n    enabled: true\n",
     "2:3: collectors: unknown collector \"servic\" (known: heartbeat, "
     "service, eventlog, agent, endpoint, tls, domain_controller, cloud)"},
    {"collectors:\n  heartbeat:\n    enabled: yes\n",
     "3:14: collectors.heartbeat.enabled: expected true or false, got \"yes\""},
    {"collectors:\n  heartbeat:\n    stale_treshold: 2h\n",
     "3:5: unknown key collectors.heartbeat.stale_treshold (known keys: "
     "enabled, "
     "sources, stale_threshold, trace_dir, trace_file_pattern)"},
    {"collectors:\n  heartbeat:\n    stale_threshold: 2h-5m\n",
     "3:22: collectors.heartbeat.stale_threshold: invalid duration \"2h-5m\" "
     "(use "
     "a number with a unit, e.g. 500ms, 30s, 2h)"},
    {"collectors:\n  heartbeat:\n    stale_threshold: 0s\n",
     "3:22: collectors.heartbeat.stale_threshold: must be greater than 0"},
    {"collectors:\n  heartbeat:\n    trace_dir:\n",
     "3:5: collectors.heartbeat.trace_dir: a value is required"},
    {"collectors:\n  heartbeat:\n    trace_dir: \"\"\n",
     "3:16: collectors.heartbeat.trace_dir: a value is required"},
    {"collectors:\n  heartbeat:\n    trace_file_pattern: \"([a-z\"\n",
     "3:25: collectors.heartbeat.trace_file_pattern: invalid regular "
     "expression "
     "\"([a-z\": Unexpected character within '[...]' in regular expression"},
    {"collectors:\n  heartbeat:\n    trace_dir: {path: x}\n",
     "3:16: collectors.heartbeat.trace_dir: expected a string, got a mapping"},
    {"web:\n  listen_address: \":9847\"\n config_file: x\n",
     "3:2: YAML syntax error: end of map not found"},
    {"- web\n- log\n", "1:1: the configuration must be a mapping of sections"},
    // Issue 14 defect 4: durations bounded at load time, located.
    {"scrape:\n  max_timeout: 1000y\n",
     "2:16: scrape.max_timeout: 1000y is too long (at most 10m)"},
    {"scrape:\n  max_timeout: 11m\n",
     "2:16: scrape.max_timeout: 11m is too long (at most 10m)"},
    {"scrape:\n  timeout_margin: 2m\n",
     "2:19: scrape.timeout_margin: 2m is too long (at most 1m)"},
    {"collectors:\n  heartbeat:\n    stale_threshold: 366d\n",
     "3:22: collectors.heartbeat.stale_threshold: 366d is too long (at most "
     "365d)"},
    {"collectors:\n  endpoint:\n    timeout: 1000y\n",
     "3:14: collectors.endpoint.timeout: 1000y is too long (at most 365d)"},
    // A second YAML document is refused at its `---`, not ignored.
    {"log:\n  level: info\n---\nlog:\n  level: debug\n",
     "3:1: a second YAML document starts here; the configuration is one "
     "document (remove the `---` and merge the settings)"},
    {"---\nlog:\n  level: info\n# two\n---\nscrape:\n  max_timeout: 5s\n",
     "5:1: a second YAML document starts here; the configuration is one "
     "document (remove the `---` and merge the settings)"},
};

TEST(CheckConfigTest, EveryBadFileNamesItsPositionAndExitsTwo) {
  TempDir dir;
  int n = 0;
  for (const BadConfig& bad : kBadConfigs) {
    std::string path =
        dir.Write("bad" + std::to_string(++n) + ".yml", bad.yaml);
    std::ostringstream out, err;
    EXPECT_EQ(CheckConfig(path, DefaultCollectorTable(), out, err),
              kExitConfigError)
        << bad.yaml;
    EXPECT_EQ(err.str(), path + ":" + bad.error + "\n") << bad.yaml;
    EXPECT_EQ(out.str(), "") << bad.yaml;
  }
  EXPECT_GE(n, 15);
}

// Issue 14 defect 3: a directory as the configuration read as an empty
// file (built-in defaults, "OK"). Refused, for the check and the start.
TEST(CheckConfigTest, DirectoryIsNotAConfigurationFile) {
  TempDir dir;
  const std::string folder =
      fs::path(dir.Write("probe.yml", "")).parent_path().string();
  std::ostringstream out, err;
  EXPECT_EQ(CheckConfig(folder, DefaultCollectorTable(), out, err),
            kExitConfigError);
  EXPECT_EQ(err.str(), folder +
                           ":0:0: cannot read the configuration file: it is "
                           "a directory, not a regular file\n");
  EXPECT_EQ(out.str(), "");
  std::ostringstream start_log;
  EXPECT_EQ(
      RunExporter(ParseFlags({"--config.file=" + folder,
                              "--web.listen-address=127.0.0.1:0",
                              "--collectors.enabled="}),
                  DefaultCollectorTable(), start_log, [] { return true; }),
      kExitConfigError);
  EXPECT_EQ(start_log.str(), err.str());
}

TEST(CheckConfigTest, MissingFileExitsTwo) {
  std::ostringstream out, err;
  EXPECT_EQ(
      CheckConfig("/nonexistent/x.yml", DefaultCollectorTable(), out, err),
      kExitConfigError);
  EXPECT_EQ(err.str(),
            "/nonexistent/x.yml:0:0: cannot read the configuration file\n");
}

TEST(CheckConfigTest, ShippedDefaultConfigIsValid) {
  std::ostringstream out, err;
  const std::string path =
      std::string(ENTRA_PTA_SOURCE_DIR) + "/entra-pta-exporter.yml";
  EXPECT_EQ(CheckConfig(path, DefaultCollectorTable(), out, err), kExitOk)
      << err.str();
  EXPECT_EQ(out.str(), path + ": OK\n");
}

TEST(CheckConfigTest, GoodFilesPass) {
  TempDir dir;
  for (const char* yaml :
       {"", "# only a comment\n",
        "collectors:\n  heartbeat:\n    enabled: false\n",
        "web:\n  listen_address: \"[::1]:9847\"\nscrape:\n  max_timeout: "
        "1m30s\n",
        "collectors:\n  heartbeat:\n    trace_dir: /srv/trace\n"
        "    trace_file_pattern: '.*\\.log$'\n    stale_threshold: 30m\n"}) {
    std::string path = dir.Write("good.yml", yaml);
    std::ostringstream out, err;
    EXPECT_EQ(CheckConfig(path, DefaultCollectorTable(), out, err), kExitOk)
        << yaml << err.str();
  }
}

TEST(FlagsTest, ParsesBothForms) {
  Flags flags = ParseFlags({"--config.file", "a.yml", "--web.listen-address=:1",
                            "--log.level=debug", "--collectors.enabled="});
  EXPECT_EQ(flags.config_file, "a.yml");
  EXPECT_EQ(flags.listen_address, ":1");
  EXPECT_EQ(flags.log_level, "debug");
  EXPECT_EQ(flags.collectors_enabled, "");
  EXPECT_TRUE(ParseFlags({"--help"}).help);
  EXPECT_TRUE(ParseFlags({"--version"}).version);
}

TEST(ServiceFlagTest, ServiceRunArgsKeepEveryFlagWithAbsolutePaths) {
  Flags flags =
      ParseFlags({"--service=install", "--config.file=rel/c.yml",
                  "--web.listen-address=:9999", "--log.level=debug",
                  "--collectors.enabled=service,eventlog",
                  "--tenant.id=abcdef01-2345-6789-abcd-ef0123456789"});
  EXPECT_EQ(flags.service, "install");
  std::vector<std::string> args = ServiceRunArgs(flags);
  ASSERT_EQ(args.size(), 5u);
  EXPECT_EQ(args[0],
            "--config.file=" +
                (std::filesystem::current_path() / "rel" / "c.yml").string());
  EXPECT_EQ(args[1], "--web.listen-address=:9999");
  EXPECT_EQ(args[2], "--log.level=debug");
  EXPECT_EQ(args[3], "--collectors.enabled=service,eventlog");
  EXPECT_EQ(args[4], "--tenant.id=abcdef01-2345-6789-abcd-ef0123456789");
}

TEST(ServiceFlagTest, BadCommandOrOtherOsIsAFlagError) {
  auto table = DefaultCollectorTable();
  EXPECT_EQ(ServiceCommandMain(ParseFlags({"--service=start"}), table),
            kExitConfigError);
  if (!WindowsServiceSupported()) {
    EXPECT_EQ(ServiceCommandMain(ParseFlags({"--service=install"}), table),
              kExitConfigError);
  }
}

TEST(FlagsTest, RejectsUnknownAndIncomplete) {
  EXPECT_THROW(ParseFlags({"--web.listen_address=:1"}), FlagError);
  EXPECT_THROW(ParseFlags({"--config.file"}), FlagError);
  EXPECT_THROW(ParseFlags({"serve"}), FlagError);
}

TEST(PrepareStartupTest, FlagsOverrideTheFile) {
  TempDir dir;
  std::string path = dir.Write(
      "c.yml",
      "web:\n  listen_address: ':1234'\nlog:\n  level: warn\n  format: json\n");
  testing::FakeClock clock;
  Flags flags =
      ParseFlags({"--config.file=" + path, "--web.listen-address=127.0.0.1:0",
                  "--log.level=debug", "--collectors.enabled="});
  Startup startup =
      PrepareStartup(flags, DefaultCollectorTable(), CollectorDeps{clock});
  EXPECT_EQ(startup.config.web.listen_address, "127.0.0.1:0");
  EXPECT_EQ(startup.config.log.level, LogLevel::kDebug);
  EXPECT_EQ(startup.config.log.format, LogFormat::kJson);  // from the file
  EXPECT_TRUE(startup.collectors.empty());

  EXPECT_THROW(PrepareStartup(ParseFlags({"--log.format=xml"}),
                              DefaultCollectorTable(), CollectorDeps{clock}),
               FlagError);
  EXPECT_THROW(PrepareStartup(ParseFlags({"--web.listen-address=nowhere"}),
                              DefaultCollectorTable(), CollectorDeps{clock}),
               FlagError);
}

// Issue 17: the MSI's TENANT_ID property becomes --tenant.id on the
// service's command line; it replaces tenant.id from the file.
TEST(PrepareStartupTest, TenantIdFlagReplacesTheFilesTenant) {
  TempDir dir;
  std::string path = dir.Write(
      "c.yml", "tenant:\n  id: 11111111-1111-1111-1111-111111111111\n");
  testing::FakeClock clock;
  Startup from_file =
      PrepareStartup(ParseFlags({"--config.file=" + path}),
                     DefaultCollectorTable(), CollectorDeps{clock});
  EXPECT_EQ(from_file.config.tenant.id, "11111111-1111-1111-1111-111111111111");
  Startup from_flag = PrepareStartup(
      ParseFlags({"--config.file=" + path,
                  "--tenant.id=ABCDEF01-2345-6789-ABCD-EF0123456789"}),
      DefaultCollectorTable(), CollectorDeps{clock});
  EXPECT_EQ(from_flag.config.tenant.id, "abcdef01-2345-6789-abcd-ef0123456789");
}

TEST(PrepareStartupTest, TenantIdFlagMustBeAGuid) {
  testing::FakeClock clock;
  for (const char* bad :
       {"", "contoso.onmicrosoft.com", "abcdef01-2345-6789-abcd-ef012345678",
        "abcdef01x2345-6789-abcd-ef0123456789"}) {
    try {
      PrepareStartup(ParseFlags({std::string("--tenant.id=") + bad}),
                     DefaultCollectorTable(), CollectorDeps{clock});
      ADD_FAILURE() << "accepted --tenant.id=" << bad;
    } catch (const FlagError& e) {
      EXPECT_NE(std::string(e.what()).find("--tenant.id: invalid tenant ID"),
                std::string::npos)
          << e.what();
    }
  }
}

// Issue 14 defect 2: --config.check with --web.config.file must check what
// a start with the same flags would use (bcrypt hashes, certificate and key
// loaded and matched): exit 2 with the very message the start prints.
TEST(CheckConfigTest, ChecksTheWebConfigFlagLikeAStart) {
  TempDir dir;
  const std::string exp = dir.Write("exp.yml", "log:\n  level: info\n");
  const fs::path base = fs::path(exp).parent_path();
  for (const char* name : {"a", "b"}) {
    ASSERT_TRUE(testing::WriteSelfSignedCertificate(
        (base / (std::string(name) + ".crt")).string(),
        (base / (std::string(name) + ".key")).string(), "localhost"));
  }
  struct Case {
    const char* yaml;
    const char* error;  // expected in the message
  };
  const Case cases[] = {
      {"basic_auth_users:\n  alice: plaintext-password\n", "not a bcrypt hash"},
      {"tls_server_config:\n  cert_file: missing.crt\n  key_file: a.key\n",
       "missing.crt does not exist"},
      {"tls_server_config:\n  cert_file: a.crt\n  key_file: b.key\n",
       "the private key does not match the certificate"},
  };
  int n = 0;
  for (const Case& c : cases) {
    const std::string web =
        dir.Write("web" + std::to_string(++n) + ".yml", c.yaml);
    std::ostringstream start_log;
    const int start = RunExporter(
        ParseFlags({"--config.file=" + exp, "--web.config.file=" + web,
                    "--web.listen-address=127.0.0.1:0",
                    "--collectors.enabled="}),
        DefaultCollectorTable(), start_log, [] { return true; });
    EXPECT_EQ(start, kExitConfigError) << c.yaml;
    EXPECT_NE(start_log.str().find(c.error), std::string::npos)
        << start_log.str();
    std::ostringstream out, err;
    EXPECT_EQ(CheckConfig(ParseFlags({"--config.check=" + exp,
                                      "--web.config.file=" + web,
                                      "--web.listen-address=127.0.0.1:0",
                                      "--collectors.enabled="}),
                          DefaultCollectorTable(), out, err),
              kExitConfigError)
        << c.yaml << out.str();
    EXPECT_EQ(err.str(), start_log.str()) << c.yaml;
    EXPECT_EQ(out.str(), "") << c.yaml;
  }
  // A flag error is reported as a start reports it, with exit 2.
  std::ostringstream out, err;
  EXPECT_EQ(
      CheckConfig(ParseFlags({"--config.check=" + exp, "--log.format=xml"}),
                  DefaultCollectorTable(), out, err),
      kExitConfigError);
  EXPECT_EQ(err.str(),
            "entra_pta_exporter: --log.format: invalid format \"xml\" (use "
            "logfmt or json)\n");
}

TEST(CheckConfigTest, ChecksTheWebConfigFileRelativeToTheConfig) {
  TempDir dir;
  dir.Write("web.yml",
            "tls_server_config:\n  cert_file: a.crt\n  key_fle: a.key\n");
  std::string path = dir.Write("c.yml", "web:\n  config_file: web.yml\n");
  std::ostringstream out, err;
  EXPECT_EQ(CheckConfig(path, DefaultCollectorTable(), out, err),
            kExitConfigError);
  const std::string web_path =
      (std::filesystem::path(path).parent_path() / "web.yml").string();
  EXPECT_EQ(err.str(),
            web_path +
                ":3:3: unknown key tls_server_config.key_fle (known "
                "keys: cert_file, cipher_suites, client_allowed_sans, "
                "client_auth_type, client_ca_file, curve_preferences, "
                "key_file, max_version, min_version, "
                "prefer_server_cipher_suites)\n");
}

TEST(PrepareStartupTest, AnEmptyWebConfigFileServesPlainHttp) {
  TempDir dir;
  std::string web = dir.Write("web.yml", "# nothing\n");
  testing::FakeClock clock;
  EXPECT_NO_THROW(PrepareStartup(ParseFlags({"--web.config.file=" + web}),
                                 DefaultCollectorTable(),
                                 CollectorDeps{clock}));
  EXPECT_THROW(
      PrepareStartup(ParseFlags({"--web.config.file=/nonexistent/web.yml"}),
                     DefaultCollectorTable(), CollectorDeps{clock}),
      ConfigError);
}

// Issue 17: what the Windows service reports as START_PENDING and then
// RUNNING. `configured` comes after the flags and configuration are read,
// `serving` only after the listener is bound; a bad tenant ID (the MSI's
// TENANT_ID=not-a-guid) or a port in use calls neither or only the first.
TEST(StartProgressTest, ServingOnlyAfterConfigAndListener) {
  std::vector<std::string> events;
  std::ostringstream log;
  bool served = false;
  StartProgress progress{
      [&] { events.push_back("configured"); },
      [&] {
        events.push_back(log.str().find("msg=listening") != std::string::npos
                             ? "serving after listening"
                             : "serving before listening");
        served = true;
      }};
  EXPECT_EQ(RunExporter(
                ParseFlags({"--web.listen-address=127.0.0.1:0",
                            "--collectors.enabled="}),
                DefaultCollectorTable(), log, [&] { return served; }, progress),
            kExitOk);
  EXPECT_EQ(events, (std::vector<std::string>{"configured",
                                              "serving after listening"}));

  events.clear();
  std::ostringstream bad_log;
  EXPECT_EQ(
      RunExporter(
          ParseFlags({"--web.listen-address=127.0.0.1:0",
                      "--collectors.enabled=", "--tenant.id=not-a-guid"}),
          DefaultCollectorTable(), bad_log, [] { return true; }, progress),
      kExitConfigError);
  EXPECT_EQ(events, std::vector<std::string>{});
  EXPECT_NE(bad_log.str().find("not-a-guid"), std::string::npos)
      << bad_log.str();
}

TEST(StartProgressTest, APortInUseIsConfiguredButNeverServing) {
  std::vector<std::string> events;
  std::ostringstream first_log;
  bool busy_checked = false;
  StartProgress first{
      nullptr, [&] {
        // While the first exporter holds its port, a second one on it fails.
        const std::string text = first_log.str();
        const std::size_t at = text.find("address=127.0.0.1:");
        ASSERT_NE(at, std::string::npos) << text;
        const std::string port = text.substr(
            at + 18, text.find_first_not_of("0123456789", at + 18) - (at + 18));
        std::ostringstream second_log;
        StartProgress second{[&] { events.push_back("configured"); },
                             [&] { events.push_back("serving"); }};
        EXPECT_EQ(RunExporter(
                      ParseFlags({"--web.listen-address=127.0.0.1:" + port,
                                  "--collectors.enabled="}),
                      DefaultCollectorTable(), second_log, [] { return true; },
                      second),
                  kExitFailure)
            << second_log.str();
        busy_checked = true;
      }};
  EXPECT_EQ(RunExporter(
                ParseFlags({"--web.listen-address=127.0.0.1:0",
                            "--collectors.enabled="}),
                DefaultCollectorTable(), first_log,
                [&] { return busy_checked; }, first),
            kExitOk);
  EXPECT_TRUE(busy_checked);
  EXPECT_EQ(events, std::vector<std::string>{"configured"});
}

}  // namespace
}  // namespace entra_pta
