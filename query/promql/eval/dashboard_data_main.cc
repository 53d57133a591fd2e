// promql_bench_data: writes the synthetic dashboard data (dashboard_data.h) as OpenMetrics
// text with timestamps, for `promtool tsdb create-blocks-from openmetrics`, and the dashboard
// queries with --queries (one per line), or loupe's result of query N with --eval N (lines of
// `<labels>\t<t ms>\t<value>`). Used by bench_vs_prometheus.sh.
//
// --remote-write DIR writes the same data as remote-write requests (snappy protobuf, one file
// per 5 minutes of data, in time order) so that loupe and a Prometheus receiver can be loaded
// identically over HTTP (tests/benchmarks/promql_bench.sh). --day DIR writes 1,000 counter
// series `bench_requests_total{job, instance}` over the 24 h after the dashboard data, at 15 s,
// the same way (1 h per file).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "prompb/remote.pb.h"
#include "query/common/go_format.h"
#include "storage/base/compression.h"
#include "query/promql/eval/dashboard_data.h"
#include "query/promql/eval/engine.h"
#include "query/promql/eval/memory_series_source.h"

namespace {

// One remote-write request per time slice [t, t + slice) over all series, written to DIR/NNNNN.
int WriteRemoteWrite(const std::string& dir,
                     const std::vector<std::pair<loupe::storage::model::Labels,
                                                 std::vector<loupe::storage::model::Sample>>>& all,
                     int64_t from, int64_t to, int64_t slice) {
  int n = 0;
  std::vector<size_t> pos(all.size(), 0);
  for (int64_t t = from; t < to; t += slice, ++n) {
    prometheus::WriteRequest req;
    for (size_t i = 0; i < all.size(); ++i) {
      const auto& [labels, samples] = all[i];
      prometheus::TimeSeries* ts = nullptr;
      while (pos[i] < samples.size() && samples[pos[i]].t < t + slice) {
        const auto& smp = samples[pos[i]++];
        if (smp.t < t) continue;
        if (!ts) {
          ts = req.add_timeseries();
          for (const auto& l : labels) {
            auto* pl = ts->add_labels();
            pl->set_name(l.name);
            pl->set_value(l.value);
          }
        }
        auto* ps = ts->add_samples();
        ps->set_timestamp(smp.t);
        ps->set_value(smp.v);
      }
    }
    std::string body;
    if (!loupe::Compress(loupe::Codec::kSnappy, req.SerializeAsString(), &body).ok()) return -1;
    char name[32];
    std::snprintf(name, sizeof(name), "/%05d.bin", n);
    FILE* f = std::fopen((dir + name).c_str(), "wb");
    if (!f) return -1;
    std::fwrite(body.data(), 1, body.size(), f);
    std::fclose(f);
  }
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace loupe::query::promql;
  if (argc > 2 && std::strcmp(argv[1], "--remote-write") == 0) {
    std::vector<std::pair<loupe::storage::model::Labels, std::vector<loupe::storage::model::Sample>>> all;
    GenerateDashboardData(
        [&](const loupe::storage::model::Labels& l, std::vector<loupe::storage::model::Sample> s) {
          all.emplace_back(l, std::move(s));
        });
    int64_t from = INT64_MAX, to = INT64_MIN;
    for (const auto& [l, s] : all) {
      if (!s.empty()) from = std::min(from, s.front().t), to = std::max(to, s.back().t + 1);
    }
    const int n = WriteRemoteWrite(argv[2], all, from, to, 5 * 60 * 1000);
    std::fprintf(stderr, "%zu series, %d requests\n", all.size(), n);
    return n < 0 ? 1 : 0;
  }
  if (argc > 2 && std::strcmp(argv[1], "--day") == 0) {
    std::vector<std::pair<loupe::storage::model::Labels, std::vector<loupe::storage::model::Sample>>> all;
    // After the dashboard data, so that loading both in time order suits a TSDB head.
    const int64_t start = kDashboardEnd, end = start + 24 * 3600 * 1000LL;
    for (int i = 0; i < 1000; ++i) {
      loupe::storage::model::LabelsBuilder b;
      b.Set("__name__", "bench_requests_total");
      b.Set("job", "job-" + std::to_string(i % 10));
      b.Set("instance", "host-" + std::to_string(i) + ":9100");
      std::vector<loupe::storage::model::Sample> samples;
      double v = 1000.0 * i;
      for (int64_t t = start; t < end; t += kDashboardScrape) {
        v += static_cast<double>((i * 7 + t / kDashboardScrape * 13) % 23);
        samples.push_back({t, v});
      }
      all.emplace_back(b.Build(), std::move(samples));
    }
    const int n = WriteRemoteWrite(argv[2], all, start, end, 3600 * 1000);
    std::fprintf(stderr, "%zu series, %d requests\n", all.size(), n);
    return n < 0 ? 1 : 0;
  }
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
