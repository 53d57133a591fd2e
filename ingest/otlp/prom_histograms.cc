// Histogram, exponential histogram and summary data points → Prometheus series.
#include <algorithm>
#include <cmath>
#include <limits>

#include "ingest/otlp/codec_util.h"
#include "ingest/otlp/prom_translate_internal.h"

namespace loupe::ingest::otlp::prom_internal {
namespace {

using storage::model::StaleNaN;

// Prometheus's native histograms support schemas -4..8; OTel scales map onto them.
constexpr int32_t kMinScale = -4;
constexpr int32_t kMaxScale = 8;

// base^exponent for base = 2^(2^-scale), i.e. 2^(exponent * 2^-scale).
double ExpBase(int64_t exponent, int32_t scale) {
  const double e = std::ldexp(static_cast<double>(exponent), -scale);
  if (e > 2000) return std::numeric_limits<double>::infinity();
  if (e < -2000) return 0;
  return std::exp2(e);
}

struct ExpBucketsView {
  int64_t offset = 0;
  std::vector<uint64_t> counts;
};

// index → floor(index / 2^by), summing merged buckets.
void DownscaleBy(ExpBucketsView* b, int by) {
  if (by <= 0 || b->counts.empty()) return;
  by = std::min(by, 62);
  const int64_t first = b->offset >> by;
  const int64_t last = (b->offset + static_cast<int64_t>(b->counts.size()) - 1) >> by;
  std::vector<uint64_t> merged(static_cast<size_t>(last - first + 1), 0);
  for (size_t i = 0; i < b->counts.size(); ++i) {
    merged[static_cast<size_t>(((b->offset + static_cast<int64_t>(i)) >> by) - first)] +=
        b->counts[i];
  }
  b->offset = first;
  b->counts = std::move(merged);
}

ExpBucketsView View(const metrics::ExponentialHistogramDataPoint::Buckets& b) {
  ExpBucketsView v;
  v.offset = b.offset();
  v.counts.assign(b.bucket_counts().begin(), b.bucket_counts().end());
  return v;
}

}  // namespace

void Translator::HistogramPoints(const metrics::Metric& m, const std::string& name, bool delta,
                                 const ResourceContext& rc, const ScopeContext& sc,
                                 const StreamKey& mkey) {
  metrics::HistogramDataPoint cumulative;
  const std::string bucket_name = name + "_bucket";
  for (const auto& in : m.histogram().data_points()) {
    const metrics::HistogramDataPoint* pt = &in;
    if (delta) {
      const StreamKey key =
          CombineStreamKeys({rc.key, sc.key, mkey, HashAttributes(in.attributes())});
      Status s = delta_->Accumulate(key, m.name(), in, &cumulative);
      if (!s.ok()) {
        Reject(1, s.message());
        continue;
      }
      pt = &cumulative;
    }
    const int64_t t = PointMillis(pt->time_unix_nano());
    const bool stale = (pt->flags() & kNoRecordedValueFlag) != 0;
    const std::vector<Label> base = BaseLabels(rc, &sc, pt->attributes());
    if (pt->has_sum()) {
      sink_.AddSample(sink_.Get(Finish(base, name + "_sum")), t, stale ? StaleNaN() : pt->sum());
    }
    sink_.AddSample(sink_.Get(Finish(base, name + "_count")), t,
                    stale ? StaleNaN() : static_cast<double>(pt->count()));
    std::vector<std::pair<double, size_t>> buckets;
    uint64_t cumulative_count = 0;
    const int n = std::min(pt->explicit_bounds_size(), pt->bucket_counts_size());
    for (int i = 0; i < n; ++i) {
      const double bound = pt->explicit_bounds(i);
      cumulative_count += pt->bucket_counts(i);
      const size_t series = sink_.Get(Finish(base, bucket_name, "le", FormatFloatFixed(bound)));
      sink_.AddSample(series, t, stale ? StaleNaN() : static_cast<double>(cumulative_count));
      buckets.emplace_back(bound, series);
    }
    const size_t inf = sink_.Get(Finish(base, bucket_name, "le", "+Inf"));
    sink_.AddSample(inf, t, stale ? StaleNaN() : static_cast<double>(pt->count()));
    buckets.emplace_back(std::numeric_limits<double>::infinity(), inf);
    AttachExemplars(pt->exemplars(), std::move(buckets), m.name());
  }
}

void Translator::ExpHistogramPoints(const metrics::Metric& m, const std::string& name, bool delta,
                                    const ResourceContext& rc, const ScopeContext& sc,
                                    const StreamKey& mkey) {
  metrics::ExponentialHistogramDataPoint cumulative;
  const std::string bucket_name = name + "_bucket";
  // Two is the floor: buckets -1 and 0 never merge by halving.
  const int64_t max_buckets = std::max(options_.max_exponential_buckets, 2);
  for (const auto& in : m.exponential_histogram().data_points()) {
    if (in.scale() < kMinScale) {
      Reject(1, "cannot convert exponential to native histogram. Scale must be >= -4, was " +
                    std::to_string(in.scale()));
      continue;
    }
    const metrics::ExponentialHistogramDataPoint* pt = &in;
    if (delta) {
      const StreamKey key =
          CombineStreamKeys({rc.key, sc.key, mkey, HashAttributes(in.attributes())});
      Status s = delta_->Accumulate(key, m.name(), in, &cumulative);
      if (!s.ok()) {
        Reject(1, s.message());
        continue;
      }
      pt = &cumulative;
    }
    int32_t scale = pt->scale();
    ExpBucketsView pos = View(pt->positive());
    ExpBucketsView neg = View(pt->negative());
    if (scale > kMaxScale) {
      DownscaleBy(&pos, scale - kMaxScale);
      DownscaleBy(&neg, scale - kMaxScale);
      scale = kMaxScale;
    }
    for (int guard = 0; guard < 64 && static_cast<int64_t>(std::max(
                                          pos.counts.size(), neg.counts.size())) > max_buckets;
         ++guard) {
      DownscaleBy(&pos, 1);
      DownscaleBy(&neg, 1);
      --scale;
    }

    const int64_t t = PointMillis(pt->time_unix_nano());
    const bool stale = (pt->flags() & kNoRecordedValueFlag) != 0;
    const std::vector<Label> base = BaseLabels(rc, &sc, pt->attributes());
    if (pt->has_sum()) {
      sink_.AddSample(sink_.Get(Finish(base, name + "_sum")), t, stale ? StaleNaN() : pt->sum());
    }
    sink_.AddSample(sink_.Get(Finish(base, name + "_count")), t,
                    stale ? StaleNaN() : static_cast<double>(pt->count()));

    // (upper bound, observations in the bucket), then sorted and made cumulative.
    std::vector<std::pair<double, uint64_t>> bounds;
    bounds.reserve(pos.counts.size() + neg.counts.size() + 2);
    for (size_t i = 0; i < neg.counts.size(); ++i) {
      bounds.emplace_back(-ExpBase(neg.offset + static_cast<int64_t>(i), scale), neg.counts[i]);
    }
    bounds.emplace_back(pt->zero_threshold() > 0 ? pt->zero_threshold() : 0.0, pt->zero_count());
    if (!pos.counts.empty()) bounds.emplace_back(ExpBase(pos.offset, scale), 0);
    for (size_t i = 0; i < pos.counts.size(); ++i) {
      bounds.emplace_back(ExpBase(pos.offset + static_cast<int64_t>(i) + 1, scale), pos.counts[i]);
    }
    std::stable_sort(bounds.begin(), bounds.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::pair<double, size_t>> buckets;
    uint64_t cumulative_count = 0;
    for (size_t i = 0; i < bounds.size(); ++i) {
      cumulative_count += bounds[i].second;
      // Equal bounds (rounding, or a bucket inside the zero threshold) merge into one series;
      // infinite and NaN bounds fold into +Inf.
      if (i + 1 < bounds.size() && bounds[i + 1].first == bounds[i].first) continue;
      const double bound = bounds[i].first;
      if (!std::isfinite(bound)) continue;
      const size_t series = sink_.Get(Finish(base, bucket_name, "le", FormatFloatFixed(bound)));
      sink_.AddSample(series, t, stale ? StaleNaN() : static_cast<double>(cumulative_count));
      buckets.emplace_back(bound, series);
    }
    const size_t inf = sink_.Get(Finish(base, bucket_name, "le", "+Inf"));
    sink_.AddSample(inf, t, stale ? StaleNaN() : static_cast<double>(pt->count()));
    buckets.emplace_back(std::numeric_limits<double>::infinity(), inf);
    AttachExemplars(pt->exemplars(), std::move(buckets), m.name());
  }
}

void Translator::SummaryPoints(const metrics::Metric& m, const std::string& name,
                               const ResourceContext& rc, const ScopeContext& sc) {
  for (const auto& pt : m.summary().data_points()) {
    const int64_t t = PointMillis(pt.time_unix_nano());
    const bool stale = (pt.flags() & kNoRecordedValueFlag) != 0;
    const std::vector<Label> base = BaseLabels(rc, &sc, pt.attributes());
    sink_.AddSample(sink_.Get(Finish(base, name + "_sum")), t, stale ? StaleNaN() : pt.sum());
    sink_.AddSample(sink_.Get(Finish(base, name + "_count")), t,
                    stale ? StaleNaN() : static_cast<double>(pt.count()));
    for (const auto& q : pt.quantile_values()) {
      sink_.AddSample(sink_.Get(Finish(base, name, "quantile", FormatFloatFixed(q.quantile()))), t,
                      stale ? StaleNaN() : q.value());
    }
  }
}

}  // namespace loupe::ingest::otlp::prom_internal
