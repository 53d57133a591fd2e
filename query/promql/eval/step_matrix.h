// Internal representation of an instant vector evaluated over all steps of a range: one
// StepSeries per output series (labels computed once), holding a dense window of values from
// its first to its last present step. A step without a value holds the "absent" marker, a
// signalling-NaN bit pattern that no arithmetic produces (operations on NaN yield quiet NaNs)
// and that values read from storage are normalised away from.
//
// Thread-safety: value types.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "storage/model/labels.h"

namespace loupe::query::promql {

inline constexpr uint64_t kAbsentBits = 0x7ff4a85e00c0ffeeULL;
inline double AbsentValue() { return std::bit_cast<double>(kAbsentBits); }
inline bool IsAbsent(double v) { return std::bit_cast<uint64_t>(v) == kAbsentBits; }
// Any NaN read from storage or the query becomes the canonical quiet NaN.
inline double NormalizeNaN(double v) {
  return std::isnan(v) ? std::numeric_limits<double>::quiet_NaN() : v;
}

struct StepSeries {
  storage::model::Labels labels;
  // Delayed __name__ removal: drop the metric name when the query finishes.
  bool drop_name = false;
  int32_t first = 0;           // step index of values[0]
  std::vector<double> values;  // AbsentValue() where the series has no value

  double At(int64_t step) const {
    const uint64_t j = static_cast<uint64_t>(step - first);
    return j < values.size() ? values[j] : AbsentValue();
  }
  bool Has(int64_t step) const { return !IsAbsent(At(step)); }

  // Sets the value at `step`; cheapest when steps are set in increasing order.
  void Set(int64_t step, double v) {
    if (!values.empty()) {
      const int64_t j = step - first;
      if (j == static_cast<int64_t>(values.size())) {
        values.push_back(v);
        return;
      }
      if (j >= 0 && j < static_cast<int64_t>(values.size())) {
        values[static_cast<size_t>(j)] = v;
        return;
      }
    }
    SetSlow(step, v);
  }

  void SetSlow(int64_t step, double v) {
    if (values.empty()) {
      first = static_cast<int32_t>(step);
      values.push_back(v);
      return;
    }
    if (step < first) {
      values.insert(values.begin(), static_cast<size_t>(first - step), AbsentValue());
      first = static_cast<int32_t>(step);
    }
    const size_t j = static_cast<size_t>(step - first);
    if (j >= values.size()) values.resize(j + 1, AbsentValue());
    values[j] = v;
  }

  int64_t CountPresent() const {
    int64_t n = 0;
    for (double v : values) n += !IsAbsent(v);
    return n;
  }
  int64_t last() const { return first + static_cast<int64_t>(values.size()) - 1; }
};

using StepMatrix = std::vector<StepSeries>;

// A compact, cache-friendly view of a StepMatrix for gathering the samples present at each
// step (the per-step loops of aggregations and binary operators).
class StepGatherer {
 public:
  explicit StepGatherer(const StepMatrix& m) {
    views_.reserve(m.size());
    for (const auto& s : m) {
      views_.push_back({s.values.data(), s.first, static_cast<int64_t>(s.values.size())});
    }
  }
  // Appends (series index, value) of every series present at `step`, in series order.
  template <typename Sample>
  void Gather(int64_t step, std::vector<Sample>* out) const {
    out->clear();
    for (size_t k = 0; k < views_.size(); ++k) {
      const View& v = views_[k];
      const uint64_t j = static_cast<uint64_t>(step - v.first);
      if (j >= static_cast<uint64_t>(v.size)) continue;
      const double x = v.data[j];
      if (!IsAbsent(x)) out->push_back({static_cast<uint32_t>(k), x});
    }
  }

 private:
  struct View {
    const double* data;
    int64_t first;
    int64_t size;
  };
  std::vector<View> views_;
};

inline int64_t CountPoints(const StepMatrix& m) {
  int64_t n = 0;
  for (const auto& s : m) n += s.CountPresent();
  return n;
}

}  // namespace loupe::query::promql
