// Differential test of the pushdown: random searches and metrics queries (spanset operators,
// structural operators with their negated and union forms, pipelines, metrics functions) over
// random trace trees spread across persisted blocks and the head, evaluated twice — with the
// store's predicates and block pruning (ScanMode::kPushdown, what Search/QueryRange use) and with
// every span of every trace handed to the evaluator (ScanMode::kNaive). Results must be equal.
// (brute_force_test.cc checks the evaluator itself against an independent evaluation.)
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "query/traceql/eval/engine.h"
#include "query/traceql/eval/internal.h"
#include "query/traceql/eval/test_util.h"

namespace loupe::query::traceql {
namespace {

using eval::ScanMode;
using testing::SpanDef;
using testing::TestStore;
using testing::TraceBuilder;

constexpr int64_t kBase = 1'700'000'000'000'000'000;
constexpr int64_t kMs = 1'000'000;
constexpr int kTraces = 160;

std::string Render(const std::vector<KeyValue>& kvs) {
  std::string out;
  for (const auto& kv : kvs) {
    out += " " + kv.key + "=" + std::string(TypedValueTypeName(kv.value.type)) + ":" +
           TypedValueString(kv.value);
  }
  return out;
}

std::string Render(const SearchResponse& r) {
  std::string out;
  for (const auto& t : r.traces) {
    out += "trace " + t.trace_id + " " + t.root_service_name + " '" + t.root_trace_name + "' " +
           std::to_string(t.start_ns) + " " + std::to_string(t.duration_ms) + "ms\n";
    for (const auto& s : t.span_sets) {
      out += "  set matched=" + std::to_string(s.matched) + Render(s.attributes) + "\n";
      for (const auto& sp : s.spans) {
        out += "    span " + sp.span_id + " '" + sp.name + "' " + std::to_string(sp.start_ns) +
               " " + std::to_string(sp.duration_ns) + Render(sp.attributes) + "\n";
      }
    }
  }
  return out;
}

std::string Render(const MetricsResponse& r) {
  std::string out;
  char buf[64];
  for (const auto& s : r.series) {
    out += s.prom_labels + ":";
    for (const auto& p : s.samples) {
      std::snprintf(buf, sizeof buf, " %lld=%.9g", static_cast<long long>(p.timestamp_ms), p.value);
      out += buf;
    }
    if (r.instant) {
      std::snprintf(buf, sizeof buf, " %.9g", s.value);
      out += buf;
    }
    out += "\n";
  }
  return out;
}

// Random trace trees: 1-8 spans, each span's parent an earlier span of its trace; about one
// trace in twelve has lost its root (its first span points at a span that was never sent).
std::vector<std::pair<uint64_t, SpanDef>> Generate(std::mt19937_64& rng) {
  static const char* kNames[] = {"GET /a", "POST /b", "db", "cache", "render"};
  static const char* kColors[] = {"red", "green", "blue"};
  std::vector<std::pair<uint64_t, SpanDef>> out;
  auto r = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };
  for (int t = 1; t <= kTraces; ++t) {
    const int n = 1 + r(8);
    const bool rootless = r(12) == 0;
    for (int k = 0; k < n; ++k) {
      SpanDef d;
      d.id = static_cast<uint64_t>(t) * 100 + static_cast<uint64_t>(k) + 1;
      if (k > 0) {
        d.parent = static_cast<uint64_t>(t) * 100 + static_cast<uint64_t>(r(k)) + 1;
      } else if (rootless) {
        d.parent = static_cast<uint64_t>(t) * 100 + 99;
      }
      d.service = "svc" + std::to_string(r(3));
      d.name = kNames[r(5)];
      d.start_ns = kBase + static_cast<int64_t>(t) * 250 * kMs + k * kMs;
      d.duration_ns = (1 + r(50)) * kMs;
      d.kind = r(6);
      d.status = r(3);
      if (d.status == 2 && r(2)) d.status_message = "boom";
      if (r(2)) d.attrs.push_back({"a", int64_t{r(8)}});
      if (r(2)) d.attrs.push_back({"b", std::string(kColors[r(3)])});
      if (r(3) == 0) d.attrs.push_back({"f", r(20) / 2.0});
      if (r(4) == 0) d.attrs.push_back({"ok", r(2) == 0});
      if (r(4) == 0) {
        d.events.push_back({r(2) ? "retry" : "exception", kMs / 2, {{"attempt", int64_t{r(4)}}}});
      }
      if (r(10) == 0) d.scope_name = "http";
      out.push_back({static_cast<uint64_t>(t), std::move(d)});
    }
  }
  return out;
}

class DifferentialTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    store_ = new TestStore(200);
    ASSERT_TRUE(store_->ok());
    std::mt19937_64 rng(20261122);
    const auto spans = Generate(rng);
    // Chunks of ~70 spans cut anywhere (a trace may be split across blocks, as when its spans
    // arrive late), flushed as blocks; the last chunks stay in the head.
    size_t from = 0;
    int chunk = 0;
    while (from < spans.size()) {
      const size_t to = std::min(spans.size(), from + 50 + rng() % 40);
      TraceBuilder b;
      for (int s = 0; s < 3; ++s) {
        b.SetResource("svc" + std::to_string(s),
                      {{"env", std::string(s == 2 ? "dev" : "prod")}, {"zone", int64_t{s}}});
      }
      for (size_t k = from; k < to; ++k) b.Add(spans[k].first, spans[k].second);
      ASSERT_TRUE(store_->Append(b.Take()).ok());
      if (to < spans.size() - 100) {
        ASSERT_TRUE(store_->Flush().ok());
      }
      from = to;
      ++chunk;
    }
    ASSERT_GT(chunk, 10);
  }
  void SetUp() override { ASSERT_TRUE(store_ != nullptr && store_->ok()); }
  static void TearDownTestSuite() {
    delete store_;
    store_ = nullptr;
  }
  static TestStore* store_;
};
TestStore* DifferentialTest::store_ = nullptr;

// Spanset filters the random queries combine.
const std::vector<std::string>& Filters() {
  static const std::vector<std::string> k = {
      "{ }",
      "{ span.a > 3 }",
      "{ span.a = 2 || span.b = \"red\" }",
      "{ resource.service.name = \"svc1\" }",
      "{ resource.service.name != \"svc0\" && duration > 20ms }",
      "{ status = error }",
      "{ status != ok && kind = server }",
      "{ kind = client || kind = internal }",
      "{ name =~ \"(GET|POST) /.*\" }",
      "{ name !~ \"d.*\" }",
      "{ span:name = \"db\" && .env = \"prod\" }",
      "{ .a >= 4 }",
      "{ span.f < 5 }",
      "{ span.f * 2 > span.a }",
      "{ span.ok = true }",
      "{ span.ok }",
      "{ span.b != nil }",
      "{ span.a = nil }",
      "{ !(span.b = \"green\") }",
      "{ resource.zone = 1 }",
      "{ event:name = \"retry\" }",
      "{ event.attempt >= 2 }",
      "{ statusMessage = \"boom\" }",
      "{ rootServiceName = \"svc0\" }",
      "{ trace:rootService = \"svc2\" && span.a < 3 }",
      "{ rootName = \"db\" }",
      "{ traceDuration > 40ms }",
      "{ span:duration < 10ms }",
      "{ instrumentation:name = \"http\" }",
      "{ span:childCount > 1 }",
      "{ nestedSetParent = -1 }",
      "{ duration - 5ms > 30ms || span.a + 1 = 3 }",
  };
  return k;
}

const std::vector<std::string>& SpansetOps() {
  static const std::vector<std::string> k = {"&&", "||",  ">",   ">>",  "<",   "<<",
                                             "~",  "!>",  "!>>", "!<",  "!<<", "!~",
                                             "&>", "&>>", "&<",  "&<<", "&~"};
  return k;
}

const std::vector<std::string>& Stages() {
  static const std::vector<std::string> k = {
      "",
      " | count() > 1",
      " | count() = 1",
      " | avg(duration) > 20ms",
      " | min(span.a) >= 1",
      " | max(duration) < 40ms",
      " | sum(span.f) > 3",
      " | by(resource.service.name)",
      " | by(span.b) | count() > 1",
      " | select(span.b, status)",
      " | by(kind) | coalesce()",
      " | by(resource.service.name) | avg(duration) > 15ms",
  };
  return k;
}

std::string RandomSpansetQuery(std::mt19937_64& rng) {
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  std::string q = pick(Filters());
  const int extra = static_cast<int>(rng() % 3);  // 0, 1 or 2 spanset operators
  for (int i = 0; i < extra; ++i) {
    const std::string op = pick(SpansetOps());
    q = (i > 0 ? "(" + q + ")" : q) + " " + op + " " + pick(Filters());
  }
  return q + pick(Stages());
}

TEST_F(DifferentialTest, SearchPushdownEqualsNaive) {
  std::mt19937_64 rng(5);
  int nonempty = 0, narrowed = 0, refused = 0;
  for (int i = 0; i < 400; ++i) {
    SearchRequest req;
    req.query = RandomSpansetQuery(rng);
    req.limit = 1000;
    req.spans_per_spanset = 1000;
    auto fast = eval::SearchWithMode(store_->store(), "t1", req, {}, ScanMode::kPushdown);
    auto naive = eval::SearchWithMode(store_->store(), "t1", req, {}, ScanMode::kNaive);
    ASSERT_EQ(fast.ok(), naive.ok()) << req.query;
    if (!fast.ok()) {
      // Only validation may refuse a generated query (e.g. a pipeline stage after coalesce).
      ASSERT_EQ(fast.status().code(), StatusCode::kInvalidArgument)
          << req.query << ": " << fast.status();
      ++refused;
      continue;
    }
    EXPECT_EQ(Render(*fast), Render(*naive)) << req.query;
    if (!fast->traces.empty()) ++nonempty;
    if (fast->metrics.inspected_traces < naive->metrics.inspected_traces) ++narrowed;
  }
  // Not a comparison of nothing with nothing, and the pushdown path did narrow the scans.
  EXPECT_GT(nonempty, 200);
  EXPECT_GT(narrowed, 100);
  EXPECT_LT(refused, 40);
  std::printf("%d nonempty, %d narrowed by the pushdown, %d refused by validation\n", nonempty,
              narrowed, refused);
}

TEST_F(DifferentialTest, SearchLimitKeepsNewestTracesOfFullResult) {
  // With most_recent=true the first `limit` traces of a search are the newest of the full
  // (unlimited, naive) result.
  std::mt19937_64 rng(6);
  int cut = 0;  // queries where the limit did cut the result
  for (int i = 0; i < 150; ++i) {
    const std::string q = RandomSpansetQuery(rng);
    SearchRequest all;
    all.query = q;
    all.limit = 1000;
    all.spans_per_spanset = 1000;
    auto full = eval::SearchWithMode(store_->store(), "t1", all, {}, ScanMode::kNaive);
    if (!full.ok()) continue;
    SearchRequest lim = all;
    lim.query = q + " with(most_recent=true)";
    lim.limit = 5;
    auto got = eval::SearchWithMode(store_->store(), "t1", lim, {}, ScanMode::kPushdown);
    ASSERT_TRUE(got.ok()) << lim.query << ": " << got.status();
    ASSERT_EQ(got->traces.size(), std::min<size_t>(5, full->traces.size())) << lim.query;
    for (size_t k = 0; k < got->traces.size(); ++k) {
      EXPECT_EQ(got->traces[k].trace_id, full->traces[k].trace_id) << lim.query;
    }
    if (full->traces.size() > 5) ++cut;
  }
  EXPECT_GT(cut, 50);
}

TEST_F(DifferentialTest, MetricsPushdownEqualsNaive) {
  static const std::vector<std::string> kFunctions = {
      "rate()",
      "count_over_time()",
      "rate() by (resource.service.name)",
      "count_over_time() by (status, kind)",
      "min_over_time(duration)",
      "max_over_time(span.a) by (span.b)",
      "avg_over_time(duration) by (resource.service.name)",
      "sum_over_time(span.f)",
      "quantile_over_time(duration, 0.5, 0.9, 0.99)",
      "quantile_over_time(duration, 0.9) by (resource.service.name)",
      "histogram_over_time(duration)",
      "histogram_over_time(duration) by (name)",
  };
  std::mt19937_64 rng(8);
  int nonempty = 0, refused = 0;
  for (int i = 0; i < 250; ++i) {
    std::string q = Filters()[rng() % Filters().size()];
    if (rng() % 3 == 0) {
      q += " " + SpansetOps()[rng() % SpansetOps().size()] + " " +
           Filters()[rng() % Filters().size()];
    }
    MetricsRequest req;
    req.query = q + " | " + kFunctions[rng() % kFunctions.size()];
    req.start_ns = kBase;
    req.end_ns = kBase + (kTraces + 2) * 250 * kMs;
    req.step_ns = (1 + static_cast<int64_t>(rng() % 10)) * 1'000 * kMs;
    req.instant = rng() % 4 == 0;
    auto fast = eval::QueryRangeWithMode(store_->store(), "t1", req, {}, ScanMode::kPushdown);
    auto naive = eval::QueryRangeWithMode(store_->store(), "t1", req, {}, ScanMode::kNaive);
    ASSERT_EQ(fast.ok(), naive.ok()) << req.query;
    if (!fast.ok()) {
      ASSERT_EQ(fast.status().code(), StatusCode::kInvalidArgument)
          << req.query << ": " << fast.status();
      ++refused;
      continue;
    }
    EXPECT_EQ(Render(*fast), Render(*naive)) << req.query;
    if (!fast->series.empty()) ++nonempty;
  }
  EXPECT_GT(nonempty, 150);
  EXPECT_LT(refused, 25);
}

}  // namespace
}  // namespace loupe::query::traceql
