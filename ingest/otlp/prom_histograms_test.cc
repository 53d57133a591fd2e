// Histogram and exponential-histogram translation. Classic-histogram expectations follow
// Prometheus's addHistogramDataPoints tests; exponential ones follow the conversion documented in
// prom_translate.h (bounds computed independently as 2^((i+1)·2^-scale)).
#include <gtest/gtest.h>

#include <cmath>

#include "ingest/otlp/otlp_test_util.h"
#include "ingest/otlp/prom_translate.h"

namespace loupe::ingest::otlp {
namespace {

using namespace ::loupe::ingest::otlp::testing;  // NOLINT
using storage::model::IsStaleNaN;
using storage::model::MetricType;

constexpr uint64_t kT = 2'000'000'000;  // 2000 ms

metrics::HistogramDataPoint* AddHistogram(Request* req, const std::string& name,
                                          const std::string& unit = "") {
  auto* h = AddMetric(NewScope(req, {{"service.name", "svc"}}), name, unit)->mutable_histogram();
  h->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  auto* p = h->add_data_points();
  p->set_time_unix_nano(kT);
  return p;
}

Labels Bucket(const char* name, const char* le) {
  return L({{"__name__", name}, {"job", "svc"}, {"le", le}});
}

TEST(OtlpClassicHistogramTest, CumulativeBucketsSumCountAndInf) {
  Request req;
  auto* p = AddHistogram(&req, "http.server.duration", "s");
  p->set_count(6);
  p->set_sum(7.5);
  p->add_explicit_bounds(0.1);
  p->add_explicit_bounds(1);
  p->add_bucket_counts(1);
  p->add_bucket_counts(2);
  p->add_bucket_counts(3);
  const PromTranslation t = TranslateMetrics(req, {});
  const char* b = "http_server_duration_seconds_bucket";
  EXPECT_SAMPLE(t, Bucket(b, "0.1"), 2000, 1.0);
  EXPECT_SAMPLE(t, Bucket(b, "1"), 2000, 3.0);
  EXPECT_SAMPLE(t, Bucket(b, "+Inf"), 2000, 6.0);
  EXPECT_SAMPLE(t, L({{"__name__", "http_server_duration_seconds_sum"}, {"job", "svc"}}), 2000,
                7.5);
  EXPECT_SAMPLE(t, L({{"__name__", "http_server_duration_seconds_count"}, {"job", "svc"}}), 2000,
                6.0);
  EXPECT_EQ(t.series.size(), 5u) << Dump(t);
  ASSERT_EQ(t.metadata.size(), 1u);
  EXPECT_EQ(t.metadata[0].family, "http_server_duration_seconds");
  EXPECT_EQ(t.metadata[0].type, MetricType::kHistogram);
  EXPECT_EQ(t.metadata[0].unit, "seconds");
}

TEST(OtlpClassicHistogramTest, NoSumMeansNoSumSeriesAndShortCountsLimitBuckets) {
  Request req;
  auto* p = AddHistogram(&req, "h");
  p->set_count(4);
  p->add_explicit_bounds(1);
  p->add_explicit_bounds(2);
  p->add_explicit_bounds(3);
  p->add_bucket_counts(4);  // fewer counts than bounds: only le=1 is written
  const PromTranslation t = TranslateMetrics(req, {});
  EXPECT_EQ(Find(t, L({{"__name__", "h_sum"}, {"job", "svc"}})), nullptr);
  EXPECT_SAMPLE(t, Bucket("h_bucket", "1"), 2000, 4.0);
  EXPECT_EQ(Find(t, Bucket("h_bucket", "2")), nullptr);
  EXPECT_SAMPLE(t, Bucket("h_bucket", "+Inf"), 2000, 4.0);
  EXPECT_EQ(t.series.size(), 3u) << Dump(t);
}

TEST(OtlpClassicHistogramTest, ExemplarsGoToTheFirstBucketThatHoldsThem) {
  Request req;
  auto* p = AddHistogram(&req, "h");
  p->set_count(3);
  p->add_explicit_bounds(1);
  p->add_explicit_bounds(5);
  p->add_bucket_counts(1);
  p->add_bucket_counts(1);
  p->add_bucket_counts(1);
  for (double v : {0.5, 1.0, 3.0, 99.0, std::nan("")}) p->add_exemplars()->set_as_double(v);
  const PromTranslation t = TranslateMetrics(req, {});
  auto values = [&](const char* le) {
    std::vector<double> out;
    for (const auto& e : Find(t, Bucket("h_bucket", le))->exemplars) out.push_back(e.value);
    return out;
  };
  EXPECT_EQ(values("1"), (std::vector<double>{0.5, 1.0}));
  EXPECT_EQ(values("5"), (std::vector<double>{3.0}));
  EXPECT_EQ(values("+Inf"), (std::vector<double>{99.0}));  // NaN fits no bucket
}

TEST(OtlpClassicHistogramTest, StaleMarkersForEverySeries) {
  Request req;
  auto* p = AddHistogram(&req, "h");
  p->set_flags(1);
  p->set_count(2);
  p->set_sum(1);
  p->add_explicit_bounds(1);
  p->add_bucket_counts(1);
  p->add_bucket_counts(1);
  const PromTranslation t = TranslateMetrics(req, {});
  ASSERT_EQ(t.series.size(), 4u);
  for (const auto& s : t.series) {
    ASSERT_EQ(s.samples.size(), 1u);
    EXPECT_TRUE(IsStaleNaN(s.samples[0].v)) << s.labels.ToString();
  }
}

metrics::ExponentialHistogramDataPoint* AddExp(Request* req, const std::string& name) {
  auto* e =
      AddMetric(NewScope(req, {{"service.name", "svc"}}), name)->mutable_exponential_histogram();
  e->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  auto* p = e->add_data_points();
  p->set_time_unix_nano(kT);
  return p;
}

std::vector<std::pair<std::string, double>> Buckets(const PromTranslation& t) {
  std::vector<std::pair<std::pair<double, std::string>, double>> sorted;
  for (const auto& s : t.series) {
    const std::string le(s.labels.Get("le"));
    if (le.empty()) continue;
    const double bound = le == "+Inf" ? INFINITY : std::stod(le);
    sorted.push_back({{bound, le}, s.samples.at(0).v});
  }
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::pair<std::string, double>> out;
  for (const auto& [k, v] : sorted) out.emplace_back(k.second, v);
  return out;
}

using BucketList = std::vector<std::pair<std::string, double>>;

TEST(OtlpExponentialHistogramTest, PositiveBucketsZeroBucketAndLowerBoundary) {
  Request req;
  auto* p = AddExp(&req, "e");
  p->set_scale(0);  // base 2
  p->set_count(4);
  p->set_sum(6);
  p->set_zero_count(1);
  p->mutable_positive()->set_offset(0);
  p->mutable_positive()->add_bucket_counts(1);  // (1, 2]
  p->mutable_positive()->add_bucket_counts(2);  // (2, 4]
  const PromTranslation t = TranslateMetrics(req, {});
  EXPECT_EQ(Buckets(t), (BucketList{{"0", 1}, {"1", 1}, {"2", 2}, {"4", 4}, {"+Inf", 4}}));
  EXPECT_SAMPLE(t, L({{"__name__", "e_sum"}, {"job", "svc"}}), 2000, 6.0);
  EXPECT_SAMPLE(t, L({{"__name__", "e_count"}, {"job", "svc"}}), 2000, 4.0);
  ASSERT_EQ(t.metadata.size(), 1u);
  EXPECT_EQ(t.metadata[0].type, MetricType::kHistogram);
}

TEST(OtlpExponentialHistogramTest, NegativeBucketsAndZeroThreshold) {
  Request req;
  auto* p = AddExp(&req, "e");
  p->set_scale(1);  // base √2
  p->set_count(5);
  p->set_zero_count(2);
  p->set_zero_threshold(0.5);
  p->mutable_negative()->set_offset(0);
  p->mutable_negative()->add_bucket_counts(1);  // [-√2, -1)  → le=-1
  p->mutable_negative()->add_bucket_counts(1);  // [-2, -√2)  → le=-√2
  p->mutable_positive()->set_offset(2);
  p->mutable_positive()->add_bucket_counts(1);  // (2, 2√2]
  const PromTranslation t = TranslateMetrics(req, {});
  EXPECT_EQ(Buckets(t), (BucketList{{"-1.4142135623730951", 1},
                                    {"-1", 2},
                                    {"0.5", 4},
                                    {"2", 4},
                                    {"2.8284271247461903", 5},
                                    {"+Inf", 5}}));
  EXPECT_EQ(Find(t, L({{"__name__", "e_sum"}, {"job", "svc"}})), nullptr);
}

TEST(OtlpExponentialHistogramTest, ScaleAboveEightIsReduced) {
  Request req;
  auto* p = AddExp(&req, "e");
  p->set_scale(10);
  p->set_count(4);
  p->mutable_positive()->set_offset(256);  // indexes 256..259 at scale 10 → index 64 at scale 8
  for (int i = 0; i < 4; ++i) p->mutable_positive()->add_bucket_counts(1);
  const PromTranslation t = TranslateMetrics(req, {});
  EXPECT_EQ(Buckets(t), (BucketList{{"0", 0},
                                    {"1.189207115002721", 0},   // 2^(64/256)
                                    {"1.1924313825831512", 4},  // 2^(65/256)
                                    {"+Inf", 4}}));
}

TEST(OtlpExponentialHistogramTest, BucketLimitDownscalesFurther) {
  Request req;
  auto* p = AddExp(&req, "e");
  p->set_scale(0);
  p->set_count(8);
  for (int i = 0; i < 8; ++i) p->mutable_positive()->add_bucket_counts(1);
  PromTranslationOptions opts;
  opts.max_exponential_buckets = 4;
  const PromTranslation t = TranslateMetrics(req, opts);
  // Scale -1 (base 4): buckets (1,4], (4,16], (16,64], (64,256] with 2 observations each.
  EXPECT_EQ(
      Buckets(t),
      (BucketList{{"0", 0}, {"1", 0}, {"4", 2}, {"16", 4}, {"64", 6}, {"256", 8}, {"+Inf", 8}}));
}

TEST(OtlpExponentialHistogramTest, ScaleBelowMinusFourIsRejected) {
  Request req;
  auto* p = AddExp(&req, "e");
  p->set_scale(-5);
  const PromTranslation t = TranslateMetrics(req, {});
  EXPECT_EQ(t.rejected_data_points, 1);
  ASSERT_EQ(t.errors.size(), 1u);
  EXPECT_EQ(t.errors[0],
            "cannot convert exponential to native histogram. Scale must be >= -4, was -5");
  EXPECT_TRUE(t.series.empty());
}

TEST(OtlpExponentialHistogramTest, OverflowingBoundsFoldIntoInf) {
  Request req;
  auto* p = AddExp(&req, "e");
  p->set_scale(-4);  // base 2^16
  p->set_count(3);
  p->mutable_positive()->set_offset(62);  // upper bounds 2^1008 (finite), 2^1024 (overflow)
  p->mutable_positive()->add_bucket_counts(1);
  p->mutable_positive()->add_bucket_counts(2);
  const PromTranslation t = TranslateMetrics(req, {});
  const BucketList b = Buckets(t);
  ASSERT_EQ(b.size(), 4u) << Dump(t);  // 0, 2^992, 2^1008, +Inf
  EXPECT_EQ(b[2].second, 1.0);
  EXPECT_EQ(b[3], (std::pair<std::string, double>{"+Inf", 3.0}));
}

TEST(OtlpExponentialHistogramTest, ExemplarsAndStaleness) {
  Request req;
  auto* p = AddExp(&req, "e");
  p->set_scale(0);
  p->set_count(1);
  p->mutable_positive()->add_bucket_counts(1);
  p->add_exemplars()->set_as_double(1.5);
  PromTranslation t = TranslateMetrics(req, {});
  const auto* b = Find(t, Bucket("e_bucket", "2"));
  ASSERT_NE(b, nullptr) << Dump(t);
  ASSERT_EQ(b->exemplars.size(), 1u);
  EXPECT_EQ(b->exemplars[0].value, 1.5);

  p->set_flags(1);
  t = TranslateMetrics(req, {});
  for (const auto& s : t.series) EXPECT_TRUE(IsStaleNaN(s.samples.at(0).v)) << s.labels.ToString();
}

}  // namespace
}  // namespace loupe::ingest::otlp
