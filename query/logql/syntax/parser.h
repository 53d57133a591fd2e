// LogQL parser: the LogQL of Loki 3.x, with Loki's parse-time validation and error text.
//
// Errors are kInvalidArgument Statuses whose message is exactly what Loki returns, e.g.
//   parse error at line 1, col 11: syntax error: unexpected $end, expecting } or ,
//   parse error : invalid aggregation sum_over_time without unwrap
//   parse error : queries require at least one regexp or equality matcher that does not have an
//   empty-compatible value. For instance, app=~".*" does not meet this requirement, but
//   app=~".+" will
// Positions are Loki's: 1-based line and rune column of the offending token; "line 0" where
// Loki's scanner reports it so (after two-character operators, durations, ranges); "parse
// error : ..." (no position) for errors Loki raises while building the tree.
//
// Not part of parse-time validation (as in Loki, they are raised when a pipeline is built,
// by the evaluator): line_format/label_format templates, json/logfmt extraction expressions,
// ip() patterns, line-filter regular expressions.
//
// Thread-safety: the functions are reentrant; the returned tree is owned by the caller.
#pragma once

#include <string_view>
#include <vector>

#include "query/logql/syntax/ast.h"
#include "storage/base/result.h"

namespace loupe::query::logql {

// Loki's maxInputSize: queries of this many bytes or more are refused before parsing.
inline constexpr size_t kMaxQueryBytes = 131072;

// Parses and validates a query (Loki's syntax.ParseExpr).
Result<ExprPtr> ParseExpr(std::string_view query);

// Parses without the final validation step (Loki's ParseExprWithoutValidation): the tree may
// select streams with only empty-compatible matchers, and errors Loki defers to validation
// (aggregation parameters, unwrap rules, binary operand types) are still reported.
Result<ExprPtr> ParseExprWithoutValidation(std::string_view query);

// Parses a stream selector alone (Loki's ParseMatchers); anything else is
// "only label matchers are supported".
Result<std::vector<Matcher>> ParseMatchers(std::string_view query, bool validate);

}  // namespace loupe::query::logql
