// Query level of the TraceQL parser: pipelines, spanset operators, scalar filters and metrics
// expressions. Precedence follows Tempo's grammar (lowest first): `|`; `&&` `||` (one level,
// left-associative); comparisons and structural operators; `+` `-`; `*` `/` `%`; `^` (right).
#include "query/traceql/syntax/parser.h"

#include "query/traceql/syntax/parser_impl.h"

namespace loupe::query::traceql {
namespace internal {
namespace {

int StagePrecedence(Tok t) {
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
    case Tok::kDesc:
    case Tok::kAnce:
    case Tok::kTilde:
    case Tok::kNotChild:
    case Tok::kNotParent:
    case Tok::kNotDesc:
    case Tok::kNotAnce:
    case Tok::kUnionChild:
    case Tok::kUnionParent:
    case Tok::kUnionDesc:
    case Tok::kUnionAnce:
    case Tok::kUnionSibl:
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

SpansetExprPtr WrapPipeline(std::unique_ptr<Pipeline> p, Pos pos) {
  auto s = std::make_unique<SpansetExpr>();
  s->kind = SpansetExpr::Kind::kPipeline;
  s->pos = pos;
  s->pipeline = std::move(p);
  return s;
}

}  // namespace

Status Parser::ErrorAt(const Pos& pos, std::string_view msg) const {
  return Status::InvalidArgument("parse error at line " + std::to_string(pos.line) + ", col " +
                                 std::to_string(pos.col) + ": " + std::string(msg));
}

Status Parser::Unexpected(const Token& t) const {
  return ErrorAt(t.pos, "syntax error: unexpected " + TokenDisplay(t));
}

Status Parser::UnexpectedAt(const Pos& pos) const {
  for (const Token& t : toks_) {
    if (t.pos.offset == pos.offset) return Unexpected(t);
  }
  return ErrorAt(pos, "syntax error");
}

Status Parser::Expect(Tok kind) {
  if (Cur().kind != kind) return Unexpected(Cur());
  Take();
  return Status::OK();
}

Status Parser::Deeper() {
  if (++depth_ > kMaxParseDepth) {
    return ErrorAt(Cur().pos, "syntax error: expression nested too deeply");
  }
  return Status::OK();
}

Result<RootExpr> Parser::ParseRoot() {
  Node n;
  LOUPE_RETURN_IF_ERROR(ParsePipeChain(&n));
  RootExpr root;
  if (Cur().kind == Tok::kWith) LOUPE_RETURN_IF_ERROR(ParseHints(&root.hints));
  if (Cur().kind != Tok::kEnd) return Unexpected(Cur());
  root.pipeline.pos = n.pos;
  auto single = [&](PipelineElement el) { root.pipeline.elements.push_back(std::move(el)); };
  switch (n.cat) {
    case Cat::kSpanset: {
      PipelineElement el;
      el.kind = PipelineElement::Kind::kSpanset;
      el.pos = n.pos;
      el.spanset = std::move(n.spanset);
      single(std::move(el));
      break;
    }
    case Cat::kWrappedPipe:
      if (n.spanset->kind == SpansetExpr::Kind::kPipeline) {
        root.pipeline = std::move(*n.spanset->pipeline);
      } else {
        PipelineElement el;
        el.kind = PipelineElement::Kind::kSpanset;
        el.pos = n.pos;
        el.spanset = std::move(n.spanset);
        single(std::move(el));
      }
      break;
    case Cat::kPipeline:
      root.pipeline = std::move(*n.pipeline);
      break;
    case Cat::kElement:
      if (n.element.kind == PipelineElement::Kind::kCoalesce) return UnexpectedAt(n.pos);
      single(std::move(n.element));
      break;
    case Cat::kScalarPipeFilter:
      single(std::move(n.element));
      break;
    case Cat::kMetrics:
    case Cat::kMetricsExpr:
      root.metrics = std::move(n.metrics);
      break;
    default:
      // A scalar expression or scalar pipeline that is not compared to anything.
      return Unexpected(Cur());
  }
  return root;
}

Status Parser::ParsePipeChain(Node* out) {
  Node first;
  LOUPE_RETURN_IF_ERROR(ParseStageExpr(1, &first));
  if (Cur().kind != Tok::kPipe) {
    *out = std::move(first);
    return Status::OK();
  }
  if (first.cat == Cat::kMetricsExpr) {
    LOUPE_RETURN_IF_ERROR(ParseSecondStages(first.metrics.get()));
    *out = std::move(first);
    return Status::OK();
  }
  auto pipeline = std::make_unique<Pipeline>();
  pipeline->pos = first.pos;
  if (first.cat == Cat::kSpanset) {
    PipelineElement el;
    el.kind = PipelineElement::Kind::kSpanset;
    el.pos = first.pos;
    el.spanset = std::move(first.spanset);
    pipeline->elements.push_back(std::move(el));
  } else if (first.cat == Cat::kElement && first.element.kind != PipelineElement::Kind::kCoalesce) {
    pipeline->elements.push_back(std::move(first.element));
  } else if (first.cat == Cat::kElement) {
    return UnexpectedAt(first.pos);  // a pipeline cannot start with coalesce()
  } else {
    return Unexpected(Cur());
  }

  while (Cur().kind == Tok::kPipe) {
    Take();
    if (IsMetricsFunction()) {
      auto m = std::make_unique<MetricsExpr>();
      m->kind = MetricsExpr::Kind::kQuery;
      m->pos = pipeline->pos;
      m->pipeline = std::move(*pipeline);
      LOUPE_RETURN_IF_ERROR(ParseMetricsFirstStage(&m->first));
      LOUPE_RETURN_IF_ERROR(ParseSecondStages(m.get()));
      out->cat = Cat::kMetrics;
      out->pos = m->pos;
      out->metrics = std::move(m);
      return Status::OK();
    }
    if (Cur().kind == Tok::kTopK || Cur().kind == Tok::kBottomK) return Unexpected(Cur());
    Node el;
    LOUPE_RETURN_IF_ERROR(ParseStageExpr(1, &el));
    if (el.cat == Cat::kSpanset) {
      PipelineElement pe;
      pe.kind = PipelineElement::Kind::kSpanset;
      pe.pos = el.pos;
      pe.spanset = std::move(el.spanset);
      pipeline->elements.push_back(std::move(pe));
    } else if (el.cat == Cat::kElement) {
      pipeline->elements.push_back(std::move(el.element));
    } else if (el.cat == Cat::kScalar && el.scalar->kind == ScalarExpr::Kind::kAggregate) {
      // `... | count())`: the final stage of a wrapped scalar pipeline.
      PipelineElement pe;
      pe.kind = PipelineElement::Kind::kAggregate;
      pe.pos = el.pos;
      pe.agg = el.scalar->agg;
      pe.expr = std::move(el.scalar->agg_expr);
      pipeline->elements.push_back(std::move(pe));
      out->cat = Cat::kScalarPipeline;
      out->pos = pipeline->pos;
      out->pipeline = std::move(pipeline);
      if (Cur().kind == Tok::kPipe) return Unexpected(Cur());
      return Status::OK();
    } else {
      return UnexpectedAt(el.pos);
    }
  }
  out->cat = Cat::kPipeline;
  out->pos = pipeline->pos;
  out->pipeline = std::move(pipeline);
  return Status::OK();
}

Status Parser::ParseSecondStages(MetricsExpr* m) {
  while (true) {
    const Tok k = Cur().kind;
    if (k == Tok::kPipe) {
      const Tok next = Peek(1).kind;
      if (next != Tok::kTopK && next != Tok::kBottomK) return Unexpected(Peek(1));
      Take();
      SecondStage s;
      s.pos = Cur().pos;
      s.kind = Take().kind == Tok::kTopK ? SecondStage::Kind::kTopK : SecondStage::Kind::kBottomK;
      LOUPE_RETURN_IF_ERROR(Expect(Tok::kOpenParen));
      if (Cur().kind != Tok::kInt) return Unexpected(Cur());
      s.limit = Take().int_value;
      LOUPE_RETURN_IF_ERROR(Expect(Tok::kCloseParen));
      m->second_stages.push_back(s);
    } else if (ComparisonOpFor(k) != Op::kNone) {
      SecondStage s;
      s.kind = SecondStage::Kind::kFilter;
      s.pos = Cur().pos;
      s.op = ComparisonOpFor(Take().kind);
      Node v;
      LOUPE_RETURN_IF_ERROR(ParseStageExpr(3, &v));
      if (v.cat != Cat::kNumber || (v.has_duration && !v.duration_literal)) {
        return UnexpectedAt(v.pos);
      }
      s.value = EvalNumber(*v.scalar);
      if (v.has_duration) s.value /= 1e9;  // durations compare in seconds
      m->second_stages.push_back(s);
    } else {
      return Status::OK();
    }
  }
}

Status Parser::ParseStageExpr(int min_prec, Node* out) {
  LOUPE_RETURN_IF_ERROR(Deeper());
  Node lhs;
  LOUPE_RETURN_IF_ERROR(ParseStagePrimary(&lhs));
  int chain = 0;
  while (true) {
    const int prec = StagePrecedence(Cur().kind);
    if (prec == 0 || prec < min_prec) break;
    if (++chain + depth_ > kMaxParseDepth) {
      return ErrorAt(Cur().pos, "syntax error: expression nested too deeply");
    }
    const Token op = Take();
    Node rhs;
    LOUPE_RETURN_IF_ERROR(ParseStageExpr(op.kind == Tok::kPow ? prec : prec + 1, &rhs));
    Node combined;
    LOUPE_RETURN_IF_ERROR(Combine(op, std::move(lhs), std::move(rhs), &combined));
    lhs = std::move(combined);
  }
  *out = std::move(lhs);
  Shallower();
  return Status::OK();
}

Status Parser::ParseAggregate(Node* out) {
  auto s = std::make_unique<ScalarExpr>();
  s->kind = ScalarExpr::Kind::kAggregate;
  s->pos = Cur().pos;
  switch (Take().kind) {
    case Tok::kCount:
      s->agg = AggregateOp::kCount;
      break;
    case Tok::kAvg:
      s->agg = AggregateOp::kAvg;
      break;
    case Tok::kMax:
      s->agg = AggregateOp::kMax;
      break;
    case Tok::kMin:
      s->agg = AggregateOp::kMin;
      break;
    default:
      s->agg = AggregateOp::kSum;
      break;
  }
  LOUPE_RETURN_IF_ERROR(Expect(Tok::kOpenParen));
  if (s->agg != AggregateOp::kCount) {
    LOUPE_ASSIGN_OR_RETURN(s->agg_expr, ParseField(1));
  }
  LOUPE_RETURN_IF_ERROR(Expect(Tok::kCloseParen));
  out->cat = Cat::kScalar;
  out->pos = s->pos;
  out->has_aggregate = true;
  out->scalar = std::move(s);
  return Status::OK();
}

Status Parser::ParseStagePrimary(Node* out) {
  const Token& t = Cur();
  out->pos = t.pos;
  switch (t.kind) {
    case Tok::kOpenBrace: {
      LOUPE_ASSIGN_OR_RETURN(out->spanset, ParseSpansetFilter());
      out->cat = Cat::kSpanset;
      return Status::OK();
    }
    case Tok::kBy: {
      Take();
      LOUPE_RETURN_IF_ERROR(Expect(Tok::kOpenParen));
      out->element.kind = PipelineElement::Kind::kGroupBy;
      out->element.pos = t.pos;
      LOUPE_ASSIGN_OR_RETURN(out->element.expr, ParseField(1));
      LOUPE_RETURN_IF_ERROR(Expect(Tok::kCloseParen));
      out->cat = Cat::kElement;
      return Status::OK();
    }
    case Tok::kSelect: {
      out->element.kind = PipelineElement::Kind::kSelect;
      out->element.pos = t.pos;
      Take();
      LOUPE_RETURN_IF_ERROR(Expect(Tok::kOpenParen));
      LOUPE_ASSIGN_OR_RETURN(out->element.select, ParseAttributeList());
      LOUPE_RETURN_IF_ERROR(Expect(Tok::kCloseParen));
      out->cat = Cat::kElement;
      return Status::OK();
    }
    case Tok::kCoalesce: {
      out->element.kind = PipelineElement::Kind::kCoalesce;
      out->element.pos = t.pos;
      Take();
      LOUPE_RETURN_IF_ERROR(Expect(Tok::kOpenParen));
      LOUPE_RETURN_IF_ERROR(Expect(Tok::kCloseParen));
      out->cat = Cat::kElement;
      return Status::OK();
    }
    case Tok::kCount:
    case Tok::kAvg:
    case Tok::kMax:
    case Tok::kMin:
    case Tok::kSum:
      return ParseAggregate(out);
    case Tok::kInt:
    case Tok::kFloat:
    case Tok::kDuration:
    case Tok::kSub: {
      const bool negative = t.kind == Tok::kSub;
      const Pos pos = t.pos;
      if (negative) {
        Take();
        const Tok k = Cur().kind;
        if (k != Tok::kInt && k != Tok::kFloat && k != Tok::kDuration) return Unexpected(Cur());
      }
      LOUPE_ASSIGN_OR_RETURN(Static v, ParseStatic());
      if (negative) {
        if (v.type == StaticType::kFloat)
          v.f = -v.f;
        else
          v.i = -v.i;
      }
      out->cat = Cat::kNumber;
      out->has_duration = v.type == StaticType::kDuration;
      out->duration_literal = out->has_duration;
      out->single_literal = !negative;
      out->scalar = std::make_unique<ScalarExpr>();
      out->scalar->kind = ScalarExpr::Kind::kStatic;
      out->scalar->pos = pos;
      out->scalar->value = std::move(v);
      return Status::OK();
    }
    case Tok::kString:
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
    case Tok::kKindConsumer: {
      LOUPE_ASSIGN_OR_RETURN(Static v, ParseStatic());
      out->cat = Cat::kLiteral;
      out->single_literal = true;
      out->scalar = std::make_unique<ScalarExpr>();
      out->scalar->kind = ScalarExpr::Kind::kStatic;
      out->scalar->pos = t.pos;
      out->scalar->value = std::move(v);
      return Status::OK();
    }
    case Tok::kOpenParen:
      break;
    default:
      return Unexpected(t);
  }

  // Parenthesized: anything a pipe chain can produce; the parens decide what it becomes.
  const Pos open = t.pos;
  Take();
  LOUPE_RETURN_IF_ERROR(Deeper());
  Node inner;
  LOUPE_RETURN_IF_ERROR(ParsePipeChain(&inner));
  LOUPE_RETURN_IF_ERROR(Expect(Tok::kCloseParen));
  Shallower();
  switch (inner.cat) {
    case Cat::kSpanset:
    case Cat::kWrappedPipe:
    case Cat::kScalar:
    case Cat::kScalarPipeExpr:
    case Cat::kMetricsExpr:
      *out = std::move(inner);
      break;
    case Cat::kNumber:
      *out = std::move(inner);
      out->single_literal = false;
      out->duration_literal = false;
      break;
    case Cat::kPipeline:
      out->cat = Cat::kWrappedPipe;
      out->spanset = WrapPipeline(std::move(inner.pipeline), open);
      break;
    case Cat::kElement: {
      if (inner.element.kind == PipelineElement::Kind::kCoalesce) return UnexpectedAt(inner.pos);
      auto p = std::make_unique<Pipeline>();
      p->pos = inner.pos;
      p->elements.push_back(std::move(inner.element));
      out->cat = Cat::kWrappedPipe;
      out->spanset = WrapPipeline(std::move(p), open);
      break;
    }
    case Cat::kScalarPipeline: {
      out->cat = Cat::kScalarPipeExpr;
      out->scalar = std::make_unique<ScalarExpr>();
      out->scalar->kind = ScalarExpr::Kind::kPipeline;
      out->scalar->pos = open;
      out->scalar->pipeline = std::move(inner.pipeline);
      break;
    }
    case Cat::kMetrics:
      out->cat = Cat::kMetricsExpr;
      out->metrics = std::move(inner.metrics);
      break;
    case Cat::kLiteral:
    case Cat::kScalarPipeFilter:
      return UnexpectedAt(inner.pos);
  }
  out->pos = open;
  return Status::OK();
}

}  // namespace internal

Result<RootExpr> Parse(std::string_view query) {
  LOUPE_ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(query));
  internal::Parser parser(std::move(tokens));
  return parser.ParseRoot();
}

}  // namespace loupe::query::traceql
