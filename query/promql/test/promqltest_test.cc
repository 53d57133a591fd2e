// The promqltest runner itself: series expansion, and that it passes, fails and skips what it
// should (a runner that cannot fail proves nothing).
#include "query/promql/test/promqltest.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "query/promql/test/series_desc.h"
#include "storage/model/sample.h"

namespace loupe::query::promql::test {
namespace {

using storage::model::Labels;

TEST(SeriesDescTest, Expansions) {
  auto d = ParseSeriesDesc("metric{a=\"b\", c=\"d e\"} 1 2+3x2 _ stale -1x1 _x2 1-0.5x1");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->labels, (Labels{{"__name__", "metric"}, {"a", "b"}, {"c", "d e"}}));
  const auto& v = d->values;
  ASSERT_EQ(v.size(), 12u);
  EXPECT_EQ(v[0].value, 1);
  EXPECT_EQ(v[1].value, 2);
  EXPECT_EQ(v[2].value, 5);
  EXPECT_EQ(v[3].value, 8);
  EXPECT_TRUE(v[4].omitted);
  EXPECT_TRUE(storage::model::IsStaleNaN(v[5].value));
  EXPECT_EQ(v[6].value, -1);
  EXPECT_EQ(v[7].value, -1);
  EXPECT_TRUE(v[8].omitted);
  EXPECT_TRUE(v[9].omitted);
  EXPECT_EQ(v[10].value, 1);
  EXPECT_EQ(v[11].value, 0.5);
}

TEST(SeriesDescTest, SpecialValuesAndHistograms) {
  auto d = ParseSeriesDesc("{__name__=\"x\"} Inf -Inf NaN 0x3 {{schema:0 sum:1 count:1}}x2");
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_EQ(d->values.size(), 10u);
  EXPECT_EQ(d->values[0].value, INFINITY);
  EXPECT_EQ(d->values[1].value, -INFINITY);
  EXPECT_TRUE(std::isnan(d->values[2].value));
  EXPECT_EQ(d->values[6].value, 0);
  EXPECT_TRUE(d->values[7].histogram);
  EXPECT_TRUE(d->values[9].histogram);
  EXPECT_FALSE(ParseSeriesDesc("x 1+").ok());
}

PromqlTestCounts RunScript(const std::string& script, std::string* output = nullptr) {
  std::ostringstream out;
  PromqlTestOptions o;
  o.per_file_summary = false;
  auto c = RunPromqlTestScript("t.test", script, out, o);
  if (output) *output = out.str();
  return c;
}

TEST(PromqlTestRunnerTest, PassesFailsAndSkips) {
  const std::string script = R"(
load 1m
  x{a="1"} 0+1x10
  h {{schema:0 sum:1 count:1}}x3

# pass
eval instant at 5m x
  x{a="1"} 5

# fail: wrong value
eval instant at 5m x
  x{a="1"} 6

# pass: range
eval range from 0 to 2m step 1m x * 2
  {a="1"} 0 2 4

# skip: selects a native histogram series
eval instant at 1m h
  h 1

# pass: expected failure with message
eval_fail instant at 0m label_replace(x, "a", "", "a", "(.*")
  expected_fail_message invalid regular expression in label_replace(): (.*

# fail: expected warning missing
eval_warn instant at 5m x
  x{a="1"} 5
)";
  std::string out;
  auto c = RunScript(script, &out);
  EXPECT_EQ(c.passed, 3) << out;
  EXPECT_EQ(c.failed, 2) << out;
  EXPECT_EQ(c.skipped, 1) << out;
  EXPECT_NE(out.find("t.test:11: FAIL"), std::string::npos) << out;
  EXPECT_NE(out.find("t.test:27: FAIL"), std::string::npos) << out;
}

TEST(PromqlTestRunnerTest, ExpectLinesAndOrdering) {
  const std::string script = R"(
load 1m
  y{i="1"} 3
  y{i="2"} 1

eval instant at 1m sort(y)
  expect ordered
  y{i="2"} 1
  y{i="1"} 3

eval instant at 1m sort_desc(y)
  expect ordered
  y{i="2"} 1
  y{i="1"} 3

eval instant at 1m quantile(2, y)
  expect warn msg: PromQL warning: quantile value should be between 0 and 1, got 2
  {} +Inf

eval instant at 1m quantile(2, y)
  expect no_warn
  {} +Inf
)";
  std::string out;
  auto c = RunScript(script, &out);
  EXPECT_EQ(c.passed, 2) << out;
  EXPECT_EQ(c.failed, 2) << out;
}

TEST(PromqlTestRunnerTest, LoadReplacesWithinBlockAndScalars) {
  const std::string script = R"(
load 5m
  z 1
  z 2

eval instant at 0m z
  z 2

eval instant at 0m scalar(z) + 1
  3
)";
  std::string out;
  auto c = RunScript(script, &out);
  EXPECT_EQ(c.passed, 2) << out;
  EXPECT_EQ(c.failed, 0) << out;
}

TEST(PromqlTestRunnerTest, BadScriptFails) {
  auto c = RunScript("frobnicate 1\n");
  EXPECT_EQ(c.failed, 1);
}

}  // namespace
}  // namespace loupe::query::promql::test
