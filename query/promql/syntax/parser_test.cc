// Tree shapes, positions and API behaviour of the parser. What the parser accepts and the
// exact texts of its errors are pinned by testdata/parse.txt (golden_test.cc).
#include "query/promql/syntax/parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "query/promql/syntax/functions.h"
#include "query/promql/syntax/printer.h"

namespace loupe::query::promql {
namespace {

using storage::model::MatchType;

ExprPtr MustParse(std::string_view q) {
  auto r = ParseExpr(q);
  EXPECT_TRUE(r.ok()) << q << ": " << r.status().message();
  if (!r.ok()) return nullptr;
  return std::move(*r);
}

PositionRange Pos(int32_t s, int32_t e) { return {s, e}; }

TEST(PromqlParserTest, VectorSelectorMatchersKeepSourceOrderWithNameLast) {
  ExprPtr e = MustParse(R"(foo{z="1", a=~"b.*"} offset 5m)");
  const auto& vs = As<VectorSelector>(*e);
  EXPECT_EQ(vs.name, "foo");
  ASSERT_EQ(vs.matchers.size(), 3u);
  EXPECT_EQ(vs.matchers[0].name(), "z");
  EXPECT_EQ(vs.matchers[1].type(), MatchType::kRegexMatch);
  EXPECT_EQ(vs.matchers[2].name(), "__name__");
  EXPECT_EQ(vs.matchers[2].value(), "foo");
  EXPECT_EQ(vs.mods.offset_ms, 300000);
  EXPECT_EQ(vs.pos, Pos(0, 30));
  EXPECT_EQ(e->Type(), ValueType::kVector);
}

TEST(PromqlParserTest, MetricNameInsideBraces) {
  ExprPtr e = MustParse(R"({"my.metric", "a.b"="c"})");
  const auto& vs = As<VectorSelector>(*e);
  EXPECT_EQ(vs.name, "");
  ASSERT_EQ(vs.matchers.size(), 2u);
  EXPECT_EQ(vs.matchers[0].name(), "__name__");
  EXPECT_EQ(vs.matchers[0].value(), "my.metric");
  EXPECT_EQ(vs.matchers[1].name(), "a.b");
  EXPECT_TRUE(vs.matchers[1].Matches(storage::model::Labels{{"a.b", "c"}}));
}

TEST(PromqlParserTest, MatrixSelectorCarriesModifiersOnItsSelector) {
  ExprPtr e = MustParse("foo[5m] @ 10 offset -1m");
  const auto& m = As<MatrixSelector>(*e);
  EXPECT_EQ(m.range_ms, 300000);
  EXPECT_EQ(m.selector->mods.offset_ms, -60000);
  EXPECT_EQ(m.selector->mods.at, AtModifier::kTimestamp);
  EXPECT_EQ(m.selector->mods.at_ms, 10000);
  EXPECT_EQ(m.pos, Pos(0, 23));
  EXPECT_EQ(m.selector->pos, Pos(0, 3));
  EXPECT_EQ(e->Type(), ValueType::kMatrix);
}

TEST(PromqlParserTest, Subquery) {
  ExprPtr e = MustParse("rate(foo[1m])[30m:15s] @ end() offset 1h");
  const auto& sq = As<SubqueryExpr>(*e);
  EXPECT_EQ(sq.range_ms, 1800000);
  EXPECT_EQ(sq.step_ms, 15000);
  EXPECT_EQ(sq.mods.at, AtModifier::kEnd);
  EXPECT_EQ(sq.mods.offset_ms, 3600000);
  EXPECT_EQ(sq.expr->kind, ExprKind::kCall);
  EXPECT_EQ(sq.pos, Pos(0, 40));
  EXPECT_EQ(As<SubqueryExpr>(*MustParse("foo[5m:]")).step_ms, 0);
}

TEST(PromqlParserTest, AtTimestampsRoundToMilliseconds) {
  EXPECT_EQ(As<VectorSelector>(*MustParse("foo @ 3.3335")).mods.at_ms, 3334);
  EXPECT_EQ(As<VectorSelector>(*MustParse("foo @ 3.3333")).mods.at_ms, 3333);
  EXPECT_EQ(As<VectorSelector>(*MustParse("foo @ -1.5")).mods.at_ms, -1500);
  EXPECT_EQ(As<VectorSelector>(*MustParse("foo @ 1m")).mods.at_ms, 60000);
  EXPECT_EQ(As<VectorSelector>(*MustParse("foo @ start()")).mods.at, AtModifier::kStart);
}

TEST(PromqlParserTest, NumberLiterals) {
  ExprPtr e = MustParse("-5m");
  const auto& n = As<NumberLiteral>(*e);
  EXPECT_TRUE(n.is_duration);
  EXPECT_EQ(n.duration_ms, -300000);
  EXPECT_EQ(n.value, -300);
  EXPECT_EQ(n.pos, Pos(0, 3));  // the sign is folded into the literal
  EXPECT_EQ(As<NumberLiteral>(*MustParse("1m30s500ms")).value, 90.5);
  EXPECT_FALSE(As<NumberLiteral>(*MustParse("1.5")).is_duration);
  EXPECT_TRUE(std::isinf(As<NumberLiteral>(*MustParse("-Inf")).value));
}

TEST(PromqlParserTest, UnaryPrecedence) {
  // Unary minus binds like *, its operand like ^.
  ExprPtr pow = MustParse("-a ^ 2");
  ASSERT_EQ(pow->kind, ExprKind::kUnary);
  EXPECT_EQ(As<UnaryExpr>(*pow).expr->kind, ExprKind::kBinary);
  ExprPtr mul = MustParse("-a * 2");
  ASSERT_EQ(mul->kind, ExprKind::kBinary);
  EXPECT_EQ(As<BinaryExpr>(*mul).lhs->kind, ExprKind::kUnary);
  EXPECT_EQ(As<UnaryExpr>(*As<BinaryExpr>(*mul).lhs).pos, Pos(0, 2));
}

TEST(PromqlParserTest, BinaryAssociativityAndPrecedence) {
  ExprPtr e = MustParse("a - b - c");
  EXPECT_EQ(As<BinaryExpr>(*e).lhs->kind, ExprKind::kBinary);  // (a - b) - c
  e = MustParse("a ^ b ^ c");
  EXPECT_EQ(As<BinaryExpr>(*e).rhs->kind, ExprKind::kBinary);  // a ^ (b ^ c)
  e = MustParse("a or b and c unless d == e + f * g ^ h");
  const auto* b = &As<BinaryExpr>(*e);
  for (BinaryOp op : {BinaryOp::kOr, BinaryOp::kUnless, BinaryOp::kEqlc, BinaryOp::kAdd,
                      BinaryOp::kMul, BinaryOp::kPow}) {
    ASSERT_EQ(b->op, op);
    if (op == BinaryOp::kPow) break;
    b = &As<BinaryExpr>(*b->rhs);
  }
  e = MustParse("a or b and c");
  EXPECT_EQ(As<BinaryExpr>(*As<BinaryExpr>(*e).rhs).op, BinaryOp::kAnd);
}

TEST(PromqlParserTest, VectorMatchingIsNormalised) {
  ExprPtr e = MustParse("foo / on(a, b) group_left(c) bar");
  const auto& b = As<BinaryExpr>(*e);
  ASSERT_TRUE(b.matching.has_value());
  EXPECT_EQ(b.matching->card, VectorMatchCardinality::kManyToOne);
  EXPECT_TRUE(b.matching->on);
  EXPECT_EQ(b.matching->matching_labels, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(b.matching->include, std::vector<std::string>{"c"});

  EXPECT_EQ(As<BinaryExpr>(*MustParse("foo and bar")).matching->card,
            VectorMatchCardinality::kManyToMany);
  EXPECT_EQ(As<BinaryExpr>(*MustParse("foo + bar")).matching->card,
            VectorMatchCardinality::kOneToOne);
  // With a scalar side there is no vector matching at all.
  EXPECT_FALSE(As<BinaryExpr>(*MustParse("foo * 2")).matching.has_value());
  EXPECT_FALSE(As<BinaryExpr>(*MustParse("1 + on() foo")).matching.has_value());
  EXPECT_EQ(MustParse("1 + 2")->Type(), ValueType::kScalar);
  EXPECT_EQ(MustParse("1 + foo")->Type(), ValueType::kVector);
}

TEST(PromqlParserTest, AggregateAndCall) {
  ExprPtr e = MustParse("topk by (job) (3, rate(x[5m]))");
  const auto& a = As<AggregateExpr>(*e);
  EXPECT_EQ(a.op, AggregateOp::kTopk);
  EXPECT_EQ(a.grouping, std::vector<std::string>{"job"});
  EXPECT_FALSE(a.without);
  EXPECT_EQ(As<NumberLiteral>(*a.param).value, 3);
  const auto& call = As<Call>(*a.expr);
  EXPECT_EQ(call.func, FindFunction("rate"));
  EXPECT_EQ(call.pos, Pos(18, 29));
  EXPECT_EQ(a.pos, Pos(0, 30));

  ExprPtr trailing = MustParse("(sum(foo) without (a) )");
  EXPECT_EQ(As<ParenExpr>(*trailing).expr->pos, Pos(1, 21));
  EXPECT_EQ(trailing->pos, Pos(0, 23));
}

TEST(PromqlParserTest, InfoLabelSelectorMayBeEmptyOfNames) {
  ExprPtr e = MustParse(R"(info(up, {env=~".*"}))");
  EXPECT_TRUE(As<VectorSelector>(*As<Call>(*e).args[1]).bypass_empty_matcher_check);
}

TEST(PromqlParserTest, AllErrorsAreCollectedInOrder) {
  ParseResult r = ParseExprWithErrors("foo and on(bar) group_left(baz) bar");
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].message, R"(no grouping allowed for "and" operation)");
  EXPECT_EQ(r.errors[1].message, "set operations must always be many-to-many");
  EXPECT_EQ(r.errors[0].pos, Pos(0, 35));
  EXPECT_EQ(r.expr, nullptr);

  r = ParseExprWithErrors("foo[5m1h]");
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].message, R"(not a valid duration string: "5m1h")");
  EXPECT_EQ(r.errors[1].message, "duration must be greater than 0");

  r = ParseExprWithErrors("sum(foo)");
  EXPECT_TRUE(r.errors.empty());
  EXPECT_NE(r.expr, nullptr);
}

TEST(PromqlParserTest, ErrorPositions) {
  // Lexer errors run from the offending token to the end of the input.
  ParseResult r = ParseExprWithErrors("foo{a*\"b\"}");
  ASSERT_FALSE(r.errors.empty());
  EXPECT_EQ(r.errors[0].pos, Pos(5, 10));
  r = ParseExprWithErrors("foo + bool bar");
  EXPECT_EQ(r.errors[0].pos, Pos(4, 9));  // the operator
  r = ParseExprWithErrors("some_metric OFFSET 1m[5m]");
  EXPECT_EQ(r.errors[0].pos, Pos(21, 25));  // the brackets
  r = ParseExprWithErrors("1+");
  EXPECT_EQ(r.errors[0].pos, Pos(2, 2));
}

TEST(PromqlParserTest, FormatParseError) {
  EXPECT_EQ(FormatParseError("foo +\n  bar{", {{12, 12}, "x"}), "2:7: parse error: x");
  EXPECT_EQ(FormatParseError("abc", {{0, 0}, "x"}), "1:1: parse error: x");
  EXPECT_EQ(FormatParseError("abc", {{3, 3}, "x"}), "1:4: parse error: x");
  EXPECT_EQ(FormatParseError("abc", {{9, 9}, "x"}), "invalid position: parse error: x");
  EXPECT_EQ(FormatParseError("", {{0, 0}, "x"}), "unknown position: parse error: x");
}

TEST(PromqlParserTest, DepthIsBounded) {
  auto nested = [](int n) { return std::string(n, '(') + "1" + std::string(n, ')'); };
  EXPECT_TRUE(ParseExpr(nested(kMaxExprDepth - 1)).ok());
  auto deep = ParseExpr(nested(kMaxExprDepth + 1));
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.status().message().find("maximum depth"), std::string::npos);
  // Left-associative chains are built without recursion but are bounded too.
  std::string chain = "1";
  for (int i = 0; i < kMaxExprDepth + 5; ++i) chain += " + 1";
  EXPECT_FALSE(ParseExpr(chain).ok());
  // Nothing crashes on absurd nesting.
  EXPECT_FALSE(ParseExpr(std::string(100000, '(')).ok());
  EXPECT_FALSE(ParseExpr(std::string(100000, '-') + "1").ok());
  std::string pow = "1";
  for (int i = 0; i < 100000; ++i) pow += "^1";
  EXPECT_FALSE(ParseExpr(pow).ok());
}

TEST(PromqlParserTest, MetricSelector) {
  auto m = ParseMetricSelector(R"(up{job="api",instance=~"a.*"})");
  ASSERT_TRUE(m.ok()) << m.status().message();
  ASSERT_EQ(m->size(), 3u);
  EXPECT_EQ((*m)[0].name(), "job");
  EXPECT_EQ((*m)[2].name(), "__name__");
  EXPECT_EQ((*m)[2].value(), "up");

  m = ParseMetricSelector(R"({"my.metric"})");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)[0].value(), "my.metric");
  m = ParseMetricSelector("sum");
  ASSERT_TRUE(m.ok());  // aggregation names are valid metric names
  m = ParseMetricSelector("{}");
  ASSERT_TRUE(m.ok());  // callers decide whether an empty selector is acceptable
  EXPECT_TRUE(m->empty());

  EXPECT_EQ(ParseMetricSelector("foo bar").status().message(),
            R"(1:5: parse error: unexpected identifier "bar")");
  EXPECT_EQ(ParseMetricSelector("rate(foo[5m])").status().message(),
            R"(1:5: parse error: unexpected "(")");
  EXPECT_EQ(ParseMetricSelector("foo[5m]").status().message(),
            R"(1:4: parse error: unexpected "[")");
  EXPECT_EQ(ParseMetricSelector("1").status().message(),
            R"(1:1: parse error: unexpected number "1")");
  EXPECT_EQ(ParseMetricSelector("foo{a=~\"(\"}").status().message(),
            "1:5: parse error: error parsing regexp: missing closing ): `(`");
  EXPECT_EQ(ParseMetricSelector("").status().message(),
            "unknown position: parse error: unexpected end of input");
}

TEST(PromqlParserTest, Children) {
  ExprPtr owned = MustParse("topk(3, rate(foo[5m])) + -max_over_time(bar[1m:])");
  const Expr& e = *owned;
  const auto& b = As<BinaryExpr>(e);
  EXPECT_EQ(Children(e), (std::vector<const Expr*>{b.lhs.get(), b.rhs.get()}));
  auto agg = Children(*b.lhs);
  ASSERT_EQ(agg.size(), 2u);
  EXPECT_EQ(agg[0]->kind, ExprKind::kNumberLiteral);
  EXPECT_EQ(Children(*Children(*agg[1])[0])[0]->kind, ExprKind::kVectorSelector);
  const Expr* call = Children(*b.rhs)[0];
  EXPECT_EQ(Children(*Children(*call)[0])[0]->kind, ExprKind::kVectorSelector);
  EXPECT_TRUE(Children(*MustParse("time()")).empty());
}

TEST(PromqlParserTest, ExprEqualIgnoresPositionsOnRequest) {
  ExprPtr a = MustParse("sum(rate(foo[5m]))");
  ExprPtr b = MustParse("sum( rate( foo[5m] ) )");
  EXPECT_TRUE(ExprEqual(*a, *b));
  EXPECT_FALSE(ExprEqual(*a, *b, /*compare_positions=*/true));
  EXPECT_TRUE(ExprEqual(*a, *a, /*compare_positions=*/true));
  EXPECT_FALSE(ExprEqual(*a, *MustParse("sum(rate(foo[1m]))")));
  EXPECT_TRUE(ExprEqual(*MustParse("NaN"), *MustParse("nan")));
  EXPECT_FALSE(ExprEqual(*MustParse("0"), *MustParse("-0")));
}

}  // namespace
}  // namespace loupe::query::promql
