#include "query/common/go_format.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "query/common/xxhash.h"

namespace loupe::query {
namespace {

using storage::model::Labels;

TEST(GoFormatTest, FormatFloatGMatchesGo) {
  EXPECT_EQ(FormatFloatG(1.1), "1.1");
  EXPECT_EQ(FormatFloatG(-1.1), "-1.1");
  EXPECT_EQ(FormatFloatG(1), "1");
  EXPECT_EQ(FormatFloatG(100000), "100000");
  EXPECT_EQ(FormatFloatG(1e6), "1e+06");
  EXPECT_EQ(FormatFloatG(1234567), "1.234567e+06");
  EXPECT_EQ(FormatFloatG(0.0001), "0.0001");
  EXPECT_EQ(FormatFloatG(0.00001), "1e-05");
  EXPECT_EQ(FormatFloatG(9.2233720368547758e18), "9.223372036854776e+18");
  EXPECT_EQ(FormatFloatG(1e100), "1e+100");
  EXPECT_EQ(FormatFloatG(0), "0");
  EXPECT_EQ(FormatFloatG(-0.0), "-0");
  EXPECT_EQ(FormatFloatG(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatFloatG(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatFloatG(std::nan("")), "NaN");
}

TEST(GoFormatTest, FormatFloatFNeverUsesExponent) {
  EXPECT_EQ(FormatFloatF(6), "6");
  EXPECT_EQ(FormatFloatF(0.1), "0.1");
  EXPECT_EQ(FormatFloatF(1e21), "1000000000000000000000");
  EXPECT_EQ(FormatFloatF(1.5e-7), "0.00000015");
  EXPECT_EQ(FormatFloatF(-2.5), "-2.5");
  EXPECT_EQ(FormatFloatF(123.456), "123.456");
}

TEST(GoFormatTest, QuoteEscapesLikeStrconv) {
  EXPECT_EQ(GoQuote("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
  EXPECT_EQ(GoQuote("a\xc5z"), "\"a\\xc5z\"");
  EXPECT_EQ(GoQuote("\x01"), "\"\\x01\"");
  EXPECT_EQ(GoQuote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
}

TEST(GoFormatTest, LabelsStringQuotesNonLegacyNames) {
  Labels l{{"__name__", "up"}, {"job", "api"}, {"a.b", "x"}};
  EXPECT_EQ(GoLabelsString(l), "{__name__=\"up\", \"a.b\"=\"x\", job=\"api\"}");
  EXPECT_EQ(GoLabelsString(Labels{}), "{}");
}

TEST(XxhashTest, KnownVectors) {
  // Reference values of XXH64 with seed 0.
  EXPECT_EQ(Xxh64(""), 0xef46db3751d8e999ULL);
  EXPECT_EQ(Xxh64("a"), 0xd24ec4f1a98c6e5bULL);
  EXPECT_EQ(Xxh64("abc"), 0x44bc2cf5ad770999ULL);
  EXPECT_EQ(Xxh64("Nobody inspects the spammish repetition"), 0xfbcea83c8a378bf1ULL);
}

}  // namespace
}  // namespace loupe::query
