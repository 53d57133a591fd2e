// Helpers shared by search, metrics and tags (not part of the public API).
#pragma once

#include <string_view>
#include <vector>

#include "query/traceql/eval/engine.h"
#include "query/traceql/eval/evaluator.h"
#include "query/traceql/syntax/ast.h"
#include "storage/base/result.h"

namespace loupe::query::traceql::eval {

// Tempo's placeholder for a trace whose root span is not stored.
inline constexpr std::string_view kNoRootSpan = "<root span not yet received>";

// How a query asks the store for spans. kPushdown (what Search and QueryRange use) scans with
// PlanScan's predicates; kNaive hands every span of every trace fragment to the evaluator, the
// reference side of the differential test (differential_test.cc). Both must give equal results.
enum class ScanMode { kPushdown, kNaive };
Result<SearchResponse> SearchWithMode(storage::spanstore::SpanStore& store, std::string_view tenant,
                                      const SearchRequest& req, const EngineOptions& options,
                                      ScanMode mode);
Result<MetricsResponse> QueryRangeWithMode(storage::spanstore::SpanStore& store,
                                           std::string_view tenant, const MetricsRequest& req,
                                           const EngineOptions& options, ScanMode mode);

// Parse + Validate with Tempo's "invalid TraceQL query: " prefix on errors (codes kept:
// kInvalidArgument, kUnimplemented). An empty query is `{}`.
Result<RootExpr> CompileQuery(std::string_view query);
// `with(name=true)`.
bool HintTrue(const RootExpr& root, std::string_view name);

// The attributes a search result shows for one span (service.name and what the query reads).
void AddSpanAttributes(const Program& prog, TraceContext& ctx, uint32_t span,
                       std::vector<KeyValue>* out);
SpansetResult MakeSpanset(const Program& prog, TraceContext& ctx, const Spanset& set,
                          uint32_t spss);
void FillTrace(const storage::spanstore::TraceSummary& s, TraceResult* t);
SearchMetrics MetricsOf(const storage::spanstore::ScanStats& st, uint32_t traces);

}  // namespace loupe::query::traceql::eval
