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
#include <functional>
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
  // Set by sources that hold compressed chunks: `samples` is left empty and load(out) fills
  // `*out` (cleared first) with what `samples` would hold. The engine decodes one series at a
  // time into a reused buffer, so a query over many long series never holds all of them
  // decoded at once. A lazily loaded series may turn out to have no sample in the range.
  std::function<void(std::vector<storage::model::Sample>*)> load;
};

// Moves a lazily loaded series' samples into `samples` (no-op otherwise).
inline void Materialize(SourceSeries* s) {
  if (!s->load) return;
  s->load(&s->samples);
  s->load = nullptr;
}

class SeriesSource {
 public:
  virtual ~SeriesSource() = default;

  // Every series matching all `matchers` with at least one sample in [mint_ms, maxt_ms]
  // (inclusive; lazily loaded series: with data overlapping it), with those samples or a loader
  // for them; series sorted by labels. An error Status is returned to the
  // query's caller as is (storage errors).
  virtual Result<std::vector<SourceSeries>> Select(
      const std::vector<storage::model::Matcher>& matchers, int64_t mint_ms, int64_t maxt_ms) = 0;
};

}  // namespace loupe::query::promql
