#include "ingest/derive/span_metrics.h"

#include <gtest/gtest.h>

#include "ingest/derive/derive_test_util.h"

namespace loupe::ingest::derive {
namespace {

using testing::L;
using testing::RecordingSink;
using testing::SpanSpec;
using testing::TraceBuilder;
using Span = otlp_trace::Span;
using Status = otlp_trace::Status;

class SpanMetricsTest : public ::testing::Test {
 protected:
  void Build(SpanMetricsOptions o = {}) {
    registry_ = std::make_unique<MetricRegistry>(RegistryOptions{});
    sm_ = std::make_unique<SpanMetrics>(o, registry_.get());
  }
  void Consume(const testing::TraceRequest& req, int64_t now_ms = 1000) {
    for (const auto& rs : req.resource_spans()) sm_->Consume(rs, now_ms);
  }
  RecordingSink& Collect(int64_t now_ms = 15'000) {
    sink_.Clear();
    registry_->Collect(now_ms, now_ms - 1000, &sink_);
    return sink_;
  }
  static model::Labels Calls(const char* svc, const char* name, const char* kind,
                             const char* status) {
    return L({{"__name__", "traces_spanmetrics_calls_total"},
              {"service", svc},
              {"span_name", name},
              {"span_kind", kind},
              {"status_code", status}});
  }

  std::unique_ptr<MetricRegistry> registry_;
  std::unique_ptr<SpanMetrics> sm_;
  RecordingSink sink_;
};

TEST_F(SpanMetricsTest, CountsCallsPerServiceNameKindAndStatus) {
  Build();
  TraceBuilder b;
  b.Service("frontend")
      .Add({.trace = 1,
            .span = 1,
            .name = "GET /cart",
            .kind = Span::SPAN_KIND_SERVER,
            .duration_ms = 120})
      .Add({.trace = 1,
            .span = 2,
            .parent = 1,
            .name = "POST /checkout",
            .kind = Span::SPAN_KIND_CLIENT,
            .duration_ms = 90})
      .Add({.trace = 2,
            .span = 3,
            .name = "GET /cart",
            .kind = Span::SPAN_KIND_SERVER,
            .duration_ms = 30,
            .status = Status::STATUS_CODE_ERROR});
  b.Service("checkout")
      .Add({.trace = 1,
            .span = 4,
            .parent = 2,
            .name = "POST /checkout",
            .kind = Span::SPAN_KIND_SERVER,
            .duration_ms = 80,
            .status = Status::STATUS_CODE_OK});
  b.Service("frontend")
      .Add({.trace = 3,
            .span = 5,
            .name = "GET /cart",
            .kind = Span::SPAN_KIND_SERVER,
            .duration_ms = 5});
  Consume(b.request());
  auto& s = Collect();
  EXPECT_EQ(s.Last(Calls("frontend", "GET /cart", "SPAN_KIND_SERVER", "STATUS_CODE_UNSET")), 2)
      << s.Dump("traces_spanmetrics_calls_total");
  EXPECT_EQ(s.Last(Calls("frontend", "GET /cart", "SPAN_KIND_SERVER", "STATUS_CODE_ERROR")), 1);
  EXPECT_EQ(s.Last(Calls("frontend", "POST /checkout", "SPAN_KIND_CLIENT", "STATUS_CODE_UNSET")),
            1);
  EXPECT_EQ(s.Last(Calls("checkout", "POST /checkout", "SPAN_KIND_SERVER", "STATUS_CODE_OK")), 1);
  EXPECT_EQ(s.Names("traces_spanmetrics_calls_total").size(), 4u);
  EXPECT_EQ(s.Names("traces_spanmetrics_size_total").size(), 4u);
  // 14 bounds + Inf per label set.
  EXPECT_EQ(s.Names("traces_spanmetrics_latency_bucket").size(), 4u * 15);
  EXPECT_EQ(s.Names("traces_spanmetrics_latency_count").size(), 4u);
}

TEST_F(SpanMetricsTest, LatencyHistogramUsesTemposDefaultBucketsInSeconds) {
  Build();
  TraceBuilder b;
  b.Service("api");
  const uint64_t durations_ms[] = {1, 3, 3, 100, 20'000};
  uint32_t id = 1;
  for (uint64_t d : durations_ms) {
    b.Add({.trace = id, .span = id, .name = "q", .kind = Span::SPAN_KIND_SERVER, .duration_ms = d});
    ++id;
  }
  Consume(b.request());
  auto& s = Collect();
  auto bucket = [](const char* le) {
    return L({{"__name__", "traces_spanmetrics_latency_bucket"},
              {"service", "api"},
              {"span_name", "q"},
              {"span_kind", "SPAN_KIND_SERVER"},
              {"status_code", "STATUS_CODE_UNSET"},
              {"le", le}});
  };
  const char* bounds[] = {"0.002", "0.004", "0.008", "0.016", "0.032", "0.064", "0.128",
                          "0.256", "0.512", "1.024", "2.048", "4.096", "8.192", "16.384"};
  const double want[] = {1, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4};
  for (int i = 0; i < 14; ++i) {
    EXPECT_EQ(s.Last(bucket(bounds[i])), want[i]) << bounds[i] << "\n" << s.Dump();
  }
  EXPECT_EQ(s.Last(bucket("+Inf")), 5);
  const auto base = bucket("x").Without("le");
  EXPECT_EQ(s.Last(base.With("__name__", "traces_spanmetrics_latency_count")), 5);
  EXPECT_NEAR(s.Last(base.With("__name__", "traces_spanmetrics_latency_sum")), 20.107, 1e-9);
  // Exemplars carry the trace id of the latest span per bucket, under traceID.
  const auto* b0 = s.Find(bucket("0.002"));
  ASSERT_EQ(b0->exemplars.size(), 1u);
  EXPECT_EQ(b0->exemplars[0].labels, L({{"traceID", testing::Hex(testing::TraceId(1)).c_str()}}));
  EXPECT_DOUBLE_EQ(b0->exemplars[0].value, 0.001);
  const auto* b4 = s.Find(bucket("0.004"));
  ASSERT_EQ(b4->exemplars.size(), 1u);
  EXPECT_EQ(b4->exemplars[0].labels.Get("traceID"), testing::Hex(testing::TraceId(3)));
  ASSERT_EQ(s.Find(bucket("+Inf"))->exemplars.size(), 1u);
  EXPECT_EQ(s.Find(bucket("+Inf"))->exemplars[0].labels.Get("traceID"),
            testing::Hex(testing::TraceId(5)));
}

TEST_F(SpanMetricsTest, SizeIsTheEncodedSpanSize) {
  Build();
  TraceBuilder b;
  b.Service("api").Add({.trace = 1,
                        .span = 1,
                        .name = "a",
                        .kind = Span::SPAN_KIND_SERVER,
                        .attrs = {{"http.route", "/x"}}});
  const size_t first = b.last()->ByteSizeLong();
  b.Add({.trace = 1, .span = 2, .name = "a", .kind = Span::SPAN_KIND_SERVER});
  const size_t second = b.last()->ByteSizeLong();
  Consume(b.request());
  auto& s = Collect();
  EXPECT_EQ(s.Last(Calls("api", "a", "SPAN_KIND_SERVER", "STATUS_CODE_UNSET")
                       .With("__name__", "traces_spanmetrics_size_total")),
            static_cast<double>(first + second));
  EXPECT_GT(first, second);
}

TEST_F(SpanMetricsTest, OptionalLabelsAndMissingServiceName) {
  SpanMetricsOptions o;
  o.enable_size = false;
  o.enable_status_message = true;
  o.dimensions = {"http.method", "deployment.environment", "service"};
  Build(o);
  TraceBuilder b;
  b.Service("api", {{"deployment.environment", "prod"}})
      .Add({.trace = 1,
            .span = 1,
            .name = "a",
            .kind = Span::SPAN_KIND_SERVER,
            .status = Status::STATUS_CODE_ERROR,
            .attrs = {{"http.method", "GET"}, {"service", "spoof"}}});
  b.last()->mutable_status()->set_message("boom");
  b.Service("").Add({.trace = 2, .span = 2, .name = "b"});
  Consume(b.request());
  auto& s = Collect();
  EXPECT_EQ(s.Last(L({{"__name__", "traces_spanmetrics_calls_total"},
                      {"service", "api"},
                      {"span_name", "a"},
                      {"span_kind", "SPAN_KIND_SERVER"},
                      {"status_code", "STATUS_CODE_ERROR"},
                      {"status_message", "boom"},
                      {"http_method", "GET"},
                      {"deployment_environment", "prod"},
                      {"__service", "spoof"}})),
            1)
      << s.Dump("traces_spanmetrics_calls_total");
  // No service.name: the service label is absent; unset dimensions are absent too.
  EXPECT_EQ(s.Last(L({{"__name__", "traces_spanmetrics_calls_total"},
                      {"span_name", "b"},
                      {"span_kind", "SPAN_KIND_INTERNAL"},
                      {"status_code", "STATUS_CODE_UNSET"}})),
            1);
  EXPECT_TRUE(s.Names("traces_spanmetrics_size_total").empty());
}

}  // namespace
}  // namespace loupe::ingest::derive
