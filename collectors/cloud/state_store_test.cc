#include "collectors/cloud/state_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace entra_pta::cloud {
namespace {

namespace fs = std::filesystem;

class StateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() /
        ("entra-pta-cloud-state-" +
         std::string(
             ::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(StateStoreTest, RoundTripOwnerOnly) {
  CloudState state;
  state.refresh_token = ProtectedSecret{"file-mode", "RT-secret"};
  state.last_active["a1"] = {"pta01",
                             std::chrono::system_clock::time_point(
                                 std::chrono::milliseconds(1'800'000'000'123))};
  const std::string path = (dir_ / "sub" / "state.json").string();
  ASSERT_TRUE(SaveCloudState(path, state).ok());
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  // The directory it had to create is the exporter's alone.
  EXPECT_EQ(fs::status(dir_ / "sub").permissions() & fs::perms::all,
            fs::perms::owner_all);
  auto loaded = LoadCloudState(path);
  ASSERT_TRUE(loaded.ok());
  const CloudState& back = loaded.value();
  ASSERT_TRUE(back.refresh_token.has_value());
  EXPECT_EQ(back.refresh_token->data, "RT-secret");
  EXPECT_EQ(back.last_active.at("a1").machine_name, "pta01");
  EXPECT_EQ(back.last_active.at("a1").when, state.last_active["a1"].when);
}

TEST_F(StateStoreTest, MissingIsEmptyMalformedIsAnError) {
  auto missing = LoadCloudState((dir_ / "none.json").string());
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing.value().refresh_token.has_value());
  fs::create_directories(dir_);
  for (
      const char* text :
      {"{", "[]", R"({"refresh_token": "RT-secret"})",
       R"({"last_active": {"a1": {"last_active_unix_ms": "x"}}})",
       // Beyond the clock's nanoseconds (year 2262) or before 1970: the
       // conversion to a time point overflowed.
       R"({"last_active": {"a1": {"last_active_unix_ms": 9223372036854775807}}})",
       R"({"last_active": {"a1": {"last_active_unix_ms": 18446744073709551615}}})",
       R"({"last_active": {"a1": {"last_active_unix_ms": 9223372036855}}})",
       R"({"last_active": {"a1": {"last_active_unix_ms": -9223372036854775807}}})",
       R"({"last_active": {"a1": {"last_active_unix_ms": -1}}})"}) {
    std::ofstream(dir_ / "bad.json") << text;
    auto loaded = LoadCloudState((dir_ / "bad.json").string());
    ASSERT_FALSE(loaded.ok()) << text;
    const std::string& message = loaded.status().message();
    EXPECT_NE(message.find("is malformed"), std::string::npos);
    EXPECT_EQ(message.find("RT-secret"), std::string::npos);
  }
}

TEST_F(StateStoreTest, LatestRepresentableTimeRoundTrips) {
  const std::string text =
      R"({"last_active": {"a1": {"last_active_unix_ms": 9223372036854}}})";
  auto parsed = ParseCloudState(text);
  ASSERT_TRUE(parsed.ok());
  auto again = ParseCloudState(SerializeCloudState(parsed.value()));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.value().last_active.at("a1").when,
            std::chrono::system_clock::time_point(
                std::chrono::milliseconds(9223372036854)));
}

TEST_F(StateStoreTest, ConcurrentUpdatesLoseNothing) {
  const std::string path = (dir_ / "state.json").string();
  auto writer = [&](const std::string& prefix) {
    for (int i = 0; i < 15; ++i) {
      Status status = UpdateCloudState(path, [&](CloudState& state) {
        state.last_active[prefix + std::to_string(i)] = {
            "m", std::chrono::system_clock::time_point{}};
      });
      ASSERT_TRUE(status.ok()) << status.message();
    }
  };
  std::thread a(writer, "a"), b(writer, "b"), c(writer, "c");
  a.join();
  b.join();
  c.join();
  auto loaded = LoadCloudState(path);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded.value().last_active.size(), 45u);
  EXPECT_FALSE(fs::exists(path + ".lock"));
}

TEST_F(StateStoreTest, LeftOverLockIsTakenOverAndUnreadableIsKept) {
  const std::string path = (dir_ / "state.json").string();
  fs::create_directories(dir_);
  std::ofstream(path + ".lock") << "";
  fs::last_write_time(path + ".lock", fs::file_time_type::clock::now() -
                                          std::chrono::minutes(5));
  ASSERT_TRUE(UpdateCloudState(path, [](CloudState& state) {
                state.refresh_token = ProtectedSecret{"file-mode", "RT-1"};
              }).ok());
  std::ofstream(path, std::ios::trunc) << "{ not json";
  Status refused = UpdateCloudState(
      path, [](CloudState& state) { state.last_active.clear(); });
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("is malformed"), std::string::npos);
  Status replaced = UpdateCloudState(
      path,
      [](CloudState& state) {
        state.refresh_token = ProtectedSecret{"file-mode", "RT-2"};
      },
      /*replace_unreadable=*/true);
  EXPECT_TRUE(replaced.ok()) << replaced.message();
}

TEST(PlatformTest, SecretRoundTrip) {
  auto protected_secret = ProtectSecret("RT-secret");
  ASSERT_TRUE(protected_secret.ok());
  auto back = UnprotectSecret(protected_secret.value());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back.value(), "RT-secret");
  EXPECT_FALSE(UnprotectSecret(ProtectedSecret{"rot13", "x"}).ok());
  EXPECT_FALSE(LocalMachineName().empty());
}

}  // namespace
}  // namespace entra_pta::cloud
