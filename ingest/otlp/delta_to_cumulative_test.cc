// Expectations follow the OpenTelemetry Collector's deltatocumulative processor (its
// AccumulateInto rules and data.Add semantics) and the OTel data model's delta→cumulative
// description.
#include "ingest/otlp/delta_to_cumulative.h"

#include <gtest/gtest.h>

#include "ingest/otlp/otlp_test_util.h"
#include "ingest/otlp/prom_translate.h"

namespace loupe::ingest::otlp {
namespace {

using namespace ::loupe::ingest::otlp::testing;  // NOLINT
using NumberPoint = DeltaToCumulative::NumberPoint;
using HistogramPoint = DeltaToCumulative::HistogramPoint;
using ExpPoint = DeltaToCumulative::ExpHistogramPoint;

constexpr int64_t kSecond = 1'000'000'000;
const StreamKey kKey{1, 2};

NumberPoint Num(uint64_t start, uint64_t time, int64_t v) {
  NumberPoint p;
  p.set_start_time_unix_nano(start);
  p.set_time_unix_nano(time);
  p.set_as_int(v);
  return p;
}

TEST(OtlpDeltaToCumulativeTest, SumsAccumulateAndKeepTheFirstStart) {
  ManualClock clock;
  DeltaToCumulative d({}, clock);
  NumberPoint out;
  ASSERT_TRUE(d.Accumulate(kKey, "m", Num(100, 200, 5), &out).ok());
  EXPECT_EQ(out.as_int(), 5);
  EXPECT_EQ(out.start_time_unix_nano(), 100u);
  ASSERT_TRUE(d.Accumulate(kKey, "m", Num(200, 300, 3), &out).ok());
  EXPECT_EQ(out.as_int(), 8);
  EXPECT_EQ(out.start_time_unix_nano(), 100u);
  EXPECT_EQ(out.time_unix_nano(), 300u);
  // A double delta turns the running total into a double.
  NumberPoint dbl = Num(300, 400, 0);
  dbl.set_as_double(0.5);
  ASSERT_TRUE(d.Accumulate(kKey, "m", dbl, &out).ok());
  EXPECT_EQ(out.value_case(), NumberPoint::kAsDouble);
  EXPECT_EQ(out.as_double(), 8.5);
  ASSERT_TRUE(d.Accumulate(kKey, "m", Num(400, 500, 1), &out).ok());
  EXPECT_EQ(out.as_double(), 9.5);
  // Another stream is independent.
  ASSERT_TRUE(d.Accumulate(StreamKey{9, 9}, "m", Num(0, 10, 1), &out).ok());
  EXPECT_EQ(out.as_int(), 1);
  EXPECT_EQ(d.stream_count(), 2u);
}

TEST(OtlpDeltaToCumulativeTest, OutOfOrderAndOlderStartAreDropped) {
  ManualClock clock;
  DeltaToCumulative d({}, clock);
  NumberPoint out;
  ASSERT_TRUE(d.Accumulate(kKey, "m", Num(100, 200, 5), &out).ok());
  Status s = d.Accumulate(kKey, "m", Num(150, 200, 1), &out);  // same time
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("out of order"), std::string::npos) << s;
  s = d.Accumulate(kKey, "m", Num(50, 300, 1), &out);  // starts before the series
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("start_time=50"), std::string::npos) << s;
  // Neither changed the total.
  ASSERT_TRUE(d.Accumulate(kKey, "m", Num(200, 300, 1), &out).ok());
  EXPECT_EQ(out.as_int(), 6);
}

TEST(OtlpDeltaToCumulativeTest, NoRecordedValueEndsTheStream) {
  ManualClock clock;
  DeltaToCumulative d({}, clock);
  NumberPoint out;
  ASSERT_TRUE(d.Accumulate(kKey, "m", Num(0, 10, 5), &out).ok());
  NumberPoint stale = Num(10, 20, 0);
  stale.set_flags(1);
  ASSERT_TRUE(d.Accumulate(kKey, "m", stale, &out).ok());
  EXPECT_EQ(out.flags(), 1u);
  EXPECT_EQ(d.stream_count(), 0u);
  ASSERT_TRUE(d.Accumulate(kKey, "m", Num(20, 30, 2), &out).ok());
  EXPECT_EQ(out.as_int(), 2);  // a new running total
}

TEST(OtlpDeltaToCumulativeTest, StaleStreamsExpireAndTheLimitHolds) {
  ManualClock clock;
  DeltaToCumulative::Options opts;
  opts.max_streams = 2;
  opts.max_stale_nanos = 60 * kSecond;
  DeltaToCumulative d(opts, clock);
  NumberPoint out;
  ASSERT_TRUE(d.Accumulate(StreamKey{1, 1}, "m", Num(0, 10, 1), &out).ok());
  clock.Advance(50 * kSecond);
  ASSERT_TRUE(d.Accumulate(StreamKey{2, 2}, "m", Num(0, 10, 1), &out).ok());
  Status s = d.Accumulate(StreamKey{3, 3}, "m", Num(0, 10, 1), &out);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("tracking limit of 2 streams"), std::string::npos);
  clock.Advance(20 * kSecond);  // stream 1 idle 70 s > 60 s: forgotten to make room
  ASSERT_TRUE(d.Accumulate(StreamKey{3, 3}, "m", Num(0, 10, 1), &out).ok());
  EXPECT_EQ(d.stream_count(), 2u);
  // Stream 1 was forgotten and the live streams 2 and 3 fill the table again.
  EXPECT_EQ(d.Accumulate(StreamKey{1, 1}, "m", Num(10, 20, 7), &out).code(),
            StatusCode::kResourceExhausted);
  clock.Advance(61 * kSecond);
  d.ExpireStale();
  EXPECT_EQ(d.stream_count(), 0u);
}

TEST(OtlpDeltaToCumulativeTest, HistogramsAddAndResetOnNewBounds) {
  ManualClock clock;
  DeltaToCumulative d({}, clock);
  HistogramPoint a;
  a.set_start_time_unix_nano(1);
  a.set_time_unix_nano(10);
  a.set_count(3);
  a.set_sum(6);
  a.set_min(1);
  a.set_max(3);
  a.add_explicit_bounds(2);
  a.add_bucket_counts(2);
  a.add_bucket_counts(1);
  HistogramPoint out;
  ASSERT_TRUE(d.Accumulate(kKey, "h", a, &out).ok());
  HistogramPoint b = a;
  b.set_start_time_unix_nano(10);
  b.set_time_unix_nano(20);
  b.set_count(1);
  b.set_sum(10);
  b.set_min(10);
  b.set_max(10);
  b.set_bucket_counts(0, 0);
  b.set_bucket_counts(1, 1);
  ASSERT_TRUE(d.Accumulate(kKey, "h", b, &out).ok());
  EXPECT_EQ(out.start_time_unix_nano(), 1u);
  EXPECT_EQ(out.count(), 4u);
  EXPECT_EQ(out.sum(), 16);
  EXPECT_EQ(out.min(), 1);
  EXPECT_EQ(out.max(), 10);
  EXPECT_EQ(std::vector<uint64_t>(out.bucket_counts().begin(), out.bucket_counts().end()),
            (std::vector<uint64_t>{2, 2}));
  // A delta without a sum leaves the cumulative without one.
  HistogramPoint c = b;
  c.set_time_unix_nano(30);
  c.clear_sum();
  ASSERT_TRUE(d.Accumulate(kKey, "h", c, &out).ok());
  EXPECT_FALSE(out.has_sum());
  EXPECT_EQ(out.count(), 5u);
  // New bounds: the point replaces the running total.
  HistogramPoint e = b;
  e.set_time_unix_nano(40);
  e.set_explicit_bounds(0, 5);
  ASSERT_TRUE(d.Accumulate(kKey, "h", e, &out).ok());
  EXPECT_EQ(out.count(), 1u);
  EXPECT_EQ(out.start_time_unix_nano(), 10u);
}

ExpPoint Exp(uint64_t start, uint64_t time, int32_t scale, int32_t offset,
             std::vector<uint64_t> counts) {
  ExpPoint p;
  p.set_start_time_unix_nano(start);
  p.set_time_unix_nano(time);
  p.set_scale(scale);
  p.mutable_positive()->set_offset(offset);
  uint64_t total = 0;
  for (uint64_t c : counts) {
    p.mutable_positive()->add_bucket_counts(c);
    total += c;
  }
  p.set_count(total);
  p.set_sum(static_cast<double>(total));
  return p;
}

TEST(OtlpDeltaToCumulativeTest, ExponentialHistogramsMergeAtTheSmallerScale) {
  ManualClock clock;
  DeltaToCumulative d({}, clock);
  ExpPoint out;
  // Scale 1, indexes 2..5.
  ASSERT_TRUE(d.Accumulate(kKey, "e", Exp(0, 10, 1, 2, {1, 1, 1, 1}), &out).ok());
  // Scale 0, indexes 1..2: the state is downscaled (2,3→1; 4,5→2) and the new counts added.
  ASSERT_TRUE(d.Accumulate(kKey, "e", Exp(10, 20, 0, 1, {10, 20}), &out).ok());
  EXPECT_EQ(out.scale(), 0);
  EXPECT_EQ(out.positive().offset(), 1);
  EXPECT_EQ(std::vector<uint64_t>(out.positive().bucket_counts().begin(),
                                  out.positive().bucket_counts().end()),
            (std::vector<uint64_t>{12, 22}));
  EXPECT_EQ(out.count(), 34u);
  EXPECT_EQ(out.sum(), 34);
  EXPECT_EQ(out.start_time_unix_nano(), 0u);
}

TEST(OtlpDeltaToCumulativeTest, ExponentialHistogramsStayWithin160Buckets) {
  ManualClock clock;
  DeltaToCumulative d({}, clock);
  ExpPoint out;
  ASSERT_TRUE(d.Accumulate(kKey, "e", Exp(0, 10, 3, 0, {1}), &out).ok());
  ASSERT_TRUE(d.Accumulate(kKey, "e", Exp(10, 20, 3, 300, {1}), &out).ok());
  // Indexes 0 and 300 span 301 buckets; one halving (scale 2: 0 and 150) fits 160.
  EXPECT_EQ(out.scale(), 2);
  EXPECT_EQ(out.positive().offset(), 0);
  EXPECT_EQ(out.positive().bucket_counts_size(), 151);
  EXPECT_EQ(out.positive().bucket_counts(0), 1u);
  EXPECT_EQ(out.positive().bucket_counts(150), 1u);
}

TEST(OtlpDeltaToCumulativeTest, ExponentialHistogramsWidenTheZeroBucket) {
  ManualClock clock;
  DeltaToCumulative d({}, clock);
  ExpPoint out;
  // Scale 0: bucket -1 is (0.5, 1], bucket 0 is (1, 2].
  ExpPoint a = Exp(0, 10, 0, -1, {3, 4});
  a.set_zero_count(1);
  ASSERT_TRUE(d.Accumulate(kKey, "e", a, &out).ok());
  ExpPoint b = Exp(10, 20, 0, 0, {1});
  b.set_zero_threshold(1);
  ASSERT_TRUE(d.Accumulate(kKey, "e", b, &out).ok());
  EXPECT_EQ(out.zero_threshold(), 1);
  EXPECT_EQ(out.zero_count(), 4u);  // 1 + bucket (0.5, 1]
  EXPECT_EQ(out.positive().offset(), 0);
  EXPECT_EQ(std::vector<uint64_t>(out.positive().bucket_counts().begin(),
                                  out.positive().bucket_counts().end()),
            (std::vector<uint64_t>{5}));
}

TEST(OtlpStreamKeyTest, AttributeOrderDoesNotMatterButTypesDo) {
  Request req;
  google::protobuf::RepeatedPtrField<common::KeyValue> a, b, c;
  SetAttrs(&a, {{"x", "1"}, {"y", "2"}});
  SetAttrs(&b, {{"y", "2"}, {"x", "1"}});
  SetAttrs(&c, {{"x", "1"}});
  auto* kv = c.Add();
  kv->set_key("y");
  kv->mutable_value()->set_int_value(2);
  EXPECT_EQ(HashAttributes(a), HashAttributes(b));
  EXPECT_FALSE(HashAttributes(a) == HashAttributes(c));
  EXPECT_FALSE(HashStreamBytes("a") == HashStreamBytes("b"));
  EXPECT_FALSE(CombineStreamKeys({{1, 2}, {3, 4}}) == CombineStreamKeys({{3, 4}, {1, 2}}));
}

// End to end: delta counters across two requests become one cumulative Prometheus counter.
TEST(OtlpDeltaToCumulativeTest, TranslateConvertsDeltaSumsAndHistograms) {
  ManualClock clock;
  DeltaToCumulative d({}, clock);
  auto make = [](uint64_t start_s, uint64_t end_s, double v, uint64_t bucket0, uint64_t bucket1) {
    Request req;
    auto* sm = NewScope(&req, {{"service.name", "svc"}});
    auto* sum = AddMetric(sm, "requests")->mutable_sum();
    sum->set_is_monotonic(true);
    sum->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_DELTA);
    auto* p = AddNumber(sum->mutable_data_points(), v, end_s * kSecond, {{"code", "200"}});
    p->set_start_time_unix_nano(start_s * kSecond);
    auto* h = AddMetric(sm, "latency", "s")->mutable_histogram();
    h->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_DELTA);
    auto* hp = h->add_data_points();
    hp->set_start_time_unix_nano(start_s * kSecond);
    hp->set_time_unix_nano(end_s * kSecond);
    hp->add_explicit_bounds(1);
    hp->add_bucket_counts(bucket0);
    hp->add_bucket_counts(bucket1);
    hp->set_count(bucket0 + bucket1);
    return req;
  };
  PromTranslation t = TranslateMetrics(make(0, 10, 5, 1, 2), {}, &d);
  EXPECT_EQ(t.rejected_data_points, 0) << Dump(t);
  EXPECT_SAMPLE(t, L({{"__name__", "requests_total"}, {"job", "svc"}, {"code", "200"}}), 10'000,
                5.0);
  EXPECT_SAMPLE(t, L({{"__name__", "latency_seconds_bucket"}, {"job", "svc"}, {"le", "1"}}), 10'000,
                1.0);
  t = TranslateMetrics(make(10, 20, 7, 3, 0), {}, &d);
  EXPECT_SAMPLE(t, L({{"__name__", "requests_total"}, {"job", "svc"}, {"code", "200"}}), 20'000,
                12.0);
  EXPECT_SAMPLE(t, L({{"__name__", "latency_seconds_bucket"}, {"job", "svc"}, {"le", "1"}}), 20'000,
                4.0);
  EXPECT_SAMPLE(t, L({{"__name__", "latency_seconds_bucket"}, {"job", "svc"}, {"le", "+Inf"}}),
                20'000, 6.0);
  EXPECT_SAMPLE(t, L({{"__name__", "latency_seconds_count"}, {"job", "svc"}}), 20'000, 6.0);
  EXPECT_EQ(t.metadata[0].type, storage::model::MetricType::kCounter);
  // Replaying the same request: both points are out of order and reported per point.
  t = TranslateMetrics(make(10, 20, 7, 3, 0), {}, &d);
  EXPECT_EQ(t.rejected_data_points, 2);
  EXPECT_EQ(t.errors.size(), 2u);
  EXPECT_NE(t.ErrorMessage().find("out of order"), std::string::npos);
  EXPECT_EQ(Find(t, L({{"__name__", "requests_total"}, {"job", "svc"}, {"code", "200"}})), nullptr);
}

}  // namespace
}  // namespace loupe::ingest::otlp
