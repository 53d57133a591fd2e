// Ordering helpers for instant vectors: PromQL's sort()/sort_desc() (NaN always last, ties
// keep their input order), natural ("version") ordering of label values for
// sort_by_label(), and Prometheus's label-set order.
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>
#include <vector>

#include "query/common/vector.h"

namespace loupe::query {

// Sorts by value, ascending or descending; NaN values go last in both cases. Stable.
void SortByValue(std::vector<StepSample>* samples, bool descending);

// Natural order as Prometheus's sort_by_label uses it (github.com/facette/natsort): strings are
// compared chunk by chunk, runs of ASCII digits numerically, other runs byte-wise, so that
// "1.2.3" < "1.11.3" and "4m5" < "4m600". Returns <0, 0 or >0; consistent (antisymmetric)
// even where the upstream comparison is not.
int NaturalCompare(std::string_view a, std::string_view b);

}  // namespace loupe::query
