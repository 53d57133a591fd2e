#include "ingest/prom/textparse/go_text.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>

namespace loupe::ingest::prom {
namespace {

double MustParse(std::string_view s) {
  double v = 0;
  EXPECT_EQ(ParsePromFloat(s, &v), FloatParse::kOk) << s;
  return v;
}

TEST(GoTextTest, ParsePromFloatAcceptsGoDecimalForms) {
  EXPECT_EQ(MustParse("1"), 1);
  EXPECT_EQ(MustParse("-1.5"), -1.5);
  EXPECT_EQ(MustParse("+2"), 2);
  EXPECT_EQ(MustParse(".5"), 0.5);
  EXPECT_EQ(MustParse("5."), 5);
  EXPECT_EQ(MustParse("1e3"), 1000);
  EXPECT_EQ(MustParse("1E+3"), 1000);
  EXPECT_EQ(MustParse("2.5e-3"), 0.0025);
  EXPECT_EQ(MustParse("7.424100000000001e-05"), 7.424100000000001e-05);
  EXPECT_EQ(MustParse("1.458255915e9"), 1458255915);
  EXPECT_EQ(MustParse("+Inf"), HUGE_VAL);
  EXPECT_EQ(MustParse("-Inf"), -HUGE_VAL);
  EXPECT_EQ(MustParse("inf"), HUGE_VAL);
  EXPECT_EQ(MustParse("Infinity"), HUGE_VAL);
  EXPECT_EQ(MustParse("-infinity"), -HUGE_VAL);
  EXPECT_EQ(MustParse("1e-400"), 0);  // underflow is not an error in Go
  EXPECT_TRUE(std::signbit(MustParse("-0")));
  EXPECT_EQ(MustParse("0.1"), 0.1);
  EXPECT_EQ(MustParse("-.5"), -0.5);
  EXPECT_EQ(MustParse("00012"), 12);
  EXPECT_EQ(MustParse("1E-0"), 1);
  EXPECT_EQ(MustParse("1e-310"), 1e-310);  // subnormal
  // The largest double written out in full (309 digits), and one digit more overflows.
  const std::string max_digits = "17976931348623157" + std::string(292, '0');
  EXPECT_EQ(MustParse(max_digits), std::numeric_limits<double>::max());
  double v = 0;
  EXPECT_EQ(ParsePromFloat(max_digits + "0", &v), FloatParse::kRange);
}

TEST(GoTextTest, NaNIsPrometheusNormalNaN) {
  for (std::string_view s : {"NaN", "nan", "NAN"}) {
    const double v = MustParse(s);
    EXPECT_EQ(std::bit_cast<uint64_t>(v), 0x7ff8000000000001ULL) << s;
  }
}

TEST(GoTextTest, ParsePromFloatRejects) {
  double v = 0;
  for (std::string_view s :
       {"",     "true",  "1z",   "1e",    "1e+",  ".",    "-",     "+",     "1.2.3", "0x10",
        "0x",   "infin", "+nan", "-NaN",  "1 2",  "1\t2", " 1",    "1,5",   "e5",    "--1",
        "Inf1", "1e5e5", "1-2",  "1e+-5", "1..2", "-e5",  "1e5.0", "nan(1)"}) {
    EXPECT_EQ(ParsePromFloat(s, &v), FloatParse::kSyntax) << "[" << s << "]";
  }
  for (std::string_view s : {"1_000", "0x1p-3", "0x1P3", "p", "1_"}) {
    EXPECT_EQ(ParsePromFloat(s, &v), FloatParse::kUnsupportedChar) << s;
  }
  EXPECT_EQ(ParsePromFloat("1e400", &v), FloatParse::kRange);
  EXPECT_EQ(ParsePromFloat("-1e400", &v), FloatParse::kRange);
}

TEST(GoTextTest, ParseGoFloatIncludesHexAndUnderscores) {
  double v = 0;
  EXPECT_EQ(ParseGoFloat("0x1p-3", &v), FloatParse::kOk);
  EXPECT_EQ(v, 0.125);
  EXPECT_EQ(ParseGoFloat("0x1.8p1", &v), FloatParse::kOk);
  EXPECT_EQ(v, 3);
  EXPECT_EQ(ParseGoFloat("1_000.5", &v), FloatParse::kOk);
  EXPECT_EQ(v, 1000.5);
  EXPECT_EQ(ParseGoFloat("0x_1p0", &v), FloatParse::kOk);
  EXPECT_EQ(v, 1);
  EXPECT_EQ(ParseGoFloat("0x1", &v), FloatParse::kSyntax);  // hex needs a 'p' exponent
  EXPECT_EQ(ParseGoFloat("1__0", &v), FloatParse::kSyntax);
  EXPECT_EQ(ParseGoFloat("_1", &v), FloatParse::kSyntax);
  EXPECT_EQ(ParseGoFloat("1_", &v), FloatParse::kSyntax);
}

TEST(GoTextTest, FloatErrorTextMatchesGo) {
  EXPECT_EQ(FloatErrorText(FloatParse::kSyntax, "true"),
            "strconv.ParseFloat: parsing \"true\": invalid syntax");
  EXPECT_EQ(FloatErrorText(FloatParse::kRange, "1e400"),
            "strconv.ParseFloat: parsing \"1e400\": value out of range");
  EXPECT_EQ(FloatErrorText(FloatParse::kUnsupportedChar, "1_2"), "unsupported character in float");
}

TEST(GoTextTest, ParseGoInt64) {
  int64_t v = 0;
  bool range = false;
  EXPECT_TRUE(ParseGoInt64("123123", &v, &range));
  EXPECT_EQ(v, 123123);
  EXPECT_TRUE(ParseGoInt64("9223372036854775807", &v, &range));
  EXPECT_EQ(v, INT64_MAX);
  EXPECT_TRUE(ParseGoInt64("-9223372036854775808", &v, &range));
  EXPECT_EQ(v, INT64_MIN);
  EXPECT_FALSE(ParseGoInt64("9223372036854775808", &v, &range));
  EXPECT_TRUE(range);
  EXPECT_FALSE(ParseGoInt64("12a", &v, &range));
  EXPECT_FALSE(range);
  EXPECT_FALSE(ParseGoInt64("", &v, &range));
}

TEST(GoTextTest, FormatGoFloatGMatchesStrconv) {
  // Expected strings are what Go's strconv.FormatFloat(f, 'g', -1, 64) prints.
  EXPECT_EQ(FormatGoFloatG(0), "0");
  EXPECT_EQ(FormatGoFloatG(-0.0), "-0");
  EXPECT_EQ(FormatGoFloatG(1), "1");
  EXPECT_EQ(FormatGoFloatG(1.5), "1.5");
  EXPECT_EQ(FormatGoFloatG(100), "100");
  EXPECT_EQ(FormatGoFloatG(123456), "123456");
  EXPECT_EQ(FormatGoFloatG(1234567), "1.234567e+06");
  EXPECT_EQ(FormatGoFloatG(1e6), "1e+06");
  EXPECT_EQ(FormatGoFloatG(1e21), "1e+21");
  EXPECT_EQ(FormatGoFloatG(1e100), "1e+100");
  EXPECT_EQ(FormatGoFloatG(0.0001), "0.0001");
  EXPECT_EQ(FormatGoFloatG(0.00001), "1e-05");
  EXPECT_EQ(FormatGoFloatG(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatGoFloatG(-2.5e-7), "-2.5e-07");
  EXPECT_EQ(FormatGoFloatG(5e-324), "5e-324");
  EXPECT_EQ(FormatGoFloatG(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(FormatGoFloatG(4.20072246e+06), "4.20072246e+06");
  EXPECT_EQ(FormatGoFloatG(HUGE_VAL), "+Inf");
  EXPECT_EQ(FormatGoFloatG(-HUGE_VAL), "-Inf");
  EXPECT_EQ(FormatGoFloatG(std::nan("")), "NaN");
}

TEST(GoTextTest, FormatOpenMetricsFloat) {
  EXPECT_EQ(FormatOpenMetricsFloat(1), "1.0");
  EXPECT_EQ(FormatOpenMetricsFloat(0), "0.0");
  EXPECT_EQ(FormatOpenMetricsFloat(-1), "-1.0");
  EXPECT_EQ(FormatOpenMetricsFloat(10), "10.0");
  EXPECT_EQ(FormatOpenMetricsFloat(0.25), "0.25");
  EXPECT_EQ(FormatOpenMetricsFloat(1e6), "1e+06");
  EXPECT_EQ(FormatOpenMetricsFloat(100000), "100000.0");
  EXPECT_EQ(FormatOpenMetricsFloat(1e-5), "1e-05");
  EXPECT_EQ(FormatOpenMetricsFloat(HUGE_VAL), "+Inf");
  EXPECT_EQ(FormatOpenMetricsFloat(std::nan("")), "NaN");
}

TEST(GoTextTest, GoQuote) {
  EXPECT_EQ(GoQuote("a"), "\"a\"");
  EXPECT_EQ(GoQuote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(GoQuote("\n\t\r\a\b\f\v"), "\"\\n\\t\\r\\a\\b\\f\\v\"");
  EXPECT_EQ(GoQuote(std::string_view("\x00\x01\x7f", 3)), "\"\\x00\\x01\\x7f\"");
  EXPECT_EQ(GoQuote("\xff"), "\"\\xff\"");
  EXPECT_EQ(GoQuote("Heizölrückstoß 10€"), "\"Heizölrückstoß 10€\"");
  EXPECT_EQ(GoQuote("\xc2\xa0"), "\"\\u00a0\"");              // NO-BREAK SPACE is not printable
  EXPECT_EQ(GoQuote("\xe2\x80\x8b"), "\"\\u200b\"");          // ZERO WIDTH SPACE
  EXPECT_EQ(GoQuote("\xf3\xa0\x80\x81"), "\"\\U000e0001\"");  // LANGUAGE TAG
  EXPECT_EQ(GoQuote("\xe2\x82"), "\"\\xe2\\x82\"");           // truncated sequence
  EXPECT_EQ(GoQuotePrefix("abcdef", 3), "\"abc\"");
  EXPECT_EQ(RunePrefix("äöü", 2), "äö");
}

TEST(GoTextTest, GoFormatFixed6) {
  EXPECT_EQ(GoFormatFixed6(std::nan("")), "NaN");
  EXPECT_EQ(GoFormatFixed6(HUGE_VAL), "+Inf");
  EXPECT_EQ(GoFormatFixed6(-HUGE_VAL), "-Inf");
  EXPECT_EQ(GoFormatFixed6(1.5), "1.500000");
}

TEST(GoTextTest, ValidUtf8) {
  EXPECT_TRUE(ValidUtf8(""));
  EXPECT_TRUE(ValidUtf8("plain ascii text longer than eight bytes"));
  EXPECT_TRUE(ValidUtf8("ä€😀"));
  EXPECT_FALSE(ValidUtf8("\xff"));
  EXPECT_FALSE(ValidUtf8("abcdefgh\xc0\x80"));  // overlong NUL
  EXPECT_FALSE(ValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(ValidUtf8("\xf4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(ValidUtf8("\xe2\x82"));          // truncated
}

}  // namespace
}  // namespace loupe::ingest::prom
