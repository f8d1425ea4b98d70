// StdoutWantsColour on Windows (run under Wine by scripts/test-windows):
// NO_COLOR turns colour off whatever stdout is (https://no-color.org). The
// console check itself depends on where the test's stdout goes, so it is
// not asserted here.

#include <gtest/gtest.h>

#include <cstdlib>

#include "exporter/platform/terminal.h"

namespace entra_pta::diagnose {
namespace {

TEST(DiagnoseTerminalWindowsTest, NoColorWins) {
  ASSERT_EQ(_putenv_s("NO_COLOR", "1"), 0);
  EXPECT_FALSE(StdoutWantsColour());
}

}  // namespace
}  // namespace entra_pta::diagnose
