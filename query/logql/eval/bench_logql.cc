// bench_logql: the LogQL engine on realistic JSON service logs (storage/logstore's
// JsonLogGenerator, ~200-byte lines), for the two targets in the brief:
//   1. `{service="x"} |= "needle"` scanning ~500 MB: GB/s on one core (the engine is
//      single-threaded per query). The needle never occurs, so every line is scanned.
//   2. `sum by (level) (count_over_time({service="x"} | json [1m]))` over 1 h of 1M lines,
//      as a range query (step 1m): target <= 1 s.
// Both on the in-memory source, so that the figures are the engine's (filters, JSON parsing,
// aggregation), not the store's decompression. BM_ScanNeedleLogStore repeats (1) on the
// embedded log store (zstd blocks, pushed-down filter) with 100 MB.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "query/logql/eval/engine.h"
#include "query/logql/eval/logstore_source.h"
#include "query/logql/eval/memory_log_source.h"
#include "storage/kv/rocks_store.h"
#include "storage/logstore/json_log_generator.h"

namespace loupe::query::logql {
namespace {

using storage::model::Labels;
constexpr int64_t kSec = 1000000000;

struct Dataset {
  MemoryLogSource source;
  uint64_t bytes = 0;
  uint64_t lines = 0;
};

// `n` lines spread evenly over `span_ns`, all in stream {service="x"}.
Dataset* Generate(uint64_t n, int64_t span_ns) {
  auto* d = new Dataset();
  storage::logstore::JsonLogGenerator gen(7);
  const Labels labels{{"service", "x"}};
  for (uint64_t i = 0; i < n; ++i) {
    const int64_t ts = static_cast<int64_t>(static_cast<double>(i) / static_cast<double>(n) *
                                            static_cast<double>(span_ns));
    MemoryLogSource::Entry e;
    e.ts = ts;
    e.line = gen.Next(ts);
    d->bytes += e.line.size();
    d->source.Append("anonymous", labels, std::move(e));
  }
  d->lines = n;
  return d;
}

Dataset& Scan500MB() {
  static Dataset* d = Generate(2'500'000, 3600 * kSec);
  return *d;
}

Dataset& OneMillionOneHour() {
  static Dataset* d = Generate(1'000'000, 3600 * kSec);
  return *d;
}

void BM_ScanNeedle(benchmark::State& state) {
  Dataset& d = Scan500MB();
  Engine engine(&d.source);
  QueryParams p;
  p.query = R"({service="x"} |= "needle-that-never-occurs")";
  p.start_ns = 0;
  p.end_ns = 3600 * kSec + 1;
  p.limit = 100;
  for (auto _ : state) {
    auto r = engine.Exec(p);
    if (!r.ok() || !r->streams.empty()) state.SkipWithError("unexpected result");
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * d.bytes));
  state.counters["MB"] = static_cast<double>(d.bytes) / 1e6;
  state.counters["lines"] = static_cast<double>(d.lines);
  state.SetLabel("GB/s per core = bytes_per_second / 1e9");
}
BENCHMARK(BM_ScanNeedle)->Unit(benchmark::kMillisecond)->MinTime(3.0);

void BM_ScanRegexNeedle(benchmark::State& state) {
  Dataset& d = Scan500MB();
  Engine engine(&d.source);
  QueryParams p;
  p.query = R"({service="x"} |~ "needle-[0-9]+")";
  p.start_ns = 0;
  p.end_ns = 3600 * kSec + 1;
  for (auto _ : state) {
    auto r = engine.Exec(p);
    if (!r.ok()) state.SkipWithError("unexpected result");
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * d.bytes));
}
BENCHMARK(BM_ScanRegexNeedle)->Unit(benchmark::kMillisecond)->MinTime(3.0);

void BM_SumByLevelCountJson1M(benchmark::State& state) {
  Dataset& d = OneMillionOneHour();
  Engine engine(&d.source);
  QueryParams p;
  p.query = R"(sum by (level) (count_over_time({service="x"} | json [1m])))";
  p.start_ns = 60 * kSec;
  p.end_ns = 3600 * kSec;
  p.step_ns = 60 * kSec;
  for (auto _ : state) {
    auto r = engine.Exec(p);
    if (!r.ok() || r->series.size() != 4) {
      state.SkipWithError(r.ok() ? "unexpected series count" : r.status().message().c_str());
    }
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * d.lines));
  state.SetLabel("target <= 1000 ms");
}
BENCHMARK(BM_SumByLevelCountJson1M)->Unit(benchmark::kMillisecond)->MinTime(3.0);

void BM_JsonLogQueryAllLabels(benchmark::State& state) {
  Dataset& d = OneMillionOneHour();
  Engine engine(&d.source);
  QueryParams p;
  p.query = R"({service="x"} | json | status >= 500)";
  p.start_ns = 0;
  p.end_ns = 3600 * kSec + 1;
  p.limit = 5000;
  for (auto _ : state) {
    auto r = engine.Exec(p);
    if (!r.ok()) state.SkipWithError(r.status().message().c_str());
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_JsonLogQueryAllLabels)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_ScanNeedleLogStore(benchmark::State& state) {
  namespace ls = storage::logstore;
  const std::string dir = "/tmp/bench_logql_store";
  std::filesystem::remove_all(dir);
  auto kv = storage::kv::RocksStore::Open(dir + "/db", {}, ls::LogStore::ColumnFamilies());
  if (!kv.ok()) {
    state.SkipWithError(kv.status().message().c_str());
    return;
  }
  ls::LogStoreOptions opts;
  opts.maintenance_interval_ms = 0;
  opts.retention_ns = 0;
  opts.retention_bytes = 0;
  opts.limits.reject_old_samples = false;
  auto store = ls::LogStore::Open(**kv, dir + "/wal", opts);
  if (!store.ok()) {
    state.SkipWithError(store.status().message().c_str());
    return;
  }
  ls::JsonLogGenerator gen(7);
  const Labels labels{{"service", "x"}};
  const int64_t base = 1'700'000'000 * kSec;
  uint64_t bytes = 0;
  const uint64_t n = 500'000;
  for (uint64_t i = 0; i < n;) {
    auto app = (*store)->NewAppender("anonymous");
    app->AddStream(labels);
    std::vector<std::string> keep;
    keep.reserve(10000);
    for (uint64_t k = 0; k < 10000 && i < n; ++k, ++i) {
      const int64_t ts = base + static_cast<int64_t>(i) * 7200;
      keep.push_back(gen.Next(ts));
      bytes += keep.back().size();
      app->AddEntry(ts, keep.back());
    }
    auto r = app->Commit();
    if (!r.ok() || r->num_rejected() > 0) {
      state.SkipWithError("push failed");
      return;
    }
  }
  (void)(*store)->FlushIdle(true);
  LogStoreSource source(store->get());
  Engine engine(&source);
  QueryParams p;
  p.query = R"({service="x"} |= "needle-that-never-occurs")";
  p.start_ns = base;
  p.end_ns = base + static_cast<int64_t>(n) * 7200 + 1;
  for (auto _ : state) {
    auto r = engine.Exec(p);
    if (!r.ok() || !r->streams.empty()) state.SkipWithError("unexpected result");
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["MB"] = static_cast<double>(bytes) / 1e6;
  store->reset();
  kv->reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_ScanNeedleLogStore)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace
}  // namespace loupe::query::logql
