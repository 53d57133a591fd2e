// End to end: OTLP traces in, series in a real MetricStore out, checked the way Grafana reads
// them (increase()/rate() over the counters, exemplars, metadata, staleness).
#include "ingest/derive/metrics_generator.h"

#include <gtest/gtest.h>

#include <thread>

#include "ingest/derive/derive_test_util.h"
#include "tests/testing/temp_dir.h"

namespace loupe::ingest::derive {
namespace {

using storage::tsdb::MetricStore;
using testing::L;
using testing::PromIncrease;
using testing::TraceBuilder;
using Span = otlp_trace::Span;
using Status = otlp_trace::Status;

constexpr int64_t kStartMs = 1'700'000'000'000;

class MetricsGeneratorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::tsdb::MetricStoreOptions o;
    o.retention_ms = 0;
    o.retention_bytes = 0;
    o.maintenance_interval_ms = 0;
    o.clock = &clock_;
    auto kv = storage::kv::RocksStore::Open(dir_.Sub("kv"), {}, MetricStore::ColumnFamilies());
    ASSERT_TRUE(kv.ok()) << kv.status();
    kv_ = std::move(*kv);
    auto s = MetricStore::Open(*kv_, dir_.Sub("wal"), o);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
  }
  void TearDown() override {
    gen_.reset();
    store_.reset();
    kv_.reset();
  }
  void Build(GeneratorOptions o = {}) {
    o.clock = &clock_;
    gen_ = std::make_unique<MetricsGenerator>(*store_, o);
  }
  void At(int64_t ms) { clock_.Set(ms * 1'000'000); }

  // Every sample (staleness markers included) of the one series matching `labels` exactly.
  std::vector<model::Sample> Samples(const model::Labels& labels,
                                     std::string_view tenant = "anonymous") {
    std::vector<model::Matcher> ms;
    for (const auto& l : labels) {
      ms.push_back(*model::Matcher::Create(model::MatchType::kEqual, l.name, l.value));
    }
    auto sel = store_->Select(tenant, ms, INT64_MIN, INT64_MAX, true);
    EXPECT_TRUE(sel.ok()) << sel.status();
    std::vector<model::Sample> out;
    if (!sel.ok()) return out;
    for (const auto& s : *sel) {
      if (s.labels != labels) continue;
      storage::tsdb::DecodeChunks(s.chunks, INT64_MIN, INT64_MAX, &out);
    }
    return out;
  }
  std::string SeriesDump(std::string_view name, std::string_view tenant = "anonymous") {
    auto sel = store_->Select(
        tenant, {*model::Matcher::Create(model::MatchType::kEqual, "__name__", std::string(name))},
        INT64_MIN, INT64_MAX, false);
    std::string out;
    if (sel.ok()) {
      for (const auto& s : *sel) out += s.labels.ToString() + "\n";
    }
    return out;
  }

  // One request per service, as each service's exporter would send it: `n` calls
  // frontend -> checkout (every `fail_every`-th failing on the server), each checkout server
  // span also querying postgres.
  void SendCalls(uint32_t first_trace, int n, int fail_every = 0,
                 std::string_view tenant = "anonymous") {
    TraceBuilder fe, co;
    fe.Service("frontend");
    co.Service("checkout");
    for (int i = 0; i < n; ++i) {
      const uint32_t t = first_trace + static_cast<uint32_t>(i);
      const bool fail = fail_every > 0 && i % fail_every == 0;
      fe.Add({.trace = t,
              .span = 1,
              .name = "GET /cart",
              .kind = Span::SPAN_KIND_SERVER,
              .duration_ms = 300});
      fe.Add({.trace = t,
              .span = 2,
              .parent = 1,
              .name = "POST /checkout",
              .kind = Span::SPAN_KIND_CLIENT,
              .duration_ms = 250,
              .status = fail ? Status::STATUS_CODE_ERROR : Status::STATUS_CODE_UNSET});
      co.Add({.trace = t,
              .span = 3,
              .parent = 2,
              .name = "POST /checkout",
              .kind = Span::SPAN_KIND_SERVER,
              .duration_ms = 150,
              .status = fail ? Status::STATUS_CODE_ERROR : Status::STATUS_CODE_OK});
      co.Add({.trace = t,
              .span = 4,
              .parent = 3,
              .name = "SELECT orders",
              .kind = Span::SPAN_KIND_CLIENT,
              .duration_ms = 20,
              .attrs = {{"db.system", "postgresql"}, {"db.name", "orders"}}});
    }
    gen_->Consume(tenant, co.request());  // the server half first, as exporters often do
    gen_->Consume(tenant, fe.request());
  }

  ::loupe::testing::TempDir dir_{"derive"};
  ManualClock clock_{kStartMs * 1'000'000};
  std::unique_ptr<storage::kv::RocksStore> kv_;
  std::unique_ptr<MetricStore> store_;
  std::unique_ptr<MetricsGenerator> gen_;
};

TEST_F(MetricsGeneratorTest, ServiceGraphCountersReadBackAsGrafanaQueriesThem) {
  Build();
  At(kStartMs + 1000);
  SendCalls(1, 5, /*fail_every=*/5);  // 1 failure
  ASSERT_TRUE(gen_->Collect(kStartMs + 15'000).ok());
  At(kStartMs + 20'000);
  SendCalls(100, 7, /*fail_every=*/3);  // 3 failures
  ASSERT_TRUE(gen_->Collect(kStartMs + 30'000).ok());

  const auto total = L({{"__name__", "traces_service_graph_request_total"},
                        {"client", "frontend"},
                        {"server", "checkout"}});
  const auto samples = Samples(total);
  ASSERT_EQ(samples, (std::vector<model::Sample>{
                         {kStartMs + 14'000, 0}, {kStartMs + 15'000, 5}, {kStartMs + 30'000, 12}}))
      << SeriesDump("traces_service_graph_request_total");
  // increase(traces_service_graph_request_total{client="frontend",server="checkout"}[20s]) at
  // the last collection: exactly the 12 calls (the zero start anchors the extrapolation), and
  // rate() is that over 20 s.
  const int64_t now = kStartMs + 30'000;
  EXPECT_DOUBLE_EQ(PromIncrease(samples, now, 20'000), 12);
  EXPECT_DOUBLE_EQ(PromIncrease(samples, now, 20'000) / 20, 0.6);
  // Over the second interval only: the 7 new calls (Prometheus extrapolates to the window).
  EXPECT_DOUBLE_EQ(PromIncrease(samples, now, 15'001), 7 * (15.0 + 0.001) / 15.0);

  const auto failed = Samples(total.With("__name__", "traces_service_graph_request_failed_total"));
  EXPECT_DOUBLE_EQ(PromIncrease(failed, now, 20'000), 4);

  // Edge latency as Grafana's service map computes it: the rate of
  // traces_service_graph_request_server_seconds_sum over the rate of request_total.
  const auto server_sum =
      Samples(total.With("__name__", "traces_service_graph_request_server_seconds_sum"));
  EXPECT_NEAR(PromIncrease(server_sum, now, 20'000) / PromIncrease(samples, now, 20'000), 0.15,
              1e-9);
  const auto server_count =
      Samples(total.With("__name__", "traces_service_graph_request_server_seconds_count"));
  EXPECT_DOUBLE_EQ(PromIncrease(server_count, now, 20'000), 12);
  // histogram_quantile over the buckets: every call took 150 ms, so all 12 sit in le="0.2".
  const auto bucket = total.With("__name__", "traces_service_graph_request_server_seconds_bucket");
  EXPECT_DOUBLE_EQ(PromIncrease(Samples(bucket.With("le", "0.1")), now, 20'000), 0);
  EXPECT_DOUBLE_EQ(PromIncrease(Samples(bucket.With("le", "0.2")), now, 20'000), 12);

  // The database edge and the "user" edge (after the 10 s wait of the root spans).
  const auto db = L({{"__name__", "traces_service_graph_request_total"},
                     {"client", "checkout"},
                     {"server", "orders"},
                     {"connection_type", "database"}});
  EXPECT_DOUBLE_EQ(PromIncrease(Samples(db), now, 20'000), 12);
  const auto user = L({{"__name__", "traces_service_graph_request_total"},
                       {"client", "user"},
                       {"server", "frontend"},
                       {"connection_type", "virtual_node"}});
  // The first 5 root spans (at +1 s) expired by +15 s? No: 1 s + 10 s = 11 s <= 15 s, so yes;
  // the 7 at +20 s expire at +30 s.
  EXPECT_EQ(Samples(user).back().v, 12) << SeriesDump("traces_service_graph_request_total");
}

TEST_F(MetricsGeneratorTest, SpanMetricsExemplarsAndMetadataReachTheStore) {
  Build();
  At(kStartMs + 1000);
  SendCalls(1, 4, /*fail_every=*/2);  // traces 1 and 3 fail
  ASSERT_TRUE(gen_->Collect(kStartMs + 15'000).ok());
  const int64_t now = kStartMs + 15'000;

  // Grafana's APM table: sum by (span_name) (rate(traces_spanmetrics_calls_total{
  //   span_kind="SPAN_KIND_SERVER", status_code="STATUS_CODE_ERROR"}[...])).
  const auto errors = L({{"__name__", "traces_spanmetrics_calls_total"},
                         {"service", "checkout"},
                         {"span_name", "POST /checkout"},
                         {"span_kind", "SPAN_KIND_SERVER"},
                         {"status_code", "STATUS_CODE_ERROR"}});
  EXPECT_DOUBLE_EQ(PromIncrease(Samples(errors), now, 5000), 2)
      << SeriesDump("traces_spanmetrics_calls_total");
  EXPECT_DOUBLE_EQ(PromIncrease(Samples(errors.With("status_code", "STATUS_CODE_OK")), now, 5000),
                   2);
  const auto latency_count = L({{"__name__", "traces_spanmetrics_latency_count"},
                                {"service", "frontend"},
                                {"span_name", "GET /cart"},
                                {"span_kind", "SPAN_KIND_SERVER"},
                                {"status_code", "STATUS_CODE_UNSET"}});
  EXPECT_DOUBLE_EQ(PromIncrease(Samples(latency_count), now, 5000), 4);

  // Exemplars on the latency buckets point at traces, under traceID.
  auto ex = store_->Exemplars(
      "anonymous",
      {*model::Matcher::Create(model::MatchType::kEqual, "__name__",
                               "traces_spanmetrics_latency_bucket"),
       *model::Matcher::Create(model::MatchType::kEqual, "service", "frontend"),
       *model::Matcher::Create(model::MatchType::kEqual, "span_name", "GET /cart")},
      INT64_MIN, INT64_MAX);
  ASSERT_TRUE(ex.ok()) << ex.status();
  ASSERT_EQ(ex->size(), 1u);  // 300 ms: all in the le="0.512" bucket
  EXPECT_EQ((*ex)[0].labels.Get("le"), "0.512");
  ASSERT_EQ((*ex)[0].exemplars.size(), 1u);
  EXPECT_EQ((*ex)[0].exemplars[0].labels,
            L({{"traceID", testing::Hex(testing::TraceId(4)).c_str()}}));
  EXPECT_DOUBLE_EQ((*ex)[0].exemplars[0].value, 0.3);
  EXPECT_EQ((*ex)[0].exemplars[0].t, now);

  auto md = store_->Metadata("anonymous");
  ASSERT_EQ(md.count("traces_spanmetrics_latency"), 1u);
  EXPECT_EQ(md["traces_spanmetrics_latency"].type, model::MetricType::kHistogram);
  ASSERT_EQ(md.count("traces_service_graph_request_total"), 1u);
  EXPECT_EQ(md["traces_service_graph_request_total"].type, model::MetricType::kCounter);
}

TEST_F(MetricsGeneratorTest, StaleSeriesEndWithAStalenessMarker) {
  GeneratorOptions o;
  o.stale_duration_ms = 60'000;
  Build(o);
  At(kStartMs + 1000);
  SendCalls(1, 1);
  ASSERT_TRUE(gen_->Collect(kStartMs + 15'000).ok());
  EXPECT_GT(gen_->Stats().active_series, 0u);
  for (int64_t t = 30'000; t <= 75'000; t += 15'000) ASSERT_TRUE(gen_->Collect(kStartMs + t).ok());
  const auto calls = L({{"__name__", "traces_spanmetrics_calls_total"},
                        {"service", "frontend"},
                        {"span_name", "GET /cart"},
                        {"span_kind", "SPAN_KIND_SERVER"},
                        {"status_code", "STATUS_CODE_UNSET"}});
  auto s = Samples(calls);
  ASSERT_EQ(s.size(), 6u);  // zero start, 15 .. 60 s, then the marker at 75 s
  EXPECT_EQ(s[4], (model::Sample{kStartMs + 60'000, 1}));
  EXPECT_EQ(s[5].t, kStartMs + 75'000);
  EXPECT_TRUE(model::IsStaleNaN(s[5].v));
  // The user edge completed at +15 s (when the root span's wait ended), so it lasts one more
  // collection.
  EXPECT_GT(gen_->Stats().active_series, 0u);
  ASSERT_TRUE(gen_->Collect(kStartMs + 90'000).ok());
  EXPECT_EQ(gen_->Stats().active_series, 0u);
  EXPECT_EQ(Samples(calls).size(), 6u);  // nothing more once gone
  const auto user = L({{"__name__", "traces_service_graph_request_total"},
                       {"client", "user"},
                       {"server", "frontend"},
                       {"connection_type", "virtual_node"}});
  EXPECT_TRUE(model::IsStaleNaN(Samples(user).back().v));

  // Traffic again: a fresh series that starts from zero after the marker.
  At(kStartMs + 100'000);
  SendCalls(50, 2);
  ASSERT_TRUE(gen_->Collect(kStartMs + 105'000).ok());
  s = Samples(calls);
  ASSERT_EQ(s.size(), 8u);
  EXPECT_EQ(s[6], (model::Sample{kStartMs + 104'000, 0}));
  EXPECT_EQ(s[7], (model::Sample{kStartMs + 105'000, 2}));
  EXPECT_EQ(gen_->Stats().samples_rejected, 0u);
}

TEST_F(MetricsGeneratorTest, ConcurrentConsumersLoseNothing) {
  Build();
  At(kStartMs + 1000);
  constexpr int kThreads = 4, kRequests = 50, kCalls = 10;
  std::vector<std::thread> threads;
  for (int th = 0; th < kThreads; ++th) {
    threads.emplace_back([&, th] {
      for (int r = 0; r < kRequests; ++r) {
        SendCalls(static_cast<uint32_t>((th * kRequests + r) * kCalls + 1), kCalls, 0,
                  th % 2 == 0 ? "anonymous" : "team-b");
      }
    });
  }
  // A collection racing the consumers must not corrupt anything.
  ASSERT_TRUE(gen_->Collect(kStartMs + 1500).ok());
  for (auto& t : threads) t.join();
  ASSERT_TRUE(gen_->Collect(kStartMs + 15'000).ok());
  const auto total = L({{"__name__", "traces_service_graph_request_total"},
                        {"client", "frontend"},
                        {"server", "checkout"}});
  const double per_tenant = kThreads / 2 * kRequests * kCalls;
  EXPECT_EQ(Samples(total, "anonymous").back().v, per_tenant);
  EXPECT_EQ(Samples(total, "team-b").back().v, per_tenant);
  const GeneratorStats st = gen_->Stats();
  EXPECT_EQ(st.spans, static_cast<uint64_t>(kThreads * kRequests * kCalls * 4));
  EXPECT_EQ(st.requests, static_cast<uint64_t>(kThreads * kRequests * 2));
  EXPECT_EQ(st.spans_dropped, 0u);
  EXPECT_EQ(st.samples_rejected, 0u);
}

TEST_F(MetricsGeneratorTest, TenantsAreSeparate) {
  Build();
  At(kStartMs + 1000);
  SendCalls(1, 3, 0, "a");
  SendCalls(1, 2, 0, "b");  // the same trace ids in another tenant do not pair across
  ASSERT_TRUE(gen_->Collect(kStartMs + 15'000).ok());
  const auto total = L({{"__name__", "traces_service_graph_request_total"},
                        {"client", "frontend"},
                        {"server", "checkout"}});
  EXPECT_EQ(Samples(total, "a").back().v, 3);
  EXPECT_EQ(Samples(total, "b").back().v, 2);
  EXPECT_TRUE(Samples(total, "anonymous").empty());
}

TEST_F(MetricsGeneratorTest, DisabledProcessorsWriteNothing) {
  GeneratorOptions o;
  o.span_metrics.enabled = false;
  Build(o);
  At(kStartMs + 1000);
  SendCalls(1, 1);
  ASSERT_TRUE(gen_->Collect(kStartMs + 15'000).ok());
  EXPECT_TRUE(SeriesDump("traces_spanmetrics_calls_total").empty());
  EXPECT_FALSE(SeriesDump("traces_service_graph_request_total").empty());
  EXPECT_EQ(gen_->collection_interval_ms(), 15'000);
}

}  // namespace
}  // namespace loupe::ingest::derive
