#include "query/promql/eval/metric_store_source.h"

#include <algorithm>

namespace loupe::query::promql {

Result<std::vector<SourceSeries>> MetricStoreSource::Select(
    const std::vector<storage::model::Matcher>& matchers, int64_t mint_ms, int64_t maxt_ms) {
  LOUPE_ASSIGN_OR_RETURN(auto selected,
                         store_.Select(tenant_, matchers, mint_ms, maxt_ms, /*with_chunks=*/true));
  std::vector<SourceSeries> out;
  out.reserve(selected.size());
  for (auto& s : selected) {
    if (s.chunks.empty()) continue;
    SourceSeries series;
    series.labels = std::move(s.labels);
    series.load = [chunks = std::move(s.chunks), mint_ms, maxt_ms](std::vector<storage::model::Sample>* into) {
      storage::tsdb::DecodeChunks(chunks, mint_ms, maxt_ms, into);
    };
    out.push_back(std::move(series));
  }
  std::sort(out.begin(), out.end(),
            [](const SourceSeries& a, const SourceSeries& b) { return a.labels < b.labels; });
  return out;
}

}  // namespace loupe::query::promql
