#include "query/traceql/syntax/ast.h"

#include <cmath>
#include <limits>

namespace loupe::query::traceql {

std::string_view OpString(Op op) {
  switch (op) {
    case Op::kNone:
      return "";
    case Op::kAdd:
      return "+";
    case Op::kSub:
      return "-";
    case Op::kMult:
      return "*";
    case Op::kDiv:
      return "/";
    case Op::kMod:
      return "%";
    case Op::kPower:
      return "^";
    case Op::kEqual:
      return "=";
    case Op::kNotEqual:
      return "!=";
    case Op::kRegex:
      return "=~";
    case Op::kNotRegex:
      return "!~";
    case Op::kGreater:
      return ">";
    case Op::kGreaterEqual:
      return ">=";
    case Op::kLess:
      return "<";
    case Op::kLessEqual:
      return "<=";
    case Op::kAnd:
      return "&&";
    case Op::kOr:
      return "||";
    case Op::kNot:
      return "!";
    case Op::kExists:
      return "";
    case Op::kNotExists:
      return "";
    case Op::kSpansetAnd:
      return "&&";
    case Op::kSpansetUnion:
      return "||";
    case Op::kSpansetChild:
      return ">";
    case Op::kSpansetParent:
      return "<";
    case Op::kSpansetDescendant:
      return ">>";
    case Op::kSpansetAncestor:
      return "<<";
    case Op::kSpansetSibling:
      return "~";
    case Op::kSpansetNotChild:
      return "!>";
    case Op::kSpansetNotParent:
      return "!<";
    case Op::kSpansetNotDescendant:
      return "!>>";
    case Op::kSpansetNotAncestor:
      return "!<<";
    case Op::kSpansetNotSibling:
      return "!~";
    case Op::kSpansetUnionChild:
      return "&>";
    case Op::kSpansetUnionParent:
      return "&<";
    case Op::kSpansetUnionDescendant:
      return "&>>";
    case Op::kSpansetUnionAncestor:
      return "&<<";
    case Op::kSpansetUnionSibling:
      return "&~";
  }
  return "";
}

bool IsArithmetic(Op op) {
  return op == Op::kAdd || op == Op::kSub || op == Op::kMult || op == Op::kDiv || op == Op::kMod ||
         op == Op::kPower;
}

bool IsComparison(Op op) {
  return op == Op::kEqual || op == Op::kNotEqual || op == Op::kGreater || op == Op::kGreaterEqual ||
         op == Op::kLess || op == Op::kLessEqual;
}

bool IsBooleanOp(Op op) {
  return IsComparison(op) || op == Op::kRegex || op == Op::kNotRegex || op == Op::kAnd ||
         op == Op::kOr || op == Op::kNot || op == Op::kExists || op == Op::kNotExists;
}

std::string_view StaticTypeName(StaticType t) {
  switch (t) {
    case StaticType::kNil:
      return "TypeNil";
    case StaticType::kSpanset:
      return "TypeSpanset";
    case StaticType::kAttribute:
      return "TypeAttribute";
    case StaticType::kInt:
      return "TypeInt";
    case StaticType::kFloat:
      return "TypeFloat";
    case StaticType::kString:
      return "TypeString";
    case StaticType::kBoolean:
      return "TypeBoolean";
    case StaticType::kDuration:
      return "TypeDuration";
    case StaticType::kStatus:
      return "TypeStatus";
    case StaticType::kKind:
      return "TypeKind";
  }
  return "TypeUnknown";
}

bool IsNumeric(StaticType t) {
  return t == StaticType::kInt || t == StaticType::kFloat || t == StaticType::kDuration;
}

std::string_view SpanStatusName(SpanStatus s) {
  switch (s) {
    case SpanStatus::kError:
      return "error";
    case SpanStatus::kOk:
      return "ok";
    case SpanStatus::kUnset:
      return "unset";
  }
  return "status(?)";
}

std::string_view SpanKindName(SpanKind k) {
  switch (k) {
    case SpanKind::kUnspecified:
      return "unspecified";
    case SpanKind::kInternal:
      return "internal";
    case SpanKind::kClient:
      return "client";
    case SpanKind::kServer:
      return "server";
    case SpanKind::kProducer:
      return "producer";
    case SpanKind::kConsumer:
      return "consumer";
  }
  return "kind(?)";
}

double Static::AsDouble() const {
  switch (type) {
    case StaticType::kInt:
    case StaticType::kDuration:
      return static_cast<double>(i);
    case StaticType::kFloat:
      return f;
    default:
      return std::numeric_limits<double>::quiet_NaN();
  }
}

bool operator==(const Static& a, const Static& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case StaticType::kFloat:
      return a.f == b.f || (std::isnan(a.f) && std::isnan(b.f));
    case StaticType::kString:
      return a.s == b.s;
    case StaticType::kNil:
      return true;
    default:
      return a.i == b.i;
  }
}

std::string_view AttributeScopeName(AttributeScope s) {
  switch (s) {
    case AttributeScope::kNone:
      return "none";
    case AttributeScope::kResource:
      return "resource";
    case AttributeScope::kSpan:
      return "span";
    case AttributeScope::kEvent:
      return "event";
    case AttributeScope::kLink:
      return "link";
    case AttributeScope::kInstrumentation:
      return "instrumentation";
  }
  return "none";
}

std::string_view IntrinsicName(Intrinsic i) {
  switch (i) {
    case Intrinsic::kNone:
      return "none";
    case Intrinsic::kDuration:
      return "duration";
    case Intrinsic::kName:
      return "name";
    case Intrinsic::kStatus:
      return "status";
    case Intrinsic::kStatusMessage:
      return "statusMessage";
    case Intrinsic::kKind:
      return "kind";
    case Intrinsic::kChildCount:
      return "childCount";
    case Intrinsic::kTraceRootService:
      return "rootServiceName";
    case Intrinsic::kTraceRootSpan:
      return "rootName";
    case Intrinsic::kTraceDuration:
      return "traceDuration";
    case Intrinsic::kTraceID:
      return "trace:id";
    case Intrinsic::kSpanID:
      return "span:id";
    case Intrinsic::kParentID:
      return "span:parentID";
    case Intrinsic::kNestedSetLeft:
      return "nestedSetLeft";
    case Intrinsic::kNestedSetRight:
      return "nestedSetRight";
    case Intrinsic::kNestedSetParent:
      return "nestedSetParent";
    case Intrinsic::kEventName:
      return "event:name";
    case Intrinsic::kEventTimeSinceStart:
      return "event:timeSinceStart";
    case Intrinsic::kLinkSpanID:
      return "link:spanID";
    case Intrinsic::kLinkTraceID:
      return "link:traceID";
    case Intrinsic::kInstrumentationName:
      return "instrumentation:name";
    case Intrinsic::kInstrumentationVersion:
      return "instrumentation:version";
    case Intrinsic::kParent:
      return "parent";
  }
  return "none";
}

StaticType IntrinsicType(Intrinsic i) {
  switch (i) {
    case Intrinsic::kDuration:
    case Intrinsic::kTraceDuration:
    case Intrinsic::kEventTimeSinceStart:
      return StaticType::kDuration;
    case Intrinsic::kChildCount:
    case Intrinsic::kNestedSetLeft:
    case Intrinsic::kNestedSetRight:
    case Intrinsic::kNestedSetParent:
      return StaticType::kInt;
    case Intrinsic::kName:
    case Intrinsic::kStatusMessage:
    case Intrinsic::kTraceRootService:
    case Intrinsic::kTraceRootSpan:
    case Intrinsic::kTraceID:
    case Intrinsic::kSpanID:
    case Intrinsic::kParentID:
    case Intrinsic::kEventName:
    case Intrinsic::kLinkSpanID:
    case Intrinsic::kLinkTraceID:
      return StaticType::kString;
    case Intrinsic::kStatus:
      return StaticType::kStatus;
    case Intrinsic::kKind:
      return StaticType::kKind;
    case Intrinsic::kParent:
      return StaticType::kNil;
    case Intrinsic::kNone:
    case Intrinsic::kInstrumentationName:
    case Intrinsic::kInstrumentationVersion:
      return StaticType::kAttribute;
  }
  return StaticType::kAttribute;
}

Attribute Attribute::Named(AttributeScope scope, bool parent, std::string name) {
  Attribute a;
  a.name = std::move(name);
  a.scope = scope;
  a.parent = parent;
  return a;
}

Attribute Attribute::Of(Intrinsic i) {
  Attribute a;
  a.name = std::string(IntrinsicName(i));
  a.intrinsic = i;
  return a;
}

std::string_view AggregateOpName(AggregateOp op) {
  switch (op) {
    case AggregateOp::kCount:
      return "count";
    case AggregateOp::kMax:
      return "max";
    case AggregateOp::kMin:
      return "min";
    case AggregateOp::kAvg:
      return "avg";
    case AggregateOp::kSum:
      return "sum";
  }
  return "aggregate(?)";
}

std::string_view MetricsOpName(MetricsOp op) {
  switch (op) {
    case MetricsOp::kRate:
      return "rate";
    case MetricsOp::kCountOverTime:
      return "count_over_time";
    case MetricsOp::kMinOverTime:
      return "min_over_time";
    case MetricsOp::kMaxOverTime:
      return "max_over_time";
    case MetricsOp::kAvgOverTime:
      return "avg_over_time";
    case MetricsOp::kSumOverTime:
      return "sum_over_time";
    case MetricsOp::kQuantileOverTime:
      return "quantile_over_time";
    case MetricsOp::kHistogramOverTime:
      return "histogram_over_time";
    case MetricsOp::kCompare:
      return "compare";
  }
  return "metrics(?)";
}

StaticType ImpliedType(const FieldExpr& e) {
  switch (e.kind) {
    case FieldExpr::Kind::kStatic:
      return e.value.type;
    case FieldExpr::Kind::kAttribute:
      // Scoped or parent attributes never resolve to intrinsics.
      return e.attr.intrinsic == Intrinsic::kNone ? StaticType::kAttribute
                                                  : IntrinsicType(e.attr.intrinsic);
    case FieldExpr::Kind::kUnary:
      if (e.op == Op::kExists || e.op == Op::kNotExists) return StaticType::kBoolean;
      return ImpliedType(*e.lhs);
    case FieldExpr::Kind::kBinary: {
      if (IsBooleanOp(e.op)) return StaticType::kBoolean;
      const StaticType t = ImpliedType(*e.lhs);
      return t != StaticType::kAttribute ? t : ImpliedType(*e.rhs);
    }
  }
  return StaticType::kAttribute;
}

StaticType ImpliedType(const Pipeline& p) {
  if (p.elements.empty()) return StaticType::kSpanset;
  const PipelineElement& last = p.elements.back();
  if (last.kind != PipelineElement::Kind::kAggregate) return StaticType::kSpanset;
  if (last.agg == AggregateOp::kCount || last.expr == nullptr) return StaticType::kInt;
  return ImpliedType(*last.expr);
}

StaticType ImpliedType(const ScalarExpr& e) {
  switch (e.kind) {
    case ScalarExpr::Kind::kStatic:
      return e.value.type;
    case ScalarExpr::Kind::kAggregate:
      if (e.agg == AggregateOp::kCount || e.agg_expr == nullptr) return StaticType::kInt;
      return ImpliedType(*e.agg_expr);
    case ScalarExpr::Kind::kPipeline:
      return ImpliedType(*e.pipeline);
    case ScalarExpr::Kind::kBinary: {
      if (IsBooleanOp(e.op)) return StaticType::kBoolean;
      const StaticType t = ImpliedType(*e.lhs);
      return t != StaticType::kAttribute ? t : ImpliedType(*e.rhs);
    }
  }
  return StaticType::kAttribute;
}

bool ReferencesSpan(const FieldExpr& e) {
  switch (e.kind) {
    case FieldExpr::Kind::kStatic:
      return false;
    case FieldExpr::Kind::kAttribute:
      return true;
    case FieldExpr::Kind::kUnary:
      return ReferencesSpan(*e.lhs);
    case FieldExpr::Kind::kBinary:
      return ReferencesSpan(*e.lhs) || ReferencesSpan(*e.rhs);
  }
  return false;
}

}  // namespace loupe::query::traceql
