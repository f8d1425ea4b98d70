#include "exporter/util/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace entra_pta {
namespace {

StatusOr<int> ParsePositive(int n) {
  if (n <= 0) return Status::Error("not positive: " + std::to_string(n));
  return n;
}

TEST(StatusOrTest, HoldsTheValue) {
  StatusOr<int> result = ParsePositive(7);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result.status().ok());
  EXPECT_EQ(*result, 7);
}

TEST(StatusOrTest, HoldsTheError) {
  StatusOr<int> result = ParsePositive(-1);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(), "not positive: -1");
}

TEST(StatusOrTest, MovesMoveOnlyValuesOut) {
  StatusOr<std::unique_ptr<std::string>> result =
      std::make_unique<std::string>("kept");
  ASSERT_TRUE(result.ok());
  std::unique_ptr<std::string> taken = std::move(result).value();
  EXPECT_EQ(*taken, "kept");
}

TEST(StatusOrTest, ArrowReachesMembers) {
  StatusOr<std::string> result = std::string("abc");
  EXPECT_EQ(result->size(), 3u);
}

}  // namespace
}  // namespace entra_pta
