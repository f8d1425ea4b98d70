#include "exporter/util/env_expansion.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace entra_pta {
namespace {

TEST(ExpandEnvironmentReferencesTest, HostileValuesAndNames) {
  // Values are inserted once, never expanded again (no loops, no growth
  // beyond one copy per reference); odd names are looked up as written.
  std::map<std::string, std::string> env = {
      {"Self", "%Self%"},
      {"Other", "%Self%%Other%"},
      {"Big", std::string(1000, 'x')},
      {std::string("a\0b", 3), "nul"},
      {"\xff\xfe", "bytes"},
  };
  auto lookup = [&](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  EXPECT_EQ(ExpandEnvironmentReferences("%Self%", lookup), "%Self%");
  EXPECT_EQ(ExpandEnvironmentReferences("%Other%/%Self%", lookup),
            "%Self%%Other%/%Self%");
  EXPECT_EQ(ExpandEnvironmentReferences("%Big%%Big%", lookup).size(), 2000u);
  EXPECT_EQ(ExpandEnvironmentReferences(std::string("%a\0b%", 5), lookup),
            "nul");
  EXPECT_EQ(ExpandEnvironmentReferences("%\xff\xfe%", lookup), "bytes");
  // 200000 percent signs: linear, unchanged.
  const std::string percents(200000, '%');
  EXPECT_EQ(ExpandEnvironmentReferences(percents, lookup), percents);
  std::string unresolved;
  for (int i = 0; i < 20000; ++i) unresolved += "%x";
  EXPECT_EQ(ExpandEnvironmentReferences(unresolved, lookup), unresolved);
}

TEST(ExpandEnvironmentReferencesTest, ReplacesKnownNames) {
  std::map<std::string, std::string> env = {{"ProgramData", "C:\\ProgramData"}};
  auto lookup = [&](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  EXPECT_EQ(
      ExpandEnvironmentReferences("%ProgramData%\\Microsoft\\Trace", lookup),
      "C:\\ProgramData\\Microsoft\\Trace");
  EXPECT_EQ(ExpandEnvironmentReferences("%Missing%\\x", lookup),
            "%Missing%\\x");
  EXPECT_EQ(ExpandEnvironmentReferences("100% %ProgramData%", lookup),
            "100% C:\\ProgramData");
  EXPECT_EQ(ExpandEnvironmentReferences("%%x%", lookup), "%%x%");
  EXPECT_EQ(ExpandEnvironmentReferences("no refs", lookup), "no refs");
  EXPECT_EQ(ExpandEnvironmentReferences("trailing %", lookup), "trailing %");
}

}  // namespace
}  // namespace entra_pta
