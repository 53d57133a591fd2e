#include "query/promql/eval/memory_series_source.h"

#include <algorithm>

namespace loupe::query::promql {

using storage::model::Labels;
using storage::model::Sample;

void MemorySeriesSource::Add(const Labels& labels, const std::vector<Sample>& samples) {
  auto& dst = series_[labels];
  dst.insert(dst.end(), samples.begin(), samples.end());
  std::stable_sort(dst.begin(), dst.end(),
                   [](const Sample& a, const Sample& b) { return a.t < b.t; });
  // Keep the last sample written for each timestamp.
  std::vector<Sample> dedup;
  dedup.reserve(dst.size());
  for (const Sample& s : dst) {
    if (!dedup.empty() && dedup.back().t == s.t) {
      dedup.back() = s;
    } else {
      dedup.push_back(s);
    }
  }
  dst = std::move(dedup);
}

void MemorySeriesSource::Set(const Labels& labels, std::vector<Sample> samples) {
  series_.erase(labels);
  Add(labels, samples);
}

Result<std::vector<SourceSeries>> MemorySeriesSource::Select(
    const std::vector<storage::model::Matcher>& matchers, int64_t mint_ms, int64_t maxt_ms) {
  std::vector<SourceSeries> out;
  for (const auto& [labels, samples] : series_) {
    bool match = true;
    for (const auto& m : matchers) {
      if (!m.Matches(labels)) {
        match = false;
        break;
      }
    }
    if (!match) continue;
    auto lo = std::lower_bound(samples.begin(), samples.end(), mint_ms,
                               [](const Sample& s, int64_t t) { return s.t < t; });
    auto hi = std::upper_bound(samples.begin(), samples.end(), maxt_ms,
                               [](int64_t t, const Sample& s) { return t < s.t; });
    if (lo >= hi) continue;
    if (lazy_) {
      SourceSeries s{labels, {}, [lo, hi](std::vector<Sample>* into) { into->assign(lo, hi); }};
      out.push_back(std::move(s));
      continue;
    }
    out.push_back(SourceSeries{labels, std::vector<Sample>(lo, hi), nullptr});
  }
  return out;
}

}  // namespace loupe::query::promql
