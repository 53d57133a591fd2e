// Vector aggregation operators (sum, avg, count, min, max, group, stddev, stdvar, quantile,
// topk, bottomk, limitk, limit_ratio, count_values) with `by` / `without` grouping, with
// Prometheus's exact numerics: Kahan-compensated sums, the direct mean that falls back to an
// incremental mean only when the running sum would overflow, Welford variance, and Go's
// container/heap behaviour for topk/bottomk (which decides ties).
//
// Usage: create a VectorAggregator for one aggregation node, register every input series once
// with AddSeries() (this computes its group and any per-series data, so nothing is allocated
// per step), then call Step() once per evaluation step with the samples present at that step.
//
// The `drop_name` flag carried per series is PromQL's delayed __name__ removal: a group's
// flag is set when any sample aggregated into it at the step had it. Callers without that
// notion pass false.
//
// Thread-safety: an aggregator is used by one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "query/common/annotations.h"
#include "query/common/vector.h"
#include "storage/base/status.h"
#include "storage/model/labels.h"

namespace loupe::query {

enum class AggregateOp {
  kSum,
  kAvg,
  kCount,
  kMin,
  kMax,
  kGroup,
  kStddev,
  kStdvar,
  kQuantile,
  kTopk,
  kBottomk,
  kLimitk,
  kLimitRatio,
  kCountValues,
};

// topk, bottomk, limitk and limit_ratio return input samples rather than one per group.
bool IsSelectingAggregate(AggregateOp op);

struct Grouping {
  std::vector<std::string> labels;
  bool without = false;
};

// The output label set of a group: with `by`, only the listed labels (including __name__ if
// listed); with `without`, all labels except the listed ones and __name__.
storage::model::Labels GroupLabels(const storage::model::Labels& labels, const Grouping& grouping);

// Maps label sets to dense group indices (0, 1, ... in order of first appearance).
class GroupIndex {
 public:
  explicit GroupIndex(Grouping grouping) : grouping_(std::move(grouping)) {}
  uint32_t GroupOf(const storage::model::Labels& labels);
  const storage::model::Labels& labels(uint32_t group) const { return groups_[group]; }
  size_t size() const { return groups_.size(); }

 private:
  Grouping grouping_;
  std::vector<storage::model::Labels> groups_;
  std::unordered_multimap<uint64_t, uint32_t> by_hash_;
};

// Checks the parameter values of topk/bottomk/limitk/limit_ratio/quantile over all steps, as
// Prometheus does before evaluating: errors "Parameter value is NaN", "Ratio value is NaN",
// "Scalar value <v> underflows int64" / "overflows int64"; warnings "PromQL warning: quantile
// value should be between 0 and 1, got <q>" and "PromQL warning: ratio value should be between
// -1 and 1, got <r>, capping to <±1>" (positioned at [pos_start, pos_end)). Sets *empty when
// the parameters select nothing at any step (all k < 1, all ratios 0).
Status CheckAggregateParams(AggregateOp op, std::span<const double> params, int32_t pos_start,
                            int32_t pos_end, Annotations* annotations, bool* empty);

class VectorAggregator {
 public:
  // `op` must not be kCountValues (see CountValuesAggregator).
  VectorAggregator(AggregateOp op, Grouping grouping);
  ~VectorAggregator();
  VectorAggregator(VectorAggregator&&) noexcept;

  // Registers input series number `num_series()` (0, 1, ...).
  uint32_t AddSeries(const storage::model::Labels& labels, bool drop_name = false);
  size_t num_series() const { return series_group_.size(); }
  size_t num_groups() const { return groups_.size(); }
  const storage::model::Labels& group_labels(uint32_t group) const { return groups_.labels(group); }
  // As of the last Step(): whether any sample aggregated into `group` had drop_name.
  bool group_drop_name(uint32_t group) const { return state_[group].drop_name; }

  // Aggregates one step. `in` holds the samples present at this step, in input order; `param`
  // is k, the quantile or the ratio at this step (ignored by other operators).
  // Appends to *out:
  //  - grouping operators: one sample per group present, in group order, series = group index;
  //  - topk/bottomk: per group (in group order) the selected inputs, topk by descending,
  //    bottomk by ascending value (NaN last), series = input index;
  //  - limitk: per group the first k inputs; limit_ratio: per group the inputs whose label hash
  //    falls within the ratio (Prometheus's HashRatioSampler), in input order.
  void Step(std::span<const StepSample> in, double param, std::vector<StepSample>* out);

 private:
  struct GroupState {
    double value = 0;
    double mean = 0;
    double kahan = 0;
    double count = 0;
    bool seen = false;
    bool incremental_mean = false;
    bool drop_name = false;
  };
  void StepGrouping(std::span<const StepSample> in, double param, std::vector<StepSample>* out);
  void StepSelecting(std::span<const StepSample> in, double param, std::vector<StepSample>* out);

  AggregateOp op_;
  GroupIndex groups_;
  std::vector<uint32_t> series_group_;
  std::vector<uint8_t> series_drop_name_;
  std::vector<double> series_ratio_offset_;  // limit_ratio only
  std::vector<GroupState> state_;
  std::vector<std::vector<double>> quantile_values_;  // per group, reused
  std::vector<std::vector<StepSample>> heaps_;        // per group, reused
  std::vector<uint32_t> seen_groups_;                 // groups seen this step, in order
};

// count_values("label", v): one output series per distinct value (formatted as Go's
// strconv.FormatFloat(v, 'f', -1, 64)) and group, counting the inputs with that value.
class CountValuesAggregator {
 public:
  // The value label is added to `by` groupings.
  CountValuesAggregator(std::string value_label, Grouping grouping);

  uint32_t AddSeries(const storage::model::Labels& labels);

  // Appends one sample per output series present at this step (series = output index, value
  // = count), in order of first appearance within the step.
  void Step(std::span<const StepSample> in, std::vector<StepSample>* out);
  size_t num_outputs() const { return outputs_.size(); }
  const storage::model::Labels& output_labels(uint32_t i) const { return outputs_.labels(i); }

 private:
  std::string value_label_;
  GroupIndex outputs_;
  std::vector<storage::model::Labels> series_;
  std::unordered_map<uint32_t, uint32_t> step_counts_;  // output -> index into out
};

}  // namespace loupe::query
