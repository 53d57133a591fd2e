#include "query/promql/syntax/functions.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "query/promql/syntax/parser.h"
#include "query/promql/syntax/printer.h"

namespace loupe::query::promql {
namespace {

TEST(PromqlFunctionsTest, TableIsSortedAndUnique) {
  const auto all = AllFunctions();
  ASSERT_GE(all.size(), 80u);
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_LT(all[i - 1].name, all[i].name);
  }
}

TEST(PromqlFunctionsTest, Find) {
  const Function* rate = FindFunction("rate");
  ASSERT_NE(rate, nullptr);
  EXPECT_EQ(rate->arg_types, std::vector<ValueType>{ValueType::kMatrix});
  EXPECT_EQ(rate->return_type, ValueType::kVector);
  EXPECT_FALSE(rate->experimental);
  EXPECT_EQ(FindFunction("time")->return_type, ValueType::kScalar);
  EXPECT_EQ(FindFunction("Rate"), nullptr);
  EXPECT_EQ(FindFunction("holt_winters"), nullptr);  // renamed in Prometheus 3
  EXPECT_EQ(FindFunction("sum"), nullptr);           // aggregations are not functions
  EXPECT_TRUE(FindFunction("double_exponential_smoothing")->experimental);
  for (const Function& f : AllFunctions()) EXPECT_EQ(FindFunction(f.name), &f);
}

TEST(PromqlFunctionsTest, ArgumentCounts) {
  EXPECT_EQ(FindFunction("time")->MinArgs(), 0);
  EXPECT_EQ(FindFunction("time")->MaxArgs(), 0);
  EXPECT_EQ(FindFunction("round")->MinArgs(), 1);
  EXPECT_EQ(FindFunction("round")->MaxArgs(), 2);
  EXPECT_EQ(FindFunction("hour")->MinArgs(), 0);
  EXPECT_EQ(FindFunction("hour")->MaxArgs(), 1);
  EXPECT_EQ(FindFunction("label_join")->MinArgs(), 3);
  EXPECT_EQ(FindFunction("label_join")->MaxArgs(), -1);
  EXPECT_EQ(FindFunction("label_join")->ArgType(7), ValueType::kString);
  EXPECT_EQ(FindFunction("sort_by_label")->MinArgs(), 1);
  EXPECT_EQ(FindFunction("info")->MaxArgs(), 2);
  EXPECT_EQ(FindFunction("label_replace")->MinArgs(), 5);
}

std::string ArgFor(ValueType t) {
  switch (t) {
    case ValueType::kScalar:
      return "1";
    case ValueType::kVector:
      return "{a=\"b\"}";
    case ValueType::kMatrix:
      return "m[5m]";
    case ValueType::kString:
      return "\"s\"";
    default:
      return "?";
  }
}

// Every function of the table parses with arguments of the declared types, and fails with
// Prometheus's message with one argument too few or too many.
TEST(PromqlFunctionsTest, EveryFunctionParses) {
  for (const Function& f : AllFunctions()) {
    std::string args;
    for (size_t i = 0; i < f.arg_types.size(); ++i) {
      if (i > 0) args += ", ";
      args += ArgFor(f.arg_types[i]);
    }
    const std::string query = std::string(f.name) + "(" + args + ")";
    auto parsed = ParseExpr(query);
    ASSERT_TRUE(parsed.ok()) << query << ": " << parsed.status().message();
    EXPECT_EQ((*parsed)->Type(), f.return_type) << query;
    EXPECT_EQ(Print(**parsed), query);

    if (f.MaxArgs() >= 0) {
      const std::string extra = f.arg_types.empty() ? "1" : ArgFor(f.ArgType(f.arg_types.size()));
      const std::string more =
          std::string(f.name) + "(" + args + (args.empty() ? "" : ", ") + extra + ")";
      auto too_many = ParseExpr(more);
      ASSERT_FALSE(too_many.ok()) << more;
      const std::string want = f.variadic == 0 ? "expected " : "expected at most ";
      EXPECT_NE(too_many.status().message().find(want), std::string::npos)
          << too_many.status().message();
    }
    if (f.MinArgs() > 0) {
      std::string fewer = std::string(f.name) + "(";
      for (int i = 0; i + 1 < f.MinArgs(); ++i) {
        if (i > 0) fewer += ", ";
        fewer += ArgFor(f.arg_types[i]);
      }
      fewer += ")";
      auto too_few = ParseExpr(fewer);
      ASSERT_FALSE(too_few.ok()) << fewer;
      EXPECT_NE(too_few.status().message().find("argument(s) in call to"), std::string::npos)
          << fewer << ": " << too_few.status().message();
    }
  }
}

TEST(PromqlFunctionsTest, ExperimentalFunctionsCanBeDisabled) {
  ParseOptions strict;
  strict.enable_experimental_functions = false;
  EXPECT_EQ(ParseExpr("mad_over_time(foo[5m])", strict).status().message(),
            R"(1:1: parse error: function "mad_over_time" is not enabled)");
  EXPECT_EQ(ParseExpr("limitk(1, foo)", strict).status().message(),
            "1:1: parse error: limitk() is experimental and must be enabled with "
            "--enable-feature=promql-experimental-functions");
  EXPECT_TRUE(ParseExpr("rate(foo[5m])", strict).ok());
  EXPECT_TRUE(ParseExpr("mad_over_time(foo[5m])").ok());
}

}  // namespace
}  // namespace loupe::query::promql
