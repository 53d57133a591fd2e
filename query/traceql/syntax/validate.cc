#include "query/traceql/syntax/validate.h"

#include <re2/re2.h>

#include "query/traceql/syntax/printer.h"

namespace loupe::query::traceql {
namespace {

Status Invalid(std::string msg) { return Status::InvalidArgument(std::move(msg)); }
Status Unsupported(const std::string& feature) {
  return Status::Unimplemented(feature + " not yet supported");
}

// Whether two operand types may meet in a binary operation at all (Tempo's isMatchingOperand).
bool IsMatchingOperand(StaticType a, StaticType b) {
  if (a == StaticType::kAttribute || b == StaticType::kAttribute) return true;
  if (a == b) return true;
  if (IsNumeric(a) && IsNumeric(b)) return true;
  return a == StaticType::kNil || b == StaticType::kNil;
}

// Whether `op` accepts an operand of type `t` (Tempo's binaryTypeValid).
bool BinaryTypeValid(Op op, StaticType t) {
  switch (t) {
    case StaticType::kAttribute:
      return true;
    case StaticType::kBoolean:
      return op == Op::kAnd || op == Op::kOr || op == Op::kEqual || op == Op::kNotEqual;
    case StaticType::kInt:
    case StaticType::kFloat:
    case StaticType::kDuration:
      return IsArithmetic(op) || IsComparison(op);
    case StaticType::kString:
      return IsComparison(op) || op == Op::kRegex || op == Op::kNotRegex;
    case StaticType::kNil:
    case StaticType::kStatus:
    case StaticType::kKind:
      return op == Op::kEqual || op == Op::kNotEqual;
    default:
      return false;
  }
}

bool UnaryTypeValid(Op op, StaticType t) {
  if (t == StaticType::kAttribute) return true;
  switch (op) {
    case Op::kSub:
      return IsNumeric(t);
    case Op::kNot:
      return t == StaticType::kBoolean;
    case Op::kExists:
    case Op::kNotExists:
      return true;
    default:
      return false;
  }
}

Status ValidateAttribute(const Attribute& a) {
  if (a.parent) return Unsupported("parent");
  if (a.intrinsic == Intrinsic::kParent) return Unsupported("intrinsic (parent)");
  return Status::OK();
}

Status CheckBinaryTypes(Op op, StaticType lhs, StaticType rhs, const std::string& printed) {
  if (!IsMatchingOperand(lhs, rhs)) {
    return Invalid("binary operations must operate on the same type: " + printed);
  }
  if (!BinaryTypeValid(op, lhs) || !BinaryTypeValid(op, rhs)) {
    return Invalid("illegal operation for the given types: " + printed);
  }
  return Status::OK();
}

Status ValidateField(const FieldExpr& e) {
  switch (e.kind) {
    case FieldExpr::Kind::kStatic:
      return Status::OK();
    case FieldExpr::Kind::kAttribute:
      return ValidateAttribute(e.attr);
    case FieldExpr::Kind::kUnary: {
      LOUPE_RETURN_IF_ERROR(ValidateField(*e.lhs));
      if (e.op == Op::kNotExists && e.lhs->kind == FieldExpr::Kind::kAttribute) {
        const Attribute& a = e.lhs->attr;
        if (a.IsIntrinsic()) {
          return Invalid(Print(a) + "=nil is not valid because intrinsics cannot be nil");
        }
        if (a == Attribute::Named(AttributeScope::kResource, false, "service.name")) {
          return Invalid(Print(a) +
                         "=nil is not valid because resource.service.name cannot be nil");
        }
      }
      if (!UnaryTypeValid(e.op, ImpliedType(*e.lhs))) {
        return Invalid("illegal operation for the given type: " + Print(e));
      }
      return Status::OK();
    }
    case FieldExpr::Kind::kBinary: {
      LOUPE_RETURN_IF_ERROR(ValidateField(*e.lhs));
      LOUPE_RETURN_IF_ERROR(ValidateField(*e.rhs));
      const StaticType rhs_type = ImpliedType(*e.rhs);
      LOUPE_RETURN_IF_ERROR(CheckBinaryTypes(e.op, ImpliedType(*e.lhs), rhs_type, Print(e)));
      if (e.op == Op::kRegex || e.op == Op::kNotRegex) {
        if (e.rhs->kind != FieldExpr::Kind::kStatic || rhs_type != StaticType::kString) {
          return Invalid("invalid type for =~ or !~: " + Print(*e.rhs));
        }
        // Matched fully anchored, as Tempo's regexp wrapper does.
        RE2::Options opts;
        opts.set_log_errors(false);
        opts.set_dot_nl(true);
        const RE2 re("^(?:" + e.rhs->value.s + ")$", opts);
        if (!re.ok()) return Invalid("invalid regex: " + Print(*e.rhs));
      }
      return Status::OK();
    }
  }
  return Status::OK();
}

Status ValidatePipeline(const Pipeline& p);

Status ValidateAggregate(AggregateOp op, const FieldExpr* arg, const std::string& printed) {
  if (arg == nullptr) return Status::OK();
  LOUPE_RETURN_IF_ERROR(ValidateField(*arg));
  const StaticType t = ImpliedType(*arg);
  if (t != StaticType::kAttribute && !IsNumeric(t)) {
    return Invalid("aggregate field expressions must resolve to a number type: " + printed);
  }
  if (!ReferencesSpan(*arg)) {
    return Invalid("aggregate field expressions must reference the span: " + printed);
  }
  return Status::OK();
}

Status ValidateScalar(const ScalarExpr& e) {
  switch (e.kind) {
    case ScalarExpr::Kind::kStatic:
      return Status::OK();
    case ScalarExpr::Kind::kAggregate:
      return ValidateAggregate(e.agg, e.agg_expr.get(), Print(e));
    case ScalarExpr::Kind::kPipeline:
      return ValidatePipeline(*e.pipeline);
    case ScalarExpr::Kind::kBinary:
      LOUPE_RETURN_IF_ERROR(ValidateScalar(*e.lhs));
      LOUPE_RETURN_IF_ERROR(ValidateScalar(*e.rhs));
      return CheckBinaryTypes(e.op, ImpliedType(*e.lhs), ImpliedType(*e.rhs), Print(e));
  }
  return Status::OK();
}

std::string_view ScalarKindName(const ScalarExpr& e) {
  switch (e.kind) {
    case ScalarExpr::Kind::kStatic:
      return "Static";
    case ScalarExpr::Kind::kAggregate:
      return "Aggregate";
    case ScalarExpr::Kind::kBinary:
      return "ScalarOperation";
    case ScalarExpr::Kind::kPipeline:
      return "Pipeline";
  }
  return "?";
}

Status ValidateSpanset(const SpansetExpr& e) {
  switch (e.kind) {
    case SpansetExpr::Kind::kFilter: {
      LOUPE_RETURN_IF_ERROR(ValidateField(*e.filter));
      const StaticType t = ImpliedType(*e.filter);
      if (t != StaticType::kAttribute && t != StaticType::kBoolean) {
        return Invalid("span filter field expressions must resolve to a boolean: " + Print(e));
      }
      return Status::OK();
    }
    case SpansetExpr::Kind::kOperation:
      LOUPE_RETURN_IF_ERROR(ValidateSpanset(*e.lhs));
      return ValidateSpanset(*e.rhs);
    case SpansetExpr::Kind::kPipeline:
      return ValidatePipeline(*e.pipeline);
  }
  return Status::OK();
}

Status ValidateElement(const PipelineElement& e) {
  switch (e.kind) {
    case PipelineElement::Kind::kSpanset:
      return ValidateSpanset(*e.spanset);
    case PipelineElement::Kind::kScalarFilter: {
      LOUPE_RETURN_IF_ERROR(ValidateScalar(*e.lhs));
      LOUPE_RETURN_IF_ERROR(ValidateScalar(*e.rhs));
      LOUPE_RETURN_IF_ERROR(
          CheckBinaryTypes(e.op, ImpliedType(*e.lhs), ImpliedType(*e.rhs), Print(e)));
      // Only `aggregate op literal` is evaluated (Tempo's ScalarFilter.validate).
      if (e.lhs->kind != ScalarExpr::Kind::kAggregate) {
        return Unsupported("scalar filter lhs of type (" + std::string(ScalarKindName(*e.lhs)) +
                           ")");
      }
      if (e.rhs->kind != ScalarExpr::Kind::kStatic) {
        return Unsupported("scalar filter rhs of type (" + std::string(ScalarKindName(*e.rhs)) +
                           ")");
      }
      return Status::OK();
    }
    case PipelineElement::Kind::kGroupBy:
      if (!ReferencesSpan(*e.expr)) {
        return Invalid("grouping field expressions must reference the span: " + Print(e));
      }
      return ValidateField(*e.expr);
    case PipelineElement::Kind::kCoalesce:
      return Status::OK();
    case PipelineElement::Kind::kSelect:
      for (const Attribute& a : e.select) LOUPE_RETURN_IF_ERROR(ValidateAttribute(a));
      return Status::OK();
    case PipelineElement::Kind::kAggregate:
      return ValidateAggregate(e.agg, e.expr.get(), Print(e));
  }
  return Status::OK();
}

Status ValidatePipeline(const Pipeline& p) {
  for (const PipelineElement& e : p.elements) LOUPE_RETURN_IF_ERROR(ValidateElement(e));
  return Status::OK();
}

Status ValidateFirstStage(const MetricsFirstStage& f) {
  if (f.op == MetricsOp::kCompare) {
    if (f.compare_filter) LOUPE_RETURN_IF_ERROR(ValidateSpanset(*f.compare_filter));
    if (f.top_n <= 0) {
      return Invalid("compare() top number of values must be integer greater than 0");
    }
    if (f.start == 0 && f.end == 0) return Status::OK();
    if (f.start <= 0 || f.end <= 0) {
      return Invalid("compare() timestamps must be positive integer unix nanoseconds");
    }
    if (f.end <= f.start) {
      return Invalid("compare() end timestamp must be greater than start timestamp");
    }
    return Status::OK();
  }
  if (f.attr) LOUPE_RETURN_IF_ERROR(ValidateAttribute(*f.attr));
  for (const Attribute& a : f.by) LOUPE_RETURN_IF_ERROR(ValidateAttribute(a));
  // Histograms and quantiles reserve one group-by slot for the bucket.
  const bool bucketed =
      f.op == MetricsOp::kQuantileOverTime || f.op == MetricsOp::kHistogramOverTime;
  if (f.by.size() > kMaxMetricsGroupBys || (bucketed && f.by.size() >= kMaxMetricsGroupBys)) {
    return Unsupported("metrics group by " + std::to_string(f.by.size()) + " values");
  }
  for (const double q : f.quantiles) {
    if (!(q >= 0 && q <= 1)) {
      return Invalid("quantile must be between 0 and 1: " + FormatGoFloat(q));
    }
  }
  return Status::OK();
}

Status ValidateSecondStages(const std::vector<SecondStage>& stages) {
  for (const SecondStage& s : stages) {
    if (s.kind != SecondStage::Kind::kFilter && s.limit <= 0) {
      return Invalid("limit must be greater than 0");
    }
  }
  return Status::OK();
}

bool ContainsCompare(const MetricsExpr& m) {
  switch (m.kind) {
    case MetricsExpr::Kind::kQuery:
      return m.first.op == MetricsOp::kCompare;
    case MetricsExpr::Kind::kScalar:
      return false;
    case MetricsExpr::Kind::kBinary:
      return ContainsCompare(*m.lhs) || ContainsCompare(*m.rhs);
  }
  return false;
}

Status ValidateMetrics(const MetricsExpr& m) {
  switch (m.kind) {
    case MetricsExpr::Kind::kQuery:
      LOUPE_RETURN_IF_ERROR(ValidatePipeline(m.pipeline));
      LOUPE_RETURN_IF_ERROR(ValidateFirstStage(m.first));
      LOUPE_RETURN_IF_ERROR(ValidateSecondStages(m.second_stages));
      if (m.first.op == MetricsOp::kCompare && !m.second_stages.empty()) {
        return Invalid("`compare()` cannot be used with second stage functions");
      }
      return Status::OK();
    case MetricsExpr::Kind::kScalar:
      return Status::OK();
    case MetricsExpr::Kind::kBinary:
      if (m.op != Op::kAdd && m.op != Op::kSub && m.op != Op::kMult && m.op != Op::kDiv) {
        return Invalid("unsupported math operation between queries: " +
                       std::string(OpString(m.op)));
      }
      LOUPE_RETURN_IF_ERROR(ValidateMetrics(*m.lhs));
      LOUPE_RETURN_IF_ERROR(ValidateMetrics(*m.rhs));
      // compare() yields baseline/selection series, which do not combine arithmetically.
      if (ContainsCompare(m)) {
        return Invalid("`compare()` cannot be used in math operations between queries");
      }
      return ValidateSecondStages(m.second_stages);
  }
  return Status::OK();
}

}  // namespace

Status Validate(const RootExpr& root) {
  if (root.metrics) return ValidateMetrics(*root.metrics);
  return ValidatePipeline(root.pipeline);
}

}  // namespace loupe::query::traceql
