#include "query/promql/syntax/ast.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "query/promql/syntax/functions.h"

namespace loupe::query::promql {

std::string_view ValueTypeName(ValueType t) {
  switch (t) {
    case ValueType::kNone:
      return "none";
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kVector:
      return "vector";
    case ValueType::kMatrix:
      return "matrix";
    case ValueType::kString:
      return "string";
  }
  return "none";
}

std::string_view DocumentedType(ValueType t) {
  switch (t) {
    case ValueType::kVector:
      return "instant vector";
    case ValueType::kMatrix:
      return "range vector";
    default:
      return ValueTypeName(t);
  }
}

std::string_view BinaryOpString(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
      return "+";
    case BinaryOp::kSub:
      return "-";
    case BinaryOp::kMul:
      return "*";
    case BinaryOp::kDiv:
      return "/";
    case BinaryOp::kMod:
      return "%";
    case BinaryOp::kPow:
      return "^";
    case BinaryOp::kAtan2:
      return "atan2";
    case BinaryOp::kEqlc:
      return "==";
    case BinaryOp::kNeq:
      return "!=";
    case BinaryOp::kGtr:
      return ">";
    case BinaryOp::kLss:
      return "<";
    case BinaryOp::kGte:
      return ">=";
    case BinaryOp::kLte:
      return "<=";
    case BinaryOp::kAnd:
      return "and";
    case BinaryOp::kOr:
      return "or";
    case BinaryOp::kUnless:
      return "unless";
  }
  return "?";
}

bool IsComparisonOp(BinaryOp op) {
  switch (op) {
    case BinaryOp::kEqlc:
    case BinaryOp::kNeq:
    case BinaryOp::kGtr:
    case BinaryOp::kLss:
    case BinaryOp::kGte:
    case BinaryOp::kLte:
      return true;
    default:
      return false;
  }
}

bool IsSetOp(BinaryOp op) {
  return op == BinaryOp::kAnd || op == BinaryOp::kOr || op == BinaryOp::kUnless;
}

int BinaryOpPrecedence(BinaryOp op) {
  switch (op) {
    case BinaryOp::kOr:
      return 1;
    case BinaryOp::kAnd:
    case BinaryOp::kUnless:
      return 2;
    case BinaryOp::kEqlc:
    case BinaryOp::kNeq:
    case BinaryOp::kGtr:
    case BinaryOp::kLss:
    case BinaryOp::kGte:
    case BinaryOp::kLte:
      return 3;
    case BinaryOp::kAdd:
    case BinaryOp::kSub:
      return 4;
    case BinaryOp::kMul:
    case BinaryOp::kDiv:
    case BinaryOp::kMod:
    case BinaryOp::kAtan2:
      return 5;
    case BinaryOp::kPow:
      return 6;
  }
  return 0;
}

std::string_view AggregateOpString(AggregateOp op) {
  switch (op) {
    case AggregateOp::kSum:
      return "sum";
    case AggregateOp::kAvg:
      return "avg";
    case AggregateOp::kCount:
      return "count";
    case AggregateOp::kMin:
      return "min";
    case AggregateOp::kMax:
      return "max";
    case AggregateOp::kGroup:
      return "group";
    case AggregateOp::kStddev:
      return "stddev";
    case AggregateOp::kStdvar:
      return "stdvar";
    case AggregateOp::kTopk:
      return "topk";
    case AggregateOp::kBottomk:
      return "bottomk";
    case AggregateOp::kQuantile:
      return "quantile";
    case AggregateOp::kCountValues:
      return "count_values";
    case AggregateOp::kLimitk:
      return "limitk";
    case AggregateOp::kLimitRatio:
      return "limit_ratio";
  }
  return "?";
}

bool AggregateOpHasParam(AggregateOp op) {
  switch (op) {
    case AggregateOp::kTopk:
    case AggregateOp::kBottomk:
    case AggregateOp::kQuantile:
    case AggregateOp::kCountValues:
    case AggregateOp::kLimitk:
    case AggregateOp::kLimitRatio:
      return true;
    default:
      return false;
  }
}

bool AggregateOpIsExperimental(AggregateOp op) {
  return op == AggregateOp::kLimitk || op == AggregateOp::kLimitRatio;
}

ValueType Expr::Type() const {
  switch (kind) {
    case ExprKind::kNumberLiteral:
      return ValueType::kScalar;
    case ExprKind::kStringLiteral:
      return ValueType::kString;
    case ExprKind::kVectorSelector:
      return ValueType::kVector;
    case ExprKind::kMatrixSelector:
      return ValueType::kMatrix;
    case ExprKind::kSubquery:
      return ValueType::kMatrix;
    case ExprKind::kAggregate:
      return ValueType::kVector;
    case ExprKind::kCall: {
      const Function* f = static_cast<const Call*>(this)->func;
      return f == nullptr ? ValueType::kNone : f->return_type;
    }
    case ExprKind::kBinary: {
      const auto* b = static_cast<const BinaryExpr*>(this);
      return b->lhs->Type() == ValueType::kScalar && b->rhs->Type() == ValueType::kScalar
                 ? ValueType::kScalar
                 : ValueType::kVector;
    }
    case ExprKind::kUnary:
      return static_cast<const UnaryExpr*>(this)->expr->Type();
    case ExprKind::kParen:
      return static_cast<const ParenExpr*>(this)->expr->Type();
  }
  return ValueType::kNone;
}

std::vector<Expr*> Children(Expr& e) {
  switch (e.kind) {
    case ExprKind::kNumberLiteral:
    case ExprKind::kStringLiteral:
    case ExprKind::kVectorSelector:
      return {};
    case ExprKind::kMatrixSelector:
      return {As<MatrixSelector>(e).selector.get()};
    case ExprKind::kSubquery:
      return {As<SubqueryExpr>(e).expr.get()};
    case ExprKind::kCall: {
      std::vector<Expr*> out;
      for (auto& a : As<Call>(e).args) out.push_back(a.get());
      return out;
    }
    case ExprKind::kAggregate: {
      auto& a = As<AggregateExpr>(e);
      std::vector<Expr*> out;
      if (a.param) out.push_back(a.param.get());
      if (a.expr) out.push_back(a.expr.get());
      return out;
    }
    case ExprKind::kBinary:
      return {As<BinaryExpr>(e).lhs.get(), As<BinaryExpr>(e).rhs.get()};
    case ExprKind::kUnary:
      return {As<UnaryExpr>(e).expr.get()};
    case ExprKind::kParen:
      return {As<ParenExpr>(e).expr.get()};
  }
  return {};
}

std::vector<const Expr*> Children(const Expr& e) {
  std::vector<Expr*> mutable_children = Children(const_cast<Expr&>(e));
  return std::vector<const Expr*>(mutable_children.begin(), mutable_children.end());
}

namespace {

bool SameNumber(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return a == b && std::signbit(a) == std::signbit(b);
}

// Matchers select the same series in any order, and the printer sorts them.
bool SameMatchers(const std::vector<storage::model::Matcher>& a,
                  const std::vector<storage::model::Matcher>& b) {
  if (a.size() != b.size()) return false;
  using Key = std::tuple<std::string, int, std::string>;
  auto keys = [](const std::vector<storage::model::Matcher>& ms) {
    std::vector<Key> k;
    k.reserve(ms.size());
    for (const auto& m : ms) k.emplace_back(m.name(), static_cast<int>(m.type()), m.value());
    std::sort(k.begin(), k.end());
    return k;
  };
  return keys(a) == keys(b);
}

bool EqualPtr(const Expr* a, const Expr* b, bool pos) {
  if (a == nullptr || b == nullptr) return a == b;
  return ExprEqual(*a, *b, pos);
}

}  // namespace

bool ExprEqual(const Expr& a, const Expr& b, bool compare_positions) {
  if (a.kind != b.kind) return false;
  if (compare_positions && !(a.pos == b.pos)) return false;
  const bool p = compare_positions;
  switch (a.kind) {
    case ExprKind::kNumberLiteral: {
      const auto& x = As<NumberLiteral>(a);
      const auto& y = As<NumberLiteral>(b);
      return SameNumber(x.value, y.value) && x.is_duration == y.is_duration &&
             (!x.is_duration || x.duration_ms == y.duration_ms);
    }
    case ExprKind::kStringLiteral:
      return As<StringLiteral>(a).value == As<StringLiteral>(b).value;
    case ExprKind::kVectorSelector: {
      const auto& x = As<VectorSelector>(a);
      const auto& y = As<VectorSelector>(b);
      return x.name == y.name && SameMatchers(x.matchers, y.matchers) && x.mods == y.mods &&
             x.bypass_empty_matcher_check == y.bypass_empty_matcher_check;
    }
    case ExprKind::kMatrixSelector: {
      const auto& x = As<MatrixSelector>(a);
      const auto& y = As<MatrixSelector>(b);
      return x.range_ms == y.range_ms && EqualPtr(x.selector.get(), y.selector.get(), p);
    }
    case ExprKind::kSubquery: {
      const auto& x = As<SubqueryExpr>(a);
      const auto& y = As<SubqueryExpr>(b);
      return x.range_ms == y.range_ms && x.step_ms == y.step_ms && x.mods == y.mods &&
             EqualPtr(x.expr.get(), y.expr.get(), p);
    }
    case ExprKind::kCall: {
      const auto& x = As<Call>(a);
      const auto& y = As<Call>(b);
      if (x.func != y.func || x.args.size() != y.args.size()) return false;
      for (size_t i = 0; i < x.args.size(); ++i) {
        if (!EqualPtr(x.args[i].get(), y.args[i].get(), p)) return false;
      }
      return true;
    }
    case ExprKind::kAggregate: {
      const auto& x = As<AggregateExpr>(a);
      const auto& y = As<AggregateExpr>(b);
      return x.op == y.op && x.grouping == y.grouping && x.without == y.without &&
             EqualPtr(x.expr.get(), y.expr.get(), p) && EqualPtr(x.param.get(), y.param.get(), p);
    }
    case ExprKind::kBinary: {
      const auto& x = As<BinaryExpr>(a);
      const auto& y = As<BinaryExpr>(b);
      return x.op == y.op && x.return_bool == y.return_bool && x.matching == y.matching &&
             EqualPtr(x.lhs.get(), y.lhs.get(), p) && EqualPtr(x.rhs.get(), y.rhs.get(), p);
    }
    case ExprKind::kUnary: {
      const auto& x = As<UnaryExpr>(a);
      const auto& y = As<UnaryExpr>(b);
      return x.op == y.op && EqualPtr(x.expr.get(), y.expr.get(), p);
    }
    case ExprKind::kParen:
      return EqualPtr(As<ParenExpr>(a).expr.get(), As<ParenExpr>(b).expr.get(), p);
  }
  return false;
}

}  // namespace loupe::query::promql
