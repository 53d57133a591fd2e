// Expected series are written from Prometheus's documentation and the prometheusremotewrite
// tests (helper_test.go, metrics_to_prw_test.go, number_data_points_test.go), not from running
// this code.
#include "ingest/otlp/prom_translate.h"

#include <gtest/gtest.h>

#include <cmath>

#include "ingest/otlp/otlp_test_util.h"

namespace loupe::ingest::otlp {
namespace {

using namespace ::loupe::ingest::otlp::testing;  // NOLINT
using storage::model::IsStaleNaN;
using storage::model::MetricType;

constexpr uint64_t kT = 1'500'000'000;  // ns → 1500 ms

const Attrs kResource = {{"service.name", "svc"},
                         {"service.namespace", "ns"},
                         {"service.instance.id", "i-1"},
                         {"host.name", "h"}};

TEST(OtlpTranslateTest, GaugeWithJobInstanceAndTargetInfo) {
  Request req;
  auto* m = AddMetric(NewScope(&req, kResource), "system.memory.usage", "By", "Memory in use.");
  AddNumber(m->mutable_gauge()->mutable_data_points(), 42, kT, {{"state", "used"}});
  const PromTranslation t = TranslateMetrics(req, {});
  EXPECT_EQ(t.rejected_data_points, 0);
  EXPECT_TRUE(t.errors.empty()) << Dump(t);
  ASSERT_EQ(t.series.size(), 2u) << Dump(t);
  EXPECT_SAMPLE(t,
                L({{"__name__", "system_memory_usage_bytes"},
                   {"job", "ns/svc"},
                   {"instance", "i-1"},
                   {"state", "used"}}),
                1500, 42.0);
  EXPECT_SAMPLE(
      t,
      L({{"__name__", "target_info"}, {"job", "ns/svc"}, {"instance", "i-1"}, {"host_name", "h"}}),
      1500, 1.0);
  ASSERT_EQ(t.metadata.size(), 2u);
  EXPECT_EQ(t.metadata[0].family, "system_memory_usage_bytes");
  EXPECT_EQ(t.metadata[0].type, MetricType::kGauge);
  EXPECT_EQ(t.metadata[0].help, "Memory in use.");
  EXPECT_EQ(t.metadata[0].unit, "bytes");
  EXPECT_EQ(t.metadata[1].family, "target_info");
  EXPECT_EQ(t.metadata[1].type, MetricType::kGauge);
}

TEST(OtlpTranslateTest, GaugeUnitOneGetsRatio) {
  Request req;
  auto* m = AddMetric(NewScope(&req, {{"service.name", "svc"}}), "system.cpu.utilization", "1");
  AddNumber(m->mutable_gauge()->mutable_data_points(), 0.25, kT);
  const PromTranslation t = TranslateMetrics(req, {});
  EXPECT_SAMPLE(t, L({{"__name__", "system_cpu_utilization_ratio"}, {"job", "svc"}}), 1500, 0.25);
  EXPECT_EQ(t.series.size(), 1u) << "no target_info without non-identifying attributes";
}

TEST(OtlpTranslateTest, CumulativeMonotonicSumIsCounterWithExemplars) {
  Request req;
  auto* m =
      AddMetric(NewScope(&req, {{"service.name", "svc"}}), "http.server.requests", "{request}");
  auto* sum = m->mutable_sum();
  sum->set_is_monotonic(true);
  sum->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  auto* p = AddNumber(sum->mutable_data_points(), 0, kT, {{"http.route", "/a"}});
  p->set_as_int(17);
  auto* ex = p->add_exemplars();
  ex->set_as_double(0.125);
  ex->set_time_unix_nano(1'200'000'000);
  ex->set_trace_id(
      std::string("\x5b\x8e\xff\xf7\x98\x03\x81\x03\xd2\x69\xb6\x33\x81\x3f\xc6\x0c", 16));
  ex->set_span_id(std::string("\xee\xe1\x9b\x7e\xc3\xc1\xb1\x74", 8));
  SetAttrs(ex->mutable_filtered_attributes(), {{"user.id", "u1"}});

  const PromTranslation t = TranslateMetrics(req, {});
  const Labels want =
      L({{"__name__", "http_server_requests_total"}, {"job", "svc"}, {"http_route", "/a"}});
  EXPECT_SAMPLE(t, want, 1500, 17.0);
  const auto* s = Find(t, want);
  ASSERT_EQ(s->exemplars.size(), 1u);
  EXPECT_EQ(s->exemplars[0].value, 0.125);
  EXPECT_EQ(s->exemplars[0].t, 1200);
  // Exemplar labels are not sanitised (user.id stays as is).
  EXPECT_EQ(s->exemplars[0].labels, L({{"trace_id", "5b8efff798038103d269b633813fc60c"},
                                       {"span_id", "eee19b7ec3c1b174"},
                                       {"user.id", "u1"}}));
  ASSERT_EQ(t.metadata.size(), 1u);
  EXPECT_EQ(t.metadata[0].type, MetricType::kCounter);
  EXPECT_EQ(t.metadata[0].unit, "");
}

TEST(OtlpTranslateTest, ExemplarAttributesDroppedBeyond128Runes) {
  Request req;
  auto* sum = AddMetric(NewScope(&req, {}), "c")->mutable_sum();
  sum->set_is_monotonic(true);
  sum->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  auto* ex = AddNumber(sum->mutable_data_points(), 1, kT)->add_exemplars();
  ex->set_as_int(3);
  ex->set_trace_id(std::string(16, '\x01'));  // trace_id + 32 hex = 40 runes
  ex->set_span_id(std::string(8, '\x02'));    // span_id + 16 hex = 23 runes
  SetAttrs(ex->mutable_filtered_attributes(), {{"k", std::string(65, 'x')}});  // 66 → 129 total
  const PromTranslation t = TranslateMetrics(req, {});
  const auto* s = Find(t, L({{"__name__", "c_total"}}));
  ASSERT_NE(s, nullptr) << Dump(t);
  ASSERT_EQ(s->exemplars.size(), 1u);
  EXPECT_EQ(s->exemplars[0].value, 3.0);
  EXPECT_EQ(s->exemplars[0].labels.size(), 2u);
  EXPECT_FALSE(s->exemplars[0].labels.Has("k"));
}

TEST(OtlpTranslateTest, NonMonotonicSumIsGaugeWithoutTotal) {
  Request req;
  auto* sum = AddMetric(NewScope(&req, {}), "queue.length", "{item}")->mutable_sum();
  sum->set_is_monotonic(false);
  sum->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  AddNumber(sum->mutable_data_points(), -3, kT);
  const PromTranslation t = TranslateMetrics(req, {});
  EXPECT_SAMPLE(t, L({{"__name__", "queue_length"}}), 1500, -3.0);
  EXPECT_EQ(t.metadata[0].type, MetricType::kGauge);
}

TEST(OtlpTranslateTest, DeltaAndUnspecifiedTemporalityRejectedWithoutConverter) {
  Request req;
  auto* sm = NewScope(&req, {{"service.name", "svc"}, {"host.name", "h"}});
  auto* delta = AddMetric(sm, "delta.count")->mutable_sum();
  delta->set_is_monotonic(true);
  delta->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_DELTA);
  AddNumber(delta->mutable_data_points(), 1, kT);
  AddNumber(delta->mutable_data_points(), 2, kT + 1'000'000'000);
  auto* unspecified = AddMetric(sm, "h")->mutable_histogram();
  unspecified->add_data_points()->set_time_unix_nano(kT);
  const PromTranslation t = TranslateMetrics(req, {});
  EXPECT_EQ(t.rejected_data_points, 3);
  ASSERT_EQ(t.errors.size(), 2u);
  EXPECT_EQ(t.errors[0], "invalid temporality and type combination for metric \"delta.count\"");
  EXPECT_EQ(t.errors[1], "invalid temporality and type combination for metric \"h\"");
  EXPECT_EQ(t.ErrorMessage(),
            "invalid temporality and type combination for metric \"delta.count\"; invalid "
            "temporality and type combination for metric \"h\"");
  // Only target_info: Prometheus still writes it for the resource's timestamps.
  ASSERT_EQ(t.series.size(), 1u) << Dump(t);
  EXPECT_EQ(t.series[0].labels.MetricName(), "target_info");
  EXPECT_EQ(t.series[0].samples.size(), 2u);
}

TEST(OtlpTranslateTest, SummaryQuantilesSumAndCount) {
  Request req;
  auto* m = AddMetric(NewScope(&req, {}), "rpc.latency", "ms");
  auto* p = m->mutable_summary()->add_data_points();
  p->set_time_unix_nano(kT);
  p->set_count(10);
  p->set_sum(123.5);
  auto* q = p->add_quantile_values();
  q->set_quantile(0.5);
  q->set_value(11);
  q = p->add_quantile_values();
  q->set_quantile(0.99);
  q->set_value(42);
  const PromTranslation t = TranslateMetrics(req, {});
  EXPECT_SAMPLE(t, L({{"__name__", "rpc_latency_milliseconds_sum"}}), 1500, 123.5);
  EXPECT_SAMPLE(t, L({{"__name__", "rpc_latency_milliseconds_count"}}), 1500, 10.0);
  EXPECT_SAMPLE(t, L({{"__name__", "rpc_latency_milliseconds"}, {"quantile", "0.5"}}), 1500, 11.0);
  EXPECT_SAMPLE(t, L({{"__name__", "rpc_latency_milliseconds"}, {"quantile", "0.99"}}), 1500, 42.0);
  EXPECT_EQ(t.metadata[0].type, MetricType::kSummary);
  EXPECT_EQ(t.metadata[0].unit, "milliseconds");
}

TEST(OtlpTranslateTest, NoRecordedValueBecomesStaleMarker) {
  Request req;
  auto* sm = NewScope(&req, {});
  auto* g = AddMetric(sm, "g")->mutable_gauge();
  AddNumber(g->mutable_data_points(), 5, kT)->set_flags(1);
  auto* s = AddMetric(sm, "s")->mutable_summary()->add_data_points();
  s->set_time_unix_nano(kT);
  s->set_flags(1);
  s->add_quantile_values()->set_quantile(0.5);
  const PromTranslation t = TranslateMetrics(req, {});
  for (const Labels& l :
       {L({{"__name__", "g"}}), L({{"__name__", "s_sum"}}), L({{"__name__", "s_count"}}),
        L({{"__name__", "s"}, {"quantile", "0.5"}})}) {
    const auto* series = Find(t, l);
    ASSERT_NE(series, nullptr) << l.ToString() << Dump(t);
    ASSERT_EQ(series->samples.size(), 1u);
    EXPECT_TRUE(IsStaleNaN(series->samples[0].v)) << l.ToString();
  }
}

TEST(OtlpTranslateTest, LabelSanitisationAndCollisionsJoinWithSemicolon) {
  Request req;
  auto* m = AddMetric(NewScope(&req, {}), "m");
  auto* p = AddNumber(m->mutable_gauge()->mutable_data_points(), 1, kT,
                      {{"foo_bar", "b"},
                       {"foo.bar", "a"},
                       {"123", "digits"},
                       {"_x", "u"},
                       {"__y", "r"},
                       {"", "empty key dropped"},
                       {"empty.value", ""}});
  auto* kv = p->add_attributes();
  kv->set_key("n");
  kv->mutable_value()->set_int_value(7);
  kv = p->add_attributes();
  kv->set_key("d");
  kv->mutable_value()->set_double_value(1.5);
  kv = p->add_attributes();
  kv->set_key("b");
  kv->mutable_value()->set_bool_value(true);
  const PromTranslation t = TranslateMetrics(req, {});
  // "foo.bar" < "foo_bar" in byte order, so its value comes first.
  EXPECT_SAMPLE(t,
                L({{"__name__", "m"},
                   {"foo_bar", "a;b"},
                   {"key_123", "digits"},
                   {"key_x", "u"},
                   {"__y", "r"},
                   {"n", "7"},
                   {"d", "1.5"},
                   {"b", "true"}}),
                1500, 1.0);
}

TEST(OtlpTranslateTest, JobAndInstanceOverrideAttributes) {
  Request req;
  auto* m = AddMetric(NewScope(&req, {{"service.name", "svc"}, {"service.instance.id", "i"}}), "m");
  AddNumber(m->mutable_gauge()->mutable_data_points(), 1, kT,
            {{"job", "attr-job"}, {"instance", "attr-instance"}});
  const PromTranslation t = TranslateMetrics(req, {});
  EXPECT_SAMPLE(t, L({{"__name__", "m"}, {"job", "svc"}, {"instance", "i"}}), 1500, 1.0);
}

TEST(OtlpTranslateTest, NamespaceWithoutServiceNameGivesNoJob) {
  Request req;
  auto* m = AddMetric(NewScope(&req, {{"service.namespace", "ns"}}), "m");
  AddNumber(m->mutable_gauge()->mutable_data_points(), 1, kT);
  const PromTranslation t = TranslateMetrics(req, {});
  EXPECT_SAMPLE(t, L({{"__name__", "m"}}), 1500, 1.0);
}

// The resource and point attributes of Prometheus's TestCreateAttributes.
Request CreateAttributesRequest() {
  Request req;
  auto* sm = NewScope(&req,
                      {{"service.name", "service name"},
                       {"service.instance.id", "service ID"},
                       {"existent-attr", "resource value"},
                       {"metric-attr", "resource value"},
                       {"job", "resource value"},
                       {"instance", "resource value"}},
                      "test-scope");
  sm->mutable_scope()->set_version("1.0.0");
  sm->set_schema_url("https://schema.com");
  SetAttrs(sm->mutable_scope()->mutable_attributes(), {{"attr1", "value1"}, {"attr2", "value2"}});
  auto* m = AddMetric(sm, "test_metric");
  AddNumber(m->mutable_gauge()->mutable_data_points(), 1, kT,
            {{"metric-attr", "metric value"}, {"metric-attr-other", "metric value other"}});
  return req;
}

TEST(OtlpTranslateTest, DefaultsPromoteNothing) {
  const PromTranslation t = TranslateMetrics(CreateAttributesRequest(), {});
  EXPECT_SAMPLE(t,
                L({{"__name__", "test_metric"},
                   {"instance", "service ID"},
                   {"job", "service name"},
                   {"metric_attr", "metric value"},
                   {"metric_attr_other", "metric value other"}}),
                1500, 1.0);
}

TEST(OtlpTranslateTest, ScopePromotion) {
  PromTranslationOptions opts;
  opts.promote_scope_metadata = true;
  const PromTranslation t = TranslateMetrics(CreateAttributesRequest(), opts);
  EXPECT_SAMPLE(t,
                L({{"__name__", "test_metric"},
                   {"instance", "service ID"},
                   {"job", "service name"},
                   {"metric_attr", "metric value"},
                   {"metric_attr_other", "metric value other"},
                   {"otel_scope_name", "test-scope"},
                   {"otel_scope_schema_url", "https://schema.com"},
                   {"otel_scope_version", "1.0.0"},
                   {"otel_scope_attr1", "value1"},
                   {"otel_scope_attr2", "value2"}}),
                1500, 1.0);
}

TEST(OtlpTranslateTest, PromotedResourceAttributesNeverOverrideAttributesOrJob) {
  PromTranslationOptions opts;
  opts.promote_resource_attributes = {"non-existent-attr", "existent-attr", "metric-attr", "job",
                                      "instance",          "existent-attr"};
  const PromTranslation t = TranslateMetrics(CreateAttributesRequest(), opts);
  EXPECT_SAMPLE(t,
                L({{"__name__", "test_metric"},
                   {"instance", "service ID"},
                   {"job", "service name"},
                   {"existent_attr", "resource value"},
                   {"metric_attr", "metric value"},
                   {"metric_attr_other", "metric value other"}}),
                1500, 1.0);
}

TEST(OtlpTranslateTest, PromoteAllResourceAttributesExceptIgnored) {
  PromTranslationOptions opts;
  opts.promote_all_resource_attributes = true;
  opts.ignore_resource_attributes = {"service.instance.id"};
  const PromTranslation t = TranslateMetrics(CreateAttributesRequest(), opts);
  EXPECT_SAMPLE(t,
                L({{"__name__", "test_metric"},
                   {"instance", "service ID"},
                   {"job", "service name"},
                   {"existent_attr", "resource value"},
                   {"metric_attr", "metric value"},
                   {"metric_attr_other", "metric value other"},
                   {"service_name", "service name"}}),
                1500, 1.0);
}

TEST(OtlpTranslateTest, TargetInfoRules) {
  Request req = CreateAttributesRequest();
  PromTranslation t = TranslateMetrics(req, {});
  // Identifying attributes leave target_info; the others (sanitised) stay, job/instance added.
  EXPECT_SAMPLE(t,
                L({{"__name__", "target_info"},
                   {"instance", "service ID"},
                   {"job", "service name"},
                   {"existent_attr", "resource value"},
                   {"metric_attr", "resource value"}}),
                1500, 1.0);

  PromTranslationOptions keep;
  keep.keep_identifying_resource_attributes = true;
  t = TranslateMetrics(req, keep);
  EXPECT_SAMPLE(t,
                L({{"__name__", "target_info"},
                   {"instance", "service ID"},
                   {"job", "service name"},
                   {"existent_attr", "resource value"},
                   {"metric_attr", "resource value"},
                   {"service_name", "service name"},
                   {"service_instance_id", "service ID"}}),
                1500, 1.0);

  PromTranslationOptions off;
  off.disable_target_info = true;
  t = TranslateMetrics(req, off);
  EXPECT_EQ(t.series.size(), 1u);

  PromTranslationOptions ns;
  ns.metric_namespace = "app";
  t = TranslateMetrics(req, ns);
  EXPECT_NE(Find(t, L({{"__name__", "app_target_info"},
                       {"instance", "service ID"},
                       {"job", "service name"},
                       {"existent_attr", "resource value"},
                       {"metric_attr", "resource value"}})),
            nullptr)
      << Dump(t);
  EXPECT_NE(Find(t, L({{"__name__", "app_test_metric"},
                       {"instance", "service ID"},
                       {"job", "service name"},
                       {"metric_attr", "metric value"},
                       {"metric_attr_other", "metric value other"}})),
            nullptr);

  // Without job or instance there is no target_info even with other attributes.
  Request anonymous;
  AddNumber(AddMetric(NewScope(&anonymous, {{"host.name", "h"}}), "m")
                ->mutable_gauge()
                ->mutable_data_points(),
            1, kT);
  t = TranslateMetrics(anonymous, {});
  EXPECT_EQ(t.series.size(), 1u) << Dump(t);
}

TEST(OtlpTranslateTest, TargetInfoSpansTheResourceTimeRange) {
  Request req;
  auto* g = AddMetric(NewScope(&req, {{"service.name", "svc"}, {"host.name", "h"}}), "m")
                ->mutable_gauge();
  AddNumber(g->mutable_data_points(), 1, 400'000'000'000);  // 400 s
  AddNumber(g->mutable_data_points(), 1, 10'000'000'000);   // 10 s
  const PromTranslation t = TranslateMetrics(req, {});
  const auto* ti = Find(t, L({{"__name__", "target_info"}, {"job", "svc"}, {"host_name", "h"}}));
  ASSERT_NE(ti, nullptr) << Dump(t);
  // Every lookback_delta/2 = 150 s from the earliest point, then the latest.
  std::vector<int64_t> times;
  for (const auto& s : ti->samples) times.push_back(s.t);
  EXPECT_EQ(times, (std::vector<int64_t>{10'000, 160'000, 310'000, 400'000}));

  PromTranslationOptions capped;
  capped.max_target_info_samples = 2;
  const PromTranslation c = TranslateMetrics(req, capped);
  const auto* cti = Find(c, L({{"__name__", "target_info"}, {"job", "svc"}, {"host_name", "h"}}));
  ASSERT_NE(cti, nullptr);
  times.clear();
  for (const auto& s : cti->samples) times.push_back(s.t);
  EXPECT_EQ(times, (std::vector<int64_t>{310'000, 400'000}));
}

TEST(OtlpTranslateTest, SameLabelsMergeIntoOneSeries) {
  Request req;
  auto* g = AddMetric(NewScope(&req, {}), "m")->mutable_gauge();
  AddNumber(g->mutable_data_points(), 1, 1'000'000, {{"a", "1"}});
  AddNumber(g->mutable_data_points(), 2, 2'999'999, {{"a", "1"}});
  AddNumber(g->mutable_data_points(), 3, 1'000'000, {{"a", "2"}});
  const PromTranslation t = TranslateMetrics(req, {});
  const auto* s = Find(t, L({{"__name__", "m"}, {"a", "1"}}));
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->samples.size(), 2u);
  EXPECT_EQ(s->samples[0], (storage::model::Sample{1, 1}));
  EXPECT_EQ(s->samples[1], (storage::model::Sample{2, 2}));  // ms truncated
  EXPECT_EQ(t.series.size(), 2u);
}

TEST(OtlpTranslateTest, MetricsWithoutDataOrValidName) {
  Request req;
  auto* sm = NewScope(&req, {});
  AddMetric(sm, "nodata");
  AddMetric(sm, "empty")->mutable_gauge();
  AddNumber(AddMetric(sm, "@#$%")->mutable_gauge()->mutable_data_points(), 1, kT);
  AddNumber(AddMetric(sm, "")->mutable_gauge()->mutable_data_points(), 1, kT);
  const PromTranslation t = TranslateMetrics(req, {});
  EXPECT_TRUE(t.series.empty()) << Dump(t);
  EXPECT_EQ(t.rejected_data_points, 2);
  EXPECT_EQ(t.errors, (std::vector<std::string>{
                          "unsupported metric type for metric \"nodata\"",
                          "empty data points. empty is dropped",
                          "normalization for metric \"@#$%\" resulted in an invalid name",
                          "normalization for metric \"\" resulted in an invalid name"}));
  // Metadata is recorded for a metric even when it has no points, as Prometheus does.
  ASSERT_EQ(t.metadata.size(), 1u);
  EXPECT_EQ(t.metadata[0].family, "empty");
}

TEST(OtlpTranslateTest, GaugeWithoutValueIsZeroAndGaugeExemplarsAreDropped) {
  Request req;
  auto* g = AddMetric(NewScope(&req, {}), "m")->mutable_gauge();
  auto* p = g->add_data_points();
  p->set_time_unix_nano(kT);
  p->add_exemplars()->set_as_double(1);
  const PromTranslation t = TranslateMetrics(req, {});
  EXPECT_SAMPLE(t, L({{"__name__", "m"}}), 1500, 0.0);
  EXPECT_TRUE(t.series[0].exemplars.empty());
}

TEST(OtlpTranslateTest, ErrorMessagesAreDedupedAndCapped) {
  Request req;
  auto* sm = NewScope(&req, {});
  for (int i = 0; i < 15; ++i) {
    auto* s = AddMetric(sm, "d" + std::to_string(i))->mutable_sum();
    s->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_DELTA);
    AddNumber(s->mutable_data_points(), 1, kT);
    AddMetric(sm, "nodata");
  }
  const PromTranslation t = TranslateMetrics(req, {});
  EXPECT_EQ(t.rejected_data_points, 15);
  EXPECT_EQ(t.errors.size(), PromTranslation::kMaxErrors);
  EXPECT_EQ(t.errors_dropped, 6u);  // 15 + 1 distinct messages
  EXPECT_NE(t.ErrorMessage().find("; (and 6 more errors)"), std::string::npos);
}

}  // namespace
}  // namespace loupe::ingest::otlp
