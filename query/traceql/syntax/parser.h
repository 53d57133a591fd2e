// TraceQL parser (Tempo 2.x grammar): spanset filters, intrinsics and scoped attributes,
// field/arithmetic/regex operators, spanset and structural operators, pipelines with scalar
// filters, by(), coalesce(), select(), hints `with(...)`, and metrics queries (rate(),
// *_over_time(), quantile_over_time(), histogram_over_time(), compare(), topk/bottomk, metrics
// filters and arithmetic between wrapped metrics queries and numbers).
//
// Parsing only checks syntax; types, regexes and unsupported features are checked by
// Validate() (validate.h), as Tempo separates Parse() from validate().
//
// Parse returns the tree on success. On a syntax error it returns kInvalidArgument with Tempo's
// wording: "parse error at line L, col C: syntax error: unexpected X" (X is the offending token:
// "{", "count", "IDENTIFIER", "$end", ...), or "...: unknown identifier: foo" for a bare word
// used as a value, or a lexer message (unterminated string, integer out of range). Nesting
// deeper than kMaxParseDepth is rejected the same way. Pure function; thread-safe.
#pragma once

#include <string_view>

#include "query/traceql/syntax/ast.h"
#include "storage/base/result.h"

namespace loupe::query::traceql {

inline constexpr int kMaxParseDepth = 256;

Result<RootExpr> Parse(std::string_view query);

}  // namespace loupe::query::traceql
