// SeriesSource: what the PromQL engine reads. The engine never talks to RocksDB or the tsdb
// directly; it asks a SeriesSource for the series matching a selector with their raw samples.
//
// Implementations: MemorySeriesSource (memory_series_source.h: tests, promqltest, benchmarks)
// and MetricStoreSource (metric_store_source.h: the real store, per tenant).
//
// Thread-safety: an implementation documents its own; the engine calls Select() from the
// thread that runs the query.
#pragma once

#include <cstdint>
#include <vector>

#include "storage/base/result.h"
#include "storage/model/labels.h"
#include "storage/model/matcher.h"
#include "storage/model/sample.h"

namespace loupe::query::promql {

struct SourceSeries {
  storage::model::Labels labels;
  // Sorted by t, unique timestamps, within the requested [mint, maxt]; staleness markers
  // (storage::model::StaleNaN()) included.
  std::vector<storage::model::Sample> samples;
};

class SeriesSource {
 public:
  virtual ~SeriesSource() = default;

  // Every series matching all `matchers` with at least one sample in [mint_ms, maxt_ms]
  // (inclusive), with those samples; series sorted by labels. An error Status is returned to the
  // query's caller as is (storage errors).
  virtual Result<std::vector<SourceSeries>> Select(
      const std::vector<storage::model::Matcher>& matchers, int64_t mint_ms, int64_t maxt_ms) = 0;
};

}  // namespace loupe::query::promql
