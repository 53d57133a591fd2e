#include "query/traceql/syntax/parser.h"

#include <gtest/gtest.h>

#include "query/traceql/syntax/printer.h"

namespace loupe::query::traceql {
namespace {

RootExpr MustParse(std::string_view q) {
  auto r = Parse(q);
  EXPECT_TRUE(r.ok()) << q << ": " << r.status();
  return r.ok() ? std::move(r).value() : RootExpr{};
}

std::string ParseError(std::string_view q) {
  auto r = Parse(q);
  EXPECT_FALSE(r.ok()) << q << " parsed as " << (r.ok() ? Print(*r) : "");
  return r.ok() ? "" : r.status().message();
}

const FieldExpr& Filter(const RootExpr& r) { return *r.pipeline.elements.at(0).spanset->filter; }

TEST(TraceqlParserTest, SpansetFilterTree) {
  const RootExpr r = MustParse("{ span.a = 1 && duration > 1s }");
  ASSERT_FALSE(r.IsMetrics());
  ASSERT_EQ(r.pipeline.elements.size(), 1u);
  const PipelineElement& el = r.pipeline.elements[0];
  ASSERT_EQ(el.kind, PipelineElement::Kind::kSpanset);
  ASSERT_EQ(el.spanset->kind, SpansetExpr::Kind::kFilter);
  const FieldExpr& f = *el.spanset->filter;
  ASSERT_EQ(f.kind, FieldExpr::Kind::kBinary);
  EXPECT_EQ(f.op, Op::kAnd);
  const FieldExpr& eq = *f.lhs;
  EXPECT_EQ(eq.op, Op::kEqual);
  EXPECT_EQ(eq.lhs->attr, Attribute::Named(AttributeScope::kSpan, false, "a"));
  EXPECT_EQ(eq.rhs->value, Static::Int(1));
  const FieldExpr& gt = *f.rhs;
  EXPECT_EQ(gt.lhs->attr.intrinsic, Intrinsic::kDuration);
  EXPECT_EQ(gt.rhs->value, Static::Duration(1000000000));
}

TEST(TraceqlParserTest, EmptyFilterIsStaticTrue) {
  EXPECT_EQ(Filter(MustParse("{}")).value, Static::Bool(true));
  EXPECT_EQ(Filter(MustParse("{ }")).value, Static::Bool(true));
}

TEST(TraceqlParserTest, ScopedIntrinsicsMapToIntrinsics) {
  const struct {
    const char* q;
    Intrinsic want;
  } cases[] = {
      {"{ span:duration > 1s }", Intrinsic::kDuration},
      {"{ trace:duration > 1s }", Intrinsic::kTraceDuration},
      {"{ trace:rootService = \"a\" }", Intrinsic::kTraceRootService},
      {"{ trace:rootName = \"a\" }", Intrinsic::kTraceRootSpan},
      {"{ trace:id = \"a\" }", Intrinsic::kTraceID},
      {"{ span:id = \"a\" }", Intrinsic::kSpanID},
      {"{ span:parentID = \"a\" }", Intrinsic::kParentID},
      {"{ span:childCount > 1 }", Intrinsic::kChildCount},
      {"{ event:name = \"a\" }", Intrinsic::kEventName},
      {"{ event:timeSinceStart > 1s }", Intrinsic::kEventTimeSinceStart},
      {"{ link:spanID = \"a\" }", Intrinsic::kLinkSpanID},
      {"{ link:traceID = \"a\" }", Intrinsic::kLinkTraceID},
      {"{ instrumentation:name = \"a\" }", Intrinsic::kInstrumentationName},
      {"{ instrumentation:version = \"a\" }", Intrinsic::kInstrumentationVersion},
      {"{ rootServiceName = \"a\" }", Intrinsic::kTraceRootService},
      {"{ nestedSetParent = 1 }", Intrinsic::kNestedSetParent},
  };
  for (const auto& c : cases) {
    const RootExpr r = MustParse(c.q);
    EXPECT_EQ(Filter(r).lhs->attr.intrinsic, c.want) << c.q;
  }
}

TEST(TraceqlParserTest, ScopedAttributeNamedLikeAnIntrinsicIsAnAttribute) {
  const RootExpr r = MustParse("{ span.duration = 1 }");
  EXPECT_EQ(Filter(r).lhs->attr.intrinsic, Intrinsic::kNone);
  EXPECT_EQ(Filter(r).lhs->attr.name, "duration");
}

TEST(TraceqlParserTest, NilComparisonsBecomeExistence) {
  EXPECT_EQ(Filter(MustParse("{ .a != nil }")).op, Op::kExists);
  EXPECT_EQ(Filter(MustParse("{ .a = nil }")).op, Op::kNotExists);
  EXPECT_EQ(Filter(MustParse("{ nil = .a }")).op, Op::kNotExists);
  EXPECT_EQ(Filter(MustParse("{ nil != nil }")).value, Static::Bool(false));
}

TEST(TraceqlParserTest, NegativeLiteralsFold) {
  EXPECT_EQ(Filter(MustParse("{ .a = -1 }")).rhs->value, Static::Int(-1));
  EXPECT_EQ(Filter(MustParse("{ .a = -1.5 }")).rhs->value, Static::Float(-1.5));
  EXPECT_EQ(Filter(MustParse("{ .a = -1s }")).rhs->value, Static::Duration(-1000000000));
  // Negating anything else stays a unary operation.
  const RootExpr r = MustParse("{ -.a = 1 }");
  const FieldExpr& f = Filter(r);
  EXPECT_EQ(f.lhs->kind, FieldExpr::Kind::kUnary);
  EXPECT_EQ(f.lhs->op, Op::kSub);
}

TEST(TraceqlParserTest, AndOrShareOnePrecedenceLevel) {
  // As in Tempo's grammar: `a || b && c` is `(a || b) && c`.
  const RootExpr r = MustParse("{ .a || .b && .c }");
  const FieldExpr& f = Filter(r);
  EXPECT_EQ(f.op, Op::kAnd);
  EXPECT_EQ(f.lhs->op, Op::kOr);
}

TEST(TraceqlParserTest, PowerIsRightAssociative) {
  const RootExpr r = MustParse("{ 2 ^ 3 ^ 2 = .a }");
  const FieldExpr& f = *Filter(r).lhs;
  EXPECT_EQ(f.op, Op::kPower);
  EXPECT_EQ(f.rhs->op, Op::kPower);
}

TEST(TraceqlParserTest, StructuralOperatorsBindTighterThanAnd) {
  const RootExpr r = MustParse("{ .a } && { .b } >> { .c }");
  const SpansetExpr& s = *r.pipeline.elements[0].spanset;
  ASSERT_EQ(s.kind, SpansetExpr::Kind::kOperation);
  EXPECT_EQ(s.op, Op::kSpansetAnd);
  EXPECT_EQ(s.rhs->op, Op::kSpansetDescendant);
}

TEST(TraceqlParserTest, AllSpansetOperators) {
  const struct {
    const char* op;
    Op want;
  } cases[] = {
      {"&&", Op::kSpansetAnd},
      {"||", Op::kSpansetUnion},
      {">", Op::kSpansetChild},
      {"<", Op::kSpansetParent},
      {">>", Op::kSpansetDescendant},
      {"<<", Op::kSpansetAncestor},
      {"~", Op::kSpansetSibling},
      {"!>", Op::kSpansetNotChild},
      {"!<", Op::kSpansetNotParent},
      {"!>>", Op::kSpansetNotDescendant},
      {"!<<", Op::kSpansetNotAncestor},
      {"!~", Op::kSpansetNotSibling},
      {"&>", Op::kSpansetUnionChild},
      {"&<", Op::kSpansetUnionParent},
      {"&>>", Op::kSpansetUnionDescendant},
      {"&<<", Op::kSpansetUnionAncestor},
      {"&~", Op::kSpansetUnionSibling},
  };
  for (const auto& c : cases) {
    const RootExpr r = MustParse(std::string("{ .a } ") + c.op + " { .b }");
    EXPECT_EQ(r.pipeline.elements[0].spanset->op, c.want) << c.op;
  }
}

TEST(TraceqlParserTest, PipelineStages) {
  const RootExpr r =
      MustParse("{ .a } | by(.b) | count() > 2 | coalesce() | select(.c, span:name) | { .d }");
  ASSERT_EQ(r.pipeline.elements.size(), 6u);
  EXPECT_EQ(r.pipeline.elements[1].kind, PipelineElement::Kind::kGroupBy);
  const PipelineElement& sf = r.pipeline.elements[2];
  EXPECT_EQ(sf.kind, PipelineElement::Kind::kScalarFilter);
  EXPECT_EQ(sf.op, Op::kGreater);
  EXPECT_EQ(sf.lhs->kind, ScalarExpr::Kind::kAggregate);
  EXPECT_EQ(sf.lhs->agg, AggregateOp::kCount);
  EXPECT_EQ(sf.rhs->value, Static::Int(2));
  EXPECT_EQ(r.pipeline.elements[3].kind, PipelineElement::Kind::kCoalesce);
  const PipelineElement& sel = r.pipeline.elements[4];
  ASSERT_EQ(sel.select.size(), 2u);
  EXPECT_EQ(sel.select[1].intrinsic, Intrinsic::kName);
  EXPECT_EQ(r.pipeline.elements[5].kind, PipelineElement::Kind::kSpanset);
}

TEST(TraceqlParserTest, ScalarFilterConstantsFold) {
  const RootExpr r = MustParse("min(span:childCount) < 2 / 4");
  const PipelineElement& sf = r.pipeline.elements[0];
  ASSERT_EQ(sf.rhs->kind, ScalarExpr::Kind::kStatic);
  EXPECT_EQ(sf.rhs->value, Static::Float(0.5));
  EXPECT_EQ(MustParse("avg(.f) > 1 - 3").pipeline.elements[0].rhs->value, Static::Int(-2));
}

TEST(TraceqlParserTest, WrappedPipelineRootIsUnwrapped) {
  const RootExpr r = MustParse("({ .a } | count() > 1)");
  EXPECT_EQ(r.pipeline.elements.size(), 2u);
}

TEST(TraceqlParserTest, WrappedPipelinesAsSpansetOperands) {
  const RootExpr r = MustParse("({ .a } | count() > 1) >> ({ .b })");
  const SpansetExpr& s = *r.pipeline.elements[0].spanset;
  EXPECT_EQ(s.op, Op::kSpansetDescendant);
  EXPECT_EQ(s.lhs->kind, SpansetExpr::Kind::kPipeline);
  EXPECT_EQ(s.lhs->pipeline->elements.size(), 2u);
  EXPECT_EQ(s.rhs->kind, SpansetExpr::Kind::kFilter);
}

TEST(TraceqlParserTest, ScalarPipelineExpressionFilter) {
  const RootExpr r = MustParse("({ .a } | count()) + ({ .b } | avg(duration)) = 2");
  const PipelineElement& sf = r.pipeline.elements.at(0);
  ASSERT_EQ(sf.kind, PipelineElement::Kind::kScalarFilter);
  ASSERT_EQ(sf.lhs->kind, ScalarExpr::Kind::kBinary);
  ASSERT_EQ(sf.lhs->lhs->kind, ScalarExpr::Kind::kPipeline);
  const Pipeline& p = *sf.lhs->lhs->pipeline;
  EXPECT_EQ(p.elements.back().kind, PipelineElement::Kind::kAggregate);
  EXPECT_EQ(sf.lhs->rhs->pipeline->elements.back().agg, AggregateOp::kAvg);
}

TEST(TraceqlParserTest, MetricsFirstStages) {
  const RootExpr r = MustParse(
      "{ status = error } | quantile_over_time(duration, 0.5, 0.9, 1) by (resource.service.name, "
      "name)");
  ASSERT_TRUE(r.IsMetrics());
  const MetricsExpr& m = *r.metrics;
  ASSERT_EQ(m.kind, MetricsExpr::Kind::kQuery);
  EXPECT_EQ(m.pipeline.elements.size(), 1u);
  EXPECT_EQ(m.first.op, MetricsOp::kQuantileOverTime);
  ASSERT_TRUE(m.first.attr.has_value());
  EXPECT_EQ(m.first.attr->intrinsic, Intrinsic::kDuration);
  EXPECT_EQ(m.first.quantiles, (std::vector<double>{0.5, 0.9, 1}));
  ASSERT_EQ(m.first.by.size(), 2u);
  EXPECT_EQ(m.first.by[1].intrinsic, Intrinsic::kName);

  const RootExpr c = MustParse("{} | compare({ status = error }, 5, 100, 200)");
  EXPECT_EQ(c.metrics->first.op, MetricsOp::kCompare);
  EXPECT_EQ(c.metrics->first.top_n, 5);
  EXPECT_EQ(c.metrics->first.start, 100);
  EXPECT_EQ(c.metrics->first.end, 200);
  EXPECT_EQ(MustParse("{} | compare({ .a })").metrics->first.top_n, 10);
}

TEST(TraceqlParserTest, SecondStagesInOrder) {
  const RootExpr r = MustParse("{} | rate() | topk(5) > 10 | bottomk(2) <= 1s");
  const auto& s = r.metrics->second_stages;
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].kind, SecondStage::Kind::kTopK);
  EXPECT_EQ(s[0].limit, 5);
  EXPECT_EQ(s[1].kind, SecondStage::Kind::kFilter);
  EXPECT_EQ(s[1].op, Op::kGreater);
  EXPECT_EQ(s[1].value, 10);
  EXPECT_EQ(s[2].kind, SecondStage::Kind::kBottomK);
  EXPECT_EQ(s[3].op, Op::kLessEqual);
  EXPECT_EQ(s[3].value, 1);  // durations compare in seconds
}

TEST(TraceqlParserTest, MetricsMath) {
  const RootExpr r = MustParse("-2 - 20 / ({} | rate()) > 1 / 2 | topk(3)");
  const MetricsExpr& m = *r.metrics;
  ASSERT_EQ(m.kind, MetricsExpr::Kind::kBinary);
  EXPECT_EQ(m.op, Op::kSub);
  EXPECT_EQ(m.lhs->kind, MetricsExpr::Kind::kScalar);
  EXPECT_EQ(m.lhs->scalar, -2);
  EXPECT_EQ(m.rhs->op, Op::kDiv);
  EXPECT_EQ(m.rhs->lhs->scalar, 20);
  EXPECT_EQ(m.rhs->rhs->kind, MetricsExpr::Kind::kQuery);
  ASSERT_EQ(m.second_stages.size(), 2u);
  EXPECT_EQ(m.second_stages[0].value, 0.5);
  EXPECT_EQ(m.second_stages[1].kind, SecondStage::Kind::kTopK);
  // Constant operands fold.
  EXPECT_EQ(MustParse("1 + 2 + ({} | rate())").metrics->lhs->scalar, 3);
}

TEST(TraceqlParserTest, InnerAndOuterSecondStages) {
  const RootExpr r = MustParse("({} | rate() > 6) * 100 > 5");
  const MetricsExpr& m = *r.metrics;
  ASSERT_EQ(m.second_stages.size(), 1u);
  EXPECT_EQ(m.second_stages[0].value, 5);
  ASSERT_EQ(m.lhs->second_stages.size(), 1u);
  EXPECT_EQ(m.lhs->second_stages[0].value, 6);
}

TEST(TraceqlParserTest, Hints) {
  const RootExpr r = MustParse("{} | rate() with(sample=0.1, exemplars=true, mode=\"x\")");
  ASSERT_EQ(r.hints.size(), 3u);
  EXPECT_EQ(r.hints[0].name, "sample");
  EXPECT_EQ(r.hints[0].value, Static::Float(0.1));
  EXPECT_EQ(r.hints[1].value, Static::Bool(true));
  EXPECT_EQ(r.hints[2].value, Static::String("x"));
}

TEST(TraceqlParserTest, PositionsOnNodes) {
  const RootExpr r = MustParse("{ .a = 1 }\n| count() > 2");
  const PipelineElement& f = r.pipeline.elements[0];
  EXPECT_EQ(f.pos.col, 1u);
  const FieldExpr& eq = *f.spanset->filter;
  EXPECT_EQ(eq.pos.col, 3u);
  EXPECT_EQ(eq.rhs->pos.col, 8u);
  const PipelineElement& sf = r.pipeline.elements[1];
  EXPECT_EQ(sf.pos.line, 2u);
  EXPECT_EQ(sf.pos.col, 3u);
  EXPECT_EQ(sf.rhs->pos.col, 13u);
  const RootExpr m = MustParse("{} | rate() | topk(2)");
  EXPECT_EQ(m.metrics->first.pos.col, 6u);
  EXPECT_EQ(m.metrics->second_stages[0].pos.col, 15u);
}

TEST(TraceqlParserTest, ErrorMessagesCarryTempoWordingAndPosition) {
  EXPECT_EQ(ParseError("{ .a < }"), "parse error at line 1, col 8: syntax error: unexpected }");
  EXPECT_EQ(ParseError("{ .a = 1 }\n| count("),
            "parse error at line 2, col 9: syntax error: unexpected $end");
  EXPECT_EQ(ParseError("{ foo = 1 }"), "parse error at line 1, col 3: unknown identifier: foo");
  EXPECT_EQ(ParseError("{ trace:status = error }"),
            "parse error at line 1, col 9: syntax error: unexpected status");
  EXPECT_EQ(ParseError("{} | topk(10)"),
            "parse error at line 1, col 6: syntax error: unexpected topk");
}

TEST(TraceqlParserTest, RejectsWhatTempoRejects) {
  for (const char* q : {"",
                        "{",
                        "true",
                        "( true )",
                        "{ .a } + { .b }",
                        "{ .a } = { .b }",
                        "{ true } | count()",
                        "count() > 3 && { true }",
                        "coalesce() | { true }",
                        "select()",
                        "select(1 + .a)",
                        "3 = 2",
                        "2 * 3",
                        "{ .a } | 3 > 2",
                        "max(name) = \"foo\"",
                        "avg(.x) + 1",
                        "(by(.a) | count()) > 2 * 2",
                        "2 < (by(.a) | count())",
                        "{} | rate() == 42",
                        "{} > 10",
                        "({}) + ({})",
                        "({} | rate()) % 10",
                        "({} | rate()) * 10s",
                        "({} | rate()) > (10s * 2)",
                        "5 + {} | rate()",
                        "{} | rate() + 5",
                        "{} | rate() | topk(-1)",
                        "{} | compare({ .a }, 1, 2)",
                        "{ childCount = }",
                        "{ .a } | by(.b) | rate() | { .c }",
                        "{ nil }",
                        "[ true ]",
                        "{ .a } | count = 1"}) {
    EXPECT_FALSE(Parse(q).ok()) << q;
  }
}

TEST(TraceqlParserTest, DeepNestingIsRejectedNotCrashing) {
  const std::string deep = std::string(5000, '(') + "{}" + std::string(5000, ')');
  EXPECT_NE(ParseError(deep).find("nested too deeply"), std::string::npos);
  std::string chain = "{ .a";
  for (int i = 0; i < 5000; ++i) chain += " + .a";
  chain += " = 1 }";
  EXPECT_NE(ParseError(chain).find("nested too deeply"), std::string::npos);
  std::string field = "{ " + std::string(5000, '-') + "1 = 1 }";
  EXPECT_NE(ParseError(field).find("nested too deeply"), std::string::npos);
}

}  // namespace
}  // namespace loupe::query::traceql
