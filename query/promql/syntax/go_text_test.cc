#include "query/promql/syntax/go_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace loupe::query::promql {
namespace {

TEST(PromqlGoTextTest, Quote) {
  EXPECT_EQ(GoQuote(""), R"("")");
  EXPECT_EQ(GoQuote("abc"), R"("abc")");
  EXPECT_EQ(GoQuote("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(GoQuote("\a\b\f\n\r\t\v"), R"("\a\b\f\n\r\t\v")");
  EXPECT_EQ(GoQuote(std::string("\x00\x1f\x7f", 3)), R"("\x00\x1f\x7f")");
  EXPECT_EQ(GoQuote("\xff"), R"("\xff")");
  EXPECT_EQ(GoQuote("caf\xc3\xa9 \xe2\x98\xba"), "\"caf\xc3\xa9 \xe2\x98\xba\"");
  EXPECT_EQ(GoQuote("\xc2\x85"), R"("\u0085")");
  EXPECT_EQ(GoQuote("\xc2\xa0"), R"("\u00a0")");
  EXPECT_EQ(GoQuote("\xf3\xb0\x80\x80"), R"("\U000f0000")");  // private use
  EXPECT_EQ(GoQuote("\xed\xa0\x80"), R"("\xed\xa0\x80")");    // a surrogate is invalid UTF-8
}

TEST(PromqlGoTextTest, QuoteRuneAndRuneU) {
  EXPECT_EQ(GoQuoteRune('a'), "'a'");
  EXPECT_EQ(GoQuoteRune('\''), R"('\'')");
  EXPECT_EQ(GoQuoteRune('"'), R"('"')");
  EXPECT_EQ(GoQuoteRune('\n'), R"('\n')");
  EXPECT_EQ(GoQuoteRune(kRuneEof), "'\xef\xbf\xbd'");
  EXPECT_EQ(GoRuneU('c'), "U+0063 'c'");
  EXPECT_EQ(GoRuneU(7), "U+0007");
  EXPECT_EQ(GoRuneU(0x263A), "U+263A '\xe2\x98\xba'");
}

TEST(PromqlGoTextTest, QuoteShort) {
  EXPECT_EQ(GoQuoteShort("0123456789"), R"("0123456789")");
  EXPECT_EQ(GoQuoteShort("0123456789a"), R"("0123456789"...)");
  EXPECT_EQ(GoQuoteShort("\xe2\x98\xba\xe2\x98\xba\xe2\x98\xba\xe2\x98\xba"),
            "\"\xe2\x98\xba\xe2\x98\xba\xe2\x98\xba\xe2\x98\xba\"...");  // 12 bytes, 4 runes
}

TEST(PromqlGoTextTest, Unquote) {
  std::string s;
  ASSERT_TRUE(UnquotePromQL(R"("a\"b\n\x41\101\u00e9\U0001F600")", &s));
  EXPECT_EQ(s, "a\"b\nAA\xc3\xa9\xf0\x9f\x98\x80");
  ASSERT_TRUE(UnquotePromQL(R"('it\'s "x"')", &s));
  EXPECT_EQ(s, "it's \"x\"");
  ASSERT_TRUE(UnquotePromQL("`a\\nb\r`", &s));
  EXPECT_EQ(s, "a\\nb\r");
  ASSERT_TRUE(UnquotePromQL(R"("\377")", &s));
  EXPECT_EQ(s, "\xff");
  EXPECT_FALSE(UnquotePromQL(R"("\'")", &s));
  EXPECT_FALSE(UnquotePromQL(R"('\"')", &s));
  EXPECT_FALSE(UnquotePromQL(R"("a)", &s));
  EXPECT_FALSE(UnquotePromQL(R"("\q")", &s));
  EXPECT_FALSE(UnquotePromQL(R"("\uD800")", &s));
  EXPECT_FALSE(UnquotePromQL("x", &s));
}

TEST(PromqlGoTextTest, ParseNumber) {
  auto parse = [](std::string_view in) {
    double v = -1;
    std::string err;
    EXPECT_TRUE(ParseGoNumber(in, &v, &err)) << in << ": " << err;
    return v;
  };
  EXPECT_EQ(parse("12"), 12);
  EXPECT_EQ(parse("0755"), 493);
  EXPECT_EQ(parse("08"), 8);  // not octal: falls back to the float parser
  EXPECT_EQ(parse("0x1f"), 31);
  EXPECT_EQ(parse("0X_1F"), 31);
  EXPECT_EQ(parse("1_000"), 1000);
  EXPECT_EQ(parse("1.5e3"), 1500);
  EXPECT_EQ(parse(".5"), 0.5);
  EXPECT_EQ(parse("5."), 5);
  EXPECT_EQ(parse("1_0.2_5"), 10.25);
  EXPECT_EQ(parse("9223372036854775808"), 9223372036854775808.0);
  EXPECT_EQ(parse("Inf"), std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(parse("nAn")));
  EXPECT_EQ(parse("1e-400"), 0);
  EXPECT_EQ(parse("4.9e-324"), std::numeric_limits<double>::denorm_min());

  double v;
  std::string err;
  EXPECT_FALSE(ParseGoNumber("1e400", &v, &err));
  EXPECT_EQ(err, R"(strconv.ParseFloat: parsing "1e400": value out of range)");
  EXPECT_FALSE(ParseGoNumber("0x", &v, &err));
  EXPECT_EQ(err, R"(strconv.ParseFloat: parsing "0x": invalid syntax)");
  EXPECT_FALSE(ParseGoNumber(".5.3", &v, &err));
  EXPECT_EQ(err, R"(strconv.ParseFloat: parsing ".5.3": invalid syntax)");
  EXPECT_FALSE(ParseGoNumber("1__0", &v, &err));
  EXPECT_FALSE(ParseGoNumber("0x1.5", &v, &err));
}

TEST(PromqlGoTextTest, FormatFloat) {
  EXPECT_EQ(FormatGoFloat(1), "1");
  EXPECT_EQ(FormatGoFloat(-0.0), "-0");
  EXPECT_EQ(FormatGoFloat(0.1), "0.1");
  EXPECT_EQ(FormatGoFloat(1e21), "1000000000000000000000");
  EXPECT_EQ(FormatGoFloat(1e-7), "0.0000001");
  EXPECT_EQ(FormatGoFloat(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(FormatGoFloat(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatGoFloat(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatGoFloat(std::nan("")), "NaN");
  EXPECT_EQ(FormatGoFloatF(1.5), "1.500000");
  EXPECT_EQ(FormatGoFloatF(9223372036854775808.0), "9223372036854775808.000000");
  EXPECT_EQ(FormatGoFloatF(-std::numeric_limits<double>::infinity()), "-Inf");
}

TEST(PromqlGoTextTest, DecodeRune) {
  size_t w;
  EXPECT_EQ(DecodeRune("a", &w), 'a');
  EXPECT_EQ(w, 1u);
  EXPECT_EQ(DecodeRune("\xc3\xa9", &w), 0xE9);
  EXPECT_EQ(w, 2u);
  EXPECT_EQ(DecodeRune("\xf0\x9f\x98\x80", &w), 0x1F600);
  EXPECT_EQ(w, 4u);
  EXPECT_EQ(DecodeRune("", &w), kRuneEof);
  EXPECT_EQ(w, 0u);
  for (const char* bad :
       {"\x80", "\xc0\x80", "\xc3", "\xe0\x80\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff"}) {
    EXPECT_EQ(DecodeRune(bad, &w), kRuneError) << bad;
    EXPECT_EQ(w, 1u);
  }
}

}  // namespace
}  // namespace loupe::query::promql
