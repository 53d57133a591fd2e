// TraceQL validation: the checks Tempo runs after parsing (its validate() methods), kept apart
// from parsing so callers can tell a malformed query from a well-formed but meaningless one.
//
// Validate returns:
//  - OK when the query is well typed and supported;
//  - kInvalidArgument with Tempo's message for type and value errors, e.g.
//    "binary operations must operate on the same type: 1 + `foo`",
//    "illegal operation for the given types: status > ok",
//    "span filter field expressions must resolve to a boolean: { 1 + 1 }",
//    "aggregate field expressions must reference the span: sum(3)",
//    "grouping field expressions must reference the span: by(1)",
//    "invalid regex: `[`", "duration=nil is not valid because intrinsics cannot be nil",
//    "limit must be greater than 0", "quantile must be between 0 and 1: 1.5",
//    "`compare()` cannot be used with second stage functions";
//  - kUnimplemented "<feature> not yet supported" for constructs Tempo parses but does not run
//    (the `parent` scope and intrinsic, scalar filters other than `aggregate op literal`,
//    more than 5 metrics group-bys), e.g. "parent not yet supported".
// Children are checked before their parent, so the first problem in evaluation order wins.
// Regular expressions are checked with RE2, fully anchored, as the evaluator will run them.
// Pure function; thread-safe.
#pragma once

#include "query/traceql/syntax/ast.h"
#include "storage/base/status.h"

namespace loupe::query::traceql {

inline constexpr size_t kMaxMetricsGroupBys = 5;

Status Validate(const RootExpr& root);

}  // namespace loupe::query::traceql
