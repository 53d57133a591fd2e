// The PromQL abstract syntax tree, as produced by the parser (parser.h) and consumed by the
// printer (printer.h) and the evaluator.
//
// The tree mirrors Prometheus's promql/parser AST so that evaluation can follow Prometheus's
// engine step by step:
// - every node records its byte range in the query (`pos`), used for error messages;
// - every node has a value type (Type()): scalar, instant vector, range vector or string;
// - a vector selector keeps its label matchers in source order, with the matcher for a metric
//   name written before the braces appended last (`foo{a="b"}` -> [a="b", __name__="foo"]);
// - offsets and `@` modifiers of a range selector live on its inner vector selector;
// - durations are kept in milliseconds (the smallest PromQL duration unit).
//
// Nodes own their children through ExprPtr (std::unique_ptr). A parsed tree never exceeds
// kMaxExprDepth levels, so recursive walks over it are bounded.
//
// Thread-safety: a tree is a plain value; concurrent reads are safe, writes need external
// synchronisation.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/model/matcher.h"

namespace loupe::query::promql {

// Deepest tree the parser builds; deeper queries are rejected with a parse error.
inline constexpr int kMaxExprDepth = 1000;

// Byte offsets into the query: [start, end).
struct PositionRange {
  int32_t start = 0;
  int32_t end = 0;
  friend bool operator==(const PositionRange&, const PositionRange&) = default;
};

enum class ValueType { kNone, kScalar, kVector, kMatrix, kString };

// Prometheus's internal names: "none", "scalar", "vector", "matrix", "string".
std::string_view ValueTypeName(ValueType t);
// The names used in documentation and most error messages: "instant vector", "range vector",
// "scalar", "string", "none".
std::string_view DocumentedType(ValueType t);

enum class BinaryOp {
  // Arithmetic.
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kAtan2,
  // Comparison.
  kEqlc,
  kNeq,
  kGtr,
  kLss,
  kGte,
  kLte,
  // Set.
  kAnd,
  kOr,
  kUnless,
};
std::string_view BinaryOpString(BinaryOp op);  // "+", "atan2", "==", "unless", ...
bool IsComparisonOp(BinaryOp op);
bool IsSetOp(BinaryOp op);
// Binding strength, higher binds tighter: or=1, and/unless=2, comparisons=3, +-=4,
// * / % atan2=5, ^=6. All operators are left-associative except ^.
int BinaryOpPrecedence(BinaryOp op);

enum class AggregateOp {
  kSum,
  kAvg,
  kCount,
  kMin,
  kMax,
  kGroup,
  kStddev,
  kStdvar,
  kTopk,
  kBottomk,
  kQuantile,
  kCountValues,
  kLimitk,
  kLimitRatio,
};
std::string_view AggregateOpString(AggregateOp op);  // "sum", "count_values", ...
// topk, bottomk, quantile, count_values, limitk and limit_ratio take a parameter first.
bool AggregateOpHasParam(AggregateOp op);
// limitk and limit_ratio are experimental in Prometheus 3.
bool AggregateOpIsExperimental(AggregateOp op);

enum class UnaryOp { kAdd, kSub };

enum class ExprKind {
  kNumberLiteral,
  kStringLiteral,
  kVectorSelector,
  kMatrixSelector,
  kSubquery,
  kCall,
  kAggregate,
  kBinary,
  kUnary,
  kParen,
};

struct Function;  // functions.h

struct Expr {
  explicit Expr(ExprKind k) : kind(k) {}
  virtual ~Expr() = default;
  Expr(const Expr&) = delete;
  Expr& operator=(const Expr&) = delete;

  ValueType Type() const;

  const ExprKind kind;
  PositionRange pos;
};
using ExprPtr = std::unique_ptr<Expr>;

// Checked downcast: `As<VectorSelector>(e)`; aborts if the kind does not match (a bug).
template <typename T>
const T& As(const Expr& e);
template <typename T>
T& As(Expr& e);

struct NumberLiteral : Expr {
  static constexpr ExprKind kKind = ExprKind::kNumberLiteral;
  NumberLiteral() : Expr(kKind) {}
  double value = 0;
  // Written as a duration ("5m" used as a number means 300 seconds); printed back as one.
  bool is_duration = false;
  int64_t duration_ms = 0;  // exact value when is_duration
};

struct StringLiteral : Expr {
  static constexpr ExprKind kKind = ExprKind::kStringLiteral;
  StringLiteral() : Expr(kKind) {}
  std::string value;  // unquoted
};

enum class AtModifier { kNone, kTimestamp, kStart, kEnd };

// Fields shared by everything that can carry `offset` and `@`.
struct TimeModifiers {
  int64_t offset_ms = 0;  // as written; negative for `offset -5m`
  AtModifier at = AtModifier::kNone;
  int64_t at_ms = 0;  // when at == kTimestamp: milliseconds since the epoch
  friend bool operator==(const TimeModifiers&, const TimeModifiers&) = default;
};

struct VectorSelector : Expr {
  static constexpr ExprKind kKind = ExprKind::kVectorSelector;
  VectorSelector() : Expr(kKind) {}
  // The metric name written before the braces; empty for `{__name__="x"}` or `{"x"}`.
  std::string name;
  std::vector<storage::model::Matcher> matchers;
  TimeModifiers mods;
  // Set for the label-selector argument of info(), which may match nothing by itself.
  bool bypass_empty_matcher_check = false;
};

struct MatrixSelector : Expr {
  static constexpr ExprKind kKind = ExprKind::kMatrixSelector;
  MatrixSelector() : Expr(kKind) {}
  std::unique_ptr<VectorSelector> selector;  // never null; carries offset and @
  int64_t range_ms = 0;
};

struct SubqueryExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kSubquery;
  SubqueryExpr() : Expr(kKind) {}
  ExprPtr expr;
  int64_t range_ms = 0;
  int64_t step_ms = 0;  // 0: the evaluation's default step
  TimeModifiers mods;
};

struct Call : Expr {
  static constexpr ExprKind kKind = ExprKind::kCall;
  Call() : Expr(kKind) {}
  const Function* func = nullptr;  // never null in a successfully parsed tree
  std::vector<ExprPtr> args;
};

struct AggregateExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kAggregate;
  AggregateExpr() : Expr(kKind) {}
  AggregateOp op = AggregateOp::kSum;
  ExprPtr expr;
  ExprPtr param;  // only for ops with a parameter
  std::vector<std::string> grouping;
  bool without = false;
};

enum class VectorMatchCardinality { kOneToOne, kManyToOne, kOneToMany, kManyToMany };

struct VectorMatching {
  VectorMatchCardinality card = VectorMatchCardinality::kOneToOne;
  std::vector<std::string> matching_labels;  // on(...) / ignoring(...)
  bool on = false;
  std::vector<std::string> include;  // group_left(...) / group_right(...)
  friend bool operator==(const VectorMatching&, const VectorMatching&) = default;
};

struct BinaryExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kBinary;
  BinaryExpr() : Expr(kKind) {}
  BinaryOp op = BinaryOp::kAdd;
  ExprPtr lhs;
  ExprPtr rhs;
  bool return_bool = false;
  // Present iff both sides are instant vectors (set operators get kManyToMany).
  std::optional<VectorMatching> matching;
};

struct UnaryExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kUnary;
  UnaryExpr() : Expr(kKind) {}
  UnaryOp op = UnaryOp::kSub;
  ExprPtr expr;
};

struct ParenExpr : Expr {
  static constexpr ExprKind kKind = ExprKind::kParen;
  ParenExpr() : Expr(kKind) {}
  ExprPtr expr;
};

// The direct children of a node in evaluation order (a matrix selector's vector selector,
// an aggregation's parameter before its expression, a binary expression's left side first).
std::vector<const Expr*> Children(const Expr& e);
std::vector<Expr*> Children(Expr& e);

// Structural equality. With compare_positions=false, two trees that print the same are
// equal (used by round-trip tests): label matchers compare as a set (the printer sorts
// them) and NaN literals compare equal to each other.
bool ExprEqual(const Expr& a, const Expr& b, bool compare_positions = false);

template <typename T>
const T& As(const Expr& e) {
  if (e.kind != T::kKind) std::abort();
  return static_cast<const T&>(e);
}
template <typename T>
T& As(Expr& e) {
  if (e.kind != T::kKind) std::abort();
  return static_cast<T&>(e);
}

}  // namespace loupe::query::promql
