// Macro benchmark of the TraceQL engine over a span store holding --traces realistic traces
// (storage/spanstore's generator: ten shop services, nested server/client/db spans, ~10
// attributes per span). Loads once into --dir (kept with --keep, reused when it exists and
// --reuse is given), reopens the store (cold block cache), then times each query --runs times
// and prints the cold run and the median of the warm runs with CPU time beside them.
// Usage: bench_traceql [--traces N] [--runs N] [--dir PATH] [--reuse] [--keep] [--only TEXT]
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "query/traceql/eval/engine.h"
#include "storage/spanstore/span_gen_test_util.h"
#include "storage/spanstore/span_store.h"

namespace {

namespace ss = loupe::storage::spanstore;
namespace tq = loupe::query::traceql;
using Clock = std::chrono::steady_clock;

double CpuMs() {  // process CPU (the engine may use more than one thread)
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

std::string Uptime() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

struct Figure {
  double ms = 0, cpu = 0;
  size_t results = 0;
  std::string detail;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

ss::SpanStoreOptions Options() {
  ss::SpanStoreOptions o;
  o.max_live_traces = 0;
  o.retention_ns = 0;
  o.retention_bytes = 0;
  o.maintenance_interval_ms = 100;
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t target_traces = 1'000'000;
  int runs = 5;
  bool reuse = false, keep = false;
  std::string only;  // run only the cases whose label contains this
  std::string dir = (std::filesystem::temp_directory_path() / "loupe_bench_traceql").string();
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--traces") && i + 1 < argc) target_traces = std::stoull(argv[++i]);
    if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) runs = std::stoi(argv[++i]);
    if (!std::strcmp(argv[i], "--dir") && i + 1 < argc) dir = argv[++i];
    if (!std::strcmp(argv[i], "--reuse")) reuse = true;
    if (!std::strcmp(argv[i], "--keep")) keep = true;
    if (!std::strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
  }
  const bool load = !(reuse && std::filesystem::exists(dir + "/loaded"));
  int64_t first_ns = 0, last_ns = 0;
  if (load) {
    std::filesystem::remove_all(dir);
    auto kv =
        loupe::storage::kv::RocksStore::Open(dir + "/kv", {}, ss::SpanStore::ColumnFamilies());
    if (!kv.ok()) return std::fprintf(stderr, "%s\n", kv.status().ToString().c_str()), 1;
    auto store = ss::SpanStore::Open(**kv, dir + "/wal", Options());
    if (!store.ok()) return std::fprintf(stderr, "%s\n", store.status().ToString().c_str()), 1;
    ss::testing::SpanGenerator gen(7);
    uint64_t traces = 0, spans = 0;
    const auto t0 = Clock::now();
    while (traces < target_traces) {
      std::vector<ss::otlp::trace::v1::ResourceSpans> by_service;
      for (int i = 0; i < 2000 && traces < target_traces; ++i, ++traces) gen.AddTrace(&by_service);
      for (auto& rs : by_service) {
        if (!rs.has_resource()) continue;
        const auto& all = rs.scope_spans(0).spans();
        for (int b = 0; b < all.size(); b += 512) {
          ss::otlp::trace::v1::ResourceSpans part;
          *part.mutable_resource() = rs.resource();
          auto* sc = part.add_scope_spans();
          *sc->mutable_scope() = rs.scope_spans(0).scope();
          for (int k = b; k < std::min(all.size(), b + 512); ++k) {
            *sc->add_spans() = all[k];
            const int64_t st = static_cast<int64_t>(all[k].start_time_unix_nano());
            if (!first_ns || st < first_ns) first_ns = st;
            last_ns = std::max(last_ns, st);
          }
          auto app = (*store)->NewAppender("bench");
          app->Add(part);
          auto r = app->Commit();
          if (!r.ok() || r->rejected()) return std::fprintf(stderr, "commit failed\n"), 1;
          spans += r->spans_accepted;
        }
      }
    }
    if (auto s = (*store)->FlushHeads(); !s.ok())
      return std::fprintf(stderr, "%s\n", s.ToString().c_str()), 1;
    (void)(*store)->Close();
    std::printf("loaded %llu traces / %llu spans in %.1f s (%llu blocks)\n",
                static_cast<unsigned long long>(traces), static_cast<unsigned long long>(spans),
                std::chrono::duration<double>(Clock::now() - t0).count(),
                static_cast<unsigned long long>((*store)->Stats().blocks));
    std::ofstream(dir + "/loaded") << first_ns << " " << last_ns << "\n";
  } else {
    std::ifstream(dir + "/loaded") >> first_ns >> last_ns;
  }

  // Each query starts on a freshly opened store (empty block cache: its first run decodes
  // the units it reads; RocksDB's own caches and the OS page cache stay as they are).
  auto kv = loupe::storage::kv::RocksStore::Open(dir + "/kv", {}, ss::SpanStore::ColumnFamilies());
  if (!kv.ok()) return std::fprintf(stderr, "%s\n", kv.status().ToString().c_str()), 1;
  auto opts = Options();
  opts.maintenance_interval_ms = 0;
  std::unique_ptr<ss::SpanStore> store;
  auto reopen = [&]() -> bool {
    if (store) (void)store->Close();
    store.reset();
    auto opened = ss::SpanStore::Open(**kv, dir + "/wal", opts);
    if (!opened.ok())
      return std::fprintf(stderr, "%s\n", opened.status().ToString().c_str()), false;
    store = std::move(*opened);
    return true;
  };
  if (!reopen()) return 1;
  std::printf("store: %llu blocks, %llu spans; data range %.0f s; load average %s\n",
              static_cast<unsigned long long>(store->Stats().blocks),
              static_cast<unsigned long long>(store->Stats().block_spans),
              static_cast<double>(last_ns - first_ns) / 1e9, Uptime().c_str());

  struct Case {
    const char* label;
    std::string query;
    uint32_t limit;  // search
    bool metrics;
  };
  const std::vector<Case> cases = {
      {"search limit 20", R"({ resource.service.name = "checkout" && duration > 100ms })", 20,
       false},
      {"search all matches", R"({ resource.service.name = "checkout" && duration > 100ms })",
       2'000'000, false},
      {"search most_recent 20",
       R"({ resource.service.name = "checkout" && duration > 100ms } with(most_recent=true))", 20,
       false},
      {"structural limit 20",
       R"({ resource.service.name = "frontend" } >> { resource.service.name = "payment" && status = error })",
       20, false},
      {"structural all",
       R"({ resource.service.name = "frontend" } >> { resource.service.name = "payment" && status = error })",
       2'000'000, false},
      {"metrics errors by service", R"({ status = error } | rate() by (resource.service.name))", 0,
       true},
      {"metrics p99 checkout",
       R"({ resource.service.name = "checkout" && kind = server } | quantile_over_time(duration, 0.5, 0.99))",
       0, true},
      {"metrics all spans by service", R"({ } | count_over_time() by (resource.service.name))", 0,
       true},
  };
  for (const Case& c : cases) {
    if (!only.empty() && std::string(c.label).find(only) == std::string::npos) continue;
    if (!reopen()) return 1;
    std::vector<double> warm, warm_cpu;
    Figure cold;
    for (int r = 0; r <= runs; ++r) {
      const auto t0 = Clock::now();
      const double c0 = CpuMs();
      size_t results = 0;
      std::string detail;
      if (c.metrics) {
        tq::MetricsRequest req;
        req.query = c.query;
        req.start_ns = first_ns;
        req.end_ns = last_ns + 1;
        auto res = tq::QueryRange(*store, "bench", req);
        if (!res.ok())
          return std::fprintf(stderr, "%s: %s\n", c.label, res.status().ToString().c_str()), 1;
        results = res->series.size();
        detail = std::to_string(res->metrics.inspected_traces) + " traces inspected, step " +
                 std::to_string(res->step_ns / 1'000'000'000) + "s";
      } else {
        tq::SearchRequest req;
        req.query = c.query;
        req.limit = c.limit;
        auto res = tq::Search(*store, "bench", req);
        if (!res.ok())
          return std::fprintf(stderr, "%s: %s\n", c.label, res.status().ToString().c_str()), 1;
        results = res->traces.size();
        detail = std::to_string(res->metrics.inspected_traces) + " traces evaluated, " +
                 std::to_string(res->metrics.inspected_bytes / 1'000'000) + " MB read";
      }
      const double ms = std::chrono::duration<double>(Clock::now() - t0).count() * 1000;
      const double cpu = CpuMs() - c0;
      if (r == 0) {
        cold = {ms, cpu, results, detail};
      } else {
        warm.push_back(ms);
        warm_cpu.push_back(cpu);
      }
    }
    std::printf(
        "%-28s cold %8.1f ms (cpu %7.1f)  warm median %8.1f ms (cpu %7.1f)  %zu results; %s\n",
        c.label, cold.ms, cold.cpu, Median(warm), Median(warm_cpu), cold.results,
        cold.detail.c_str());
  }
  std::printf("target: search over %llu traces <= 500 ms; load average now %s\n",
              static_cast<unsigned long long>(target_traces), Uptime().c_str());
  (void)store->Close();
  store.reset();
  kv->reset();
  if (!keep && !reuse) std::filesystem::remove_all(dir);
  return 0;
}
