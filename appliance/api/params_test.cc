#include "appliance/api/params.h"

#include <gtest/gtest.h>

namespace loupe::appliance::api {
namespace {

TEST(ParamsTest, PromTime) {
  EXPECT_EQ(*ParsePromTime("1700000000"), 1'700'000'000'000);
  EXPECT_EQ(*ParsePromTime("1700000000.123"), 1'700'000'000'123);
  EXPECT_EQ(*ParsePromTime("4"), 4000);
  EXPECT_EQ(*ParsePromTime("-1.5"), -1500);
  EXPECT_EQ(*ParsePromTime("2023-11-14T22:13:20Z"), 1'700'000'000'000);
  EXPECT_EQ(*ParsePromTime("2023-11-14T22:13:20.5+01:00"), 1'700'000'000'500 - 3'600'000);
  EXPECT_EQ(*ParsePromTime("1970-01-01T00:00:04Z"), 4000);
  EXPECT_EQ(*ParsePromTime("-292273086-05-16T16:47:06Z"), kPromMinTimeMs);
  EXPECT_EQ(*ParsePromTime("292277025-08-18T07:12:54.999999999Z"), kPromMaxTimeMs);
  auto bad = ParsePromTime("yesterday");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "cannot parse \"yesterday\" to a valid timestamp");
  EXPECT_FALSE(ParsePromTime("2023-13-01T00:00:00Z").ok());
  EXPECT_FALSE(ParsePromTime("NaN").ok());
}

TEST(ParamsTest, LokiTime) {
  EXPECT_EQ(*ParseLokiTimeNanos("1700000000000000000"), 1'700'000'000'000'000'000);
  EXPECT_EQ(*ParseLokiTimeNanos("1700000000"), 1'700'000'000'000'000'000);
  EXPECT_EQ(*ParseLokiTimeNanos("1700000000.5"), 1'700'000'000'500'000'000);
  EXPECT_EQ(*ParseLokiTimeNanos("2023-11-14T22:13:20.000000001Z"), 1'700'000'000'000'000'001);
}

TEST(ParamsTest, Durations) {
  EXPECT_EQ(*ParsePromDurationMs("15"), 15'000);
  EXPECT_EQ(*ParsePromDurationMs("0.5"), 500);
  EXPECT_EQ(*ParsePromDurationMs("5m"), 300'000);
  EXPECT_EQ(*ParsePromDurationMs("1h30m"), 5'400'000);
  EXPECT_FALSE(ParsePromDurationMs("soon").ok());
  EXPECT_EQ(FormatRfc3339Millis(1'700'000'000'123), "2023-11-14T22:13:20.123Z");
}

TEST(ParamsTest, InvalidParamWording) {
  http::Request r;
  r.params.Add("start", "x");
  auto t = PromTimeParam(r, "start", 0);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(), "invalid parameter \"start\": cannot parse \"x\" to a valid timestamp");
  EXPECT_EQ(*PromTimeParam(r, "end", 42), 42);
}

}  // namespace
}  // namespace loupe::appliance::api
