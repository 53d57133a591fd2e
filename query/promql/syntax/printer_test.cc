// Printing trees built by hand (as the evaluator may build them) and the corner cases of the
// printer that the golden files do not reach.
#include "query/promql/syntax/printer.h"

#include <gtest/gtest.h>

#include "query/promql/syntax/functions.h"
#include "query/promql/syntax/parser.h"

namespace loupe::query::promql {
namespace {

using storage::model::Matcher;
using storage::model::MatchType;

std::unique_ptr<VectorSelector> Selector(std::string name, std::vector<Matcher> extra = {}) {
  auto vs = std::make_unique<VectorSelector>();
  vs->name = name;
  vs->matchers = std::move(extra);
  if (!name.empty()) vs->matchers.push_back(*Matcher::Create(MatchType::kEqual, "__name__", name));
  return vs;
}

TEST(PromqlPrinterTest, HandBuiltTree) {
  auto call = std::make_unique<Call>();
  call->func = FindFunction("rate");
  auto ms = std::make_unique<MatrixSelector>();
  ms->range_ms = 90'000;
  ms->selector =
      Selector("http_requests_total", {*Matcher::Create(MatchType::kRegexMatch, "code", "5.."),
                                       *Matcher::Create(MatchType::kNotEqual, "a.b", "x\ny")});
  ms->selector->mods.offset_ms = -3'600'000;
  call->args.push_back(std::move(ms));
  auto agg = std::make_unique<AggregateExpr>();
  agg->op = AggregateOp::kSum;
  agg->grouping = {"job", "k8s.pod"};
  agg->expr = std::move(call);
  const std::string printed = Print(*agg);
  EXPECT_EQ(printed,
            R"(sum by (job, "k8s.pod") (rate(http_requests_total{"a.b"!="x\ny",code=~"5.."})"
            R"([1m30s] offset -1h)))");
  auto reparsed = ParseExpr(printed);
  ASSERT_TRUE(reparsed.ok()) << reparsed.status().message();
  EXPECT_TRUE(ExprEqual(**reparsed, *agg));
}

TEST(PromqlPrinterTest, NumberLiterals) {
  NumberLiteral n;
  n.value = 1e21;
  EXPECT_EQ(Print(n), "1000000000000000000000");
  n.value = -0.25;
  EXPECT_EQ(Print(n), "-0.25");
  n.is_duration = true;
  n.duration_ms = -90'000;
  n.value = -90;
  EXPECT_EQ(Print(n), "-1m30s");
}

// Timestamps print as seconds with three decimals; when that does not survive the parser's
// float arithmetic (beyond 2^53 ms) the printer picks digits that do.
TEST(PromqlPrinterTest, AtTimestampsRoundTrip) {
  for (int64_t ms : {int64_t{0}, int64_t{-1}, int64_t{1'603'774'568'123}, int64_t{-160'377'509'000},
                     int64_t{9'007'199'254'740'992}}) {
    auto vs = Selector("foo");
    vs->mods.at = AtModifier::kTimestamp;
    vs->mods.at_ms = ms;
    const std::string printed = Print(*vs);
    auto reparsed = ParseExpr(printed);
    ASSERT_TRUE(reparsed.ok()) << printed << ": " << reparsed.status().message();
    EXPECT_EQ(As<VectorSelector>(**reparsed).mods.at_ms, ms) << printed;
  }
  for (const char* seconds : {"123456789012345.678", "9007199254740.993", "-4611686018427387.9",
                              "9000000000000000.123", "1e15", "0.0005"}) {
    auto first = ParseExpr(std::string("foo @ ") + seconds);
    ASSERT_TRUE(first.ok()) << seconds << ": " << first.status().message();
    const std::string printed = Print(**first);
    auto second = ParseExpr(printed);
    ASSERT_TRUE(second.ok()) << printed;
    EXPECT_EQ(As<VectorSelector>(**second).mods.at_ms, As<VectorSelector>(**first).mods.at_ms)
        << seconds << " printed as " << printed;
    EXPECT_EQ(Print(**second), printed);
  }
  auto vs = Selector("foo");
  vs->mods.at = AtModifier::kTimestamp;
  vs->mods.at_ms = -1;
  EXPECT_EQ(Print(*vs), "foo @ -0.001");
}

TEST(PromqlPrinterTest, EmptyMatchingListKeepsGroupModifier) {
  auto parsed = ParseExpr("a * ignoring() group_right() b");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(Print(**parsed), "a * ignoring () group_right () b");
}

TEST(PromqlPrinterTest, PrettyKeepsShortQueriesOnOneLine) {
  auto parsed = ParseExpr("sum by(job) (rate(foo[5m]))");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(Pretty(**parsed), "sum by (job) (rate(foo[5m]))");
  // Each node is measured without its indentation, as Prometheus does.
  EXPECT_EQ(Pretty(**parsed, 20), "sum by (job) (\n  rate(foo[5m])\n)");
  EXPECT_EQ(Pretty(**parsed, 12), "sum by (job) (\n  rate(\n    foo[5m]\n  )\n)");
}

}  // namespace
}  // namespace loupe::query::promql
