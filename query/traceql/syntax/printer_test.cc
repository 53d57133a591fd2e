#include "query/traceql/syntax/printer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "query/traceql/syntax/parser.h"

namespace loupe::query::traceql {
namespace {

std::string RoundTrip(std::string_view q) {
  auto first = Parse(q);
  EXPECT_TRUE(first.ok()) << q << ": " << first.status();
  if (!first.ok()) return "";
  const std::string printed = Print(*first);
  auto second = Parse(printed);
  EXPECT_TRUE(second.ok()) << printed << ": " << second.status();
  if (second.ok()) {
    EXPECT_EQ(Print(*second), printed) << q;
  }
  return printed;
}

TEST(TraceqlPrinterTest, GoDurationFormat) {
  EXPECT_EQ(FormatGoDuration(0), "0s");
  EXPECT_EQ(FormatGoDuration(1), "1ns");
  EXPECT_EQ(FormatGoDuration(1500), "1.5\xC2\xB5s");
  EXPECT_EQ(FormatGoDuration(100000000), "100ms");
  EXPECT_EQ(FormatGoDuration(1500000000), "1.5s");
  EXPECT_EQ(FormatGoDuration(90000000000), "1m30s");
  EXPECT_EQ(FormatGoDuration(3600000000000), "1h0m0s");
  EXPECT_EQ(FormatGoDuration(-2000000000), "-2s");
  EXPECT_EQ(FormatGoDuration(std::numeric_limits<int64_t>::min()), "-2562047h47m16.854775808s");
}

TEST(TraceqlPrinterTest, GoFloatFormat) {
  EXPECT_EQ(FormatGoFloat(0.5), "0.5");
  EXPECT_EQ(FormatGoFloat(100000), "100000");
  EXPECT_EQ(FormatGoFloat(1e6), "1e+06");
  EXPECT_EQ(FormatGoFloat(1234567), "1.234567e+06");
  EXPECT_EQ(FormatGoFloat(0.0001), "0.0001");
  EXPECT_EQ(FormatGoFloat(0.00001), "1e-05");
  EXPECT_EQ(FormatGoFloat(-1.25), "-1.25");
  EXPECT_EQ(FormatGoFloat(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatGoFloat(1e21), "1e+21");
  EXPECT_EQ(FormatGoFloat(std::nan("")), "NaN");
}

TEST(TraceqlPrinterTest, StaticsAsTempoPrintsThem) {
  EXPECT_EQ(Print(Static::Int(-3)), "-3");
  EXPECT_EQ(Print(Static::Float(2)), "2.0");
  EXPECT_EQ(Print(Static::Float(2e6)), "2e+06");
  EXPECT_EQ(Print(Static::String("a\"b")), "`a\"b`");
  EXPECT_EQ(Print(Static::String("a`b")), "\"a`b\"");
  EXPECT_EQ(Print(Static::String("a\rb")), "\"a\\rb\"");
  EXPECT_EQ(Print(Static::Bool(true)), "true");
  EXPECT_EQ(Print(Static::Nil()), "nil");
  EXPECT_EQ(Print(Static::Status(SpanStatus::kUnset)), "unset");
  EXPECT_EQ(Print(Static::Kind(SpanKind::kConsumer)), "consumer");
  EXPECT_EQ(Print(Static::Duration(1500000)), "1.5ms");
}

TEST(TraceqlPrinterTest, Attributes) {
  EXPECT_EQ(Print(Attribute::Named(AttributeScope::kNone, false, "a.b")), ".a.b");
  EXPECT_EQ(Print(Attribute::Named(AttributeScope::kSpan, false, "a b")), "span.\"a b\"");
  EXPECT_EQ(Print(Attribute::Named(AttributeScope::kResource, true, "x")), "parent.resource.x");
  EXPECT_EQ(Print(Attribute::Named(AttributeScope::kNone, false, "q\"\\")), ".\"q\\\"\\\\\"");
  EXPECT_EQ(Print(Attribute::Named(AttributeScope::kNone, true, "span.x")), "parent.\"span.x\"");
  EXPECT_EQ(Print(Attribute::Named(AttributeScope::kNone, false, "1x")), ".\"1x\"");
  EXPECT_EQ(Print(Attribute::Of(Intrinsic::kTraceRootService)), "rootServiceName");
  EXPECT_EQ(Print(Attribute::Of(Intrinsic::kParentID)), "span:parentID");
}

TEST(TraceqlPrinterTest, CanonicalForms) {
  EXPECT_EQ(RoundTrip("{}"), "{ true }");
  EXPECT_EQ(RoundTrip("{ .a = 1 && .b = \"x\" }"), "{ (.a = 1) && (.b = `x`) }");
  EXPECT_EQ(RoundTrip("{ span:duration > 1h }"), "{ duration > 1h0m0s }");
  EXPECT_EQ(RoundTrip("{ .a } >> { .b }"), "({ .a }) >> ({ .b })");
  EXPECT_EQ(RoundTrip("{ .a } | count() > 1 | { .b }"), "{ .a }|(count()) > 1|{ .b }");
  EXPECT_EQ(RoundTrip("{} | rate() by (name, .a) | topk(2) > 1.5 with (sample=0.5)"),
            "{ true } | rate()by(name,.a) | topk(2) > 1.5 with(sample=0.5)");
  EXPECT_EQ(RoundTrip("({} | rate()) * 100 + 1"), "(({ true } | rate()) * 100) + 1");
  EXPECT_EQ(RoundTrip("{} | compare({ .a })"), "{ true } | compare({ .a })");
}

TEST(TraceqlPrinterTest, TrickyRoundTrips) {
  for (const char* q : {"{ (-1) * .a = 1 }",
                        "{ (-1.5) ^ .a = 1 }",
                        "{ -1 * .a = 1 }",
                        "{ .a = minInt }",
                        "{ .a = maxInt }",
                        "{ .a = \"x`y\" }",
                        "{ .a = \"x\\ry\" }",
                        "{ .a = -0.0 }",
                        "{ .\"a b\" = 1 && span.\"x\\\"y\" = 2 }",
                        "{ .\"1abc\" = 1 }",
                        "{ parent.\"span.x\" = 1 }",
                        "{ -.a ^ 2 = 1 }",
                        "{ !!.a }",
                        "{ nil = .a + 1 }",
                        "({} | rate()) / 0",
                        "(0 / 0) + ({} | rate())",
                        "({} | rate()) > 1e300 * 1e300",
                        "{} | rate() > 0.000001",
                        "{ duration > 1.000000001s }",
                        "{ .a = 1e-300 }",
                        "{} | quantile_over_time(duration, 0.99999, 1e-05)",
                        "({ .a } | count()) + ({ .b } | count()) = `x`",
                        "{ .a } | max(.b) > -1s"}) {
    RoundTrip(q);
  }
}

}  // namespace
}  // namespace loupe::query::traceql
