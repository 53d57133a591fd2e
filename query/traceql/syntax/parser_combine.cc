// Operator rules of the TraceQL parser's query level: which operand categories each operator
// joins (Tempo's grammar, see parser_impl.h), and constant folding of numbers.
#include <cmath>
#include <limits>

#include "query/traceql/syntax/parser_impl.h"

namespace loupe::query::traceql::internal {
namespace {

Op SpansetOpFor(Tok t) {
  switch (t) {
    case Tok::kAnd:
      return Op::kSpansetAnd;
    case Tok::kOr:
      return Op::kSpansetUnion;
    case Tok::kGt:
      return Op::kSpansetChild;
    case Tok::kLt:
      return Op::kSpansetParent;
    case Tok::kDesc:
      return Op::kSpansetDescendant;
    case Tok::kAnce:
      return Op::kSpansetAncestor;
    case Tok::kTilde:
      return Op::kSpansetSibling;
    case Tok::kNotChild:
      return Op::kSpansetNotChild;
    case Tok::kNotParent:
      return Op::kSpansetNotParent;
    case Tok::kNotDesc:
      return Op::kSpansetNotDescendant;
    case Tok::kNotAnce:
      return Op::kSpansetNotAncestor;
    case Tok::kNre:
      return Op::kSpansetNotSibling;
    case Tok::kUnionChild:
      return Op::kSpansetUnionChild;
    case Tok::kUnionParent:
      return Op::kSpansetUnionParent;
    case Tok::kUnionDesc:
      return Op::kSpansetUnionDescendant;
    case Tok::kUnionAnce:
      return Op::kSpansetUnionAncestor;
    case Tok::kUnionSibl:
      return Op::kSpansetUnionSibling;
    default:
      return Op::kNone;
  }
}

Op ArithmeticOpFor(Tok t) {
  switch (t) {
    case Tok::kAdd:
      return Op::kAdd;
    case Tok::kSub:
      return Op::kSub;
    case Tok::kMul:
      return Op::kMult;
    case Tok::kDiv:
      return Op::kDiv;
    case Tok::kMod:
      return Op::kMod;
    case Tok::kPow:
      return Op::kPower;
    default:
      return Op::kNone;
  }
}

bool IsSpansetCat(Cat c) { return c == Cat::kSpanset || c == Cat::kWrappedPipe; }
bool IsScalarCat(Cat c) { return c == Cat::kScalar || c == Cat::kNumber; }

MetricsExprPtr MetricsScalar(double v, Pos pos) {
  auto m = std::make_unique<MetricsExpr>();
  m->kind = MetricsExpr::Kind::kScalar;
  m->pos = pos;
  m->scalar = v;
  return m;
}

}  // namespace

Op ComparisonOpFor(Tok t) {
  switch (t) {
    case Tok::kEq:
      return Op::kEqual;
    case Tok::kNeq:
      return Op::kNotEqual;
    case Tok::kLt:
      return Op::kLess;
    case Tok::kLte:
      return Op::kLessEqual;
    case Tok::kGt:
      return Op::kGreater;
    case Tok::kGte:
      return Op::kGreaterEqual;
    default:
      return Op::kNone;
  }
}

double EvalNumber(const ScalarExpr& e) {
  if (e.kind == ScalarExpr::Kind::kStatic) return e.value.AsDouble();
  if (e.kind != ScalarExpr::Kind::kBinary) return std::numeric_limits<double>::quiet_NaN();
  const double a = EvalNumber(*e.lhs);
  const double b = EvalNumber(*e.rhs);
  switch (e.op) {
    case Op::kAdd:
      return a + b;
    case Op::kSub:
      return a - b;
    case Op::kMult:
      return a * b;
    case Op::kDiv:
      return a / b;
    case Op::kMod:
      return std::fmod(a, b);
    case Op::kPower:
      return std::pow(a, b);
    default:
      return std::numeric_limits<double>::quiet_NaN();
  }
}

// Folds arithmetic between int/float literals into one literal, bottom-up, so that
// `min(x) < 2 / 6` compares against a static as Tempo's constant folding does. Durations are
// left alone. Integer + - * % stay integers when they do not overflow; / and ^ give floats.
void FoldScalar(ScalarExpr* e) {
  if (e->kind != ScalarExpr::Kind::kBinary) return;
  FoldScalar(e->lhs.get());
  FoldScalar(e->rhs.get());
  const ScalarExpr& l = *e->lhs;
  const ScalarExpr& r = *e->rhs;
  auto foldable = [](const ScalarExpr& x) {
    return x.kind == ScalarExpr::Kind::kStatic &&
           (x.value.type == StaticType::kInt || x.value.type == StaticType::kFloat);
  };
  if (!foldable(l) || !foldable(r)) return;
  Static out;
  if (l.value.type == StaticType::kInt && r.value.type == StaticType::kInt && e->op != Op::kDiv &&
      e->op != Op::kPower) {
    int64_t v = 0;
    bool ok = true;
    const int64_t a = l.value.i;
    const int64_t b = r.value.i;
    switch (e->op) {
      case Op::kAdd:
        ok = !__builtin_add_overflow(a, b, &v);
        break;
      case Op::kSub:
        ok = !__builtin_sub_overflow(a, b, &v);
        break;
      case Op::kMult:
        ok = !__builtin_mul_overflow(a, b, &v);
        break;
      case Op::kMod:
        ok = b != 0 && !(a == std::numeric_limits<int64_t>::min() && b == -1);
        if (ok) v = a % b;
        break;
      default:
        ok = false;
    }
    if (!ok) return;
    out = Static::Int(v);
  } else {
    out = Static::Float(EvalNumber(*e));
  }
  e->kind = ScalarExpr::Kind::kStatic;
  e->value = out;
  e->op = Op::kNone;
  e->lhs.reset();
  e->rhs.reset();
}

Status Parser::Combine(const Token& op, Node lhs, Node rhs, Node* out) {
  switch (op.kind) {
    case Tok::kAnd:
    case Tok::kOr:
    case Tok::kDesc:
    case Tok::kAnce:
    case Tok::kTilde:
    case Tok::kNotChild:
    case Tok::kNotParent:
    case Tok::kNotDesc:
    case Tok::kNotAnce:
    case Tok::kNre:
    case Tok::kUnionChild:
    case Tok::kUnionParent:
    case Tok::kUnionDesc:
    case Tok::kUnionAnce:
    case Tok::kUnionSibl:
      return CombineSpanset(op, std::move(lhs), std::move(rhs), out);
    case Tok::kGt:
    case Tok::kLt:
      if (IsSpansetCat(lhs.cat)) return CombineSpanset(op, std::move(lhs), std::move(rhs), out);
      return CombineComparison(op, std::move(lhs), std::move(rhs), out);
    case Tok::kEq:
    case Tok::kNeq:
    case Tok::kGte:
    case Tok::kLte:
      return CombineComparison(op, std::move(lhs), std::move(rhs), out);
    case Tok::kAdd:
    case Tok::kSub:
    case Tok::kMul:
    case Tok::kDiv:
    case Tok::kMod:
    case Tok::kPow:
      return CombineArithmetic(op, std::move(lhs), std::move(rhs), out);
    default:
      return Unexpected(op);
  }
}

Status Parser::CombineSpanset(const Token& op, Node lhs, Node rhs, Node* out) {
  if (!IsSpansetCat(lhs.cat)) return Unexpected(op);
  if (!IsSpansetCat(rhs.cat)) return UnexpectedAt(rhs.pos);
  auto s = std::make_unique<SpansetExpr>();
  s->kind = SpansetExpr::Kind::kOperation;
  s->pos = lhs.pos;
  s->op = SpansetOpFor(op.kind);
  const bool plain = lhs.cat == Cat::kSpanset && rhs.cat == Cat::kSpanset;
  s->lhs = std::move(lhs.spanset);
  s->rhs = std::move(rhs.spanset);
  out->cat = plain ? Cat::kSpanset : Cat::kWrappedPipe;
  out->pos = s->pos;
  out->spanset = std::move(s);
  return Status::OK();
}

Status Parser::CombineComparison(const Token& op, Node lhs, Node rhs, Node* out) {
  const Op cmp = ComparisonOpFor(op.kind);
  if (cmp == Op::kNone) return Unexpected(op);
  out->pos = lhs.pos;
  if (IsScalarCat(lhs.cat)) {
    // A scalar filter: aggregates and numbers on both sides, at least one aggregate.
    if (!IsScalarCat(rhs.cat)) return UnexpectedAt(rhs.pos);
    if (!lhs.has_aggregate && !rhs.has_aggregate) return Unexpected(op);
    FoldScalar(lhs.scalar.get());
    FoldScalar(rhs.scalar.get());
    out->cat = Cat::kElement;
    out->element.kind = PipelineElement::Kind::kScalarFilter;
    out->element.pos = lhs.pos;
    out->element.op = cmp;
    out->element.lhs = std::move(lhs.scalar);
    out->element.rhs = std::move(rhs.scalar);
    return Status::OK();
  }
  if (lhs.cat == Cat::kScalarPipeExpr) {
    // Wrapped scalar pipelines compare to each other or to one literal.
    const bool rhs_ok =
        rhs.cat == Cat::kScalarPipeExpr ||
        ((rhs.cat == Cat::kNumber || rhs.cat == Cat::kLiteral) && rhs.single_literal);
    if (!rhs_ok) return UnexpectedAt(rhs.pos);
    out->cat = Cat::kScalarPipeFilter;
    out->element.kind = PipelineElement::Kind::kScalarFilter;
    out->element.pos = lhs.pos;
    out->element.op = cmp;
    out->element.lhs = std::move(lhs.scalar);
    out->element.rhs = std::move(rhs.scalar);
    return Status::OK();
  }
  if (lhs.cat == Cat::kMetricsExpr) {
    // A metrics filter: the value is a number (arithmetic on numbers allowed) or a duration.
    if (rhs.cat != Cat::kNumber || (rhs.has_duration && !rhs.duration_literal)) {
      return UnexpectedAt(rhs.pos);
    }
    SecondStage s;
    s.kind = SecondStage::Kind::kFilter;
    s.pos = op.pos;
    s.op = cmp;
    s.value = EvalNumber(*rhs.scalar);
    if (rhs.has_duration) s.value /= 1e9;
    lhs.metrics->second_stages.push_back(s);
    *out = std::move(lhs);
    return Status::OK();
  }
  return Unexpected(op);
}

Status Parser::CombineArithmetic(const Token& op, Node lhs, Node rhs, Node* out) {
  const Op arith = ArithmeticOpFor(op.kind);
  out->pos = lhs.pos;
  if (IsScalarCat(lhs.cat) || IsScalarCat(rhs.cat)) {
    if (IsScalarCat(lhs.cat) && IsScalarCat(rhs.cat)) {
      auto s = std::make_unique<ScalarExpr>();
      s->kind = ScalarExpr::Kind::kBinary;
      s->pos = lhs.pos;
      s->op = arith;
      s->lhs = std::move(lhs.scalar);
      s->rhs = std::move(rhs.scalar);
      const bool numbers = lhs.cat == Cat::kNumber && rhs.cat == Cat::kNumber;
      out->cat = numbers ? Cat::kNumber : Cat::kScalar;
      out->has_aggregate = lhs.has_aggregate || rhs.has_aggregate;
      out->has_duration = lhs.has_duration || rhs.has_duration;
      out->scalar = std::move(s);
      return Status::OK();
    }
  }
  if (lhs.cat == Cat::kScalarPipeExpr && rhs.cat == Cat::kScalarPipeExpr) {
    auto s = std::make_unique<ScalarExpr>();
    s->kind = ScalarExpr::Kind::kBinary;
    s->pos = lhs.pos;
    s->op = arith;
    s->lhs = std::move(lhs.scalar);
    s->rhs = std::move(rhs.scalar);
    out->cat = Cat::kScalarPipeExpr;
    out->scalar = std::move(s);
    return Status::OK();
  }
  const bool lhs_metrics = lhs.cat == Cat::kMetricsExpr || lhs.cat == Cat::kNumber;
  const bool rhs_metrics = rhs.cat == Cat::kMetricsExpr || rhs.cat == Cat::kNumber;
  if (lhs_metrics && rhs_metrics) {
    // Metrics math: + - * / between wrapped metrics queries and plain numbers.
    if (arith == Op::kMod || arith == Op::kPower) return Unexpected(op);
    if (lhs.cat == Cat::kNumber && lhs.has_duration) return UnexpectedAt(lhs.pos);
    if (rhs.cat == Cat::kNumber && rhs.has_duration) return UnexpectedAt(rhs.pos);
    auto m = std::make_unique<MetricsExpr>();
    m->kind = MetricsExpr::Kind::kBinary;
    m->pos = lhs.pos;
    m->op = arith;
    m->lhs = lhs.cat == Cat::kNumber ? MetricsScalar(EvalNumber(*lhs.scalar), lhs.pos)
                                     : std::move(lhs.metrics);
    m->rhs = rhs.cat == Cat::kNumber ? MetricsScalar(EvalNumber(*rhs.scalar), rhs.pos)
                                     : std::move(rhs.metrics);
    out->cat = Cat::kMetricsExpr;
    out->metrics = std::move(m);
    return Status::OK();
  }
  if (IsScalarCat(lhs.cat) || lhs.cat == Cat::kScalarPipeExpr || lhs.cat == Cat::kMetricsExpr) {
    return UnexpectedAt(rhs.pos);
  }
  return Unexpected(op);
}

}  // namespace loupe::query::traceql::internal
