// Files OpenSSL would read for ever (a FIFO nobody writes to, /dev/zero) are
// refused before it sees them. POSIX only: Windows has neither.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "exporter/http/web_config.h"
#include "exporter/sdk/config_section.h"

namespace entra_pta {
namespace {

namespace fs = std::filesystem;

std::string ErrorOf(const std::string& yaml, const fs::path& dir) {
  try {
    LoadWebConfig(yaml, (dir / "web.yml").string());
  } catch (const ConfigError& e) {
    std::string message = e.what();
    const std::string prefix = dir.string() + "/";
    for (auto at = message.find(prefix); at != std::string::npos;
         at = message.find(prefix)) {
      message.erase(at, prefix.size());
    }
    return message;
  }
  return "(loaded)";
}

TEST(WebConfigOtherTest, FifosAndDevicesAreNotRead) {
  const fs::path dir = fs::temp_directory_path() /
                       ("web_config_posix_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  ASSERT_EQ(::mkfifo((dir / "fifo.crt").c_str(), 0600), 0);
  EXPECT_EQ(ErrorOf("tls_server_config:\n  cert_file: fifo.crt\n  key_file: "
                    "fifo.crt\n",
                    dir),
            "web.yml:2:14: tls_server_config.cert_file: fifo.crt is not a "
            "regular file");
  EXPECT_EQ(ErrorOf("tls_server_config:\n  cert_file: /dev/zero\n  key_file: "
                    "/dev/zero\n",
                    dir),
            "web.yml:2:14: tls_server_config.cert_file: /dev/zero is not a "
            "regular file");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace entra_pta
