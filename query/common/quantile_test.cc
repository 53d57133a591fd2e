#include "query/common/quantile.h"

#include <gtest/gtest.h>

#include <cmath>

namespace loupe::query {
namespace {

TEST(QuantileTest, InterpolatesBetweenRanks) {
  std::vector<double> v{4, 0, 1};
  EXPECT_DOUBLE_EQ(Quantile(0.5, &v), 1);
  v = {0, 1, 4};
  EXPECT_DOUBLE_EQ(Quantile(0.75, &v), 2.5);
  v = {0, 1};
  EXPECT_DOUBLE_EQ(Quantile(0.8, &v), 0.8);
}

TEST(QuantileTest, EdgeCases) {
  std::vector<double> empty;
  EXPECT_TRUE(std::isnan(Quantile(0.5, &empty)));
  std::vector<double> v{1, 2};
  EXPECT_TRUE(std::isnan(Quantile(std::nan(""), &v)));
  EXPECT_EQ(Quantile(-1, &v), -INFINITY);
  EXPECT_EQ(Quantile(2, &v), INFINITY);
}

}  // namespace
}  // namespace loupe::query
