#include "query/logql/syntax/parser.h"

#include <gtest/gtest.h>

#include "query/logql/syntax/printer.h"

namespace loupe::query::logql {
namespace {

ExprPtr MustParse(std::string_view q) {
  auto r = ParseExpr(q);
  EXPECT_TRUE(r.ok()) << q << ": " << r.status().message();
  return r.ok() ? std::move(r).value() : nullptr;
}

TEST(LogqlParserTest, NodesCarryBytePositions) {
  const std::string q = R"(sum by (a) (rate({app="x"} |= "e" | json | l > 1 [5m])))";
  auto e = MustParse(q);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->pos, 0u);
  const auto& va = std::get<VectorAggregation>(e->node);
  EXPECT_EQ(va.inner->pos, q.find("rate"));
  const auto& ra = std::get<RangeAggregation>(va.inner->node);
  EXPECT_EQ(ra.range.pos, q.find('{'));
  EXPECT_EQ(ra.range.selector.pos, q.find('{'));
  ASSERT_EQ(ra.range.selector.stages.size(), 3u);
  EXPECT_EQ(ra.range.selector.stages[0].pos, q.find("|="));
  EXPECT_EQ(ra.range.selector.stages[0].line_filters[0].terms[0].pos, q.find("\"e\""));
  EXPECT_EQ(ra.range.selector.stages[1].pos, q.find("| json"));
  EXPECT_EQ(ra.range.selector.stages[2].label_filter->pos, q.find("l >"));
}

TEST(LogqlParserTest, MatchersAreCompiled) {
  auto e = MustParse(R"({app=~"api|web", env!="dev"})");
  ASSERT_TRUE(e);
  const auto& sel = std::get<LogSelector>(e->node);
  ASSERT_EQ(sel.matchers.size(), 2u);
  EXPECT_TRUE(sel.matchers[0].Matches("web"));
  EXPECT_FALSE(sel.matchers[0].Matches("webx"));
  EXPECT_EQ(sel.matchers[1].type(), MatchType::kNotEqual);
}

TEST(LogqlParserTest, NegatedOrChainsBecomeSeparateFilters) {
  auto e = MustParse(R"({a="b"} |= "x" or ip("10.0.0.1") != "y" or "z")");
  ASSERT_TRUE(e);
  const auto& st = std::get<LogSelector>(e->node).stages;
  ASSERT_EQ(st.size(), 1u);
  const auto& lf = st[0].line_filters;
  ASSERT_EQ(lf.size(), 3u);
  EXPECT_EQ(lf[0].type, LineMatchType::kContains);
  ASSERT_EQ(lf[0].terms.size(), 2u);
  EXPECT_TRUE(lf[0].terms[1].ip);
  EXPECT_EQ(lf[0].terms[1].match, "10.0.0.1");
  EXPECT_EQ(lf[1].type, LineMatchType::kNotContains);
  EXPECT_EQ(lf[1].terms[0].match, "y");
  EXPECT_EQ(lf[2].type, LineMatchType::kNotContains);
  EXPECT_EQ(lf[2].terms[0].match, "z");
}

TEST(LogqlParserTest, LabelFilterPrecedence) {
  // or binds loosest; `and` is left-associative and binds tighter.
  auto e = MustParse(R"({a="b"} | x="1" or y="2" and z="3")");
  ASSERT_TRUE(e);
  const LabelFilter& f = *std::get<LogSelector>(e->node).stages[0].label_filter;
  ASSERT_EQ(f.kind, LabelFilter::Kind::kOr);
  EXPECT_EQ(f.left->kind, LabelFilter::Kind::kMatcher);
  ASSERT_EQ(f.right->kind, LabelFilter::Kind::kAnd);
  EXPECT_EQ(f.right->left->name, "y");
  EXPECT_EQ(f.right->right->name, "z");
}

TEST(LogqlParserTest, TypedLabelFilters) {
  auto e = MustParse(
      R"({a="b"} | d > 1m30s | s <= 1.5MiB | n != -2.5 | ip = ip("10.0.0.0/8") | m=~"x.+")");
  ASSERT_TRUE(e);
  const auto& st = std::get<LogSelector>(e->node).stages;
  ASSERT_EQ(st.size(), 5u);
  EXPECT_EQ(st[0].label_filter->kind, LabelFilter::Kind::kDuration);
  EXPECT_EQ(st[0].label_filter->op, CompareOp::kGt);
  EXPECT_EQ(st[0].label_filter->duration_nanos, 90'000'000'000);
  EXPECT_EQ(st[1].label_filter->kind, LabelFilter::Kind::kBytes);
  EXPECT_EQ(st[1].label_filter->bytes, 1572864u);
  EXPECT_EQ(st[2].label_filter->kind, LabelFilter::Kind::kNumber);
  EXPECT_EQ(st[2].label_filter->number, -2.5);
  EXPECT_EQ(st[3].label_filter->kind, LabelFilter::Kind::kIp);
  EXPECT_EQ(st[3].label_filter->name, "ip");
  EXPECT_EQ(st[3].label_filter->ip_pattern, "10.0.0.0/8");
  EXPECT_EQ(st[4].label_filter->kind, LabelFilter::Kind::kMatcher);
  EXPECT_TRUE(st[4].label_filter->matcher->Matches("xy"));
}

TEST(LogqlParserTest, StagesKeepTheirParameters) {
  auto e = MustParse(
      R"({a="b"} | logfmt --strict x="y" | json | line_format "{{.a}}" | label_format c=d, e="{{.f}}" | drop g, h="i" | keep j | decolorize | unpack)");
  ASSERT_TRUE(e);
  const auto& st = std::get<LogSelector>(e->node).stages;
  ASSERT_EQ(st.size(), 8u);
  EXPECT_EQ(st[0].kind, StageKind::kLogfmt);
  EXPECT_TRUE(st[0].strict);
  EXPECT_FALSE(st[0].keep_empty);
  ASSERT_EQ(st[0].extractions.size(), 1u);
  EXPECT_EQ(st[0].extractions[0].expression, "y");
  EXPECT_EQ(st[1].kind, StageKind::kJson);
  EXPECT_TRUE(st[1].extractions.empty());
  EXPECT_EQ(st[2].param, "{{.a}}");
  ASSERT_EQ(st[3].label_formats.size(), 2u);
  EXPECT_TRUE(st[3].label_formats[0].rename);
  EXPECT_FALSE(st[3].label_formats[1].rename);
  EXPECT_EQ(st[3].label_formats[1].value, "{{.f}}");
  ASSERT_EQ(st[4].named.size(), 2u);
  EXPECT_EQ(st[4].named[0].name, "g");
  EXPECT_TRUE(st[4].named[1].matcher.has_value());
  EXPECT_EQ(st[5].kind, StageKind::kKeep);
  EXPECT_EQ(st[6].kind, StageKind::kDecolorize);
  EXPECT_EQ(st[7].kind, StageKind::kUnpack);
}

TEST(LogqlParserTest, RangeAggregationParts) {
  auto e = MustParse(
      R"(quantile_over_time(0.9, {a="b"} | json | unwrap duration(d) | __error__="" [5m] offset 1h) by (x))");
  ASSERT_TRUE(e);
  const auto& ra = std::get<RangeAggregation>(e->node);
  EXPECT_EQ(ra.op, RangeOp::kQuantileOverTime);
  EXPECT_EQ(*ra.param, 0.9);
  EXPECT_EQ(ra.range.range_nanos, 300'000'000'000);
  EXPECT_EQ(ra.range.offset_nanos, 3'600'000'000'000);
  ASSERT_TRUE(ra.range.unwrap);
  EXPECT_EQ(ra.range.unwrap->label, "d");
  EXPECT_EQ(ra.range.unwrap->conversion, UnwrapConversion::kDuration);
  EXPECT_EQ(ra.range.unwrap->post_filters.size(), 1u);
  ASSERT_TRUE(ra.grouping);
  EXPECT_FALSE(ra.grouping->without);
  EXPECT_EQ(ra.grouping->labels, std::vector<std::string>{"x"});
}

TEST(LogqlParserTest, BinaryOperations) {
  auto e = MustParse(
      R"(sum(rate({a="b"}[1m])) + on (x) group_left (y) sum(rate({a="c"}[1m])) * 2 > bool 1)");
  ASSERT_TRUE(e);
  const auto& cmp = std::get<BinaryOp>(e->node);
  EXPECT_EQ(cmp.op, BinaryOpKind::kGt);
  EXPECT_TRUE(cmp.return_bool);
  const auto& add = std::get<BinaryOp>(cmp.lhs->node);
  EXPECT_EQ(add.op, BinaryOpKind::kAdd);
  EXPECT_TRUE(add.matching.on);
  EXPECT_EQ(add.matching.card, Cardinality::kManyToOne);
  EXPECT_EQ(add.matching.labels, std::vector<std::string>{"x"});
  EXPECT_EQ(add.matching.include, std::vector<std::string>{"y"});
  EXPECT_EQ(std::get<BinaryOp>(add.rhs->node).op, BinaryOpKind::kMul);
}

TEST(LogqlParserTest, VectorAggregationParameter) {
  auto e = MustParse(R"(topk(3, rate({a="b"}[1m])) by (x))");
  ASSERT_TRUE(e);
  const auto& va = std::get<VectorAggregation>(e->node);
  EXPECT_EQ(va.param, 3);
  EXPECT_EQ(va.grouping.labels, std::vector<std::string>{"x"});
  auto s = MustParse(R"(sum(rate({a="b"}[1m])))");
  EXPECT_TRUE(std::get<VectorAggregation>(s->node).grouping.labels.empty());
}

TEST(LogqlParserTest, LiteralsFold) {
  auto e = MustParse("(1 + 2) * 3 - 4 / 2");
  ASSERT_TRUE(e);
  EXPECT_EQ(std::get<Literal>(e->node).value, 7);
  EXPECT_FALSE(e->IsLogQuery());
  EXPECT_TRUE(MustParse(R"({a="b"} |= "c")")->IsLogQuery());
}

TEST(LogqlParserTest, WithoutValidationSkipsMatcherChecksOnly) {
  EXPECT_TRUE(ParseExprWithoutValidation("{}").ok());
  EXPECT_TRUE(ParseExprWithoutValidation(R"(count_over_time({a=~".*"}[1m]))").ok());
  EXPECT_EQ(ParseExprWithoutValidation(R"(sum_over_time({a="b"}[1m]))").status().message(),
            "parse error : invalid aggregation sum_over_time without unwrap");
  EXPECT_EQ(ParseExpr(R"(count_over_time({a=~".*"}[1m]))").status().code(),
            StatusCode::kInvalidArgument);
}

TEST(LogqlParserTest, ParseMatchers) {
  auto m = ParseMatchers(R"({app="foo",cluster=~".+bar"})", true);
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->size(), 2u);
  EXPECT_EQ((*m)[1].ToString(), "cluster=~\".+bar\"");
  EXPECT_EQ(ParseMatchers(R"({app="foo"} |= "x")", true).status().message(),
            "only label matchers are supported");
  EXPECT_EQ(ParseMatchers(R"(count_over_time({app="foo"}[1m]))", true).status().message(),
            "only label matchers are supported");
  EXPECT_TRUE(ParseMatchers(R"({app=""})", false).ok());
  EXPECT_FALSE(ParseMatchers(R"({app=""})", true).ok());
  EXPECT_FALSE(ParseMatchers(R"({app="foo")", true).ok());
}

TEST(LogqlParserTest, InputSizeLimit) {
  const std::string big = "{app=\"" + std::string(kMaxQueryBytes, 'x') + "\"}";
  EXPECT_EQ(ParseExpr(big).status().message(),
            "parse error : input size too long (131080 > 131072)");
  const std::string fits = "{app=\"" + std::string(kMaxQueryBytes - 9, 'x') + "\"}";
  EXPECT_TRUE(ParseExpr(fits).ok());
}

std::string Nested(int depth) {
  return std::string(static_cast<size_t>(depth), '(') + "1" +
         std::string(static_cast<size_t>(depth), ')');
}

TEST(LogqlParserTest, NestingIsBounded) {
  auto e = ParseExpr(Nested(500));
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(Print(**e), "1");
  const std::string too_deep = "parse error : expression nests too deeply (more than 1000 levels)";
  EXPECT_EQ(ParseExpr(Nested(60000)).status().message(), too_deep);
  std::string pow = "1";
  for (int i = 0; i < 30000; ++i) pow += "^1";
  EXPECT_EQ(ParseExpr(pow).status().message(), too_deep);
  std::string filters = "{a=\"b\"} |";
  for (int i = 0; i < 20000; ++i) filters += " x=\"y\"";
  EXPECT_EQ(ParseExpr(filters).status().message(), too_deep);
  std::string parens = "{a=\"b\"} | ";
  for (int i = 0; i < 20000; ++i) parens += "(";
  EXPECT_EQ(ParseExpr(parens).status().message(), too_deep);
}

}  // namespace
}  // namespace loupe::query::logql
