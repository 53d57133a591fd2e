// promql_bench_data: writes the synthetic dashboard data (dashboard_data.h) as OpenMetrics
// text with timestamps, for `promtool tsdb create-blocks-from openmetrics`, and the dashboard
// queries with --queries (one per line), or loupe's result of query N with --eval N (lines of
// `<labels>\t<t ms>\t<value>`). Used by bench_vs_prometheus.sh.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "query/common/go_format.h"
#include "query/promql/eval/dashboard_data.h"
#include "query/promql/eval/engine.h"
#include "query/promql/eval/memory_series_source.h"

int main(int argc, char** argv) {
  using namespace loupe::query::promql;
  if (argc > 1 && std::strcmp(argv[1], "--queries") == 0) {
    for (const auto& q : DashboardQueries()) std::printf("%s\n", q.c_str());
    return 0;
  }
  if (argc > 2 && std::strcmp(argv[1], "--eval") == 0) {
    MemorySeriesSource src;
    GenerateDashboardData(
        [&](const loupe::storage::model::Labels& l, std::vector<loupe::storage::model::Sample> s) {
          src.Set(l, std::move(s));
        });
    const auto& q = DashboardQueries()[static_cast<size_t>(std::atoi(argv[2]))];
    // Optional shift of the evaluation times (ms), see bench_vs_prometheus.sh.
    const int64_t shift = argc > 3 ? std::atoll(argv[3]) : 0;
    auto r =
        Engine().RangeQuery(src, q, kDashboardStart + shift, kDashboardEnd + shift, kDashboardStep);
    if (!r.ok()) {
      std::fprintf(stderr, "%s\n", r.status().message().c_str());
      return 1;
    }
    for (const auto& s : r->matrix) {
      for (const auto& p : s.points) {
        std::printf("%s\t%lld\t%.17g\n", loupe::query::GoLabelsString(s.metric).c_str(),
                    static_cast<long long>(p.t), p.v);
      }
    }
    return 0;
  }
  std::map<loupe::storage::model::Labels, std::vector<loupe::storage::model::Sample>> all;
  GenerateDashboardData(
      [&](const loupe::storage::model::Labels& l, std::vector<loupe::storage::model::Sample> s) {
        all[l] = std::move(s);
      });
  // OpenMetrics wants the lines of one metric family together: the map is sorted by labels,
  // i.e. by __name__ first.
  for (const auto& [labels, samples] : all) {
    std::string head(labels.MetricName());
    head += '{';
    bool first = true;
    for (const auto& l : labels) {
      if (l.name == "__name__") continue;
      if (!first) head += ',';
      first = false;
      head += l.name + "=\"" + l.value + "\"";
    }
    head += '}';
    for (const auto& s : samples) {
      std::printf("%s %s %lld.%03lld\n", head.c_str(), loupe::query::FormatFloatF(s.v).c_str(),
                  static_cast<long long>(s.t / 1000), static_cast<long long>(s.t % 1000));
    }
  }
  std::printf("# EOF\n");
  return 0;
}
