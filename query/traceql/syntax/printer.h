// Canonical TraceQL printing, in the form of Tempo's String() methods: binary operands other than
// literals and attributes are parenthesized (`(.a = 1) && (.b = 2)`, `({ true }) >> ({ true })`,
// `(count()) > 1`), pipeline stages are joined with "|", strings print as `raw` strings,
// durations as Go prints them ("1h0m0s", "1.5ms"), floats in Go's shortest %g form with ".0"
// added to integral values, scoped span intrinsics in their unscoped spelling (`span:duration`
// prints `duration`), and metrics arithmetic as `(lhs) op (rhs)`.
//
// Where Tempo's String() would not parse back, we print something that does (and say so):
// compare() prints all its arguments; a string holding a backtick or carriage return prints
// "double-quoted"; quantiles print in shortest form instead of %.5f; attribute names that would
// not lex back unquoted (spaces, operators, quotes, a leading digit) print quoted.
//
// Guarantee (tested, fuzzed): Parse(Print(Parse(q))) succeeds and prints identically, i.e. the
// printed form is a fixpoint describing the same tree, except that a query within a few levels
// of kMaxParseDepth may print (with its added parentheses) deeper than the parser accepts.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "query/traceql/syntax/ast.h"

namespace loupe::query::traceql {

std::string Print(const RootExpr& e);
std::string Print(const Pipeline& p);
std::string Print(const PipelineElement& e);
std::string Print(const SpansetExpr& e);
std::string Print(const FieldExpr& e);
std::string Print(const ScalarExpr& e);
std::string Print(const MetricsExpr& e);
std::string Print(const MetricsFirstStage& f);
std::string Print(const SecondStage& s);
std::string Print(const Static& v);
std::string Print(const Attribute& a);

// Go's time.Duration.String(): "0s", "1.5µs", "100ms", "1m30s", "1h0m0s", "-2s".
std::string FormatGoDuration(int64_t nanos);
// Go's strconv.FormatFloat(v, 'g', -1, 64): "0.5", "100000", "1e+06", "1.5e-05", "NaN", "+Inf".
std::string FormatGoFloat(double v);

}  // namespace loupe::query::traceql
