// TraceQL compare() (metrics.cc runs the scan and hands every span of the query over).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "query/traceql/eval/evaluator.h"
#include "query/traceql/eval/metrics_series.h"
#include "query/traceql/syntax/ast.h"
#include "storage/spanstore/batch_codec.h"

namespace loupe::query::traceql::eval {

// compare({ filter }, topN, start, end), as Tempo computes it: the spans of the query are split
// into a selection (the filter holds and, with start/end, the span starts in [start, end)) and a
// baseline (the rest). For every attribute of every span (intrinsics name, status, kind,
// statusMessage; span and resource attributes; not durations, ids or timestamps) it counts
// spans per interval and value, separately for both groups. The result has, per attribute,
// the topN values of each group by total count ({__meta_type="baseline"|"selection",
// <attribute>=<value>}), the group totals ({__meta_type="baseline_total"|"selection_total",
// <attribute>=nil}), and {__meta_error="__too_many_values__", <attribute>=nil} without
// samples when a group held more than topN values.
class CompareStage {
 public:
  CompareStage(const MetricsFirstStage& f, const Range& r) : f_(f), r_(r) {}

  // Counts one span of the query: `selected` when the compare filter holds for it.
  void Observe(TraceContext& ctx, uint32_t span, bool selected);
  SeriesSet Result() const;

 private:
  struct Counted {
    TypedValue value;
    std::vector<double> counts;
  };
  struct Group {
    std::map<std::string, std::map<std::string, Counted>> values;  // attribute -> value key
    std::map<std::string, std::vector<double>> totals;
  };
  const MetricsFirstStage& f_;
  const Range& r_;
  Group groups_[2];  // baseline, selection
  std::vector<storage::spanstore::AttrView> attrs_;
};

}  // namespace loupe::query::traceql::eval
