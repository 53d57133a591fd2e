// Engine: evaluates LogQL queries over a LogSource with Loki 3's semantics.
//
// Log queries (a selector and pipeline) return streams: entries in [start, end) (end
// exclusive), at most `limit` entries overall in the query's direction (backward: newest
// first), merged across streams by timestamp; `interval` keeps only entries at least that far
// apart, as Loki does. With categorize_labels, streams are keyed by their stream labels and each
// entry carries its structured metadata and parsed labels.
//
// Metric queries are evaluated at steps start, start+step, ..., end (an instant query at one
// step, `end`). A range aggregation at step t covers (t-range-offset, t-offset]. Everything after
// the range aggregation (vector aggregations, binary operations with matching, label_replace,
// sorting) uses the building blocks shared with PromQL (query/common).
//
// Errors (Status kInvalidArgument unless noted; messages are Loki's):
//  - parse errors from the syntax package, and stage errors
//      parse error : stage '| json a="["' : cannot parse expression [[]: ...
//  - "log queries are not supported as an instant query type, please change your query to a
//    range query type"
//  - "max entries limit per query exceeded, limit > max_entries_limit_per_query (6000 > 5000)"
//  - "maximum number of series (500) reached for a single query; consider reducing query
//    cardinality by adding more specific stream selectors, reducing the time range, or
//    aggregating results with functions like sum(), count() or topk()"
//  - "the query time range exceeds the limit (query length: 800h0m0s, limit: 30d1h)"
//  - "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query
//    resolution (?step=XX)"
//  - a sample carrying __error__ reaching an aggregation:
//      pipeline error: 'JSONParserErr' for series: '{__error__="JSONParserErr", ...}'. ...
//  - errors of the source (passed through).
//  - kDeadlineExceeded with kQueryTimeoutMessage once `deadline` passed, kCancelled with
//    kQueryCancelledMessage once `*cancel` became true (both checked before reading the source,
//    every 1024 entries read, and between evaluation steps).
//
// Thread-safety: Exec may be called concurrently if the source allows concurrent Select.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "query/logql/eval/log_source.h"
#include "query/logql/eval/value.h"
#include "query/logql/syntax/ast.h"
#include "storage/base/result.h"

namespace loupe::query::logql {

struct EngineOptions {
  size_t max_entries_limit = 5000;                    // max_entries_limit_per_query
  size_t max_series = 500;                            // max_query_series
  int64_t max_query_length_ns = 721LL * 3600 * 1000000000;  // 0 = no limit
};

// Loki's texts for a query stopped by its deadline (HTTP 504) or by the client (HTTP 499).
inline constexpr std::string_view kQueryTimeoutMessage =
    "request timed out, decrease the duration of the request or add more label matchers "
    "(prefer exact match over regex match) to reduce the amount of data processed";
inline constexpr std::string_view kQueryCancelledMessage =
    "the request was cancelled by the client";

struct QueryParams {
  std::string query;
  std::string tenant = "anonymous";
  int64_t start_ns = 0;
  int64_t end_ns = 0;        // instant queries: the evaluation time
  int64_t step_ns = 0;       // range metric queries; > 0
  int64_t interval_ns = 0;   // log queries: minimum spacing of returned entries
  bool instant = false;
  Direction direction = Direction::kBackward;
  uint32_t limit = 100;
  bool categorize_labels = false;
  // Evaluation stops when the deadline passes or *cancel becomes true (see the error list).
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  const std::atomic<bool>* cancel = nullptr;
};

// OK while `p` may go on; otherwise the deadline or cancellation status described above.
Status CheckInterrupted(const QueryParams& p);

class Engine {
 public:
  explicit Engine(LogSource* source, EngineOptions options = {})
      : source_(source), options_(options) {}

  Result<QueryResult> Exec(const QueryParams& params);
  // Evaluates an already parsed expression (params.query is ignored).
  Result<QueryResult> Exec(const Expr& expr, const QueryParams& params);

 private:
  Result<QueryResult> ExecLogs(const LogSelector& sel, const QueryParams& p);

  LogSource* source_;
  EngineOptions options_;
};

// Builds the log store's pushed-down filter from compiled line matchers (null when empty).
class LineMatcher;
std::shared_ptr<const storage::logstore::LineFilter> MakeStoreFilter(
    const std::vector<std::shared_ptr<const LineMatcher>>& matchers);

}  // namespace loupe::query::logql
