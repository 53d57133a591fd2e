// Printing a PromQL tree back to source.
//
// Print() gives the canonical one-line form of Prometheus's Expr.String(): one space around
// binary operators, `sum by (job) (x)`, `a + on (x) group_left (y) b`, matchers sorted with
// the metric name in front, durations in Prometheus's units (`90d`, `1h30m`), `@ 10.000`.
// Printing then parsing gives back an equal tree.
//
// Deliberate differences from Prometheus, made so that the output always parses back to the
// same tree: label names in grouping lists that are not plain label names are quoted
// (Prometheus leaves on()/ignoring() labels unquoted); `ignoring () group_left ()` is kept
// when the label list is empty (Prometheus drops it and with it the group modifier); a
// negated zero duration prints as `-0s`; +Inf as the left operand of `^` prints as `Inf`
// (`+Inf ^ 2` would parse as `+(Inf ^ 2)`); and an `@` timestamp too large to survive float
// seconds is printed with the digits it needs.
//
// Pretty() is the formatter behind Prometheus's /api/v1/format_query: a node whose one-line
// form is longer than max_width is split, its children indented two spaces per level.
//
// Thread-safety: pure functions of the tree.
#pragma once

#include <string>

#include "query/promql/syntax/ast.h"

namespace loupe::query::promql {

std::string Print(const Expr& expr);

inline constexpr int kPrettyMaxWidth = 100;
std::string Pretty(const Expr& expr, int max_width = kPrettyMaxWidth);

}  // namespace loupe::query::promql
