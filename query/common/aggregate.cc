#include "query/common/aggregate.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "query/common/go_format.h"
#include "query/common/kahan.h"
#include "query/common/quantile.h"
#include "query/common/xxhash.h"
#include "storage/model/labels.h"

namespace loupe::query {

using storage::model::kMetricNameLabel;
using storage::model::Label;
using storage::model::Labels;

bool IsSelectingAggregate(AggregateOp op) {
  return op == AggregateOp::kTopk || op == AggregateOp::kBottomk || op == AggregateOp::kLimitk ||
         op == AggregateOp::kLimitRatio;
}

Labels GroupLabels(const Labels& labels, const Grouping& grouping) {
  std::vector<Label> out;
  for (const auto& l : labels) {
    const bool listed =
        std::find(grouping.labels.begin(), grouping.labels.end(), l.name) != grouping.labels.end();
    if (grouping.without ? (!listed && l.name != kMetricNameLabel) : listed) out.push_back(l);
  }
  return Labels::FromSorted(std::move(out));
}

uint32_t GroupIndex::GroupOf(const Labels& labels) {
  Labels g = GroupLabels(labels, grouping_);
  const uint64_t h = g.Hash();
  auto [lo, hi] = by_hash_.equal_range(h);
  for (auto it = lo; it != hi; ++it) {
    if (groups_[it->second] == g) return it->second;
  }
  const auto idx = static_cast<uint32_t>(groups_.size());
  groups_.push_back(std::move(g));
  by_hash_.emplace(h, idx);
  return idx;
}

Status CheckAggregateParams(AggregateOp op, std::span<const double> params, int32_t pos_start,
                            int32_t pos_end, Annotations* annotations, bool* empty) {
  *empty = false;
  if (params.empty()) return Status::OK();
  // Go's math.Max/math.Min: a NaN anywhere makes both NaN.
  double max = -std::numeric_limits<double>::max();
  double min = std::numeric_limits<double>::max();
  bool any_nan = false;
  for (double v : params) {
    if (std::isnan(v)) any_nan = true;
    max = std::max(max, v);
    min = std::min(min, v);
  }
  if (any_nan) max = min = std::numeric_limits<double>::quiet_NaN();
  constexpr double kMaxInt64 = 9223372036854774784.0;
  constexpr double kMinInt64 = -9223372036854775808.0;
  switch (op) {
    case AggregateOp::kTopk:
    case AggregateOp::kBottomk:
    case AggregateOp::kLimitk:
      if (max < 1) {
        *empty = true;
        return Status::OK();
      }
      if (any_nan) return Status::InvalidArgument("Parameter value is NaN");
      if (min <= kMinInt64) {
        return Status::InvalidArgument("Scalar value " + FormatFloatG(min) + " underflows int64");
      }
      if (max >= kMaxInt64) {
        return Status::InvalidArgument("Scalar value " + FormatFloatG(max) + " overflows int64");
      }
      break;
    case AggregateOp::kLimitRatio:
      if (max == 0 && min == 0) {
        *empty = true;
        return Status::OK();
      }
      if (any_nan) return Status::InvalidArgument("Ratio value is NaN");
      if (max > 1.0) {
        annotations->AddWarning("PromQL warning: ratio value should be between -1 and 1, got " +
                                    FormatFloatG(max) + ", capping to 1",
                                pos_start, pos_end);
      }
      if (min < -1.0) {
        annotations->AddWarning("PromQL warning: ratio value should be between -1 and 1, got " +
                                    FormatFloatG(min) + ", capping to -1",
                                pos_start, pos_end);
      }
      break;
    case AggregateOp::kQuantile: {
      const std::string prefix = "PromQL warning: quantile value should be between 0 and 1, got ";
      if (any_nan) annotations->AddWarning(prefix + "NaN", pos_start, pos_end);
      if (max > 1) annotations->AddWarning(prefix + FormatFloatG(max), pos_start, pos_end);
      if (min < 0) annotations->AddWarning(prefix + FormatFloatG(min), pos_start, pos_end);
      break;
    }
    default:
      break;
  }
  return Status::OK();
}

VectorAggregator::VectorAggregator(AggregateOp op, Grouping grouping)
    : op_(op), groups_(std::move(grouping)) {}
VectorAggregator::~VectorAggregator() = default;
VectorAggregator::VectorAggregator(VectorAggregator&&) noexcept = default;

uint32_t VectorAggregator::AddSeries(const Labels& labels, bool drop_name) {
  const uint32_t g = groups_.GroupOf(labels);
  if (g >= state_.size()) {
    state_.resize(g + 1);
    if (op_ == AggregateOp::kQuantile) quantile_values_.resize(g + 1);
    if (IsSelectingAggregate(op_)) heaps_.resize(g + 1);
  }
  series_group_.push_back(g);
  series_drop_name_.push_back(drop_name ? 1 : 0);
  if (op_ == AggregateOp::kLimitRatio) {
    constexpr double kTwo64 = 18446744073709551616.0;
    series_ratio_offset_.push_back(static_cast<double>(PrometheusLabelsHash(labels)) / kTwo64);
  }
  return static_cast<uint32_t>(series_group_.size() - 1);
}

void VectorAggregator::Step(std::span<const StepSample> in, double param,
                            std::vector<StepSample>* out) {
  if (IsSelectingAggregate(op_)) {
    StepSelecting(in, param, out);
  } else {
    StepGrouping(in, param, out);
  }
}

void VectorAggregator::StepGrouping(std::span<const StepSample> in, double param,
                                    std::vector<StepSample>* out) {
  for (uint32_t g : seen_groups_) state_[g].seen = false;
  seen_groups_.clear();
  for (const StepSample& s : in) {
    const uint32_t gi = series_group_[s.series];
    GroupState& g = state_[gi];
    const double f = s.value;
    if (!g.seen) {
      g = GroupState{};
      g.seen = true;
      g.value = f;
      g.mean = f;
      g.count = 1;
      g.drop_name = series_drop_name_[s.series] != 0;
      seen_groups_.push_back(gi);
      switch (op_) {
        case AggregateOp::kStddev:
        case AggregateOp::kStdvar:
          g.value = (std::isnan(f) || std::isinf(f)) ? std::numeric_limits<double>::quiet_NaN() : 0;
          break;
        case AggregateOp::kQuantile:
          quantile_values_[gi].assign(1, f);
          break;
        case AggregateOp::kGroup:
          g.value = 1;
          break;
        default:
          break;
      }
      continue;
    }
    if (series_drop_name_[s.series]) g.drop_name = true;
    switch (op_) {
      case AggregateOp::kSum:
        KahanAdd(f, &g.value, &g.kahan);
        break;
      case AggregateOp::kAvg: {
        g.count++;
        if (!g.incremental_mean) {
          double v = g.value, c = g.kahan;
          KahanAdd(f, &v, &c);
          if (!std::isinf(v)) {
            g.value = v;
            g.kahan = c;
            break;
          }
          // The direct sum would overflow: continue with an incremental mean.
          g.incremental_mean = true;
          g.mean = g.value / (g.count - 1);
          g.kahan /= g.count - 1;
        }
        const double q = (g.count - 1) / g.count;
        double m = q * g.mean, c = q * g.kahan;
        KahanAdd(f / g.count, &m, &c);
        g.mean = m;
        g.kahan = c;
        break;
      }
      case AggregateOp::kMax:
        if (g.value < f || std::isnan(g.value)) g.value = f;
        break;
      case AggregateOp::kMin:
        if (g.value > f || std::isnan(g.value)) g.value = f;
        break;
      case AggregateOp::kCount:
        g.count++;
        break;
      case AggregateOp::kStddev:
      case AggregateOp::kStdvar: {
        g.count++;
        const double delta = f - g.mean;
        g.mean += delta / g.count;
        g.value += delta * (f - g.mean);
        break;
      }
      case AggregateOp::kQuantile:
        quantile_values_[gi].push_back(f);
        break;
      default:
        break;
    }
  }
  // Output in group order.
  std::sort(seen_groups_.begin(), seen_groups_.end());
  for (uint32_t gi : seen_groups_) {
    GroupState& g = state_[gi];
    double v = g.value;
    switch (op_) {
      case AggregateOp::kAvg:
        v = g.incremental_mean ? g.mean + g.kahan : g.value / g.count + g.kahan / g.count;
        break;
      case AggregateOp::kCount:
        v = g.count;
        break;
      case AggregateOp::kStdvar:
        v = g.value / g.count;
        break;
      case AggregateOp::kStddev:
        v = std::sqrt(g.value / g.count);
        break;
      case AggregateOp::kQuantile:
        v = Quantile(param, &quantile_values_[gi]);
        break;
      case AggregateOp::kSum:
        v = g.value + g.kahan;
        break;
      default:
        break;
    }
    out->push_back({gi, v});
  }
}

namespace {

// Go's container/heap over a slice with a Less function, and Go's sort.Sort for small inputs,
// so that ties resolve exactly as Prometheus resolves them.
template <typename Less>
void HeapUp(std::vector<StepSample>& h, size_t j, Less less) {
  while (true) {
    if (j == 0) break;
    const size_t i = (j - 1) / 2;
    if (!less(h[j], h[i])) break;
    std::swap(h[i], h[j]);
    j = i;
  }
}

template <typename Less>
bool HeapDown(std::vector<StepSample>& h, size_t i0, size_t n, Less less) {
  size_t i = i0;
  while (true) {
    const size_t j1 = 2 * i + 1;
    if (j1 >= n) break;
    size_t j = j1;
    if (j1 + 1 < n && less(h[j1 + 1], h[j1])) j = j1 + 1;
    if (!less(h[j], h[i])) break;
    std::swap(h[i], h[j]);
    i = j;
  }
  return i > i0;
}

template <typename Less>
void HeapPush(std::vector<StepSample>& h, StepSample s, Less less) {
  h.push_back(s);
  HeapUp(h, h.size() - 1, less);
}

template <typename Less>
void HeapFix(std::vector<StepSample>& h, size_t i, Less less) {
  if (!HeapDown(h, i, h.size(), less)) HeapUp(h, i, less);
}

// sort.Sort(sort.Reverse(heap)) where heap orders by `less`; `sane` is an equivalent strict
// weak order used for inputs larger than Go's insertion-sort threshold.
template <typename Less, typename Sane>
void GoReverseSort(std::vector<StepSample>& h, Less less, Sane sane) {
  if (h.size() <= 12) {
    for (size_t i = 1; i < h.size(); ++i) {
      for (size_t j = i; j > 0 && less(h[j - 1], h[j]); --j) std::swap(h[j], h[j - 1]);
    }
    return;
  }
  std::stable_sort(h.begin(), h.end(), sane);
}

// vectorByValueHeap.Less: NaN sorts first, then ascending.
bool ValueLess(const StepSample& a, const StepSample& b) {
  if (std::isnan(a.value)) return true;
  return a.value < b.value;
}
// vectorByReverseValueHeap.Less: NaN first, then descending.
bool ReverseValueLess(const StepSample& a, const StepSample& b) {
  if (std::isnan(a.value)) return true;
  return a.value > b.value;
}

}  // namespace

void VectorAggregator::StepSelecting(std::span<const StepSample> in, double param,
                                     std::vector<StepSample>* out) {
  for (uint32_t g : seen_groups_) state_[g].seen = false;
  seen_groups_.clear();
  int64_t k = 0;
  double ratio = 0;
  if (op_ == AggregateOp::kLimitRatio) {
    if (param == 0 || std::isnan(param)) return;
    ratio = std::clamp(param, -1.0, 1.0);
  } else {
    // Go's int64(float64) truncates toward zero; NaN and out-of-range values were rejected by
    // CheckAggregateParams, except a NaN literal, which selects nothing.
    if (std::isnan(param) || param < -9.2e18) return;
    k = std::min<int64_t>(static_cast<int64_t>(param), static_cast<int64_t>(num_series()));
    if (k < 1) return;
  }
  auto ratio_ok = [&](uint32_t series) {
    const double offset = series_ratio_offset_[series];
    return (ratio >= 0 && offset < ratio) || (ratio < 0 && offset >= 1.0 + ratio);
  };
  for (const StepSample& s : in) {
    const uint32_t gi = series_group_[s.series];
    GroupState& g = state_[gi];
    auto& heap = heaps_[gi];
    if (!g.seen) {
      g.seen = true;
      seen_groups_.push_back(gi);
      heap.clear();
      switch (op_) {
        case AggregateOp::kLimitRatio:
          if (ratio_ok(s.series)) HeapPush(heap, s, ValueLess);
          break;
        case AggregateOp::kLimitk:
          heap.push_back(s);
          break;
        case AggregateOp::kTopk:
          HeapPush(heap, s, ValueLess);
          break;
        case AggregateOp::kBottomk:
          HeapPush(heap, s, ReverseValueLess);
          break;
        default:
          break;
      }
      continue;
    }
    switch (op_) {
      case AggregateOp::kTopk:
        if (static_cast<int64_t>(heap.size()) < k) {
          HeapPush(heap, s, ValueLess);
        } else if (heap[0].value < s.value || (std::isnan(heap[0].value) && !std::isnan(s.value))) {
          heap[0] = s;
          if (k > 1) HeapFix(heap, 0, ValueLess);
        }
        break;
      case AggregateOp::kBottomk:
        if (static_cast<int64_t>(heap.size()) < k) {
          HeapPush(heap, s, ReverseValueLess);
        } else if (heap[0].value > s.value || (std::isnan(heap[0].value) && !std::isnan(s.value))) {
          heap[0] = s;
          if (k > 1) HeapFix(heap, 0, ReverseValueLess);
        }
        break;
      case AggregateOp::kLimitk:
        if (static_cast<int64_t>(heap.size()) < k) HeapPush(heap, s, ValueLess);
        break;
      case AggregateOp::kLimitRatio:
        if (ratio_ok(s.series)) HeapPush(heap, s, ValueLess);
        break;
      default:
        break;
    }
  }
  std::sort(seen_groups_.begin(), seen_groups_.end());
  for (uint32_t gi : seen_groups_) {
    auto& heap = heaps_[gi];
    if (op_ == AggregateOp::kTopk) {
      GoReverseSort(heap, ValueLess, [](const StepSample& a, const StepSample& b) {
        const bool an = std::isnan(a.value), bn = std::isnan(b.value);
        if (an || bn) return !an && bn;
        return a.value > b.value;
      });
    } else if (op_ == AggregateOp::kBottomk) {
      GoReverseSort(heap, ReverseValueLess, [](const StepSample& a, const StepSample& b) {
        const bool an = std::isnan(a.value), bn = std::isnan(b.value);
        if (an || bn) return !an && bn;
        return a.value < b.value;
      });
    }
    out->insert(out->end(), heap.begin(), heap.end());
  }
}

CountValuesAggregator::CountValuesAggregator(std::string value_label, Grouping grouping)
    : value_label_(std::move(value_label)), outputs_([&] {
        Grouping g = std::move(grouping);
        if (!g.without) g.labels.push_back(value_label_);
        return g;
      }()) {}

uint32_t CountValuesAggregator::AddSeries(const Labels& labels) {
  series_.push_back(labels);
  return static_cast<uint32_t>(series_.size() - 1);
}

void CountValuesAggregator::Step(std::span<const StepSample> in, std::vector<StepSample>* out) {
  step_counts_.clear();
  const size_t base = out->size();
  for (const StepSample& s : in) {
    Labels with_value = series_[s.series].With(value_label_, FormatFloatF(s.value));
    const uint32_t o = outputs_.GroupOf(with_value);
    auto [it, inserted] = step_counts_.emplace(o, static_cast<uint32_t>(out->size() - base));
    if (inserted) {
      out->push_back({o, 1});
    } else {
      (*out)[base + it->second].value += 1;
    }
  }
}

}  // namespace loupe::query
