#include "query/traceql/syntax/validate.h"

#include <gtest/gtest.h>

#include "query/traceql/syntax/parser.h"

namespace loupe::query::traceql {
namespace {

Status ValidateQuery(std::string_view q) {
  auto r = Parse(q);
  EXPECT_TRUE(r.ok()) << q << ": " << r.status();
  if (!r.ok()) return r.status();
  return Validate(*r);
}

TEST(TraceqlValidateTest, AcceptsWellTypedQueries) {
  for (const char* q : {"{ .a = 1 }",
                        "{ .a }",
                        "{ !.a }",
                        "{ -.a = 2 }",
                        "{ .a = \"x\" && .b != 1.5 }",
                        "{ status = error }",
                        "{ kind != server }",
                        "{ duration > 1s }",
                        "{ 1 < 1h }",
                        "{ 1 * 1h = 1 }",
                        "{ .a =~ \"a.*\" }",
                        "{ name !~ \"(?i)get\" }",
                        "{ .a != nil }",
                        "{ name != nil }",
                        "{ nil = nil }",
                        "{ trace:id = \"abc\" }",
                        "{ span:childCount > 2 }",
                        "{ .http.status >= \"200\" }",
                        "max(duration) > 1",
                        "{ true } | max((1 + .a) * 2) = 1",
                        "{ true } | by(1 + .a) | coalesce()",
                        "{} | select(.a, span:name)",
                        "{} | rate() by (name) | topk(1)",
                        "{} | quantile_over_time(duration, 0, 0.5, 1)",
                        "({} | rate()) / ({} | rate())",
                        "{} | compare({ status = error }, 5, 1, 2)",
                        "{ .a } with(sample=0.1)"}) {
    EXPECT_TRUE(ValidateQuery(q).ok()) << q << ": " << ValidateQuery(q);
  }
}

TEST(TraceqlValidateTest, TypeErrorsUseTempoWording) {
  const struct {
    const char* q;
    const char* message;
  } cases[] = {
      {"{ 1 + \"x\" = 1 }", "binary operations must operate on the same type: 1 + `x`"},
      {"{ status > ok }", "illegal operation for the given types: status > ok"},
      {"{ 1 =~ 2 }", "illegal operation for the given types: 1 =~ 2"},
      {"{ 1 && true }", "binary operations must operate on the same type: 1 && true"},
      {"{ .a + 1 }", "span filter field expressions must resolve to a boolean: { .a + 1 }"},
      {"{ ok }", "span filter field expressions must resolve to a boolean: { ok }"},
      {"{ -name = \"x\" }", "illegal operation for the given type: -name"},
      {"{ !1h = 1 }", "illegal operation for the given type: !1h0m0s"},
      {"{ .a =~ \"(\" }", "invalid regex: `(`"},
      {"{ .a =~ name }", "invalid type for =~ or !~: name"},
      {"{ span:status = nil }", "status=nil is not valid because intrinsics cannot be nil"},
      {"{ resource.service.name = nil }",
       "resource.service.name=nil is not valid because resource.service.name cannot be nil"},
      {"min(1 = 3) = 1", "aggregate field expressions must resolve to a number type: min(1 = 3)"},
      {"sum(3) = 2", "aggregate field expressions must reference the span: sum(3)"},
      {"{ .a } | by(1)", "grouping field expressions must reference the span: by(1)"},
      {"{} | rate() | topk(0)", "limit must be greater than 0"},
      {"{} | quantile_over_time(duration, 2)", "quantile must be between 0 and 1: 2"},
      {"{} | compare({ .a }, 0)", "compare() top number of values must be integer greater than 0"},
      {"{} | compare({ .a }, 10, 2, 1)",
       "compare() end timestamp must be greater than start timestamp"},
      {"{} | compare({ .a }) | topk(2)", "`compare()` cannot be used with second stage functions"},
  };
  for (const auto& c : cases) {
    const Status s = ValidateQuery(c.q);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.q << ": " << s;
    EXPECT_EQ(s.message(), c.message) << c.q;
  }
}

TEST(TraceqlValidateTest, RegexesAreFullyAnchoredRe2) {
  // RE2 syntax that Go's regexp also accepts validates; Perl-only lookaheads do not.
  EXPECT_TRUE(ValidateQuery("{ .a =~ \"^a|b$\" }").ok());
  EXPECT_EQ(ValidateQuery("{ .a =~ \"(?=x)\" }").code(), StatusCode::kInvalidArgument);
}

TEST(TraceqlValidateTest, UnsupportedFeaturesAreUnimplemented) {
  const struct {
    const char* q;
    const char* message;
  } cases[] = {
      {"{ parent.a = 1 }", "parent not yet supported"},
      {"{ parent }", "intrinsic (parent) not yet supported"},
      {"{ 1 % parent = 1 }", "intrinsic (parent) not yet supported"},
      {"min(.a) < max(duration)", "scalar filter rhs of type (Aggregate) not yet supported"},
      {"{ .a } | count() + count() = 1",
       "scalar filter lhs of type (ScalarOperation) not yet supported"},
      {"({ .a } | count()) > ({ .b } | count())",
       "scalar filter lhs of type (Pipeline) not yet supported"},
      {"{} | rate() by (.a, .b, .c, .d, .e, .f)", "metrics group by 6 values not yet supported"},
      {"{} | histogram_over_time(duration) by (.a, .b, .c, .d, .e)",
       "metrics group by 5 values not yet supported"},
  };
  for (const auto& c : cases) {
    const Status s = ValidateQuery(c.q);
    EXPECT_EQ(s.code(), StatusCode::kUnimplemented) << c.q << ": " << s;
    EXPECT_EQ(s.message(), c.message) << c.q;
  }
}

TEST(TraceqlValidateTest, ChildrenAreCheckedBeforeParents) {
  // The unsupported operand is reported before the type error of the operation holding it.
  EXPECT_EQ(ValidateQuery("{ 1 >= parent }").code(), StatusCode::kUnimplemented);
  // The first failing pipeline stage wins.
  EXPECT_EQ(ValidateQuery("{ 1 } | { parent }").code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace loupe::query::traceql
