// Engine tests that the golden files cannot express: stats, direct API use, the runner's own
// failure reporting.
#include <gtest/gtest.h>

#include "query/logql/eval/engine.h"
#include "query/logql/eval/logqltest.h"
#include "query/logql/eval/memory_log_source.h"

namespace loupe::query::logql {
namespace {

using storage::model::Labels;
constexpr int64_t kSec = 1000000000;

TEST(Engine, LogQueryStatsAndPushdown) {
  MemoryLogSource src;
  for (int i = 0; i < 10; ++i) {
    src.Append("t", Labels{{"app", "x"}}, {i * kSec, i % 2 ? "odd line" : "even line", {}});
  }
  Engine engine(&src);
  QueryParams p;
  p.tenant = "t";
  p.query = R"({app="x"} |= "odd")";
  p.start_ns = 0;
  p.end_ns = 100 * kSec;
  auto r = engine.Exec(p);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->streams.size(), 1u);
  EXPECT_EQ(r->streams[0].entries.size(), 5u);
  EXPECT_EQ(r->streams[0].entries[0].ts, 9 * kSec);  // backward
  // The filter was pushed into the source: only matching lines reached the pipeline.
  EXPECT_EQ(r->stats.lines_processed, 5u);
  EXPECT_EQ(r->stats.entries_returned, 5u);
}

TEST(Engine, OtherTenantsAreInvisible) {
  MemoryLogSource src;
  src.Append("a", Labels{{"app", "x"}}, {kSec, "line", {}});
  Engine engine(&src);
  QueryParams p;
  p.tenant = "b";
  p.query = R"({app="x"})";
  p.end_ns = 10 * kSec;
  auto r = engine.Exec(p);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->streams.empty());
}

TEST(Engine, DeadlineAndCancellationStopEvaluation) {
  MemoryLogSource src;
  for (int i = 0; i < 5000; ++i) src.Append("t", Labels{{"app", "x"}}, {i * kSec, "line", {}});
  Engine engine(&src);
  QueryParams p;
  p.tenant = "t";
  p.query = R"({app="x"})";
  p.end_ns = 10000 * kSec;
  p.limit = 5000;
  p.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  auto r = engine.Exec(p);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(r.status().message(), kQueryTimeoutMessage);

  p.query = R"(count_over_time({app="x"}[1m]))";
  p.step_ns = kSec;
  r = engine.Exec(p);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);

  std::atomic<bool> cancel{true};
  p.deadline = std::chrono::steady_clock::time_point::max();
  p.cancel = &cancel;
  r = engine.Exec(p);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled);
  EXPECT_EQ(r.status().message(), kQueryCancelledMessage);

  cancel = false;
  r = engine.Exec(p);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->type, ResultType::kMatrix);
}

TEST(Engine, RangeQueryNeedsAStep) {
  MemoryLogSource src;
  Engine engine(&src);
  QueryParams p;
  p.query = R"(count_over_time({app="x"}[1m]))";
  p.end_ns = 10 * kSec;
  auto r = engine.Exec(p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("zero or negative query resolution step"), std::string::npos);
}

TEST(Engine, SeriesLimitIsConfigurable) {
  MemoryLogSource src;
  for (int i = 0; i < 5; ++i) {
    src.Append("anonymous", Labels{{"app", "x"}, {"i", std::to_string(i)}}, {kSec, "l", {}});
  }
  EngineOptions o;
  o.max_series = 4;
  Engine engine(&src, o);
  QueryParams p;
  p.query = R"(count_over_time({app="x"}[1m]))";
  p.instant = true;
  p.end_ns = 2 * kSec;
  auto r = engine.Exec(p);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().rfind("maximum number of series (4) reached", 0), 0u);
}

TEST(LogqlTest, ReportsMismatchesAndMalformedScripts) {
  LogqlTestReport report;
  ASSERT_TRUE(RunLogqlTestScript("t", R"(
load
  {app="x"}
    1s hello

eval logs from 0 to 10s {app="x"}
  {app="x"}
    1s goodbye

eval instant at 1s count_over_time({app="x"}[1s])
  {app="x"} 1
)", &report).ok());
  EXPECT_EQ(report.passed, 1);
  EXPECT_EQ(report.failed, 1);
  ASSERT_EQ(report.failures.size(), 1u);
  EXPECT_NE(report.failures[0].find("t:6:"), std::string::npos);

  LogqlTestReport r2;
  EXPECT_FALSE(RunLogqlTestScript("t", "frobnicate\n", &r2).ok());
  EXPECT_FALSE(RunLogqlTestScript("t", "load\n  1s entry before stream\n", &r2).ok());
}

}  // namespace
}  // namespace loupe::query::logql
