#include "query/promql/syntax/duration.h"

#include <gtest/gtest.h>

namespace loupe::query::promql {
namespace {

constexpr int64_t kSec = 1000;
constexpr int64_t kDay = 86400 * kSec;

TEST(PromqlDurationTest, Parse) {
  EXPECT_EQ(*ParseDuration("0"), 0);
  EXPECT_EQ(*ParseDuration("0s"), 0);
  EXPECT_EQ(*ParseDuration("5m"), 300 * kSec);
  EXPECT_EQ(*ParseDuration("1h30m"), 5400 * kSec);
  EXPECT_EQ(*ParseDuration("1m30ms"), 60 * kSec + 30);
  EXPECT_EQ(*ParseDuration("2w"), 14 * kDay);
  EXPECT_EQ(*ParseDuration("1y"), 365 * kDay);
  EXPECT_EQ(*ParseDuration("1y2w3d4h5m6s7ms"),
            365 * kDay + 14 * kDay + 3 * kDay + (4 * 3600 + 5 * 60 + 6) * kSec + 7);
  EXPECT_EQ(*ParseDuration("292y"), 292 * 365 * kDay);
}

TEST(PromqlDurationTest, ParseErrors) {
  EXPECT_EQ(ParseDuration("").status().message(), "empty duration string");
  EXPECT_EQ(ParseDuration("5m1h").status().message(), R"(not a valid duration string: "5m1h")");
  EXPECT_EQ(ParseDuration("1m1m").status().message(), R"(not a valid duration string: "1m1m")");
  EXPECT_EQ(ParseDuration("5").status().message(), R"(not a valid duration string: "5")");
  EXPECT_EQ(ParseDuration("m").status().message(), R"(not a valid duration string: "m")");
  EXPECT_EQ(ParseDuration("-5m").status().message(), R"(not a valid duration string: "-5m")");
  EXPECT_EQ(ParseDuration("1.5h").status().message(), R"(unknown unit "." in duration "1.5h")");
  EXPECT_EQ(ParseDuration("5y1hs").status().message(), R"(unknown unit "hs" in duration "5y1hs")");
  EXPECT_EQ(ParseDuration("3us").status().message(), R"(unknown unit "us" in duration "3us")");
  EXPECT_EQ(ParseDuration("300y").status().message(), "duration out of range");
  EXPECT_EQ(ParseDuration("99999999999999999999s").status().message(),
            R"(not a valid duration string: "99999999999999999999s")");
  EXPECT_EQ(ParseDuration("5m").status().code(), StatusCode::kOk);
  EXPECT_EQ(ParseDuration("5x").status().code(), StatusCode::kInvalidArgument);
}

TEST(PromqlDurationTest, Format) {
  EXPECT_EQ(FormatDuration(0), "0s");
  EXPECT_EQ(FormatDuration(1), "1ms");
  EXPECT_EQ(FormatDuration(1500), "1s500ms");
  EXPECT_EQ(FormatDuration(5400 * kSec), "1h30m");
  EXPECT_EQ(FormatDuration(90 * kDay), "90d");  // not 12w6d: weeks only when exact
  EXPECT_EQ(FormatDuration(14 * kDay), "2w");
  EXPECT_EQ(FormatDuration(365 * kDay), "1y");
  EXPECT_EQ(FormatDuration(366 * kDay), "366d");
  EXPECT_EQ(FormatDuration(730 * kDay), "2y");
  EXPECT_EQ(FormatDuration(-300 * kSec), "-5m");
}

TEST(PromqlDurationTest, FormatParsesBack) {
  for (int64_t ms : {int64_t{1}, int64_t{999}, 61 * kSec + 1, 90 * kDay, 14 * kDay + 1,
                     365 * kDay + 7 * kDay, int64_t{9'223'372'036'854}}) {
    EXPECT_EQ(*ParseDuration(FormatDuration(ms)), ms) << FormatDuration(ms);
  }
}

}  // namespace
}  // namespace loupe::query::promql
