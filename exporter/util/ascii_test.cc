#include "exporter/util/ascii.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace entra_pta {
namespace {

using Parts = std::vector<std::string>;

TEST(SplitCommaListTest, TrimsSpacesAroundEachPart) {
  EXPECT_EQ(SplitCommaList("a, b ,c"), (Parts{"a", "b", "c"}));
}

TEST(SplitCommaListTest, KeepsEmptyPartsForTheCallerToRefuse) {
  EXPECT_EQ(SplitCommaList(""), (Parts{""}));
  EXPECT_EQ(SplitCommaList("a,,b"), (Parts{"a", "", "b"}));
  EXPECT_EQ(SplitCommaList("a,"), (Parts{"a", ""}));
  EXPECT_EQ(SplitCommaList(" , "), (Parts{"", ""}));
}

TEST(AsciiLowerTest, OnlyAsciiLettersChange) {
  EXPECT_EQ(AsciiLower("DC1.Corp.TEST-\xC3\x84"), "dc1.corp.test-\xC3\x84");
}

}  // namespace
}  // namespace entra_pta
