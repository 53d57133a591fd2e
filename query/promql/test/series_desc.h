// Series descriptions as Prometheus's promqltest (and promtool's rule unit tests) write them:
//   metric{label="value", ...} <values>
// where the values are space separated items expanding to one value per step:
//   1, -2.5, Inf, NaN       one value (numbers as PromQL number literals)
//   stale                   a staleness marker
//   _                       no value at this step
//   _xN                     N steps without a value
//   aXN / a+bxN / a-bxN     N+1 values a, a+b, ... (b added repeatedly, as Prometheus does)
//   {{...}}, {{...}}xN, {{...}}+{{...}}xN   native histogram values (recognised, not decoded)
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "storage/base/result.h"
#include "storage/model/labels.h"

namespace loupe::query::promql::test {

struct SequenceValue {
  bool omitted = false;
  bool histogram = false;  // a native histogram (its content is not kept)
  double value = 0;        // StaleNaN() for `stale`
};

struct SeriesDesc {
  storage::model::Labels labels;
  std::vector<SequenceValue> values;
};

// kInvalidArgument with a description of the problem.
Result<SeriesDesc> ParseSeriesDesc(std::string_view line);

// Parses only the value items (the part after the metric).
Result<std::vector<SequenceValue>> ParseSequence(std::string_view values);

}  // namespace loupe::query::promql::test
