#include "query/logql/syntax/ast.h"

namespace loupe::query::logql {

std::string_view LineMatchTypeString(LineMatchType t) {
  switch (t) {
    case LineMatchType::kContains:
      return "|=";
    case LineMatchType::kNotContains:
      return "!=";
    case LineMatchType::kRegexp:
      return "|~";
    case LineMatchType::kNotRegexp:
      return "!~";
    case LineMatchType::kPattern:
      return "|>";
    case LineMatchType::kNotPattern:
      return "!>";
  }
  return "?";
}

bool IsPositive(LineMatchType t) {
  return t == LineMatchType::kContains || t == LineMatchType::kRegexp ||
         t == LineMatchType::kPattern;
}

std::string_view CompareOpString(CompareOp op) {
  switch (op) {
    case CompareOp::kEq:
      return "==";
    case CompareOp::kNe:
      return "!=";
    case CompareOp::kGt:
      return ">";
    case CompareOp::kGe:
      return ">=";
    case CompareOp::kLt:
      return "<";
    case CompareOp::kLe:
      return "<=";
  }
  return "?";
}

std::string_view RangeOpString(RangeOp op) {
  switch (op) {
    case RangeOp::kCountOverTime:
      return "count_over_time";
    case RangeOp::kRate:
      return "rate";
    case RangeOp::kRateCounter:
      return "rate_counter";
    case RangeOp::kBytesOverTime:
      return "bytes_over_time";
    case RangeOp::kBytesRate:
      return "bytes_rate";
    case RangeOp::kAvgOverTime:
      return "avg_over_time";
    case RangeOp::kSumOverTime:
      return "sum_over_time";
    case RangeOp::kMinOverTime:
      return "min_over_time";
    case RangeOp::kMaxOverTime:
      return "max_over_time";
    case RangeOp::kStdvarOverTime:
      return "stdvar_over_time";
    case RangeOp::kStddevOverTime:
      return "stddev_over_time";
    case RangeOp::kQuantileOverTime:
      return "quantile_over_time";
    case RangeOp::kFirstOverTime:
      return "first_over_time";
    case RangeOp::kLastOverTime:
      return "last_over_time";
    case RangeOp::kAbsentOverTime:
      return "absent_over_time";
  }
  return "?";
}

std::string_view VectorOpString(VectorOp op) {
  switch (op) {
    case VectorOp::kSum:
      return "sum";
    case VectorOp::kAvg:
      return "avg";
    case VectorOp::kCount:
      return "count";
    case VectorOp::kMax:
      return "max";
    case VectorOp::kMin:
      return "min";
    case VectorOp::kStddev:
      return "stddev";
    case VectorOp::kStdvar:
      return "stdvar";
    case VectorOp::kBottomk:
      return "bottomk";
    case VectorOp::kTopk:
      return "topk";
    case VectorOp::kSort:
      return "sort";
    case VectorOp::kSortDesc:
      return "sort_desc";
    case VectorOp::kApproxTopk:
      return "approx_topk";
  }
  return "?";
}

std::string_view BinaryOpString(BinaryOpKind op) {
  switch (op) {
    case BinaryOpKind::kOr:
      return "or";
    case BinaryOpKind::kAnd:
      return "and";
    case BinaryOpKind::kUnless:
      return "unless";
    case BinaryOpKind::kAdd:
      return "+";
    case BinaryOpKind::kSub:
      return "-";
    case BinaryOpKind::kMul:
      return "*";
    case BinaryOpKind::kDiv:
      return "/";
    case BinaryOpKind::kMod:
      return "%";
    case BinaryOpKind::kPow:
      return "^";
    case BinaryOpKind::kEq:
      return "==";
    case BinaryOpKind::kNe:
      return "!=";
    case BinaryOpKind::kGt:
      return ">";
    case BinaryOpKind::kGe:
      return ">=";
    case BinaryOpKind::kLt:
      return "<";
    case BinaryOpKind::kLe:
      return "<=";
  }
  return "?";
}

bool IsComparison(BinaryOpKind op) {
  switch (op) {
    case BinaryOpKind::kEq:
    case BinaryOpKind::kNe:
    case BinaryOpKind::kGt:
    case BinaryOpKind::kGe:
    case BinaryOpKind::kLt:
    case BinaryOpKind::kLe:
      return true;
    default:
      return false;
  }
}

bool IsSetOperation(BinaryOpKind op) {
  return op == BinaryOpKind::kOr || op == BinaryOpKind::kAnd || op == BinaryOpKind::kUnless;
}

}  // namespace loupe::query::logql
