#include "query/traceql/eval/pushdown.h"

namespace loupe::query::traceql::eval {
namespace ss = storage::spanstore;
namespace {

std::optional<ss::CompareOp> CompareOpOf(Op op) {
  switch (op) {
    case Op::kEqual:
      return ss::CompareOp::kEq;
    case Op::kNotEqual:
      return ss::CompareOp::kNe;
    case Op::kLess:
      return ss::CompareOp::kLt;
    case Op::kLessEqual:
      return ss::CompareOp::kLe;
    case Op::kGreater:
      return ss::CompareOp::kGt;
    case Op::kGreaterEqual:
      return ss::CompareOp::kGe;
    case Op::kRegex:
      return ss::CompareOp::kRegex;
    case Op::kNotRegex:
      return ss::CompareOp::kNotRegex;
    default:
      return std::nullopt;
  }
}

Op FlipOp(Op op) {
  switch (op) {
    case Op::kLess:
      return Op::kGreater;
    case Op::kLessEqual:
      return Op::kGreaterEqual;
    case Op::kGreater:
      return Op::kLess;
    case Op::kGreaterEqual:
      return Op::kLessEqual;
    default:
      return op;
  }
}

std::optional<ss::Operand> OperandOf(const Static& v) {
  switch (v.type) {
    case StaticType::kString:
      return ss::Operand::String(v.s);
    case StaticType::kInt:
    case StaticType::kDuration:
      return ss::Operand::Int(v.i);
    case StaticType::kFloat:
      return ss::Operand::Double(v.f);
    case StaticType::kBoolean:
      return ss::Operand::Bool(v.i != 0);
    default:
      return std::nullopt;
  }
}

ss::Scope StoreScope(AttributeScope s) {
  switch (s) {
    case AttributeScope::kResource:
      return ss::Scope::kResource;
    case AttributeScope::kSpan:
      return ss::Scope::kSpan;
    case AttributeScope::kEvent:
      return ss::Scope::kEvent;
    case AttributeScope::kLink:
      return ss::Scope::kLink;
    case AttributeScope::kInstrumentation:
      return ss::Scope::kInstrumentation;
    case AttributeScope::kNone:
      return ss::Scope::kNone;
  }
  return ss::Scope::kNone;
}

template <typename T>
std::optional<T> Ok(Result<T> r) {
  if (!r.ok()) return std::nullopt;
  return std::move(*r);
}

std::optional<ss::Predicate> IntrinsicPredicate(Intrinsic in, ss::CompareOp op, const Static& v) {
  const bool ordering = op != ss::CompareOp::kRegex && op != ss::CompareOp::kNotRegex;
  const bool eq_only = op == ss::CompareOp::kEq || op == ss::CompareOp::kNe;
  auto str = [&](ss::Intrinsic si) -> std::optional<ss::Predicate> {
    if (v.type != StaticType::kString) return std::nullopt;
    return Ok(ss::Predicate::Of(si, op, ss::Operand::String(v.s)));
  };
  auto num = [&](ss::Intrinsic si) -> std::optional<ss::Predicate> {
    if (!ordering) return std::nullopt;
    if (v.type == StaticType::kInt || v.type == StaticType::kDuration) {
      return Ok(ss::Predicate::Of(si, op, ss::Operand::Int(v.i)));
    }
    if (v.type == StaticType::kFloat)
      return Ok(ss::Predicate::Of(si, op, ss::Operand::Double(v.f)));
    return std::nullopt;
  };
  switch (in) {
    case Intrinsic::kName:
      return str(ss::Intrinsic::kName);
    case Intrinsic::kStatusMessage:
      return str(ss::Intrinsic::kStatusMessage);
    case Intrinsic::kTraceRootService:
      return str(ss::Intrinsic::kRootServiceName);
    case Intrinsic::kTraceRootSpan:
      return str(ss::Intrinsic::kRootName);
    case Intrinsic::kEventName:
      return str(ss::Intrinsic::kEventName);
    case Intrinsic::kInstrumentationName:
      return str(ss::Intrinsic::kScopeName);
    case Intrinsic::kInstrumentationVersion:
      return str(ss::Intrinsic::kScopeVersion);
    case Intrinsic::kDuration:
      return num(ss::Intrinsic::kDuration);
    case Intrinsic::kTraceDuration:
      return num(ss::Intrinsic::kTraceDuration);
    case Intrinsic::kStatus: {
      if (!eq_only || v.type != StaticType::kStatus) return std::nullopt;
      const Value x = FromStatic(v);
      return Ok(ss::Predicate::Of(ss::Intrinsic::kStatus, op, ss::Operand::Int(x.i)));
    }
    case Intrinsic::kKind: {
      if (!eq_only || v.type != StaticType::kKind) return std::nullopt;
      const Value x = FromStatic(v);
      return Ok(ss::Predicate::Of(ss::Intrinsic::kKind, op, ss::Operand::Int(x.i)));
    }
    default:
      // Ids, event:timeSinceStart, childCount and nested sets are evaluated by the engine.
      return std::nullopt;
  }
}

}  // namespace

std::optional<ss::Predicate> ToPredicate(const FieldExpr& e) {
  if (e.kind == FieldExpr::Kind::kAttribute) {
    // A bare attribute filter holds for `attr = true`.
    if (e.attr.IsIntrinsic() || e.attr.parent) return std::nullopt;
    return Ok(ss::Predicate::Attribute(StoreScope(e.attr.scope), e.attr.name, ss::CompareOp::kEq,
                                       ss::Operand::Bool(true)));
  }
  if (e.kind == FieldExpr::Kind::kUnary && e.op == Op::kExists &&
      e.lhs->kind == FieldExpr::Kind::kAttribute) {
    const Attribute& a = e.lhs->attr;
    if (a.IsIntrinsic() || a.parent) return std::nullopt;
    return Ok(ss::Predicate::Attribute(StoreScope(a.scope), a.name, ss::CompareOp::kExists,
                                       ss::Operand::Bool(true)));
  }
  if (e.kind != FieldExpr::Kind::kBinary) return std::nullopt;
  const FieldExpr* attr = e.lhs.get();
  const FieldExpr* lit = e.rhs.get();
  Op op = e.op;
  if (attr->kind == FieldExpr::Kind::kStatic && lit->kind == FieldExpr::Kind::kAttribute) {
    if (op == Op::kRegex || op == Op::kNotRegex) return std::nullopt;
    std::swap(attr, lit);
    op = FlipOp(op);
  }
  if (attr->kind != FieldExpr::Kind::kAttribute || lit->kind != FieldExpr::Kind::kStatic) {
    return std::nullopt;
  }
  const auto cop = CompareOpOf(op);
  if (!cop) return std::nullopt;
  const Attribute& a = attr->attr;
  const Static& v = lit->value;
  if (a.parent) return std::nullopt;
  if (a.IsIntrinsic()) return IntrinsicPredicate(a.intrinsic, *cop, v);
  if ((*cop == ss::CompareOp::kRegex || *cop == ss::CompareOp::kNotRegex) &&
      v.type != StaticType::kString) {
    return std::nullopt;
  }
  if (v.type == StaticType::kBoolean && *cop != ss::CompareOp::kEq && *cop != ss::CompareOp::kNe) {
    return std::nullopt;
  }
  if (a.scope == AttributeScope::kResource && a.name == "service.name" &&
      v.type == StaticType::kString) {
    return Ok(ss::Predicate::Of(ss::Intrinsic::kServiceName, *cop, ss::Operand::String(v.s)));
  }
  auto operand = OperandOf(v);
  if (!operand) return std::nullopt;
  return Ok(ss::Predicate::Attribute(StoreScope(a.scope), a.name, *cop, std::move(*operand)));
}

std::vector<ss::Predicate> MustHold(const FieldExpr& e) {
  std::vector<ss::Predicate> out;
  if (e.kind == FieldExpr::Kind::kBinary && e.op == Op::kAnd) {
    out = MustHold(*e.lhs);
    auto r = MustHold(*e.rhs);
    for (auto& p : r) out.push_back(std::move(p));
    return out;
  }
  if (auto p = ToPredicate(e)) out.push_back(std::move(*p));
  return out;
}

namespace {

// Filters of the spanset expression whose matches can end up in the result.
void Leaves(const SpansetExpr& e, std::vector<const FieldExpr*>* out, bool* unknown);

void FirstStageLeaves(const Pipeline& p, std::vector<const FieldExpr*>* out, bool* unknown) {
  if (p.elements.empty() || p.elements[0].kind != PipelineElement::Kind::kSpanset) {
    *unknown = true;  // the first stage reads every span (scalar filter, by(), ...)
    return;
  }
  Leaves(*p.elements[0].spanset, out, unknown);
}

void Leaves(const SpansetExpr& e, std::vector<const FieldExpr*>* out, bool* unknown) {
  switch (e.kind) {
    case SpansetExpr::Kind::kFilter:
      out->push_back(e.filter.get());
      break;
    case SpansetExpr::Kind::kOperation:
      Leaves(*e.lhs, out, unknown);
      Leaves(*e.rhs, out, unknown);
      break;
    case SpansetExpr::Kind::kPipeline:
      FirstStageLeaves(*e.pipeline, out, unknown);
      break;
  }
}

// Conjuncts some span of a trace must satisfy for `e` to yield anything (empty: none known).
std::vector<ss::Predicate> Requirement(const SpansetExpr& e);

std::vector<ss::Predicate> PipelineRequirement(const Pipeline& p) {
  if (p.elements.empty() || p.elements[0].kind != PipelineElement::Kind::kSpanset) return {};
  return Requirement(*p.elements[0].spanset);
}

std::vector<ss::Predicate> Requirement(const SpansetExpr& e) {
  switch (e.kind) {
    case SpansetExpr::Kind::kFilter:
      return MustHold(*e.filter);
    case SpansetExpr::Kind::kPipeline:
      return PipelineRequirement(*e.pipeline);
    case SpansetExpr::Kind::kOperation:
      break;
  }
  switch (e.op) {
    case Op::kSpansetUnion:
      return {};
    case Op::kSpansetNotChild:
    case Op::kSpansetNotParent:
    case Op::kSpansetNotDescendant:
    case Op::kSpansetNotAncestor:
    case Op::kSpansetNotSibling:
      return Requirement(*e.rhs);  // the left side may be empty
    default: {
      // Both sides must yield spans: take the side with more known conjuncts.
      auto r = Requirement(*e.rhs);
      auto l = Requirement(*e.lhs);
      return l.size() > r.size() ? std::move(l) : std::move(r);
    }
  }
}

}  // namespace

ScanPlan PlanScan(const Pipeline& pipeline, const Touched& touched) {
  ScanPlan plan;
  if (touched.structural || touched.tree) {
    plan.whole_traces = true;
    plan.predicates = PipelineRequirement(pipeline);
    plan.match_all = true;
    return plan;
  }
  std::vector<const FieldExpr*> leaves;
  bool unknown = false;
  FirstStageLeaves(pipeline, &leaves, &unknown);
  if (unknown || leaves.empty()) return plan;
  if (leaves.size() == 1) {
    plan.predicates = MustHold(*leaves[0]);
    plan.match_all = true;
    return plan;
  }
  std::vector<ss::Predicate> any;
  for (const FieldExpr* leaf : leaves) {
    auto conj = MustHold(*leaf);
    if (conj.empty()) return plan;  // that filter may match any span: no narrowing
    any.push_back(std::move(conj[0]));
  }
  plan.predicates = std::move(any);
  plan.match_all = false;
  return plan;
}

}  // namespace loupe::query::traceql::eval
