// TraceQL metrics over a small fixture: alignment, functions, by(), second stages, math.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "query/traceql/eval/engine.h"
#include "query/traceql/eval/test_util.h"

namespace loupe::query::traceql {
namespace {

using testing::SpanDef;
using testing::TestStore;
using testing::TraceBuilder;

constexpr int64_t kBase = 1'700'000'000'000'000'000;  // a multiple of 10s
constexpr int64_t kMs = 1'000'000;
constexpr int64_t kS = 1'000'000'000;

// Second 0: a (3 spans: 100ms, 200ms, 400ms; one error); second 1: b (2 spans, 1s and 3ms);
// second 2: a (1 span, 50ms).
std::vector<testing::v1::ResourceSpans> Fixture() {
  TraceBuilder b;
  auto add = [&](uint64_t trace, uint64_t id, uint64_t parent, const char* svc, int64_t start,
                 int64_t dur, int status, int64_t code) {
    SpanDef d;
    d.id = id;
    d.parent = parent;
    d.service = svc;
    d.name = std::string("op-") + svc;
    d.start_ns = start;
    d.duration_ns = dur;
    d.status = status;
    d.attrs = {{"code", code}};
    b.Add(trace, d);
  };
  add(1, 1, 0, "a", kBase, 400 * kMs, 0, 200);
  add(1, 2, 1, "a", kBase + 10 * kMs, 200 * kMs, 2, 500);
  add(1, 3, 1, "a", kBase + 20 * kMs, 100 * kMs, 0, 200);
  add(2, 4, 0, "b", kBase + kS, 1000 * kMs, 0, 404);
  add(2, 5, 4, "b", kBase + kS + kMs, 3 * kMs, 0, 200);
  add(3, 6, 0, "a", kBase + 2 * kS, 50 * kMs, 0, 200);
  return b.Take();
}

class TraceqlMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_.ok());
    ASSERT_TRUE(store_.Append(Fixture()).ok());
  }
  // "{promLabels} v0 v1 ... ; ..." with samples at steps 0..3 ('_' = no sample).
  std::string Range(const std::string& q, int64_t step = kS) {
    MetricsRequest req;
    req.query = q;
    req.start_ns = kBase;
    req.end_ns = kBase + 3 * kS;
    req.step_ns = step;
    auto r = QueryRange(store_.store(), "t1", req);
    if (!r.ok()) return "error: " + r.status().message();
    std::string out;
    for (const auto& s : r->series) {
      if (!out.empty()) out += " ; ";
      out += s.prom_labels;
      size_t k = 0;
      for (int64_t t = kBase; t <= kBase + 3 * kS; t += step) {
        if (k < s.samples.size() && s.samples[k].timestamp_ms == t / kMs) {
          char buf[32];
          snprintf(buf, sizeof buf, "%g", s.samples[k].value);
          out += std::string(" ") + buf;
          ++k;
        } else {
          out += " _";
        }
      }
    }
    return out;
  }
  TestStore store_;
};

TEST_F(TraceqlMetricsTest, CountAndRate) {
  EXPECT_EQ(Range("{ } | count_over_time()"), "{__name__=\"count_over_time\"} 3 2 1 0");
  EXPECT_EQ(Range("{ } | rate()"), "{__name__=\"rate\"} 3 2 1 0");
  EXPECT_EQ(Range("{ } | rate()", 2 * kS), "{__name__=\"rate\"} 2.5 0.5");
  EXPECT_EQ(Range("{ status = error } | count_over_time()"),
            "{__name__=\"count_over_time\"} 1 0 0 0");
  EXPECT_EQ(Range("{ .nothing = 1 } | rate()"), "{__name__=\"rate\"} 0 0 0 0");
  EXPECT_EQ(Range("{ } | count_over_time() by (resource.service.name)"),
            "{resource.service.name=\"a\"} 3 0 1 0 ; {resource.service.name=\"b\"} 0 2 0 0");
  EXPECT_EQ(Range("{ } | count_over_time() by (span.code, resource.service.name)"),
            "{resource.service.name=\"a\", span.code=\"200\"} 2 0 1 0 ; "
            "{resource.service.name=\"a\", span.code=\"500\"} 1 0 0 0 ; "
            "{resource.service.name=\"b\", span.code=\"200\"} 0 1 0 0 ; "
            "{resource.service.name=\"b\", span.code=\"404\"} 0 1 0 0");
  EXPECT_EQ(Range("{ } | count_over_time() by (span.missing)"), "{span.missing=\"<nil>\"} 3 2 1 0");
}

TEST_F(TraceqlMetricsTest, OverTimeFunctions) {
  EXPECT_EQ(Range("{ } | max_over_time(duration)"), "{__name__=\"max_over_time\"} 0.4 1 0.05 _");
  EXPECT_EQ(Range("{ } | min_over_time(duration)"),
            "{__name__=\"min_over_time\"} 0.1 0.003 0.05 _");
  EXPECT_EQ(Range("{ } | sum_over_time(duration)"),
            "{__name__=\"sum_over_time\"} 0.7 1.003 0.05 _");
  EXPECT_EQ(Range("{ } | avg_over_time(span.code) by (resource.service.name)"),
            "{resource.service.name=\"a\"} 300 _ 200 _ ; {resource.service.name=\"b\"} _ 302 _ _");
  // Buckets are powers of two of the duration in ns, expressed in seconds.
  EXPECT_EQ(Range("{ resource.service.name = \"b\" } | histogram_over_time(duration)"),
            "{__bucket=\"0.004194304\"} 0 1 0 0 ; {__bucket=\"1.073741824\"} 0 1 0 0");
  EXPECT_EQ(Range("{ } | quantile_over_time(duration, 0.5, 1)"),
            "{p=\"0.5\"} 0.268435 0.0041943 0.0671089 0 ; {p=\"1\"} 0.536871 1.07374 0.0671089 0");
}

TEST_F(TraceqlMetricsTest, SecondStagesAndMath) {
  EXPECT_EQ(Range("{ } | count_over_time() by (resource.service.name) | topk(1)"),
            "{resource.service.name=\"a\"} 3 _ 1 0 ; {resource.service.name=\"b\"} _ 2 _ _");
  EXPECT_EQ(Range("{ } | count_over_time() by (resource.service.name) | bottomk(1)"),
            "{resource.service.name=\"a\"} _ 0 _ 0 ; {resource.service.name=\"b\"} 0 _ 0 _");
  EXPECT_EQ(Range("{ } | count_over_time() > 1"), "{__name__=\"count_over_time\"} 3 2 _ _");
  EXPECT_EQ(Range("({ } | count_over_time()) * 2"), "{} 6 4 2 0");
  EXPECT_EQ(Range("({ } | count_over_time()) - ({ status = error } | count_over_time())"),
            "{__name__=\"(count_over_time - count_over_time)\"} 2 2 1 0");
  EXPECT_EQ(
      Range("({ } | count_over_time() by (resource.service.name)) / ({ } | count_over_time())"),
      "{resource.service.name=\"a\"} 1 0 1 _ ; {resource.service.name=\"b\"} 0 1 0 _");
}

TEST_F(TraceqlMetricsTest, InstantAndJson) {
  MetricsRequest req;
  req.query = "{ } | count_over_time() by (resource.service.name)";
  req.start_ns = kBase;
  req.end_ns = kBase + 3 * kS;
  req.instant = true;
  auto r = QueryRange(store_.store(), "t1", req);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->series.size(), 2u);
  EXPECT_EQ(r->series[0].value, 4);
  EXPECT_EQ(r->series[1].value, 2);
  auto j = nlohmann::json::parse(ToJson(*r));
  EXPECT_EQ(j["series"][0]["value"], 4);
  EXPECT_EQ(j["series"][0]["promLabels"], "{resource.service.name=\"a\"}");
  EXPECT_EQ(
      j["series"][0]["labels"][0],
      nlohmann::json::parse(R"({"key":"resource.service.name","value":{"stringValue":"a"}})"));

  req.instant = false;
  req.step_ns = kS;
  req.query = "{ } | rate()";
  r = QueryRange(store_.store(), "t1", req);
  ASSERT_TRUE(r.ok());
  j = nlohmann::json::parse(ToJson(*r));
  EXPECT_EQ(j["series"][0]["samples"][0]["timestampMs"], std::to_string(kBase / kMs));
  EXPECT_EQ(j["series"][0]["samples"][0]["value"], 3);
  EXPECT_EQ(j["series"][0]["labels"][0]["key"], "__name__");
}

// compare(): selection = the error span (a, second 0, code 500); baseline = the other five.
TEST_F(TraceqlMetricsTest, CompareSplitsSelectionFromBaseline) {
  const std::string all = Range("{ } | compare({ status = error })");
  auto has = [&](const std::string& series) {
    return all.find(series) != std::string::npos ? ::testing::AssertionSuccess()
                                                 : ::testing::AssertionFailure() << all;
  };
  EXPECT_TRUE(has("{__meta_type=\"selection\", span.code=\"500\"} 1 0 0 0"));
  EXPECT_TRUE(has("{__meta_type=\"selection\", status=\"error\"} 1 0 0 0"));
  EXPECT_TRUE(has("{__meta_type=\"selection_total\", name=\"<nil>\"} 1 0 0 0"));
  EXPECT_TRUE(has("{__meta_type=\"baseline\", span.code=\"200\"} 2 1 1 0"));
  EXPECT_TRUE(has("{__meta_type=\"baseline\", span.code=\"404\"} 0 1 0 0"));
  EXPECT_TRUE(has("{__meta_type=\"baseline\", resource.service.name=\"a\"} 2 0 1 0"));
  EXPECT_TRUE(has("{__meta_type=\"baseline\", name=\"op-b\"} 0 2 0 0"));
  EXPECT_TRUE(has("{__meta_type=\"baseline_total\", span.code=\"<nil>\"} 2 2 1 0"));
  EXPECT_EQ(all.find("duration"), std::string::npos) << "durations are not compared";
  EXPECT_EQ(all.find("__meta_error"), std::string::npos);

  // topN 1: the baseline's most frequent code only, and an error series (no samples) for
  // every attribute with more values than that.
  const std::string top1 = Range("{ } | compare({ status = error }, 1)");
  EXPECT_NE(top1.find("{__meta_type=\"baseline\", span.code=\"200\"} 2 1 1 0"), std::string::npos)
      << top1;
  EXPECT_EQ(top1.find("span.code=\"404\""), std::string::npos) << top1;
  EXPECT_NE(top1.find("{__meta_error=\"__too_many_values__\", span.code=\"<nil>\"} _ _ _ _"),
            std::string::npos)
      << top1;
  EXPECT_NE(top1.find("{__meta_error=\"__too_many_values__\", resource.service.name=\"<nil>\"}"),
            std::string::npos)
      << top1;

  // A selection window: only spans starting in [start, end) can be selected. The error span
  // starts 10 ms after kBase, so a window from second 1 selects nothing.
  const std::string windowed =
      Range("{ } | compare({ status = error }, 10, " + std::to_string(kBase + kS) + ", " +
            std::to_string(kBase + 3 * kS) + ")");
  EXPECT_EQ(windowed.find("__meta_type=\"selection"), std::string::npos) << windowed;
  EXPECT_NE(windowed.find("{__meta_type=\"baseline\", span.code=\"500\"} 1 0 0 0"),
            std::string::npos)
      << windowed;
  // Only spans of the query are compared.
  const std::string only_b =
      Range("{ resource.service.name = \"b\" } | compare({ span.code = 404 })");
  EXPECT_NE(only_b.find("{__meta_type=\"selection\", name=\"op-b\"} 0 1 0 0"), std::string::npos)
      << only_b;
  EXPECT_EQ(only_b.find("\"a\""), std::string::npos) << only_b;
}

TEST_F(TraceqlMetricsTest, Errors) {
  MetricsRequest req;
  req.query = "{ }";
  req.start_ns = kBase;
  req.end_ns = kBase + kS;
  EXPECT_EQ(QueryRange(store_.store(), "t1", req).status().message(),
            "invalid TraceQL query: not a metrics query");
  req.query = "{ } | rate()";
  req.end_ns = kBase;
  EXPECT_EQ(QueryRange(store_.store(), "t1", req).status().code(), StatusCode::kInvalidArgument);
  req.end_ns = kBase + 1000 * kS;
  req.step_ns = 1'000'000;
  EXPECT_EQ(QueryRange(store_.store(), "t1", req).status().code(), StatusCode::kInvalidArgument);
  req.step_ns = 0;  // default step for 1000 s: 4 s
  auto r = QueryRange(store_.store(), "t1", req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->step_ns, 4 * kS);
  // More series than EngineOptions::max_series (two services here).
  req.query = "{ } | rate() by (resource.service.name)";
  EngineOptions small;
  small.max_series = 1;
  EXPECT_EQ(QueryRange(store_.store(), "t1", req, small).status().code(),
            StatusCode::kResourceExhausted);
  small.max_series = 2;
  EXPECT_TRUE(QueryRange(store_.store(), "t1", req, small).ok());
}

}  // namespace
}  // namespace loupe::query::traceql
