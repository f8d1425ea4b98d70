// The Unix platform backend: the state file is owner-only from creation.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "collectors/cloud/platform.h"

namespace entra_pta::cloud {
namespace {

namespace fs = std::filesystem;

TEST(PlatformOtherTest, OwnerOnlyFromCreationEvenWithAPermissiveUmask) {
  const fs::path dir = fs::temp_directory_path() / ("entra-pta-platform-test-" +
                                                    std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "new.tmp").string();
  const mode_t old_umask = ::umask(0);
  Status created = CreateOwnerOnlyFile(path);
  ::umask(old_umask);
  ASSERT_TRUE(created.ok()) << created.message();
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  // Exclusive: an existing file (or a planted symlink) is never reused.
  Status again = CreateOwnerOnlyFile(path);
  EXPECT_FALSE(again.ok());
  EXPECT_NE(again.message().find("new.tmp"), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace entra_pta::cloud
