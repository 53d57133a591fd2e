// The φ-quantile of a set of values, as PromQL's quantile aggregation and quantile_over_time
// (and LogQL's quantile_over_time) compute it: sort, then interpolate linearly between the
// two closest ranks (rank = q * (n - 1)).
//
// Thread-safety: pure functions.
#pragma once

#include <vector>

namespace loupe::query {

// Sorts `values` in place (NaN first) and returns the quantile. NaN when `values` is empty or
// q is NaN; -Inf for q < 0; +Inf for q > 1.
double Quantile(double q, std::vector<double>* values);

}  // namespace loupe::query
