// bench_logstore: the log store's figures (build with -DLOUPE_BENCHMARKS=ON, Release).
//
//   BM_Push           ingest through Appender::Commit (WAL write included, no fsync): lines/s
//                     and MB/s for ~200-byte JSON lines, 1000 lines per commit over 10 streams
//   BM_CompressionRatio  stored chunk bytes / raw line bytes after ingesting and flushing
//   BM_ScanContains   `|= "needle"` over every stream (rare needle): GB/s of raw line bytes per
//                     core, decompression included (the target is >= 1 GB/s)
//   BM_ScanAll        every entry in time order (the metric-query path): entries/s
//   BM_Replay         Open() of a store whose data is only in the WAL (restart after kill -9)
// The data set: JsonLogGenerator (json_log_generator.h), 70% of lines with a random trace id.
// Sizes are set by LOUPE_LOGSTORE_BENCH_MB (default 300) for the scan data set, the share of
// lines with a trace id by LOUPE_LOGSTORE_BENCH_TRACE_RATIO (default 0.7).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "storage/kv/rocks_store.h"
#include "storage/logstore/json_log_generator.h"
#include "storage/logstore/log_store.h"
#include "tests/testing/temp_dir.h"

namespace loupe::storage::logstore {
namespace {

constexpr int64_t kSec = 1000000000;

struct Env {
  std::unique_ptr<loupe::testing::TempDir> dir;
  std::unique_ptr<kv::RocksStore> kv;
  std::unique_ptr<LogStore> store;
  ManualClock clock{1'700'000'000 * kSec};
  uint64_t raw_line_bytes = 0;
  int64_t next_ts = 1'700'000'000 * kSec - 3000 * kSec;

  explicit Env(const std::string& tag) : dir(std::make_unique<loupe::testing::TempDir>(tag)) {
    Open();
  }
  LogStoreOptions Options() {
    LogStoreOptions o;
    o.clock = &clock;
    o.maintenance_interval_ms = 0;
    o.limits.reject_old_samples = false;
    o.limits.creation_grace_period_ns = INT64_MAX / 2;
    o.retention_ns = 0;
    o.retention_bytes = 0;
    o.checkpoint_wal_bytes = UINT64_MAX;
    return o;
  }
  void Open() {
    kv = std::move(*kv::RocksStore::Open(dir->Sub("db"), {}, LogStore::ColumnFamilies()));
    auto s = LogStore::Open(*kv, dir->Sub("wal"), Options());
    if (!s.ok()) std::abort();
    store = std::move(*s);
  }
  void Close() {
    store.reset();
    kv.reset();
  }

  // Pushes `commits` commits of 1000 lines over 10 streams (100 each).
  void Push(JsonLogGenerator& gen, int commits) {
    static const char* kServices[] = {"checkout",  "payments", "cart",  "auth",    "search",
                                      "inventory", "gateway",  "email", "billing", "ledger"};
    std::vector<std::string> lines(1000);
    for (int c = 0; c < commits; ++c) {
      auto app = store->NewAppender("bench");
      for (int s = 0; s < 10; ++s) {
        app->AddStream(model::Labels{{"service", kServices[s]}, {"env", "dev"}, {"level", "info"}});
        for (int i = 0; i < 100; ++i) {
          next_ts += 1000 + static_cast<int64_t>(gen.Rand() % 2000);
          std::string& l = lines[s * 100 + i];
          l = gen.Next(next_ts);
          raw_line_bytes += l.size();
          app->AddEntry(next_ts, l);
        }
      }
      auto r = app->Commit();
      if (!r.ok() || r->entries_accepted != 1000) std::abort();
      lines_ += 1000;
    }
  }
  uint64_t lines_ = 0;
};

double TraceRatio() {
  const char* v = std::getenv("LOUPE_LOGSTORE_BENCH_TRACE_RATIO");
  return v ? std::strtod(v, nullptr) : 0.7;
}

uint64_t ScanMb() {
  const char* v = std::getenv("LOUPE_LOGSTORE_BENCH_MB");
  return v ? std::strtoull(v, nullptr, 10) : 300;
}

// One data set shared by the scan benchmarks, built on first use.
Env& ScanEnv() {
  static Env* env = [] {
    auto* e = new Env("logbench_scan");
    JsonLogGenerator gen(42, TraceRatio());
    while (e->raw_line_bytes < ScanMb() << 20) e->Push(gen, 10);
    if (!e->store->FlushIdle(true).ok()) std::abort();
    return e;
  }();
  return *env;
}

void BM_Push(benchmark::State& state) {
  Env env("logbench_push");
  JsonLogGenerator gen(1);
  const uint64_t before = env.raw_line_bytes;
  for (auto _ : state) env.Push(gen, 1);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 1000);
  state.SetBytesProcessed(static_cast<int64_t>(env.raw_line_bytes - before));
}
BENCHMARK(BM_Push)->Unit(benchmark::kMillisecond)->MinTime(3);

void BM_CompressionRatio(benchmark::State& state) {
  Env& env = ScanEnv();
  const LogStoreStats st = env.store->GetStats();
  for (auto _ : state) benchmark::DoNotOptimize(st.chunk_bytes_stored);
  state.counters["raw_MB"] = static_cast<double>(env.raw_line_bytes) / (1 << 20);
  state.counters["stored_MB"] = static_cast<double>(st.chunk_bytes_stored) / (1 << 20);
  state.counters["stored_over_raw"] =
      static_cast<double>(st.chunk_bytes_stored) / static_cast<double>(env.raw_line_bytes);
  state.counters["ratio"] =
      static_cast<double>(env.raw_line_bytes) / static_cast<double>(st.chunk_bytes_stored);
  state.counters["avg_line"] =
      static_cast<double>(env.raw_line_bytes) / static_cast<double>(env.lines_);
}
BENCHMARK(BM_CompressionRatio)->Iterations(1);

void Scan(benchmark::State& state, std::shared_ptr<const LineFilter> filter) {
  Env& env = ScanEnv();
  uint64_t matched = 0, blocks = 0;
  for (auto _ : state) {
    SelectRequest req;
    req.filter = filter;
    auto streams = env.store->Select("bench", req);
    if (!streams.ok()) std::abort();
    for (auto& s : *streams) {
      while (s.entries->Next()) {
        benchmark::DoNotOptimize(s.entries->line().data());
        ++matched;
      }
      blocks += s.entries->blocks_read();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * env.raw_line_bytes));
  state.counters["matched_per_scan"] =
      static_cast<double>(matched) / static_cast<double>(state.iterations());
  state.counters["blocks_per_scan"] =
      static_cast<double>(blocks) / static_cast<double>(state.iterations());
  state.counters["entries/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * env.lines_), benchmark::Counter::kIsRate);
}

void BM_ScanContains(benchmark::State& state) {
  auto f = std::make_shared<LineFilter>();
  f->Contains("connection pool exhausted\",\"method\":\"DELETE");
  Scan(state, f);
}
BENCHMARK(BM_ScanContains)->Unit(benchmark::kMillisecond)->MinTime(3)->UseRealTime();

void BM_ScanContainsPredicate(benchmark::State& state) {
  // The same filter as a per-line predicate (what a regex stage costs at minimum).
  auto f = std::make_shared<LineFilter>();
  f->Where([](std::string_view l) {
    return l.find("connection pool exhausted\",\"method\":\"DELETE") != l.npos;
  });
  Scan(state, f);
}
BENCHMARK(BM_ScanContainsPredicate)->Unit(benchmark::kMillisecond)->MinTime(3)->UseRealTime();

void BM_ScanAll(benchmark::State& state) { Scan(state, nullptr); }
BENCHMARK(BM_ScanAll)->Unit(benchmark::kMillisecond)->MinTime(3)->UseRealTime();

void BM_Replay(benchmark::State& state) {
  Env env("logbench_replay");
  JsonLogGenerator gen(9);
  env.Push(gen, static_cast<int>(state.range(0)));
  const uint64_t wal_bytes = env.store->GetStats().wal_bytes;
  for (auto _ : state) {
    env.Close();
    env.Open();
  }
  const LogStoreStats st = env.store->GetStats();
  state.counters["wal_MB"] = static_cast<double>(wal_bytes) / (1 << 20);
  state.counters["entries"] = static_cast<double>(env.lines_);
  state.counters["replay_ms"] = static_cast<double>(st.replay_ms);
  state.counters["entries/s"] =
      static_cast<double>(env.lines_) * 1000.0 / std::max<double>(1, st.replay_ms);
}
BENCHMARK(BM_Replay)->Arg(500)->Unit(benchmark::kMillisecond)->Iterations(2);

}  // namespace
}  // namespace loupe::storage::logstore
