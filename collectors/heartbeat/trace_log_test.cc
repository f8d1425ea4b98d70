#include "collectors/heartbeat/trace_log.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace entra_pta::heartbeat {
namespace {

namespace fs = std::filesystem;
using std::chrono::system_clock;

const std::regex kAgentPattern("^AzureADConnectAuthenticationAgent_.*\\.log$",
                               std::regex::ECMAScript | std::regex::icase);

class TraceDir {
 public:
  TraceDir() {
    path_ =
        fs::temp_directory_path() /
        ("entra-pta-trace-test-" +
         std::string(
             ::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TraceDir() { fs::remove_all(path_); }

  // Creates `name` with its last write time set to `when`.
  void Add(const std::string& name, system_clock::time_point when) const {
    std::ofstream(path_ / name) << "trace\n";
    fs::last_write_time(path_ / name, std::chrono::file_clock::from_sys(when));
  }
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

TEST(FindNewestTraceFileTest, OddFileNamesAreHandled) {
  TraceDir dir;
  const auto base = system_clock::now() - std::chrono::hours(1);
  // Linux file names may hold newlines, quotes and bytes that are not UTF-8.
  // A newline never matches the pattern's '.', so that file is skipped.
  dir.Add("AzureADConnectAuthenticationAgent_\n.log",
          base + std::chrono::minutes(5));
  dir.Add("AzureADConnectAuthenticationAgent_\"\xff\xfe.log",
          base + std::chrono::minutes(4));
  dir.Add("AzureADConnectAuthenticationAgent_" + std::string(200, 'a') + ".log",
          base + std::chrono::minutes(1));
  auto found = FindNewestTraceFile(dir.path(), kAgentPattern);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_NE((*found)->path.find("_\"\xff\xfe.log"), std::string::npos)
      << (*found)->path;
}

TEST(FindNewestTraceFileTest, PicksTheNewestMatchingFile) {
  TraceDir dir;
  auto base = system_clock::time_point(std::chrono::seconds(1'800'000'000));
  dir.Add("AzureADConnectAuthenticationAgent_11111111-aaaa.log", base);
  dir.Add("azureadconnectauthenticationagent_22222222-bbbb.LOG",
          base + std::chrono::minutes(5));
  dir.Add("unrelated.log", base + std::chrono::hours(1));  // does not match
  fs::create_directory(
      fs::path(dir.path()) /
      "AzureADConnectAuthenticationAgent_dir.log");  // not a file
  auto result = FindNewestTraceFile(dir.path(), kAgentPattern);
  ASSERT_TRUE(result.ok() && result->has_value());
  const TraceFile& file = **result;
  EXPECT_NE(file.path.find("22222222-bbbb"), std::string::npos);
  EXPECT_EQ(std::chrono::floor<std::chrono::seconds>(file.last_write),
            base + std::chrono::minutes(5));
}

TEST(FindNewestTraceFileTest, EmptyDirectoryHasNoTraceFile) {
  TraceDir dir;
  auto result = FindNewestTraceFile(dir.path(), kAgentPattern);
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_FALSE(result->has_value());
}

TEST(FindNewestTraceFileTest, MissingDirectoryIsAnError) {
  auto result = FindNewestTraceFile("/nonexistent/Trace", kAgentPattern);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(
      result.status().message(),
      "trace directory \"/nonexistent/Trace\" does not exist (is the PTA agent "
      "installed on this host? set collectors.heartbeat.trace_dir)");
}

TEST(FindNewestTraceFileTest, AFileInsteadOfADirectoryIsAnError) {
  TraceDir dir;
  dir.Add("plain", system_clock::now());
  auto result = FindNewestTraceFile(dir.path() + "/plain", kAgentPattern);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("is not a directory"),
            std::string::npos);
}

}  // namespace
}  // namespace entra_pta::heartbeat
