// Engine API behaviour that the .test files cannot express: result shapes, limits, deadlines,
// cancellation, annotation positions, error codes. Query semantics are pinned by
// tests/golden/promql/*.test and the upstream conformance files.
#include "query/promql/eval/engine.h"

#include <gtest/gtest.h>

#include <cmath>

#include "query/promql/eval/memory_series_source.h"

namespace loupe::query::promql {
namespace {

using storage::model::Labels;
using storage::model::Sample;

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // x{i="0".."9"}: value i*t/1000 every 15s from 0 to 1h.
    for (int i = 0; i < 10; ++i) {
      std::vector<Sample> s;
      for (int64_t t = 0; t <= 3600000; t += 15000) s.push_back({t, i * (t / 1000.0)});
      src_.Set(Labels{{"__name__", "x_total"}, {"i", std::to_string(i)}}, std::move(s));
    }
    src_.Set(Labels{{"__name__", "gauge"}}, {{0, 1}, {60000, 2}});
  }

  MemorySeriesSource src_;
  Engine engine_;
};

TEST_F(EngineTest, InstantVectorResult) {
  auto r = engine_.InstantQuery(src_, "x_total{i=\"2\"}", 60000);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->type, ValueType::kVector);
  ASSERT_EQ(r->vector.size(), 1u);
  EXPECT_EQ(r->vector[0].metric, (Labels{{"__name__", "x_total"}, {"i", "2"}}));
  EXPECT_EQ(r->vector[0].t, 60000);
  EXPECT_EQ(r->vector[0].v, 120);
}

TEST_F(EngineTest, ScalarAndStringResults) {
  auto s = engine_.InstantQuery(src_, "1 + 2", 1000);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->type, ValueType::kScalar);
  EXPECT_EQ(s->scalar.v, 3);
  EXPECT_EQ(s->scalar.t, 1000);
  auto str = engine_.InstantQuery(src_, "\"hello\"", 1000);
  ASSERT_TRUE(str.ok());
  EXPECT_EQ(str->type, ValueType::kString);
  EXPECT_EQ(str->string.v, "hello");
}

TEST_F(EngineTest, RangeVectorAtInstant) {
  auto r = engine_.InstantQuery(src_, "x_total{i=\"1\"}[1m]", 60000);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->type, ValueType::kMatrix);
  ASSERT_EQ(r->matrix.size(), 1u);
  // Left-open window (0, 60s]: 15s, 30s, 45s, 60s.
  ASSERT_EQ(r->matrix[0].points.size(), 4u);
  EXPECT_EQ(r->matrix[0].points[0].t, 15000);
}

TEST_F(EngineTest, RangeQueryOfScalarIsOneUnlabelledSeries) {
  auto r = engine_.RangeQuery(src_, "time()", 0, 120000, 60000);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->type, ValueType::kMatrix);
  ASSERT_EQ(r->matrix.size(), 1u);
  EXPECT_TRUE(r->matrix[0].metric.empty());
  EXPECT_EQ(r->matrix[0].points, (std::vector<Point>{{0, 0}, {60000, 60}, {120000, 120}}));
}

TEST_F(EngineTest, RangeQueryResultIsSortedAndNamesDropped) {
  auto r = engine_.RangeQuery(src_, "rate(x_total[1m])", 600000, 660000, 30000);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->matrix.size(), 10u);
  for (size_t i = 1; i < r->matrix.size(); ++i) {
    EXPECT_LT(r->matrix[i - 1].metric, r->matrix[i].metric);
  }
  EXPECT_FALSE(r->matrix[0].metric.Has("__name__"));
  EXPECT_DOUBLE_EQ(r->matrix[3].points[0].v, 3);
}

TEST_F(EngineTest, RangeQueryRejectsRangeVectors) {
  auto r = engine_.RangeQuery(src_, "x_total[5m]", 0, 60000, 1000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "invalid expression type \"range vector\" for range query, must be Scalar or instant "
            "Vector");
  EXPECT_FALSE(IsParseError(r.status()));
}

TEST_F(EngineTest, ParseErrorsAreMarked) {
  auto r = engine_.InstantQuery(src_, "sum(", 0);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(IsParseError(r.status())) << r.status();
}

TEST_F(EngineTest, ExecutionErrorsUseInvalidArgument) {
  auto r = engine_.InstantQuery(src_, "x_total / on() x_total", 60000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("many-to-many matching not allowed"), std::string::npos);
  EXPECT_FALSE(IsParseError(r.status()));
}

TEST_F(EngineTest, MaxSamplesLimit) {
  EngineOptions o;
  o.max_samples = 100;
  Engine small(o);
  auto r = small.RangeQuery(src_, "sum(x_total)", 0, 3600000, 15000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(r.status().message(),
            "query processing would load too many samples into memory in query execution");
  // A small query still fits.
  auto ok = small.InstantQuery(src_, "gauge", 60000);
  EXPECT_TRUE(ok.ok()) << ok.status();
  EXPECT_LE(ok->peak_samples, 100);
}

TEST_F(EngineTest, DeadlineAndCancellation) {
  QueryOptions q;
  q.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  auto r = engine_.InstantQuery(src_, "x_total", 60000, q);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(r.status().message(), "query timed out in expression evaluation");

  std::atomic<bool> cancel{true};
  QueryOptions c;
  c.cancel = &cancel;
  r = engine_.InstantQuery(src_, "x_total", 60000, c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCancelled);
  EXPECT_EQ(r.status().message(), "query was canceled in expression evaluation");
}

TEST_F(EngineTest, LookbackDeltaPerQuery) {
  // gauge's last sample is at 60s; at 200s it is visible with the default 5m lookback only.
  EXPECT_EQ(engine_.InstantQuery(src_, "gauge", 200000)->vector.size(), 1u);
  QueryOptions q;
  q.lookback_delta_ms = 60000;
  EXPECT_EQ(engine_.InstantQuery(src_, "gauge", 200000, q)->vector.size(), 0u);
}

TEST_F(EngineTest, AnnotationsCarryPositions) {
  const std::string query = "sum(rate(gauge[5m]))";
  auto r = engine_.InstantQuery(src_, query, 120000);
  ASSERT_TRUE(r.ok());
  auto infos = r->annotations.Format(AnnotationKind::kInfo, query);
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_EQ(infos[0],
            "PromQL info: metric might not be a counter, name does not end in "
            "_total/_sum/_count/_bucket: \"gauge\" (1:10)");
  EXPECT_TRUE(r->annotations.Format(AnnotationKind::kWarning, query).empty());
}

TEST_F(EngineTest, InstantOrderFollowsSort) {
  auto r = engine_.InstantQuery(src_, "sort_desc(x_total)", 60000);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->vector.size(), 10u);
  EXPECT_EQ(r->vector[0].metric.Get("i"), "9");
  EXPECT_EQ(r->vector[9].metric.Get("i"), "0");
}

TEST_F(EngineTest, InfoAddsTargetInfoLabels) {
  src_.Set(Labels{{"__name__", "up"}, {"job", "j"}, {"instance", "a"}}, {{0, 1}});
  src_.Set(Labels{{"__name__", "target_info"}, {"job", "j"}, {"instance", "a"}, {"ver", "1"}},
           {{0, 1}});
  auto r = engine_.InstantQuery(src_, "info(up)", 60000);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->vector.size(), 1u);
  EXPECT_EQ(r->vector[0].metric,
            (Labels{{"__name__", "up"}, {"instance", "a"}, {"job", "j"}, {"ver", "1"}}));
}

TEST(MemorySeriesSourceTest, SelectRangeAndReplaceDuplicates) {
  MemorySeriesSource s;
  s.Add(Labels{{"__name__", "a"}}, {{10, 1}, {20, 2}});
  s.Add(Labels{{"__name__", "a"}}, {{20, 5}, {30, 3}});
  auto m = storage::model::Matcher::Create(storage::model::MatchType::kEqual, "__name__", "a");
  auto r = s.Select({*m}, 15, 30);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].samples, (std::vector<Sample>{{20, 5}, {30, 3}}));
  EXPECT_TRUE(s.Select({*m}, 31, 40)->empty());
}

// Range functions split many series across threads; the answer (values, series order,
// annotations, errors) must be what one thread gives, for eager and lazily loaded series.
TEST(EngineParallelTest, ThreadsGiveTheSerialAnswer) {
  MemorySeriesSource src;
  uint64_t seed = 42;
  auto next = [&seed] {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<double>(seed >> 33) / static_cast<double>(1ull << 31);
  };
  for (int i = 0; i < 300; ++i) {
    std::vector<Sample> s;
    double c = 0;
    for (int64_t t = 0; t <= 2 * 3600000; t += 15000) {
      if (next() < 0.1) continue;  // gaps
      c = next() < 0.01 ? 0 : c + next() * 10;  // resets
      double v = c;
      if (next() < 0.005) v = storage::model::StaleNaN();
      s.push_back({t + static_cast<int64_t>(next() * 1000), v});
    }
    // Series whose names are not counters, so rate() adds its info annotation.
    const std::string name = i % 7 == 0 ? "y" : "y_total";
    src.Set(Labels{{"__name__", name}, {"i", std::to_string(i)}}, std::move(s));
  }
  const std::string queries[] = {
      "rate({__name__=~\"y.*\"}[5m])", "increase(y_total[10m])", "irate(y_total[1m])",
      "changes(y_total[5m])", "resets(y_total[15m])", "deriv(y_total[5m])",
      "predict_linear(y_total[5m], 60)", "avg_over_time(y_total[5m])",
      "quantile_over_time(1.5, y_total[5m])", "quantile_over_time(0.9, y_total[5m])",
      "absent_over_time(y_total[1m])", "max_over_time(y_total[2m] offset 1m)",
      "sum by (i) (rate(y_total[5m]))", "last_over_time(y_total[5m] @ 3600)",
      "double_exponential_smoothing(y_total[5m], 0.5, 2)", "stddev_over_time(y_total[5m])"};
  EngineOptions one_thread;
  one_thread.parallelism = 1;
  EngineOptions four_threads;
  four_threads.parallelism = 4;
  const Engine serial(one_thread), parallel(four_threads);
  int compared = 0;
  for (const bool lazy : {false, true}) {
    src.set_lazy(lazy);
    for (const std::string& q : queries) {
      for (const bool range : {true, false}) {
        auto a = range ? serial.RangeQuery(src, q, 0, 2 * 3600000, 30000)
                       : serial.InstantQuery(src, q, 3600000);
        auto b = range ? parallel.RangeQuery(src, q, 0, 2 * 3600000, 30000)
                       : parallel.InstantQuery(src, q, 3600000);
        ASSERT_EQ(a.ok(), b.ok()) << q;
        if (!a.ok()) {
          EXPECT_EQ(a.status(), b.status()) << q;
          continue;
        }
        EXPECT_EQ(DebugString(*a), DebugString(*b)) << q << (lazy ? " lazy" : " eager");
        ASSERT_EQ(a->annotations.items().size(), b->annotations.items().size()) << q;
        for (size_t k = 0; k < a->annotations.items().size(); ++k) {
          EXPECT_EQ(a->annotations.items()[k].message, b->annotations.items()[k].message) << q;
        }
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 2 * 2 * 16 - 4);  // the smoothing query fails both ways, both modes
}

}  // namespace
}  // namespace loupe::query::promql
