// The PromQL syntax tree as /api/v1/parse_query returns it (the shapes of Prometheus's
// translateAST: vectorSelector, matrixSelector, subquery, call, aggregation, binaryExpr, ...).
#pragma once

#include <nlohmann/json.hpp>

#include "query/promql/syntax/ast.h"

namespace loupe::appliance::api {

nlohmann::json PromqlAstJson(const query::promql::Expr& e);

// Every vector selector (also inside matrix selectors and subqueries), for query_exemplars.
void CollectSelectors(const query::promql::Expr& e, std::vector<const query::promql::VectorSelector*>* out);

}  // namespace loupe::appliance::api
