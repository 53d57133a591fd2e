// MetricStoreSource: the SeriesSource over loupe's metric store (storage/tsdb) for one tenant.
// Select() asks MetricStore::Select for the matching series with their chunks and returns them
// lazily (SourceSeries::load): the engine decodes each series' chunks to samples within the
// range when it processes that series (corrupt chunks are skipped, as DecodeChunks does).
//
// Thread-safety: as MetricStore (safe for concurrent use); the source holds no mutable state.
// A returned loader owns its chunks and may be called from any one thread.
#pragma once

#include <string>

#include "query/promql/eval/series_source.h"
#include "storage/tsdb/metric_store.h"

namespace loupe::query::promql {

class MetricStoreSource : public SeriesSource {
 public:
  MetricStoreSource(storage::tsdb::MetricStore& store, std::string tenant)
      : store_(store), tenant_(std::move(tenant)) {}

  Result<std::vector<SourceSeries>> Select(const std::vector<storage::model::Matcher>& matchers,
                                           int64_t mint_ms, int64_t maxt_ms) override;

 private:
  storage::tsdb::MetricStore& store_;
  std::string tenant_;
};

}  // namespace loupe::query::promql
