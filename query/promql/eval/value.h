// Query results as plain structs, ready for an HTTP layer to serialise the way Prometheus's
// /api/v1/query and /api/v1/query_range do (resultType "scalar", "string", "vector",
// "matrix"; timestamps in milliseconds here, seconds on the wire).
//
// Thread-safety: value types.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "query/common/annotations.h"
#include "query/promql/syntax/ast.h"
#include "storage/model/labels.h"

namespace loupe::query::promql {

struct Point {
  int64_t t = 0;  // ms
  double v = 0;
  friend bool operator==(const Point&, const Point&) = default;
};

struct ScalarResult {
  int64_t t = 0;
  double v = 0;
};

struct StringResult {
  int64_t t = 0;
  std::string v;
};

struct VectorElement {
  storage::model::Labels metric;
  int64_t t = 0;
  double v = 0;
};

struct MatrixSeries {
  storage::model::Labels metric;
  std::vector<Point> points;  // ascending t
};

struct QueryResult {
  // kScalar, kString, kVector (instant queries) or kMatrix (range queries, and instant
  // queries of range-vector expressions).
  ValueType type = ValueType::kNone;
  ScalarResult scalar;
  StringResult string;
  std::vector<VectorElement> vector;  // in evaluation order (sort() etc. are honoured)
  std::vector<MatrixSeries> matrix;   // sorted by labels
  Annotations annotations;
  // Samples the evaluation held in memory at its peak (the quantity max_samples limits).
  int64_t peak_samples = 0;
};

// A readable dump for tests and the promqltest runner, one element per line, e.g.
// `{__name__="x", a="b"} 1 @[60000]`.
std::string DebugString(const QueryResult& r);

}  // namespace loupe::query::promql
