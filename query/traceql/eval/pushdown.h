// Pushdown: the span-store scan a TraceQL pipeline needs. The store only narrows what the
// engine sees; the engine re-evaluates every condition exactly, so a plan must hand over a
// superset of what matters:
//  - without structural operators (and without childCount / nestedSet*), the spans that any
//    spanset filter of the first pipeline stage can match: one filter's must-hold conjuncts
//    (`match_all`), or one must-hold condition per filter (`match_all = false`);
//  - with them, whole traces (`whole_traces`) that hold a span satisfying the must-hold
//    conjuncts of a filter the result cannot do without (e.g. the right side of `>>`).
// A condition is pushed when the store's predicate is true wherever TraceQL's is (attributes
// and intrinsics compared with literals, `!= nil`, a bare boolean attribute);
// `resource.service.name` uses the store's service column.
// Known gap: the store's attribute predicates do not look inside array values, so a value
// condition on an array-valued attribute misses spans TraceQL would match.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <vector>

#include "query/traceql/eval/evaluator.h"
#include "query/traceql/syntax/ast.h"
#include "storage/spanstore/predicate.h"

namespace loupe::query::traceql::eval {

struct ScanPlan {
  std::vector<storage::spanstore::Predicate> predicates;
  bool match_all = true;
  bool whole_traces = false;
};

ScanPlan PlanScan(const Pipeline& pipeline, const Touched& touched);

// The store predicate equivalent to one field comparison (attribute vs literal), if any.
std::optional<storage::spanstore::Predicate> ToPredicate(const FieldExpr& e);
// Conditions that must hold for `e` to be true (from its top-level && chain).
std::vector<storage::spanstore::Predicate> MustHold(const FieldExpr& e);

}  // namespace loupe::query::traceql::eval
