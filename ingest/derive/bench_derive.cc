// Benchmarks of the metrics-from-traces step (anchor: >= 200k spans/s must not be limited here).
//
// Traffic: traces of 8 spans over three services (frontend -> catalog -> postgres,
// frontend -> cart -> redis, one internal span), 20 routes, ~5 attributes per span, sent as
// collector-style batches of 64 traces (512 spans). Trace ids change on every pass over the
// pool so every edge is new. The clock advances 2 ms per batch (256k spans/s of simulated
// traffic), so root spans' edges expire 10 s later as in production.
//
//   BM_Consume             span metrics + service graphs, one tenant, 1 and 2 threads
//   BM_ConsumeSpanMetrics  span metrics alone
//   BM_ConsumeServiceGraph service graphs alone
//   BM_ConsumeAndCollect   Consume plus a Collect() into a real MetricStore every 1 s of
//                          simulated time (the whole derived-metrics path; 15x more
//                          collections than the default interval, so a conservative figure)
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "ingest/derive/metrics_generator.h"
#include "tests/testing/temp_dir.h"

namespace loupe::ingest::derive {
namespace {

using TraceRequest = MetricsGenerator::TraceRequest;
using Span = otlp_trace::Span;

constexpr int kTracesPerBatch = 64;
constexpr int kBatches = 64;  // pool: 4096 traces, 32768 spans
constexpr int kSpansPerTrace = 8;
constexpr int64_t kBatchAdvanceNs = 2'000'000;
constexpr int64_t kCollectEveryNs = 1'000'000'000;

void Attr(Span* s, const char* k, const std::string& v) {
  auto* kv = s->add_attributes();
  kv->set_key(k);
  kv->mutable_value()->set_string_value(v);
}
void IntAttr(Span* s, const char* k, int64_t v) {
  auto* kv = s->add_attributes();
  kv->set_key(k);
  kv->mutable_value()->set_int_value(v);
}

std::string Id(size_t len, uint64_t a, uint64_t b) {
  std::string id(len, '\0');
  for (size_t i = 0; i < len; ++i) {
    id[i] = static_cast<char>(((i < 8 ? a : b) >> (8 * (i % 8))) & 0xff);
  }
  id[0] |= 1;
  return id;
}

otlp_trace::ScopeSpans* Resource(TraceRequest* req, const char* service) {
  auto* rs = req->add_resource_spans();
  auto* kv = rs->mutable_resource()->add_attributes();
  kv->set_key("service.name");
  kv->mutable_value()->set_string_value(service);
  kv = rs->mutable_resource()->add_attributes();
  kv->set_key("host.name");
  kv->mutable_value()->set_string_value("laptop");
  return rs->add_scope_spans();
}

Span* NewSpan(otlp_trace::ScopeSpans* ss, const std::string& trace, uint64_t span, uint64_t parent,
              std::string name, Span::SpanKind kind, uint64_t start, uint64_t dur) {
  Span* s = ss->add_spans();
  s->set_trace_id(trace);
  s->set_span_id(Id(8, span, 0));
  if (parent != 0) s->set_parent_span_id(Id(8, parent, 0));
  s->set_name(std::move(name));
  s->set_kind(kind);
  s->set_start_time_unix_nano(start);
  s->set_end_time_unix_nano(start + dur);
  return s;
}

std::vector<TraceRequest> MakePool() {
  std::vector<TraceRequest> pool(kBatches);
  uint64_t t = 1'700'000'000'000'000'000ull;
  uint64_t n = 1;
  for (int b = 0; b < kBatches; ++b) {
    TraceRequest& req = pool[b];
    auto* fe = Resource(&req, "frontend");
    auto* cat = Resource(&req, "catalog");
    auto* cart = Resource(&req, "cart");
    for (int i = 0; i < kTracesPerBatch; ++i, t += 1'000'000) {
      const std::string trace = Id(16, n * 7919, n);
      const uint64_t base = n * 16;
      const std::string route = "/product/{id" + std::to_string(n % 20) + "}";
      Span* s = NewSpan(fe, trace, base + 1, 0, "GET " + route, Span::SPAN_KIND_SERVER, t,
                        40'000'000 + n % 13 * 1'000'000);
      Attr(s, "http.request.method", "GET");
      Attr(s, "http.route", route);
      IntAttr(s, "http.response.status_code", n % 50 == 0 ? 500 : 200);
      Attr(s, "url.path", "/product/" + std::to_string(n));
      if (n % 50 == 0) s->mutable_status()->set_code(otlp_trace::Status::STATUS_CODE_ERROR);
      s = NewSpan(fe, trace, base + 2, base + 1, "GET /api/products", Span::SPAN_KIND_CLIENT,
                  t + 1'000'000, 30'000'000);
      Attr(s, "http.request.method", "GET");
      Attr(s, "server.address", "catalog");
      IntAttr(s, "server.port", 8080);
      s = NewSpan(cat, trace, base + 3, base + 2, "GET /api/products", Span::SPAN_KIND_SERVER,
                  t + 2'000'000, 28'000'000);
      Attr(s, "http.request.method", "GET");
      Attr(s, "http.route", "/api/products");
      IntAttr(s, "http.response.status_code", 200);
      s = NewSpan(cat, trace, base + 4, base + 3, "SELECT catalog.products", Span::SPAN_KIND_CLIENT,
                  t + 3'000'000, 5'000'000);
      Attr(s, "db.system", "postgresql");
      Attr(s, "db.name", "catalog");
      Attr(s, "server.address", "postgres");
      Attr(s, "db.statement", "SELECT * FROM products WHERE id = $1");
      s = NewSpan(cat, trace, base + 5, base + 3, "render", Span::SPAN_KIND_INTERNAL, t + 9'000'000,
                  2'000'000);
      Attr(s, "template", "product.html");
      s = NewSpan(fe, trace, base + 6, base + 1, "GET /api/cart", Span::SPAN_KIND_CLIENT,
                  t + 32'000'000, 6'000'000);
      Attr(s, "http.request.method", "GET");
      Attr(s, "server.address", "cart");
      s = NewSpan(cart, trace, base + 7, base + 6, "GET /api/cart", Span::SPAN_KIND_SERVER,
                  t + 33'000'000, 4'000'000);
      Attr(s, "http.request.method", "GET");
      Attr(s, "http.route", "/api/cart");
      s = NewSpan(cart, trace, base + 8, base + 7, "HGETALL", Span::SPAN_KIND_CLIENT,
                  t + 34'000'000, 1'000'000);
      Attr(s, "db.system", "redis");
      Attr(s, "server.address", "redis");
      ++n;
    }
  }
  return pool;
}

// Gives every trace of the pool new ids (bytes 8..11 carry the pass number).
void Renumber(std::vector<TraceRequest>* pool, uint32_t pass) {
  for (auto& req : *pool) {
    for (auto& rs : *req.mutable_resource_spans()) {
      for (auto& ss : *rs.mutable_scope_spans()) {
        for (auto& span : *ss.mutable_spans()) {
          std::string* id = span.mutable_trace_id();
          for (int i = 0; i < 4; ++i) (*id)[8 + i] = static_cast<char>((pass >> (8 * i)) & 0xff);
        }
      }
    }
  }
}

struct Env {
  ::loupe::testing::TempDir dir{"bench_derive"};
  std::unique_ptr<storage::kv::RocksStore> kv;
  std::unique_ptr<storage::tsdb::MetricStore> store;
  Env() {
    storage::tsdb::MetricStoreOptions o;
    o.maintenance_interval_ms = 0;
    o.retention_ms = 0;
    o.retention_bytes = 0;
    kv = std::move(*storage::kv::RocksStore::Open(dir.Sub("kv"), {},
                                                  storage::tsdb::MetricStore::ColumnFamilies()));
    store = std::move(*storage::tsdb::MetricStore::Open(*kv, dir.Sub("wal"), o));
  }
};

void RunConsume(benchmark::State& state, GeneratorOptions o, bool collect) {
  static Env* env = nullptr;
  static MetricsGenerator* gen = nullptr;
  static ManualClock* clock = nullptr;
  if (state.thread_index() == 0) {
    env = new Env();
    clock = new ManualClock(int64_t{1'700'000'000'000} * 1'000'000);
    o.clock = clock;
    o.service_graphs.max_items = 1'000'000;  // hold 10 s of root spans at this rate
    gen = new MetricsGenerator(*env->store, o);
  }
  std::vector<TraceRequest> pool = MakePool();
  uint32_t pass = static_cast<uint32_t>(state.thread_index()) << 24;
  size_t next = 0;
  int64_t next_collect_ns = 0;  // set on the first iteration (after setup by thread 0)
  uint64_t spans = 0;
  for (auto _ : state) {
    if (next_collect_ns == 0) next_collect_ns = clock->NowNanos() + kCollectEveryNs;
    if (next == pool.size()) {
      state.PauseTiming();
      Renumber(&pool, ++pass);
      next = 0;
      state.ResumeTiming();
    }
    gen->Consume("bench", pool[next++]);
    spans += kTracesPerBatch * kSpansPerTrace;
    clock->Advance(kBatchAdvanceNs);
    if (collect && state.thread_index() == 0 && clock->NowNanos() >= next_collect_ns) {
      benchmark::DoNotOptimize(gen->Collect());
      next_collect_ns += kCollectEveryNs;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(spans));
  if (state.thread_index() == 0) {
    const GeneratorStats st = gen->Stats();
    state.counters["series"] = static_cast<double>(st.active_series);
    state.counters["edges_pending"] = static_cast<double>(st.edges_pending);
    state.counters["dropped"] = static_cast<double>(st.spans_dropped);
    state.counters["samples"] = static_cast<double>(st.samples_appended);
    state.counters["collections"] = static_cast<double>(st.collections);
    delete gen;
    delete env;
    delete clock;
  }
}

void BM_Consume(benchmark::State& state) { RunConsume(state, {}, false); }

void BM_ConsumeSpanMetrics(benchmark::State& state) {
  GeneratorOptions o;
  o.service_graphs.enabled = false;
  RunConsume(state, o, false);
}

void BM_ConsumeServiceGraph(benchmark::State& state) {
  GeneratorOptions o;
  o.span_metrics.enabled = false;
  RunConsume(state, o, false);
}

void BM_ConsumeAndCollect(benchmark::State& state) { RunConsume(state, {}, true); }

BENCHMARK(BM_Consume)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_ConsumeSpanMetrics)->UseRealTime();
BENCHMARK(BM_ConsumeServiceGraph)->UseRealTime();
BENCHMARK(BM_ConsumeAndCollect)->UseRealTime()->MinTime(5.0);

}  // namespace
}  // namespace loupe::ingest::derive
