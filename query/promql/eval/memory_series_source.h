// MemorySeriesSource: an in-memory SeriesSource for tests, the promqltest runner and
// benchmarks. Series are kept sorted by labels; Select() scans them all (no index), applying
// every matcher, and copies the samples within the requested range.
//
// Thread-safety: concurrent Select() calls are safe once loading is done; Add/Clear need
// external synchronisation.
#pragma once

#include <map>
#include <vector>

#include "query/promql/eval/series_source.h"

namespace loupe::query::promql {

class MemorySeriesSource : public SeriesSource {
 public:
  // Appends samples to the series with these labels (creating it). Samples need not be in
  // order; a sample at an existing timestamp replaces the old one.
  void Add(const storage::model::Labels& labels,
           const std::vector<storage::model::Sample>& samples);
  // Replaces all samples of the series.
  void Set(const storage::model::Labels& labels, std::vector<storage::model::Sample> samples);
  void Clear() { series_.clear(); }
  // Lazy: Select() returns loaders (SourceSeries::load) instead of samples, as the metric
  // store's source does, so tests run the engine's streaming path. Loaders read the series in
  // place: call them before the next Add/Set/Clear.
  void set_lazy(bool lazy) { lazy_ = lazy; }
  size_t num_series() const { return series_.size(); }
  const std::map<storage::model::Labels, std::vector<storage::model::Sample>>& series() const {
    return series_;
  }

  Result<std::vector<SourceSeries>> Select(const std::vector<storage::model::Matcher>& matchers,
                                           int64_t mint_ms, int64_t maxt_ms) override;

 private:
  std::map<storage::model::Labels, std::vector<storage::model::Sample>> series_;
  bool lazy_ = false;
};

}  // namespace loupe::query::promql
