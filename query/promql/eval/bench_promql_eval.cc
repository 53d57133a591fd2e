// bench_promql_eval: the PromQL engine on in-memory data, for the two targets in the brief:
//   1. `sum by (job) (rate(x[5m]))` over 1k series x 24h, step 60s (15s scrape): <= 100 ms.
//   2. 20 dashboard queries over 10k series x 2h at step 15s; the anchor is Prometheus 2.42 on
//      the same data (query/promql/eval/bench_vs_prometheus.sh measures that side).
// Each benchmark reports the latency of one query (ms) and the samples it loaded.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "query/promql/eval/dashboard_data.h"
#include "query/promql/eval/engine.h"
#include "query/promql/eval/memory_series_source.h"

namespace loupe::query::promql {
namespace {

using storage::model::Labels;
using storage::model::Sample;

constexpr int64_t kDay = 24 * 3600 * 1000LL;

MemorySeriesSource& OneKSource() {
  static MemorySeriesSource* src = [] {
    auto* s = new MemorySeriesSource();
    std::mt19937_64 rng(42);
    for (int i = 0; i < 1000; ++i) {
      Labels l{{"__name__", "x"},
               {"job", "job" + std::to_string(i % 10)},
               {"instance", "host" + std::to_string(i)}};
      std::vector<Sample> samples;
      double v = 0;
      for (int64_t t = -600000; t <= kDay; t += 15000) {
        v += static_cast<double>(rng() % 100);
        samples.push_back({t, v});
      }
      s->Set(l, std::move(samples));
    }
    return s;
  }();
  return *src;
}

void BM_SumRate1kSeries24h(benchmark::State& state) {
  Engine engine;
  auto& src = OneKSource();
  int64_t peak = 0;
  for (auto _ : state) {
    auto r = engine.RangeQuery(src, "sum by (job) (rate(x[5m]))", 0, kDay, 60000);
    if (!r.ok() || r->matrix.size() != 10) state.SkipWithError("unexpected result");
    peak = r->peak_samples;
    benchmark::DoNotOptimize(r);
  }
  state.counters["peak_samples"] = static_cast<double>(peak);
  state.SetLabel("anchor <= 100 ms");
}
BENCHMARK(BM_SumRate1kSeries24h)->Unit(benchmark::kMillisecond)->MinTime(2.0);

MemorySeriesSource& DashboardSource() {
  static MemorySeriesSource* src = [] {
    auto* s = new MemorySeriesSource();
    GenerateDashboardData(
        [&](const Labels& l, std::vector<Sample> samples) { s->Set(l, std::move(samples)); });
    return s;
  }();
  return *src;
}

void BM_Dashboard10kSeries2h(benchmark::State& state) {
  Engine engine;
  auto& src = DashboardSource();
  const auto& queries = DashboardQueries();
  const std::string& q = queries[static_cast<size_t>(state.range(0))];
  for (auto _ : state) {
    auto r = engine.RangeQuery(src, q, kDashboardStart, kDashboardEnd, kDashboardStep);
    if (!r.ok()) {
      state.SkipWithError(r.status().message().c_str());
      break;
    }
    benchmark::DoNotOptimize(r);
  }
  state.SetLabel(q);
}
BENCHMARK(BM_Dashboard10kSeries2h)->DenseRange(0, 19)->Unit(benchmark::kMillisecond);

void BM_DashboardAll20(benchmark::State& state) {
  Engine engine;
  auto& src = DashboardSource();
  for (auto _ : state) {
    for (const auto& q : DashboardQueries()) {
      auto r = engine.RangeQuery(src, q, kDashboardStart, kDashboardEnd, kDashboardStep);
      benchmark::DoNotOptimize(r);
    }
  }
  state.SetLabel("20 queries; anchor: Prometheus 2.42 on the same data (bench_vs_prometheus.sh)");
}
BENCHMARK(BM_DashboardAll20)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace
}  // namespace loupe::query::promql
