#include "ingest/derive/metric_registry.h"

#include <gtest/gtest.h>

#include "ingest/derive/derive_test_util.h"

namespace loupe::ingest::derive {
namespace {

using model::Sample;
using testing::L;
using testing::RecordingSink;

TEST(MetricRegistry, CounterStartsAtZeroThenWritesItsValueEachCollection) {
  MetricRegistry reg({});
  auto* c = reg.NewCounter("x_total", {"a", "b"}, "help");
  SeriesKey key;
  key.Set({"1", ""});  // b is absent
  c->Inc(key, 2, 100);
  RecordingSink sink;
  CollectCounts n = reg.Collect(15'000, 14'000, &sink);
  const auto labels = L({{"__name__", "x_total"}, {"a", "1"}});
  ASSERT_NE(sink.Find(labels), nullptr) << sink.Dump();
  EXPECT_EQ(sink.Find(labels)->samples, (std::vector<Sample>{{14'000, 0}, {15'000, 2}}));
  EXPECT_EQ(n.series, 1u);
  EXPECT_EQ(n.samples, 2u);
  ASSERT_EQ(sink.metadata().count("x_total"), 1u);
  EXPECT_EQ(sink.metadata().at("x_total").type, model::MetricType::kCounter);

  c->Inc(key, 3, 20'000);
  sink.Clear();
  reg.Collect(30'000, 29'000, &sink);
  EXPECT_EQ(sink.Find(labels)->samples, (std::vector<Sample>{{30'000, 5}}));
  // No update: the same value again (a counter series, not a gap).
  sink.Clear();
  reg.Collect(45'000, 44'000, &sink);
  EXPECT_EQ(sink.Find(labels)->samples, (std::vector<Sample>{{45'000, 5}}));
  EXPECT_EQ(c->Value(key), 5);
}

TEST(MetricRegistry, NoZeroStartWhenThereIsNoRoomBeforeTheCollection) {
  MetricRegistry reg({});
  auto* c = reg.NewCounter("x_total", {}, "");
  SeriesKey key;
  key.Set(std::span<const std::string_view>());
  c->Inc(key, 1, 0);
  RecordingSink sink;
  reg.Collect(1000, 1000, &sink);
  EXPECT_EQ(sink.Find(L({{"__name__", "x_total"}}))->samples, (std::vector<Sample>{{1000, 1}}));
}

TEST(MetricRegistry, HistogramWritesCumulativeBucketsSumCountAndExemplarsOnce) {
  RegistryOptions o;
  o.exemplar_label = "traceID";
  MetricRegistry reg(o);
  auto* h = reg.NewHistogram("lat_seconds", {"svc"}, {0.1, 1}, "help");
  EXPECT_EQ(h->buckets(), (std::vector<double>{0.1, 1}));
  SeriesKey key;
  key.Set({"api"});
  const std::string a = testing::TraceId(1), b = testing::TraceId(2), c = testing::TraceId(3);
  h->Observe(key, 0.05, a, 10);
  h->Observe(key, 0.5, b, 10);
  h->Observe(key, 0.7, c, 10);
  h->Observe(key, 1, "", 10);                     // on the bound: le="1"; no exemplar
  h->Observe(key, 5, std::string(16, '\0'), 10);  // zero trace id: no exemplar
  RecordingSink sink;
  CollectCounts n = reg.Collect(15'000, 14'000, &sink);
  auto bucket = [](const char* le) {
    return L({{"__name__", "lat_seconds_bucket"}, {"svc", "api"}, {"le", le}});
  };
  EXPECT_EQ(sink.Last(bucket("0.1")), 1) << sink.Dump();
  EXPECT_EQ(sink.Last(bucket("1")), 4);
  EXPECT_EQ(sink.Last(bucket("+Inf")), 5);
  EXPECT_DOUBLE_EQ(sink.Last(L({{"__name__", "lat_seconds_sum"}, {"svc", "api"}})), 7.25);
  EXPECT_EQ(sink.Last(L({{"__name__", "lat_seconds_count"}, {"svc", "api"}})), 5);
  EXPECT_EQ(sink.series().size(), 5u);
  EXPECT_EQ(n.series, 5u);
  EXPECT_EQ(n.samples, 10u);  // each with a zero start
  EXPECT_EQ(sink.Find(bucket("0.1"))->samples.front(), (Sample{14'000, 0}));

  const auto& ex01 = sink.Find(bucket("0.1"))->exemplars;
  ASSERT_EQ(ex01.size(), 1u);
  EXPECT_EQ(ex01[0].labels, L({{"traceID", testing::Hex(a).c_str()}}));
  EXPECT_EQ(ex01[0].value, 0.05);
  EXPECT_EQ(ex01[0].t, 15'000);
  const auto& ex1 = sink.Find(bucket("1"))->exemplars;
  ASSERT_EQ(ex1.size(), 1u);  // the latest observation of the bucket
  EXPECT_EQ(ex1[0].labels.Get("traceID"), testing::Hex(c));
  EXPECT_EQ(ex1[0].value, 0.7);
  EXPECT_TRUE(sink.Find(bucket("+Inf"))->exemplars.empty());
  EXPECT_EQ(n.exemplars, 2u);
  EXPECT_EQ(sink.metadata().at("lat_seconds").type, model::MetricType::kHistogram);

  sink.Clear();
  n = reg.Collect(30'000, 29'000, &sink);
  EXPECT_EQ(n.exemplars, 0u);
  EXPECT_EQ(sink.Find(bucket("1"))->samples, (std::vector<Sample>{{30'000, 4}}));
}

TEST(MetricRegistry, NaNObservationLandsInTheInfBucket) {
  MetricRegistry reg({});
  auto* h = reg.NewHistogram("h", {}, {1}, "");
  SeriesKey key;
  key.Set(std::span<const std::string_view>());
  h->Observe(key, std::nan(""), "", 0);
  RecordingSink sink;
  reg.Collect(10, 5, &sink);
  EXPECT_EQ(sink.Last(L({{"__name__", "h_bucket"}, {"le", "1"}})), 0);
  EXPECT_EQ(sink.Last(L({{"__name__", "h_bucket"}, {"le", "+Inf"}})), 1);
}

TEST(MetricRegistry, StaleSeriesGetAMarkerAndRestartFromZero) {
  RegistryOptions o;
  o.stale_ms = 60'000;
  MetricRegistry reg(o);
  auto* c = reg.NewCounter("x_total", {"a"}, "");
  auto* h = reg.NewHistogram("h", {"a"}, {1}, "");
  SeriesKey key;
  key.Set({"v"});
  c->Inc(key, 1, 0);
  h->Observe(key, 0.5, "", 0);
  RecordingSink sink;
  reg.Collect(15'000, 14'000, &sink);
  EXPECT_EQ(reg.active_series(), 2u);
  // Updated at 0; at 60'000 it is not yet older than the stale duration.
  sink.Clear();
  reg.Collect(60'000, 59'000, &sink);
  EXPECT_EQ(sink.Last(L({{"__name__", "x_total"}, {"a", "v"}})), 1);
  sink.Clear();
  CollectCounts n = reg.Collect(75'000, 74'000, &sink);
  const auto counter = L({{"__name__", "x_total"}, {"a", "v"}});
  ASSERT_EQ(sink.Find(counter)->samples.size(), 1u);
  EXPECT_TRUE(model::IsStaleNaN(sink.Find(counter)->samples[0].v));
  EXPECT_EQ(sink.Find(counter)->samples[0].t, 75'000);
  EXPECT_TRUE(
      model::IsStaleNaN(sink.Last(L({{"__name__", "h_bucket"}, {"a", "v"}, {"le", "+Inf"}}))));
  EXPECT_TRUE(model::IsStaleNaN(sink.Last(L({{"__name__", "h_count"}, {"a", "v"}}))));
  EXPECT_EQ(n.stale_markers, 5u);  // counter + 2 buckets + sum + count
  EXPECT_EQ(reg.active_series(), 0u);
  EXPECT_EQ(reg.counts().series_stale, 2u);
  EXPECT_EQ(c->Value(key), -1);

  // Gone: the next collection writes nothing for it.
  sink.Clear();
  reg.Collect(90'000, 89'000, &sink);
  EXPECT_TRUE(sink.series().empty());

  // Back again: a fresh series from 0.
  c->Inc(key, 4, 100'000);
  sink.Clear();
  reg.Collect(105'000, 104'000, &sink);
  EXPECT_EQ(sink.Find(counter)->samples, (std::vector<Sample>{{104'000, 0}, {105'000, 4}}));
}

TEST(MetricRegistry, SeriesThatGoStaleBeforeTheirFirstCollectionWriteNothing) {
  RegistryOptions o;
  o.stale_ms = 1000;
  MetricRegistry reg(o);
  auto* c = reg.NewCounter("x_total", {}, "");
  SeriesKey key;
  key.Set(std::span<const std::string_view>());
  c->Inc(key, 1, 0);
  RecordingSink sink;
  reg.Collect(5000, 4000, &sink);
  EXPECT_TRUE(sink.series().empty());
  EXPECT_EQ(reg.active_series(), 0u);
}

TEST(MetricRegistry, RefusesSeriesBeyondTheLimitAndInvalidUtf8) {
  RegistryOptions o;
  o.max_series = 2;
  MetricRegistry reg(o);
  auto* c = reg.NewCounter("x_total", {"a"}, "");
  SeriesKey k1, k2, k3, bad;
  k1.Set({"1"});
  k2.Set({"2"});
  k3.Set({"3"});
  bad.Set({"\xc3("});
  c->Inc(bad, 1, 0);
  EXPECT_EQ(reg.counts().invalid_utf8, 1u);
  c->Inc(k1, 1, 0);
  c->Inc(k2, 1, 0);
  c->Inc(k3, 1, 0);
  c->Inc(k1, 1, 0);
  EXPECT_EQ(reg.active_series(), 2u);
  EXPECT_EQ(reg.counts().series_limited, 1u);
  EXPECT_EQ(c->Value(k1), 2);
  EXPECT_EQ(c->Value(k3), -1);
  RecordingSink sink;
  reg.Collect(15'000, 14'000, &sink);
  EXPECT_EQ(sink.series().size(), 2u) << sink.Dump();
}

TEST(MetricRegistry, LongLabelValuesAreCut) {
  MetricRegistry reg({});
  auto* c = reg.NewCounter("x_total", {"a"}, "");
  SeriesKey key;
  const std::string long_value(3000, 'x');
  key.Set({long_value});
  c->Inc(key, 1, 0);
  RecordingSink sink;
  reg.Collect(15'000, 14'000, &sink);
  ASSERT_EQ(sink.series().size(), 1u);
  EXPECT_EQ(sink.series().begin()->first.Get("a").size(), kDefaultMaxLabelValueBytes);
}

TEST(SeriesKey, DistinguishesValueBoundaries) {
  SeriesKey a, b;
  a.Set({"ab", "c"});
  b.Set({"a", "bc"});
  EXPECT_NE(a.bytes(), b.bytes());
  SeriesKey c;
  c.Set({"ab", "c"});
  EXPECT_EQ(a.bytes(), c.bytes());
  EXPECT_EQ(a.hash(), c.hash());
}

}  // namespace
}  // namespace loupe::ingest::derive
