// Series of TraceQL metrics while they are computed (metrics.cc, metrics_compare.cc): the
// query's time range cut into intervals, series keyed by their Prometheus label form.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "query/traceql/eval/engine.h"

namespace loupe::query::traceql::eval {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Range {
  int64_t start = 0, end = 0, step = 0;
  size_t intervals = 0;
  bool instant = false;
  int Interval(int64_t ts) const {
    if (ts < start || ts >= end) return -1;
    const int64_t i = (ts - start) / step;
    return i < static_cast<int64_t>(intervals) ? static_cast<int>(i) : -1;
  }
  int64_t TimestampMs(size_t i) const {
    return (start + static_cast<int64_t>(i) * step) / 1'000'000;
  }
};

struct TS {
  std::vector<KeyValue> labels;
  std::vector<double> values;
  std::vector<Exemplar> exemplars;
  bool keep_empty = false;  // returned even without samples (compare()'s __meta_error series)
};
// Keyed by the Prometheus form of the labels without __name__ ("{}" = no labels).
using SeriesSet = std::map<std::string, TS>;

// Prometheus' Labels.String(): sorted by name, `{a="1", b="2"}` (values quoted as Go does; nil
// as "<nil>", "" as "<empty>"); `skip_name` leaves __name__ out.
std::string PromLabels(const std::vector<KeyValue>& labels, bool skip_name);

}  // namespace loupe::query::traceql::eval
