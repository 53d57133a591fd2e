// The PromQL evaluation engine: instant and range queries over a SeriesSource with Prometheus
// 3 semantics for float samples.
//
// Semantics (as Prometheus 3.x, with the settings of its promqltest engine):
// - instant selectors take the newest sample in (t - lookback, t]; a staleness marker ends a
//   series; range selectors cover the left-open window (t - range, t];
// - offset (also negative) and @ (timestamps, start(), end()) on selectors and subqueries;
//   subqueries evaluate at multiples of their step (default `default_subquery_step_ms`);
// - step-invariant sub-expressions (those pinned by @) are evaluated once and broadcast;
// - every float function and aggregation of the Prometheus 3 documentation, rate/increase/delta
//   with Prometheus's extrapolation, histogram_quantile/histogram_fraction over classic `le`
//   buckets with the monotonicity fixes, and Prometheus's annotations (warnings/infos);
// - __name__ is removed the delayed way (Prometheus's delayed name removal, as its test engine
//   runs): functions and operators mark series, names are dropped at the end, and label sets
//   that collide then are an error ("vector cannot contain metrics with the same labelset").
// Not supported: native histograms (series holding them are not readable through
// SeriesSource; histogram_count/sum/avg/stddev/stdvar return nothing on float data) and the
// feature-flagged syntax the parser rejects (see syntax/parser.h). info() follows the
// experimental upstream function (identifying labels instance and job).
//
// Errors (Status codes; the HTTP layer maps them):
//   kInvalidArgument   the query does not parse, or is invalid for the request (e.g. a range
//                      query of a range-vector expression), or evaluation failed in the
//                      Prometheus sense of an "execution" error (e.g. many-to-many matching,
//                      duplicate label sets, invalid regex in label_replace). Parse errors
//                      carry "<line>:<col>: parse error: ..."; use IsParseError() to tell.
//   kResourceExhausted "query processing would load too many samples into memory in query
//                      execution" (max_samples).
//   kDeadlineExceeded  "query timed out in expression evaluation".
//   kCancelled         "query was canceled in expression evaluation".
//   others             passed through from SeriesSource::Select (storage errors).
//
// Thread-safety: an Engine is immutable after construction and may run queries concurrently
// from several threads; each query uses its own evaluation state. The SeriesSource must then be
// safe for concurrent Select() calls.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "query/promql/eval/series_source.h"
#include "query/promql/eval/value.h"
#include "query/promql/syntax/ast.h"
#include "storage/base/result.h"

namespace loupe::query::promql {

struct EngineOptions {
  int64_t lookback_delta_ms = 5 * 60 * 1000;
  // Peak number of samples (loaded raw samples plus intermediate result points) a query may
  // hold in memory.
  int64_t max_samples = 50'000'000;
  // Step of subqueries written without one (`x[1h:]`); Prometheus uses its global evaluation
  // interval, 1m by default.
  int64_t default_subquery_step_ms = 60 * 1000;
  // 0 = no timeout (unless the query gives a deadline).
  int64_t timeout_ms = 2 * 60 * 1000;
  // Threads one query may use for a range function (rate, *_over_time, ...) over many series:
  // series are split into contiguous runs, results merged in order, so answers do not depend
  // on it. 0 = the hardware's threads, at most 4; 1 = the query's own thread only.
  int parallelism = 0;
};

struct QueryOptions {
  // Per-query lookback delta; 0 = the engine's.
  int64_t lookback_delta_ms = 0;
  // Absolute deadline; combined with the engine's timeout (the earlier wins).
  std::optional<std::chrono::steady_clock::time_point> deadline;
  // Set to true (from any thread) to abort the query with kCancelled.
  const std::atomic<bool>* cancel = nullptr;
};

class Engine {
 public:
  explicit Engine(EngineOptions options = {}) : options_(options) {}

  // Evaluates `query` at `time_ms`. Result type: scalar, string, vector, or matrix for
  // range-vector expressions (`x[5m]`, subqueries).
  Result<QueryResult> InstantQuery(SeriesSource& source, std::string_view query, int64_t time_ms,
                                   const QueryOptions& options = {}) const;
  // Evaluates at start, start+step, ..., end (ms; step > 0, end >= start). Result type
  // matrix (a scalar expression yields one series with no labels). kInvalidArgument
  // `invalid expression type "range vector" for range query, must be Scalar or instant Vector`
  // for other expression types.
  Result<QueryResult> RangeQuery(SeriesSource& source, std::string_view query, int64_t start_ms,
                                 int64_t end_ms, int64_t step_ms,
                                 const QueryOptions& options = {}) const;

  // As above on an already parsed expression (not modified).
  Result<QueryResult> InstantQuery(SeriesSource& source, const Expr& expr, int64_t time_ms,
                                   const QueryOptions& options = {}) const;
  Result<QueryResult> RangeQuery(SeriesSource& source, const Expr& expr, int64_t start_ms,
                                 int64_t end_ms, int64_t step_ms,
                                 const QueryOptions& options = {}) const;

  const EngineOptions& options() const { return options_; }

 private:
  Result<QueryResult> Run(SeriesSource& source, const Expr& expr, int64_t start_ms, int64_t end_ms,
                          int64_t step_ms, bool instant, const QueryOptions& options) const;

  EngineOptions options_;
};

// True if `status` is a parse error returned by the engine (as opposed to an execution error
// with the same code).
bool IsParseError(const Status& status);

}  // namespace loupe::query::promql
