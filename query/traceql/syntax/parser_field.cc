// Field expressions (inside `{ }`, aggregates and by()), literals, attributes, metrics functions
// and hints. Field precedence follows Tempo's grammar (lowest first): `&&` `||` (one level,
// left-associative); comparisons and regex matches; `+` `-`; `*` `/` `%`; `^` (right). Unary
// `-` and `!` bind an operand made of `*`, `/`, `%`, `^` terms, as yacc resolves them.
#include <limits>

#include "query/traceql/syntax/parser.h"
#include "query/traceql/syntax/parser_impl.h"

namespace loupe::query::traceql::internal {
namespace {

constexpr int kMulPrecedence = 4;

int FieldPrecedence(Tok t) {
  switch (t) {
    case Tok::kAnd:
    case Tok::kOr:
      return 1;
    case Tok::kEq:
    case Tok::kNeq:
    case Tok::kLt:
    case Tok::kLte:
    case Tok::kGt:
    case Tok::kGte:
    case Tok::kRe:
    case Tok::kNre:
      return 2;
    case Tok::kAdd:
    case Tok::kSub:
      return 3;
    case Tok::kMul:
    case Tok::kDiv:
    case Tok::kMod:
      return 4;
    case Tok::kPow:
      return 5;
    default:
      return 0;
  }
}

Op FieldOpFor(Tok t) {
  switch (t) {
    case Tok::kAnd:
      return Op::kAnd;
    case Tok::kOr:
      return Op::kOr;
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
    case Tok::kRe:
      return Op::kRegex;
    case Tok::kNre:
      return Op::kNotRegex;
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

Intrinsic UnscopedIntrinsic(Tok t) {
  switch (t) {
    case Tok::kIDuration:
      return Intrinsic::kDuration;
    case Tok::kChildCount:
      return Intrinsic::kChildCount;
    case Tok::kName:
      return Intrinsic::kName;
    case Tok::kStatus:
      return Intrinsic::kStatus;
    case Tok::kStatusMessage:
      return Intrinsic::kStatusMessage;
    case Tok::kKind:
      return Intrinsic::kKind;
    case Tok::kParent:
      return Intrinsic::kParent;
    case Tok::kRootName:
      return Intrinsic::kTraceRootSpan;
    case Tok::kRootServiceName:
      return Intrinsic::kTraceRootService;
    case Tok::kTraceDuration:
      return Intrinsic::kTraceDuration;
    case Tok::kNestedSetLeft:
      return Intrinsic::kNestedSetLeft;
    case Tok::kNestedSetRight:
      return Intrinsic::kNestedSetRight;
    case Tok::kNestedSetParent:
      return Intrinsic::kNestedSetParent;
    default:
      return Intrinsic::kNone;
  }
}

struct ScopedIntrinsic {
  std::string_view text;
  Intrinsic intrinsic;
};

constexpr ScopedIntrinsic kScopedIntrinsics[] = {
    {"trace:duration", Intrinsic::kTraceDuration},
    {"trace:rootName", Intrinsic::kTraceRootSpan},
    {"trace:rootService", Intrinsic::kTraceRootService},
    {"trace:id", Intrinsic::kTraceID},
    {"span:duration", Intrinsic::kDuration},
    {"span:name", Intrinsic::kName},
    {"span:kind", Intrinsic::kKind},
    {"span:status", Intrinsic::kStatus},
    {"span:statusMessage", Intrinsic::kStatusMessage},
    {"span:id", Intrinsic::kSpanID},
    {"span:parentID", Intrinsic::kParentID},
    {"span:childCount", Intrinsic::kChildCount},
    {"event:name", Intrinsic::kEventName},
    {"event:timeSinceStart", Intrinsic::kEventTimeSinceStart},
    {"link:traceID", Intrinsic::kLinkTraceID},
    {"link:spanID", Intrinsic::kLinkSpanID},
    {"instrumentation:name", Intrinsic::kInstrumentationName},
    {"instrumentation:version", Intrinsic::kInstrumentationVersion},
};

FieldExprPtr MakeStatic(Static v, Pos pos) {
  auto e = std::make_unique<FieldExpr>();
  e->kind = FieldExpr::Kind::kStatic;
  e->pos = pos;
  e->value = std::move(v);
  return e;
}

FieldExprPtr MakeUnary(Op op, FieldExprPtr operand, Pos pos) {
  auto e = std::make_unique<FieldExpr>();
  e->kind = FieldExpr::Kind::kUnary;
  e->pos = pos;
  e->op = op;
  e->lhs = std::move(operand);
  return e;
}

}  // namespace

Result<FieldExprPtr> Parser::ParseField(int min_prec) {
  LOUPE_RETURN_IF_ERROR(Deeper());
  LOUPE_ASSIGN_OR_RETURN(FieldExprPtr lhs, ParseFieldPrimary());
  int chain = 0;
  while (true) {
    const int prec = FieldPrecedence(Cur().kind);
    if (prec == 0 || prec < min_prec) break;
    if (++chain + depth_ > kMaxParseDepth) {
      return ErrorAt(Cur().pos, "syntax error: expression nested too deeply");
    }
    const Token& op = Take();
    const Pos pos = lhs->pos;
    if ((op.kind == Tok::kEq || op.kind == Tok::kNeq) && Cur().kind == Tok::kNil) {
      // `x = nil` / `x != nil`: attribute (non-)existence.
      Take();
      lhs = MakeUnary(op.kind == Tok::kEq ? Op::kNotExists : Op::kExists, std::move(lhs), pos);
      continue;
    }
    LOUPE_ASSIGN_OR_RETURN(FieldExprPtr rhs, ParseField(op.kind == Tok::kPow ? prec : prec + 1));
    auto bin = std::make_unique<FieldExpr>();
    bin->kind = FieldExpr::Kind::kBinary;
    bin->pos = pos;
    bin->op = FieldOpFor(op.kind);
    bin->lhs = std::move(lhs);
    bin->rhs = std::move(rhs);
    lhs = std::move(bin);
  }
  Shallower();
  return lhs;
}

Result<FieldExprPtr> Parser::ParseFieldPrimary() {
  const Token& t = Cur();
  const Pos pos = t.pos;
  switch (t.kind) {
    case Tok::kOpenParen: {
      Take();
      LOUPE_ASSIGN_OR_RETURN(FieldExprPtr inner, ParseField(1));
      LOUPE_RETURN_IF_ERROR(Expect(Tok::kCloseParen));
      return inner;
    }
    case Tok::kSub:
    case Tok::kNot: {
      const bool minus = t.kind == Tok::kSub;
      Take();
      LOUPE_ASSIGN_OR_RETURN(FieldExprPtr operand, ParseField(kMulPrecedence));
      // A negated number literal is the negative literal (Tempo folds it too).
      if (minus && operand->kind == FieldExpr::Kind::kStatic && IsNumeric(operand->value.type)) {
        Static& v = operand->value;
        if (v.type == StaticType::kFloat) {
          v.f = -v.f;
          operand->pos = pos;
          return operand;
        }
        if (v.i != std::numeric_limits<int64_t>::min()) {
          v.i = -v.i;
          operand->pos = pos;
          return operand;
        }
      }
      return MakeUnary(minus ? Op::kSub : Op::kNot, std::move(operand), pos);
    }
    case Tok::kNil: {
      Take();
      const Tok cmp = Cur().kind;
      if (cmp != Tok::kEq && cmp != Tok::kNeq) return Unexpected(Cur());
      Take();
      if (Cur().kind == Tok::kNil) {
        Take();
        return MakeStatic(Static::Bool(false), pos);  // nil never equals nor differs from nil
      }
      LOUPE_ASSIGN_OR_RETURN(FieldExprPtr rhs, ParseField(3));
      return MakeUnary(cmp == Tok::kEq ? Op::kNotExists : Op::kExists, std::move(rhs), pos);
    }
    default:
      break;
  }
  if (IsStaticStart()) {
    LOUPE_ASSIGN_OR_RETURN(Static v, ParseStatic());
    return MakeStatic(std::move(v), pos);
  }
  if (IsAttributeStart()) {
    LOUPE_ASSIGN_OR_RETURN(Attribute a, ParseAttribute());
    auto e = std::make_unique<FieldExpr>();
    e->kind = FieldExpr::Kind::kAttribute;
    e->pos = pos;
    e->attr = std::move(a);
    return e;
  }
  return Unexpected(t);
}

Result<SpansetExprPtr> Parser::ParseSpansetFilter() {
  auto s = std::make_unique<SpansetExpr>();
  s->kind = SpansetExpr::Kind::kFilter;
  s->pos = Cur().pos;
  LOUPE_RETURN_IF_ERROR(Expect(Tok::kOpenBrace));
  if (Cur().kind == Tok::kCloseBrace) {
    s->filter = MakeStatic(Static::Bool(true), s->pos);
  } else {
    LOUPE_ASSIGN_OR_RETURN(s->filter, ParseField(1));
  }
  LOUPE_RETURN_IF_ERROR(Expect(Tok::kCloseBrace));
  return s;
}

bool Parser::IsAttributeStart() const {
  const Tok k = Cur().kind;
  return k == Tok::kAttribute || k == Tok::kScopedIntrinsic || k == Tok::kEmptyAttribute ||
         UnscopedIntrinsic(k) != Intrinsic::kNone;
}

Result<Attribute> Parser::ParseAttribute() {
  const Token& t = Cur();
  if (t.kind == Tok::kAttribute) {
    Take();
    Attribute a = Attribute::Named(t.scope, t.parent, t.text);
    return a;
  }
  if (t.kind == Tok::kScopedIntrinsic) {
    for (const ScopedIntrinsic& s : kScopedIntrinsics) {
      if (s.text == t.text) {
        Take();
        return Attribute::Of(s.intrinsic);
      }
    }
    // Report the name after the colon, as Tempo's separate tokens would.
    const size_t colon = t.text.find(':');
    Pos name_pos = t.pos;
    name_pos.offset += static_cast<uint32_t>(colon + 1);
    name_pos.col += static_cast<uint32_t>(colon + 1);
    const std::string name = t.text.substr(colon + 1);
    return ErrorAt(name_pos, "syntax error: unexpected " + (name.empty() ? "$end" : name));
  }
  const Intrinsic i = UnscopedIntrinsic(t.kind);
  if (i == Intrinsic::kNone) return Unexpected(t);
  Take();
  return Attribute::Of(i);
}

Result<std::vector<Attribute>> Parser::ParseAttributeList() {
  std::vector<Attribute> out;
  while (true) {
    LOUPE_ASSIGN_OR_RETURN(Attribute a, ParseAttribute());
    out.push_back(std::move(a));
    if (Cur().kind != Tok::kComma) return out;
    Take();
  }
}

bool Parser::IsStaticStart() const {
  switch (Cur().kind) {
    case Tok::kString:
    case Tok::kInt:
    case Tok::kFloat:
    case Tok::kDuration:
    case Tok::kTrue:
    case Tok::kFalse:
    case Tok::kStatusOk:
    case Tok::kStatusError:
    case Tok::kStatusUnset:
    case Tok::kKindUnspecified:
    case Tok::kKindInternal:
    case Tok::kKindServer:
    case Tok::kKindClient:
    case Tok::kKindProducer:
    case Tok::kKindConsumer:
    case Tok::kIdent:
      return true;
    default:
      return false;
  }
}

Result<Static> Parser::ParseStatic() {
  const Token& t = Cur();
  Static v;
  switch (t.kind) {
    case Tok::kString:
      v = Static::String(t.text);
      break;
    case Tok::kInt:
      v = Static::Int(t.int_value);
      break;
    case Tok::kFloat:
      v = Static::Float(t.float_value);
      break;
    case Tok::kDuration:
      v = Static::Duration(t.int_value);
      break;
    case Tok::kTrue:
      v = Static::Bool(true);
      break;
    case Tok::kFalse:
      v = Static::Bool(false);
      break;
    case Tok::kStatusOk:
      v = Static::Status(SpanStatus::kOk);
      break;
    case Tok::kStatusError:
      v = Static::Status(SpanStatus::kError);
      break;
    case Tok::kStatusUnset:
      v = Static::Status(SpanStatus::kUnset);
      break;
    case Tok::kKindUnspecified:
      v = Static::Kind(SpanKind::kUnspecified);
      break;
    case Tok::kKindInternal:
      v = Static::Kind(SpanKind::kInternal);
      break;
    case Tok::kKindServer:
      v = Static::Kind(SpanKind::kServer);
      break;
    case Tok::kKindClient:
      v = Static::Kind(SpanKind::kClient);
      break;
    case Tok::kKindProducer:
      v = Static::Kind(SpanKind::kProducer);
      break;
    case Tok::kKindConsumer:
      v = Static::Kind(SpanKind::kConsumer);
      break;
    case Tok::kIdent:
      if (t.text == "minInt") {
        v = Static::Int(std::numeric_limits<int64_t>::min());
      } else if (t.text == "maxInt") {
        v = Static::Int(std::numeric_limits<int64_t>::max());
      } else {
        return ErrorAt(t.pos, "unknown identifier: " + t.text);
      }
      break;
    default:
      return Unexpected(t);
  }
  Take();
  return v;
}

bool Parser::IsMetricsFunction() const {
  switch (Cur().kind) {
    case Tok::kRate:
    case Tok::kCountOverTime:
    case Tok::kMinOverTime:
    case Tok::kMaxOverTime:
    case Tok::kAvgOverTime:
    case Tok::kSumOverTime:
    case Tok::kQuantileOverTime:
    case Tok::kHistogramOverTime:
    case Tok::kCompare:
      return true;
    default:
      return false;
  }
}

Status Parser::ParseMetricsFirstStage(MetricsFirstStage* out) {
  out->pos = Cur().pos;
  switch (Take().kind) {
    case Tok::kRate:
      out->op = MetricsOp::kRate;
      break;
    case Tok::kCountOverTime:
      out->op = MetricsOp::kCountOverTime;
      break;
    case Tok::kMinOverTime:
      out->op = MetricsOp::kMinOverTime;
      break;
    case Tok::kMaxOverTime:
      out->op = MetricsOp::kMaxOverTime;
      break;
    case Tok::kAvgOverTime:
      out->op = MetricsOp::kAvgOverTime;
      break;
    case Tok::kSumOverTime:
      out->op = MetricsOp::kSumOverTime;
      break;
    case Tok::kQuantileOverTime:
      out->op = MetricsOp::kQuantileOverTime;
      break;
    case Tok::kHistogramOverTime:
      out->op = MetricsOp::kHistogramOverTime;
      break;
    default:
      out->op = MetricsOp::kCompare;
      break;
  }
  LOUPE_RETURN_IF_ERROR(Expect(Tok::kOpenParen));
  switch (out->op) {
    case MetricsOp::kRate:
    case MetricsOp::kCountOverTime:
      break;
    case MetricsOp::kCompare: {
      LOUPE_ASSIGN_OR_RETURN(out->compare_filter, ParseSpansetFilter());
      if (Cur().kind == Tok::kComma) {
        Take();
        if (Cur().kind != Tok::kInt) return Unexpected(Cur());
        out->top_n = Take().int_value;
        if (Cur().kind == Tok::kComma) {
          Take();
          if (Cur().kind != Tok::kInt) return Unexpected(Cur());
          out->start = Take().int_value;
          LOUPE_RETURN_IF_ERROR(Expect(Tok::kComma));
          if (Cur().kind != Tok::kInt) return Unexpected(Cur());
          out->end = Take().int_value;
        }
      }
      // compare() takes no by() (Tempo's grammar).
      return Expect(Tok::kCloseParen);
    }
    default: {
      LOUPE_ASSIGN_OR_RETURN(Attribute a, ParseAttribute());
      out->attr = std::move(a);
      if (out->op == MetricsOp::kQuantileOverTime) {
        LOUPE_RETURN_IF_ERROR(Expect(Tok::kComma));
        while (true) {
          if (Cur().kind == Tok::kInt) {
            out->quantiles.push_back(static_cast<double>(Cur().int_value));
          } else if (Cur().kind == Tok::kFloat) {
            out->quantiles.push_back(Cur().float_value);
          } else {
            return Unexpected(Cur());
          }
          Take();
          if (Cur().kind != Tok::kComma) break;
          Take();
        }
      }
      break;
    }
  }
  LOUPE_RETURN_IF_ERROR(Expect(Tok::kCloseParen));
  if (Cur().kind == Tok::kBy) {
    Take();
    LOUPE_RETURN_IF_ERROR(Expect(Tok::kOpenParen));
    LOUPE_ASSIGN_OR_RETURN(out->by, ParseAttributeList());
    LOUPE_RETURN_IF_ERROR(Expect(Tok::kCloseParen));
  }
  return Status::OK();
}

Status Parser::ParseHints(std::vector<Hint>* out) {
  LOUPE_RETURN_IF_ERROR(Expect(Tok::kWith));
  LOUPE_RETURN_IF_ERROR(Expect(Tok::kOpenParen));
  while (true) {
    Hint h;
    h.pos = Cur().pos;
    if (Cur().kind != Tok::kIdent) return Unexpected(Cur());
    h.name = Take().text;
    LOUPE_RETURN_IF_ERROR(Expect(Tok::kEq));
    if (!IsStaticStart()) return Unexpected(Cur());
    LOUPE_ASSIGN_OR_RETURN(h.value, ParseStatic());
    out->push_back(std::move(h));
    if (Cur().kind != Tok::kComma) break;
    Take();
  }
  return Expect(Tok::kCloseParen);
}

}  // namespace loupe::query::traceql::internal
