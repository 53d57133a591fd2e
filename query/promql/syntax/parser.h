// Parsing PromQL queries (Prometheus 3 float language) into the AST of ast.h.
//
// ParseExpr parses, then type-checks the tree the way Prometheus's parser does, and reports
// the first problem in Prometheus's words and format:
//   `1:9: parse error: unexpected end of input`
//   `1:6: parse error: expected type range vector in call to function "rate", got instant vector`
// (line and column are 1-based; the column counts bytes).
//
// Not supported (Prometheus feature flags, off by default upstream): native histogram
// literals, duration arithmetic inside brackets and offsets (`[5m+1m]`, `step()`), the
// `anchored`/`smoothed` range modifiers and `fill` binary-operator modifiers.
//
// Thread-safety: the functions are reentrant; nothing is shared between calls.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "query/promql/syntax/ast.h"
#include "storage/base/result.h"
#include "storage/model/matcher.h"

namespace loupe::query::promql {

struct ParseError {
  PositionRange pos;
  std::string message;  // without position, e.g. "unexpected end of input"
};

// "<line>:<col>: parse error: <message>", positions computed from pos.start in `query`
// ("unknown position: parse error: ..." for an empty query).
std::string FormatParseError(std::string_view query, const ParseError& error);

struct ParseOptions {
  // limitk/limit_ratio and the functions marked experimental in functions.h. Prometheus
  // gates them behind --enable-feature=promql-experimental-functions; loupe enables them
  // by default. When false they fail as in Prometheus (`function "x" is not enabled`).
  bool enable_experimental_functions = true;
};

struct ParseResult {
  ExprPtr expr;                    // null iff errors is non-empty
  std::vector<ParseError> errors;  // in the order Prometheus reports them; [0] is "the" error
};

// Parses and type-checks. On failure, kInvalidArgument whose message is
// FormatParseError(query, first error).
Result<ExprPtr> ParseExpr(std::string_view query, const ParseOptions& options = {});

// As ParseExpr, with every error collected (parsing stops at the first syntax error, as
// Prometheus's does for practical purposes; type checking runs only on a clean parse).
ParseResult ParseExprWithErrors(std::string_view query, const ParseOptions& options = {});

// Parses a series selector alone (`foo{a="b"}`, `{__name__=~"x.*"}`, `{"my.metric"}`), as
// the `match[]` parameters of the HTTP API do. Returns its matchers, the metric-name matcher
// last when the name is written before the braces. Like Prometheus's ParseMetricSelector it
// does not reject selectors that match everything; callers check that when they must.
Result<std::vector<storage::model::Matcher>> ParseMetricSelector(std::string_view input);

}  // namespace loupe::query::promql
