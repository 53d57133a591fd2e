#include "storage/base/units.h"

#include <gtest/gtest.h>

namespace loupe {
namespace {

constexpr int64_t kS = 1'000'000'000;

TEST(UnitsTest, ParseDuration) {
  EXPECT_EQ(*ParseDurationNanos("0"), 0);
  EXPECT_EQ(*ParseDurationNanos("90s"), 90 * kS);
  EXPECT_EQ(*ParseDurationNanos("1h30m"), 5400 * kS);
  EXPECT_EQ(*ParseDurationNanos("1.5s"), 1500'000'000);
  EXPECT_EQ(*ParseDurationNanos("250ms"), 250'000'000);
  EXPECT_EQ(*ParseDurationNanos("10us"), 10'000);
  EXPECT_EQ(*ParseDurationNanos("7d"), 7 * 86400 * kS);
  EXPECT_EQ(*ParseDurationNanos("1w"), 7 * 86400 * kS);
  EXPECT_EQ(*ParseDurationNanos("-5m"), -300 * kS);
  EXPECT_EQ(*ParseDurationNanos("1m1ms"), 60 * kS + 1'000'000);
  for (const char* bad : {"", "s", "5", "5x", "1..5s", "ms", "--1s", "1e3s", "300000000000h"}) {
    EXPECT_FALSE(ParseDurationNanos(bad).ok()) << bad;
  }
}

TEST(UnitsTest, FormatDurationRoundTrips) {
  for (int64_t v : {int64_t{0}, 90 * kS, 5400 * kS, int64_t{250'000'000}, int64_t{10'000},
                    int64_t{1}, 7 * 86400 * kS, 60 * kS + 1'000'000, -300 * kS}) {
    EXPECT_EQ(*ParseDurationNanos(FormatDurationNanos(v)), v) << FormatDurationNanos(v);
  }
  EXPECT_EQ(FormatDurationNanos(5400 * kS), "1h30m");
  EXPECT_EQ(FormatDurationNanos(250'000'000), "250ms");
}

TEST(UnitsTest, ParseBytes) {
  EXPECT_EQ(*ParseBytes("1024"), 1024u);
  EXPECT_EQ(*ParseBytes("20MiB"), 20u << 20);
  EXPECT_EQ(*ParseBytes("20 MiB"), 20u << 20);
  EXPECT_EQ(*ParseBytes("4MB"), 4'000'000u);
  EXPECT_EQ(*ParseBytes("1.5KiB"), 1536u);
  EXPECT_EQ(*ParseBytes("2g"), 2ull << 30);
  EXPECT_EQ(*ParseBytes("10b"), 10u);
  for (const char* bad : {"", "MiB", "-1", "1XB", "1.2.3"}) {
    EXPECT_FALSE(ParseBytes(bad).ok()) << bad;
  }
  EXPECT_EQ(FormatBytes(20u << 20), "20MiB");
  EXPECT_EQ(FormatBytes(1000), "1000B");
}

}  // namespace
}  // namespace loupe
