#include "appliance/api/tempo_params.h"

#include <gtest/gtest.h>

#include "appliance/api/tempo_api.h"

namespace loupe::appliance::api {
namespace {

using tempo::ParseGoInt;
using tempo::ParseLogfmt;

TEST(TempoParamsTest, GoIntsWithStrconvTexts) {
  EXPECT_EQ(*ParseGoInt("42", 32), 42);
  EXPECT_EQ(*ParseGoInt("-7", 32), -7);
  EXPECT_EQ(*ParseGoInt("+7", 64), 7);
  EXPECT_EQ(ParseGoInt("x1", 32).status().message(),
            "strconv.ParseInt: parsing \"x1\": invalid syntax");
  EXPECT_EQ(ParseGoInt("", 32).status().message(),
            "strconv.ParseInt: parsing \"\": invalid syntax");
  EXPECT_EQ(ParseGoInt("2147483648", 32).status().message(),
            "strconv.ParseInt: parsing \"2147483648\": value out of range");
  EXPECT_EQ(*ParseGoInt("-2147483648", 32), INT32_MIN);
  EXPECT_EQ(*ParseGoInt("9223372036854775807", 64), INT64_MAX);
  EXPECT_FALSE(ParseGoInt("99999999999999999999", 64).ok());
}

TEST(TempoParamsTest, LogfmtAsGoLogfmtDecodes) {
  auto kv = ParseLogfmt(R"(service.name="front end" name=GET http.status_code=500 flag)");
  ASSERT_TRUE(kv.ok()) << kv.status();
  const std::vector<std::pair<std::string, std::string>> want = {
      {"service.name", "front end"}, {"name", "GET"}, {"http.status_code", "500"}, {"flag", ""}};
  EXPECT_EQ(*kv, want);
  kv = ParseLogfmt(R"(a="q \"x\" \u00e9\n")");
  ASSERT_TRUE(kv.ok());
  EXPECT_EQ((*kv)[0].second, "q \"x\" \xc3\xa9\n");
  EXPECT_EQ(ParseLogfmt("a=\"open").status().message(), "unterminated quoted value at pos 8");
  EXPECT_EQ(ParseLogfmt("=x").status().message(), "unexpected '=' at pos 1");
  EXPECT_EQ(ParseLogfmt("a=b=c").status().message(), "unexpected '=' at pos 4");
  EXPECT_EQ(ParseLogfmt("a\"b=c").status().message(), "unexpected '\"' at pos 2");
  EXPECT_EQ(ParseLogfmt(R"(a="\q")").status().message(), "invalid quoted value at pos 6");
  EXPECT_TRUE(ParseLogfmt("  ").ok());
}

TEST(TempoParamsTest, GoDurations) {
  EXPECT_EQ(*tempo::ParseGoDuration("1.5s"), 1'500'000'000);
  EXPECT_EQ(*tempo::ParseGoDuration("250ms"), 250'000'000);
  EXPECT_EQ(tempo::ParseGoDuration("2d").status().message(), "time: invalid duration \"2d\"");
  EXPECT_EQ(tempo::ParseGoDuration("x").status().message(), "time: invalid duration \"x\"");
}

TEST(TempoParamsTest, MetricsTimestampsAndSteps) {
  EXPECT_EQ(*tempo::ParseMetricsTimestamp("1700000000"), 1'700'000'000'000'000'000);
  EXPECT_EQ(*tempo::ParseMetricsTimestamp("1700000000123456789"), 1'700'000'000'123'456'789);
  EXPECT_EQ(*tempo::ParseMetricsTimestamp("1700000000.5"), 1'700'000'000'500'000'000);
  EXPECT_EQ(*tempo::ParseMetricsTimestamp("2023-11-14T22:13:20Z"), 1'700'000'000'000'000'000);
  EXPECT_FALSE(tempo::ParseMetricsTimestamp("yesterday").ok());
  EXPECT_EQ(*tempo::ParseSecondsOrDuration("15"), 15'000'000'000);
  EXPECT_EQ(*tempo::ParseSecondsOrDuration("0.5"), 500'000'000);
  EXPECT_EQ(*tempo::ParseSecondsOrDuration("1m"), 60'000'000'000);
  EXPECT_EQ(tempo::ParseSecondsOrDuration("fast").status().message(),
            "cannot parse \"fast\" to a valid duration");
}

TEST(TempoParamsTest, TraceIdsAsTemposHexStringToTraceID) {
  auto id = ParseTempoTraceId("abc");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->Hex(), "00000000000000000000000000000abc");
  EXPECT_EQ(ParseTempoTraceId("0123456789ABCDEF0123456789abcdef")->Hex(),
            "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(ParseTempoTraceId("").value().Hex(), std::string(32, '0'));
  EXPECT_EQ(ParseTempoTraceId("12g4").status().message(),
            "trace IDs can only contain hex characters: invalid character 'g' at position 3");
  EXPECT_EQ(
      ParseTempoTraceId("ab\xc3\xa9").status().message(),
      "trace IDs can only contain hex characters: invalid character '\xc3\xa9' at position 3");
  EXPECT_EQ(ParseTempoTraceId(std::string(33, '1')).status().message(),
            "trace IDs can't be larger than 128 bits");
  EXPECT_TRUE(ParseTempoTraceId(std::string(31, '1')).ok()) << "odd length is left-padded";
}

}  // namespace
}  // namespace loupe::appliance::api
