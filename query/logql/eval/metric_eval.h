// Evaluation of LogQL metric queries (internal to the engine; see engine.h for the contract).
#pragma once

#include "query/logql/eval/engine.h"

namespace loupe::query::logql {

Result<QueryResult> EvalMetricQuery(const Expr& expr, const QueryParams& params,
                                    LogSource* source, const EngineOptions& options);

// The aggregation of a range-aggregation window (Loki's range_vector.go functions). `ts` and
// `values` hold the window's samples in time order; `range_ns` is the range.
double AggregateRange(RangeOp op, bool unwrapped, const int64_t* ts, const double* values,
                      size_t n, int64_t range_ns, double param);

}  // namespace loupe::query::logql
