#include "query/logql/syntax/go_compat.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace loupe::query::logql::gocompat {
namespace {

TEST(LogqlGoCompatTest, QuoteEscapesLikeStrconv) {
  EXPECT_EQ(Quote("plain"), "\"plain\"");
  EXPECT_EQ(Quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Quote("\a\b\f\n\r\t\v"), "\"\\a\\b\\f\\n\\r\\t\\v\"");
  EXPECT_EQ(Quote(std::string("\x00\x7f", 2)), "\"\\x00\\x7f\"");
  EXPECT_EQ(Quote("caf\xC3\xA9 \xE2\x82\xAC"), "\"caf\xC3\xA9 \xE2\x82\xAC\"");  // é €
  EXPECT_EQ(Quote("\xff"), "\"\\xff\"");                                         // invalid UTF-8
  EXPECT_EQ(Quote("\xC2\xA0"), "\"\\u00a0\"");                                   // NBSP
  EXPECT_EQ(Quote("\xEF\xBB\xBF"), "\"\\ufeff\"");                               // BOM
  EXPECT_EQ(Quote("\xF3\xA0\x80\x81"), "\"\\U000e0001\"");                       // tag
}

TEST(LogqlGoCompatTest, FormatFloatVMatchesGoPercentV) {
  EXPECT_EQ(FormatFloatV(0), "0");
  EXPECT_EQ(FormatFloatV(1), "1");
  EXPECT_EQ(FormatFloatV(-2.5), "-2.5");
  EXPECT_EQ(FormatFloatV(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatFloatV(100000), "100000");
  EXPECT_EQ(FormatFloatV(1e6), "1e+06");
  EXPECT_EQ(FormatFloatV(1234567), "1.234567e+06");
  EXPECT_EQ(FormatFloatV(0.0001), "0.0001");
  EXPECT_EQ(FormatFloatV(0.00001), "1e-05");
  EXPECT_EQ(FormatFloatV(1e100), "1e+100");
  EXPECT_EQ(FormatFloatV(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatFloatV(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatFloatV(std::nan("")), "NaN");
}

TEST(LogqlGoCompatTest, FormatFloatFHasNoExponent) {
  EXPECT_EQ(FormatFloatF(0.99998), "0.99998");
  EXPECT_EQ(FormatFloatF(1e21), "1000000000000000000000");
  EXPECT_EQ(FormatFloatF(1e-7), "0.0000001");
  EXPECT_EQ(FormatFloatF(-500), "-500");
  EXPECT_EQ(FormatFloatFixed6(1), "1.000000");
  EXPECT_EQ(FormatFloatFixed6(-0.5), "-0.500000");
}

TEST(LogqlGoCompatTest, GoDurationString) {
  EXPECT_EQ(FormatGoDuration(0), "0s");
  EXPECT_EQ(FormatGoDuration(1), "1ns");
  EXPECT_EQ(FormatGoDuration(1500), "1.5\xC2\xB5s");
  EXPECT_EQ(FormatGoDuration(250'000'000), "250ms");
  EXPECT_EQ(FormatGoDuration(1'500'000'000), "1.5s");
  EXPECT_EQ(FormatGoDuration(90'000'000'000), "1m30s");
  EXPECT_EQ(FormatGoDuration(3'600'000'000'000), "1h0m0s");
  EXPECT_EQ(FormatGoDuration(-300'000'000'000), "-5m0s");
  EXPECT_EQ(FormatGoDuration(std::numeric_limits<int64_t>::min()), "-2562047h47m16.854775808s");
}

TEST(LogqlGoCompatTest, PromDurationString) {
  EXPECT_EQ(FormatPromDuration(0), "0s");
  EXPECT_EQ(FormatPromDuration(300'000'000'000), "5m");
  EXPECT_EQ(FormatPromDuration(5'400'000'000'000), "1h30m");
  EXPECT_EQ(FormatPromDuration(7 * 86'400'000'000'000), "1w");
  EXPECT_EQ(FormatPromDuration(9 * 86'400'000'000'000), "9d");
  EXPECT_EQ(FormatPromDuration(365 * 86'400'000'000'000), "1y");
  EXPECT_EQ(FormatPromDuration(1'500'000'000), "1s500ms");
  EXPECT_EQ(FormatPromDuration(999'999), "0s");  // below a millisecond
}

TEST(LogqlGoCompatTest, ParsePromDuration) {
  EXPECT_EQ(*ParsePromDuration("5m"), 300'000'000'000);
  EXPECT_EQ(*ParsePromDuration("1h30m"), 5'400'000'000'000);
  EXPECT_EQ(*ParsePromDuration("0"), 0);
  EXPECT_EQ(*ParsePromDuration("1y2w3d4h5m6s7ms"),
            ((((((365LL + 14 + 3) * 24 + 4) * 60 + 5) * 60 + 6) * 1000) + 7) * 1'000'000LL);
  EXPECT_EQ(ParsePromDuration("").status().message(), "empty duration string");
  EXPECT_EQ(ParsePromDuration("30m:5m").status().message(),
            "unknown unit \"m:\" in duration \"30m:5m\"");
  EXPECT_EQ(ParsePromDuration("5").status().message(), "not a valid duration string: \"5\"");
  EXPECT_EQ(ParsePromDuration("1m1h").status().message(), "not a valid duration string: \"1m1h\"");
  EXPECT_EQ(ParsePromDuration("-1m").status().message(), "not a valid duration string: \"-1m\"");
  EXPECT_EQ(ParsePromDuration("99999999999y").status().message(), "duration out of range");
}

TEST(LogqlGoCompatTest, ParseGoDuration) {
  EXPECT_EQ(*ParseGoDuration("1.5s"), 1'500'000'000);
  EXPECT_EQ(*ParseGoDuration("-5m"), -300'000'000'000);
  EXPECT_EQ(*ParseGoDuration("1h30m"), 5'400'000'000'000);
  EXPECT_EQ(*ParseGoDuration("100us"), 100'000);
  EXPECT_EQ(*ParseGoDuration("100\xC2\xB5s"), 100'000);
  EXPECT_EQ(*ParseGoDuration(".5s"), 500'000'000);
  EXPECT_EQ(*ParseGoDuration("0"), 0);
  EXPECT_FALSE(ParseGoDuration("5"));
  EXPECT_FALSE(ParseGoDuration("1d"));
  EXPECT_FALSE(ParseGoDuration(""));
  EXPECT_FALSE(ParseGoDuration("1.s."));
  EXPECT_FALSE(ParseGoDuration("9999999999h"));
}

TEST(LogqlGoCompatTest, Bytes) {
  EXPECT_EQ(*HumanizeParseBytes("1.5MiB"), 1572864u);
  EXPECT_EQ(*HumanizeParseBytes("20MB"), 20'000'000u);
  EXPECT_EQ(*HumanizeParseBytes("1KB"), 1000u);
  EXPECT_EQ(*HumanizeParseBytes("1k"), 1000u);
  EXPECT_EQ(*HumanizeParseBytes("2.5KiB"), 2560u);
  EXPECT_EQ(*HumanizeParseBytes("5B"), 5u);
  EXPECT_EQ(*HumanizeParseBytes("1,000 kb"), 1'000'000u);
  EXPECT_FALSE(HumanizeParseBytes("5X"));
  EXPECT_FALSE(HumanizeParseBytes("MB"));
  EXPECT_EQ(HumanizeBytes(5), "5B");
  EXPECT_EQ(HumanizeBytes(999), "999B");
  EXPECT_EQ(HumanizeBytes(1000), "1.0kB");
  EXPECT_EQ(HumanizeBytes(2560), "2.6kB");
  EXPECT_EQ(HumanizeBytes(20'000'000), "20MB");
  EXPECT_EQ(HumanizeBytes(1572864), "1.6MB");
}

TEST(LogqlGoCompatTest, NumbersAsStrconv) {
  std::string err;
  EXPECT_EQ(*ParseFloat("0.5", &err), 0.5);
  EXPECT_EQ(*ParseFloat(".5", &err), 0.5);
  EXPECT_EQ(*ParseFloat("1e3", &err), 1000);
  EXPECT_EQ(*ParseFloat("0x1p-2", &err), 0.25);
  EXPECT_FALSE(ParseFloat("0x1F", &err));
  EXPECT_EQ(err, "strconv.ParseFloat: parsing \"0x1F\": invalid syntax");
  EXPECT_FALSE(ParseFloat("1e400", &err));
  EXPECT_EQ(err, "strconv.ParseFloat: parsing \"1e400\": value out of range");
  EXPECT_EQ(*Atoi("10"), 10);
  EXPECT_EQ(*Atoi("-3"), -3);
  EXPECT_FALSE(Atoi("1.5"));
  EXPECT_FALSE(Atoi("99999999999999999999"));
}

TEST(LogqlGoCompatTest, RegexpErrorsInGoWording) {
  EXPECT_EQ(RegexpError("a+b"), "");
  EXPECT_EQ(RegexpError("("), "error parsing regexp: missing closing ): `(`");
  EXPECT_EQ(RegexpError("a)"), "error parsing regexp: unexpected ): `a)`");
  EXPECT_EQ(RegexpError("[a"), "error parsing regexp: missing closing ]: `[a`");
  EXPECT_EQ(RegexpError("*"), "error parsing regexp: missing argument to repetition operator: `*`");
  EXPECT_EQ(RegexpError("\\"), "error parsing regexp: trailing backslash at end of expression: ``");
  EXPECT_EQ(RegexpError("\\8"), "error parsing regexp: invalid escape sequence: `\\8`");
  // Go accepts duplicate group names; RE2 does not, so they are checked separately.
  EXPECT_EQ(RegexpError("(?P<a>x)(?P<a>y)"), "");
  int groups = 0;
  EXPECT_EQ(RegexpCaptureNames("(?P<a>x)(y)[(](?<b>z)\\((?:w)", &groups),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(groups, 3);
}

}  // namespace
}  // namespace loupe::query::logql::gocompat
