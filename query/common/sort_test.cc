#include "query/common/sort.h"

#include <gtest/gtest.h>

#include <cmath>

namespace loupe::query {
namespace {

std::vector<uint32_t> Order(const std::vector<StepSample>& v) {
  std::vector<uint32_t> out;
  for (const auto& s : v) out.push_back(s.series);
  return out;
}

TEST(SortTest, NaNGoesLastInBothDirections) {
  std::vector<StepSample> v{{0, 3}, {1, NAN}, {2, 1}, {3, 2}, {4, 1}};
  SortByValue(&v, false);
  EXPECT_EQ(Order(v), (std::vector<uint32_t>{2, 4, 3, 0, 1}));
  SortByValue(&v, true);
  EXPECT_EQ(Order(v), (std::vector<uint32_t>{0, 3, 2, 4, 1}));
}

TEST(SortTest, NaturalCompare) {
  EXPECT_LT(NaturalCompare("1.2.3", "1.11.3"), 0);
  EXPECT_LT(NaturalCompare("4m5", "4m600"), 0);
  EXPECT_LT(NaturalCompare("4m600", "4m1000"), 0);
  EXPECT_LT(NaturalCompare("2", "10"), 0);
  EXPECT_GT(NaturalCompare("b", "a"), 0);
  EXPECT_EQ(NaturalCompare("x", "x"), 0);
  // Antisymmetric even where natsort is not ("01" vs "1").
  EXPECT_EQ(NaturalCompare("01", "1"), -NaturalCompare("1", "01"));
}

}  // namespace
}  // namespace loupe::query
