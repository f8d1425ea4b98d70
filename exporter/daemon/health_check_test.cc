#include "exporter/daemon/health_check.h"

#include <gtest/gtest.h>

#include <sstream>

namespace entra_pta {
namespace {

TEST(HealthUrlForListenAddress, AllInterfacesBecomeLoopback) {
  EXPECT_EQ(HealthUrlForListenAddress(":9847"), "http://127.0.0.1:9847/health");
  EXPECT_EQ(HealthUrlForListenAddress("0.0.0.0:1234"),
            "http://127.0.0.1:1234/health");
  EXPECT_EQ(HealthUrlForListenAddress("[::]:9847"), "http://[::1]:9847/health");
}

TEST(HealthUrlForListenAddress, NamedHostsStay) {
  EXPECT_EQ(HealthUrlForListenAddress("127.0.0.2:9847"),
            "http://127.0.0.2:9847/health");
  EXPECT_EQ(HealthUrlForListenAddress("[::1]:80"), "http://[::1]:80/health");
  // ParseListenAddress resolves the name the exporter binds.
  EXPECT_EQ(HealthUrlForListenAddress("localhost:9847"),
            "http://127.0.0.1:9847/health");
}

TEST(HealthUrlForListenAddress, RejectsInvalidAndPortZero) {
  EXPECT_EQ(HealthUrlForListenAddress(""), std::nullopt);
  EXPECT_EQ(HealthUrlForListenAddress("9847"), std::nullopt);
  EXPECT_EQ(HealthUrlForListenAddress(":0"), std::nullopt);
  EXPECT_EQ(HealthUrlForListenAddress(":99999"), std::nullopt);
}

int RunHealthCheck(const std::vector<std::string>& args,
                   std::string* err_text) {
  std::ostringstream out, err;
  int status = HealthCheckMain(args, out, err);
  *err_text = err.str();
  return status;
}

TEST(HealthCheckMain, FlagErrorsExitTwoWithTheReason) {
  std::string err;
  EXPECT_EQ(RunHealthCheck({"--bogus"}, &err), 2);
  EXPECT_NE(err.find("unknown flag --bogus"), std::string::npos) << err;
  EXPECT_EQ(RunHealthCheck({"--timeout=soon"}, &err), 2);
  EXPECT_NE(err.find("--timeout: invalid duration \"soon\""), std::string::npos)
      << err;
  EXPECT_EQ(RunHealthCheck({"--timeout=0s"}, &err), 2);
  // Issue 14 defect 4: bounded (curl takes a 32-bit long on Windows).
  EXPECT_EQ(RunHealthCheck({"--timeout=1000y"}, &err), 2);
  EXPECT_NE(err.find("--timeout: 1000y is too long (at most 10m)"),
            std::string::npos)
      << err;
  EXPECT_EQ(RunHealthCheck({"--web.listen-address=nonsense"}, &err), 2);
  EXPECT_NE(err.find("invalid address \"nonsense\""), std::string::npos) << err;
  EXPECT_EQ(RunHealthCheck({"--web.listen-address"}, &err), 2);
  EXPECT_NE(err.find("needs a value"), std::string::npos) << err;
}

}  // namespace
}  // namespace entra_pta
