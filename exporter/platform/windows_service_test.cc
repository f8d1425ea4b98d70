#include "exporter/platform/windows_service.h"

#include <gtest/gtest.h>

namespace entra_pta {
namespace {

TEST(WindowsServiceTest, ParsesCommands) {
  EXPECT_EQ(ParseServiceCommand("install"), ServiceCommand::kInstall);
  EXPECT_EQ(ParseServiceCommand("uninstall"), ServiceCommand::kUninstall);
  EXPECT_EQ(ParseServiceCommand("run"), ServiceCommand::kRun);
  EXPECT_EQ(ParseServiceCommand("stop"), ServiceCommand::kStop);
  EXPECT_EQ(ParseServiceCommand("Install"), std::nullopt);
  EXPECT_EQ(ParseServiceCommand(""), std::nullopt);
}

TEST(WindowsServiceTest, QuotesOnlyWhatNeedsQuoting) {
  EXPECT_EQ(QuoteCommandLine({"C:\\x\\e.exe", "--service", "run"}),
            "C:\\x\\e.exe --service run");
  EXPECT_EQ(QuoteCommandLine({"C:\\Program Files\\e.exe", ""}),
            "\"C:\\Program Files\\e.exe\" \"\"");
  // Backslashes double only before a quote (or the closing quote).
  EXPECT_EQ(QuoteCommandLine({"a \"b\""}), "\"a \\\"b\\\"\"");
  EXPECT_EQ(QuoteCommandLine({"C:\\a b\\"}), "\"C:\\a b\\\\\"");
  EXPECT_EQ(QuoteCommandLine({"x\\\\\"y z"}), "\"x\\\\\\\\\\\"y z\"");
}

TEST(WindowsServiceTest, AFailedStartIsLoggedAsAnError) {
  // The Event Log sink types a line by its level: this one is an Error.
  EXPECT_EQ(FailedStartLogLine(2),
            "level=error msg=\"the service did not start\" exit_code=2 "
            "reason=\"configuration or flag error\"\n");
  EXPECT_EQ(FailedStartLogLine(1),
            "level=error msg=\"the service did not start\" exit_code=1\n");
}

TEST(WindowsServiceTest, OtherSystemsRefuseClearly) {
  if (WindowsServiceSupported()) GTEST_SKIP() << "a Windows build";
  Status installed = InstallService(ServiceDefinition{}, "", {});
  EXPECT_FALSE(installed.ok());
  EXPECT_NE(installed.message().find("only available on Windows"),
            std::string::npos);
  EXPECT_FALSE(UninstallService(ServiceDefinition{}).ok());
  EXPECT_FALSE(
      StopService(ServiceDefinition{}, std::chrono::milliseconds(10)).ok());
  EXPECT_EQ(
      RunAsService(ServiceDefinition{},
                   [](std::ostream&, const ServiceControls&) { return 0; }),
      1);
}

}  // namespace
}  // namespace entra_pta
