// Metric side of the LogQL parser, error reporting, validation and the public entry points.
// See parser_internal.h.
#include "query/logql/syntax/parser.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "query/logql/syntax/go_compat.h"
#include "query/logql/syntax/parser_internal.h"

namespace loupe::query::logql {
namespace internal {
namespace {

int Precedence(Tok t) {
  switch (t) {
    case Tok::kOr:
      return 1;
    case Tok::kAnd:
    case Tok::kUnless:
      return 2;
    case Tok::kCmpEq:
    case Tok::kNeq:
    case Tok::kLt:
    case Tok::kLte:
    case Tok::kGt:
    case Tok::kGte:
      return 3;
    case Tok::kAdd:
    case Tok::kSub:
      return 4;
    case Tok::kMul:
    case Tok::kDiv:
    case Tok::kMod:
      return 5;
    case Tok::kPow:
      return 6;
    default:
      return 0;
  }
}

BinaryOpKind BinaryKind(Tok t) {
  switch (t) {
    case Tok::kOr:
      return BinaryOpKind::kOr;
    case Tok::kAnd:
      return BinaryOpKind::kAnd;
    case Tok::kUnless:
      return BinaryOpKind::kUnless;
    case Tok::kAdd:
      return BinaryOpKind::kAdd;
    case Tok::kSub:
      return BinaryOpKind::kSub;
    case Tok::kMul:
      return BinaryOpKind::kMul;
    case Tok::kDiv:
      return BinaryOpKind::kDiv;
    case Tok::kMod:
      return BinaryOpKind::kMod;
    case Tok::kPow:
      return BinaryOpKind::kPow;
    case Tok::kCmpEq:
      return BinaryOpKind::kEq;
    case Tok::kNeq:
      return BinaryOpKind::kNe;
    case Tok::kGt:
      return BinaryOpKind::kGt;
    case Tok::kGte:
      return BinaryOpKind::kGe;
    case Tok::kLt:
      return BinaryOpKind::kLt;
    default:
      return BinaryOpKind::kLe;
  }
}

std::optional<RangeOp> RangeOpFromTok(Tok t) {
  switch (t) {
    case Tok::kCountOverTime:
      return RangeOp::kCountOverTime;
    case Tok::kRate:
      return RangeOp::kRate;
    case Tok::kRateCounter:
      return RangeOp::kRateCounter;
    case Tok::kBytesOverTime:
      return RangeOp::kBytesOverTime;
    case Tok::kBytesRate:
      return RangeOp::kBytesRate;
    case Tok::kAvgOverTime:
      return RangeOp::kAvgOverTime;
    case Tok::kSumOverTime:
      return RangeOp::kSumOverTime;
    case Tok::kMinOverTime:
      return RangeOp::kMinOverTime;
    case Tok::kMaxOverTime:
      return RangeOp::kMaxOverTime;
    case Tok::kStdvarOverTime:
      return RangeOp::kStdvarOverTime;
    case Tok::kStddevOverTime:
      return RangeOp::kStddevOverTime;
    case Tok::kQuantileOverTime:
      return RangeOp::kQuantileOverTime;
    case Tok::kFirstOverTime:
      return RangeOp::kFirstOverTime;
    case Tok::kLastOverTime:
      return RangeOp::kLastOverTime;
    case Tok::kAbsentOverTime:
      return RangeOp::kAbsentOverTime;
    default:
      return std::nullopt;
  }
}

std::optional<VectorOp> VectorOpFromTok(Tok t) {
  switch (t) {
    case Tok::kSum:
      return VectorOp::kSum;
    case Tok::kAvg:
      return VectorOp::kAvg;
    case Tok::kCount:
      return VectorOp::kCount;
    case Tok::kMax:
      return VectorOp::kMax;
    case Tok::kMin:
      return VectorOp::kMin;
    case Tok::kStddev:
      return VectorOp::kStddev;
    case Tok::kStdvar:
      return VectorOp::kStdvar;
    case Tok::kBottomk:
      return VectorOp::kBottomk;
    case Tok::kTopk:
      return VectorOp::kTopk;
    case Tok::kSort:
      return VectorOp::kSort;
    case Tok::kSortDesc:
      return VectorOp::kSortDesc;
    case Tok::kApproxTopk:
      return VectorOp::kApproxTopk;
    default:
      return std::nullopt;
  }
}

// Loki's newRangeAggregationExpr and RangeAggregationExpr.validate.
std::string RangeAggregationError(RangeAggregation* ra, const std::optional<std::string>& param) {
  const std::string op(RangeOpString(ra->op));
  if (param) {
    if (ra->op != RangeOp::kQuantileOverTime) {
      return "parameter " + *param + " not supported for operation " + op;
    }
    std::string err;
    auto v = gocompat::ParseFloat(*param, &err);
    if (!v) return "invalid parameter for operation " + op + ": " + err;
    ra->param = *v;
  } else if (ra->op == RangeOp::kQuantileOverTime) {
    return "parameter required for operation " + op;
  }
  if (ra->grouping) {
    switch (ra->op) {
      case RangeOp::kAvgOverTime:
      case RangeOp::kStddevOverTime:
      case RangeOp::kStdvarOverTime:
      case RangeOp::kQuantileOverTime:
      case RangeOp::kMaxOverTime:
      case RangeOp::kMinOverTime:
      case RangeOp::kFirstOverTime:
      case RangeOp::kLastOverTime:
        break;
      default:
        return "grouping not allowed for " + op + " aggregation";
    }
  }
  if (ra->range.unwrap) {
    switch (ra->op) {
      case RangeOp::kAvgOverTime:
      case RangeOp::kSumOverTime:
      case RangeOp::kMaxOverTime:
      case RangeOp::kMinOverTime:
      case RangeOp::kStddevOverTime:
      case RangeOp::kStdvarOverTime:
      case RangeOp::kQuantileOverTime:
      case RangeOp::kRate:
      case RangeOp::kRateCounter:
      case RangeOp::kAbsentOverTime:
      case RangeOp::kFirstOverTime:
      case RangeOp::kLastOverTime:
        return "";
      default:
        return "invalid aggregation " + op + " with unwrap";
    }
  }
  switch (ra->op) {
    case RangeOp::kBytesOverTime:
    case RangeOp::kBytesRate:
    case RangeOp::kCountOverTime:
    case RangeOp::kRate:
    case RangeOp::kAbsentOverTime:
      return "";
    default:
      return "invalid aggregation " + op + " without unwrap";
  }
}

// Loki's mustNewVectorAggregationExpr.
std::string VectorAggregationError(VectorAggregation* va, const std::optional<std::string>& param,
                                   bool has_grouping) {
  const std::string op(VectorOpString(va->op));
  switch (va->op) {
    case VectorOp::kBottomk:
    case VectorOp::kTopk:
    case VectorOp::kApproxTopk: {
      if (!param) return "parameter required for operation " + op;
      auto p = gocompat::Atoi(*param);
      if (!p) return "invalid parameter " + op + "(" + *param + ",";
      if (*p <= 0) return "invalid parameter (must be greater than 0) " + op + "(" + *param;
      if (va->op == VectorOp::kApproxTopk && has_grouping) {
        return "grouping not allowed for " + op + " aggregation";
      }
      va->param = *p;
      return "";
    }
    default:
      if (param) return "unsupported parameter for operation " + op + "(" + *param + ",";
      return "";
  }
}

double Fold(BinaryOpKind op, double l, double r) {
  switch (op) {
    case BinaryOpKind::kAdd:
      return l + r;
    case BinaryOpKind::kSub:
      return l - r;
    case BinaryOpKind::kMul:
      return l * r;
    case BinaryOpKind::kDiv:
      return r == 0 ? std::nan("") : l / r;
    case BinaryOpKind::kMod:
      return r == 0 ? std::nan("") : std::fmod(l, r);
    case BinaryOpKind::kPow:
      return std::pow(l, r);
    case BinaryOpKind::kEq:
      return l == r ? 1 : 0;
    case BinaryOpKind::kNe:
      return l != r ? 1 : 0;
    case BinaryOpKind::kGt:
      return l > r ? 1 : 0;
    case BinaryOpKind::kGe:
      return l >= r ? 1 : 0;
    case BinaryOpKind::kLt:
      return l < r ? 1 : 0;
    case BinaryOpKind::kLe:
      return l <= r ? 1 : 0;
    default:
      return 0;  // set operations never fold (literal legs are errors)
  }
}

std::string GoTypeName(const Expr& e) {
  const auto& sel = std::get<LogSelector>(e.node);
  return sel.stages.empty() ? "*syntax.MatchersExpr" : "*syntax.PipelineExpr";
}

}  // namespace

Status ParseError(const std::string& msg, int line, int col) {
  if (line == 0 && col == 0) return Status::InvalidArgument("parse error : " + msg);
  return Status::InvalidArgument("parse error at line " + std::to_string(line) + ", col " +
                                 std::to_string(col) + ": " + msg);
}

Parser::Parser(std::string_view query) : lexer_(query) { Advance(); }

void Parser::Advance() {
  if (next_) {
    tok_ = std::move(*next_);
    next_.reset();
  } else {
    tok_ = lexer_.Next();
  }
}

const Token& Parser::PeekNext() {
  if (!next_) next_ = lexer_.Next();
  return *next_;
}

bool Parser::Fail(std::initializer_list<Tok> expected) {
  if (failed()) return false;
  if (const LexError* le = lexer_.error(); le != nullptr && (!next_ || tok_.type == Tok::kEnd)) {
    status_ = ParseError(le->message, le->line, le->col);
    return false;
  }
  std::string msg = "syntax error: unexpected " + std::string(TokName(tok_.type));
  std::vector<Tok> sorted(expected);
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size() && sorted.size() <= 4; ++i) {
    msg += i == 0 ? ", expecting " : " or ";
    msg += TokName(sorted[i]);
  }
  status_ = ParseError(msg, tok_.line, tok_.col);
  return false;
}

bool Parser::FailAt(const std::string& message) {
  if (!failed()) status_ = ParseError(message, 0, 0);
  return false;
}

bool Parser::Nest::ok() const {
  if (p_->depth_ <= kMaxNesting) return true;
  return p_->FailAt("expression nests too deeply (more than " + std::to_string(kMaxNesting) +
                    " levels)");
}

bool Parser::Expect(Tok t, std::initializer_list<Tok> expected) {
  if (type() != t) return Fail(expected);
  Advance();
  return true;
}

ExprPtr Parser::ParseQuery() {
  if (type() == Tok::kEnd) {
    Fail();
    return nullptr;
  }
  ExprPtr e = ParseBinary(1);
  if (!e) return nullptr;
  if (type() != Tok::kEnd) {
    Fail();
    return nullptr;
  }
  if (const LexError* le = lexer_.error()) {
    status_ = ParseError(le->message, le->line, le->col);
    return nullptr;
  }
  return e;
}

bool Parser::ParseLabelList(std::vector<std::string>* labels) {
  // Called after "(".
  if (type() == Tok::kCloseParen) {
    Advance();
    return true;
  }
  if (type() != Tok::kIdentifier) return Fail({Tok::kIdentifier, Tok::kCloseParen});
  for (;;) {
    labels->push_back(tok().text);
    Advance();
    if (type() == Tok::kComma) {
      Advance();
      if (type() != Tok::kIdentifier) return Fail({Tok::kIdentifier});
      continue;
    }
    return Expect(Tok::kCloseParen, {Tok::kComma, Tok::kCloseParen});
  }
}

bool Parser::ParseGrouping(Grouping* g) {
  g->without = type() == Tok::kWithout;
  Advance();
  if (!Expect(Tok::kOpenParen, {Tok::kOpenParen})) return false;
  return ParseLabelList(&g->labels);
}

bool Parser::ParseBinaryModifiers(BinaryOp* op) {
  if (type() == Tok::kBool) {
    op->return_bool = true;
    Advance();
  }
  if (type() != Tok::kOn && type() != Tok::kIgnoring) return true;
  op->matching.on = type() == Tok::kOn;
  Advance();
  if (!Expect(Tok::kOpenParen, {Tok::kOpenParen})) return false;
  if (!ParseLabelList(&op->matching.labels)) return false;
  if (type() != Tok::kGroupLeft && type() != Tok::kGroupRight) return true;
  op->matching.card = type() == Tok::kGroupLeft ? Cardinality::kManyToOne : Cardinality::kOneToMany;
  Advance();
  if (type() != Tok::kOpenParen) return true;
  Advance();
  return ParseLabelList(&op->matching.include);
}

ExprPtr Parser::ParseBinary(int min_prec) {
  const Nest nest(this);
  if (!nest.ok()) return nullptr;
  ExprPtr lhs = ParseOperand();
  if (!lhs) return nullptr;
  for (;;) {
    const int prec = Precedence(type());
    if (prec == 0 || prec < min_prec) return lhs;
    BinaryOp op;
    op.op = BinaryKind(type());
    const size_t pos = lhs->pos;
    Advance();
    if (!ParseBinaryModifiers(&op)) return nullptr;
    ExprPtr rhs = ParseBinary(op.op == BinaryOpKind::kPow ? prec : prec + 1);
    if (!rhs) return nullptr;
    op.lhs = std::move(lhs);
    op.rhs = std::move(rhs);
    lhs = MakeBinary(std::move(op), pos);
  }
}

// Loki's mustNewBinOpExpr: operand type checks, literal checks for set operations, and
// folding of two literals into one.
ExprPtr Parser::MakeBinary(BinaryOp op, size_t pos) {
  auto e = std::make_unique<Expr>();
  e->pos = pos;
  const std::string name(BinaryOpString(op.op));
  std::string err;
  if (op.lhs->IsLogQuery()) {
    err = "unexpected type for left leg of binary operation (" + name + "): " + GoTypeName(*op.lhs);
  } else if (op.rhs->IsLogQuery()) {
    err =
        "unexpected type for right leg of binary operation (" + name + "): " + GoTypeName(*op.rhs);
  } else {
    const auto* l = std::get_if<Literal>(&op.lhs->node);
    const auto* r = std::get_if<Literal>(&op.rhs->node);
    if (auto it = deferred_.find(op.lhs.get()); l != nullptr && it != deferred_.end()) {
      err = it->second;
    } else if (auto jt = deferred_.find(op.rhs.get()); r != nullptr && jt != deferred_.end()) {
      err = jt->second;
    } else if (IsSetOperation(op.op) && l != nullptr) {
      err = "unexpected literal for left leg of logical/set binary operation (" + name +
            "): " + gocompat::FormatFloatFixed6(l->value);
    } else if (IsSetOperation(op.op) && r != nullptr) {
      err = "unexpected literal for right leg of logical/set binary operation (" + name +
            "): " + gocompat::FormatFloatFixed6(r->value);
    } else if (l != nullptr && r != nullptr) {
      e->node = Literal{Fold(op.op, l->value, r->value)};
      return e;
    }
  }
  e->node = std::move(op);
  if (!err.empty()) deferred_[e.get()] = err;
  return e;
}

ExprPtr Parser::ParseLiteral() {
  auto e = std::make_unique<Expr>();
  e->pos = tok().offset;
  const bool negate = type() == Tok::kSub;
  if (type() != Tok::kNumber) {
    Advance();
    if (type() != Tok::kNumber) {
      Fail({Tok::kNumber});
      return nullptr;
    }
  }
  std::string err;
  auto v = gocompat::ParseFloat(tok().text, &err);
  double value = v.value_or(0);
  if (!v) deferred_[e.get()] = "unable to parse literal as a float: " + err;
  e->node = Literal{negate ? -value : value};
  Advance();
  return e;
}

ExprPtr Parser::ParseOperand() {
  if (auto op = RangeOpFromTok(type())) return ParseRangeAggregation();
  if (auto op = VectorOpFromTok(type())) return ParseVectorAggregation();
  switch (type()) {
    case Tok::kOpenBrace: {
      auto e = std::make_unique<Expr>();
      e->pos = tok().offset;
      LogSelector sel;
      if (!ParseSelector(&sel) || !ParsePipeline(&sel, false)) return nullptr;
      e->node = std::move(sel);
      return e;
    }
    case Tok::kOpenParen: {
      Advance();
      ExprPtr inner = ParseBinary(1);
      if (!inner) return nullptr;
      if (type() != Tok::kCloseParen) {
        Fail();
        return nullptr;
      }
      Advance();
      return inner;
    }
    case Tok::kNumber:
    case Tok::kAdd:
    case Tok::kSub:
      return ParseLiteral();
    case Tok::kLabelReplace:
      return ParseLabelReplace();
    case Tok::kVector:
      return ParseVector();
    default:
      Fail();
      return nullptr;
  }
}

ExprPtr Parser::ParseRangeAggregation() {
  auto e = std::make_unique<Expr>();
  e->pos = tok().offset;
  RangeAggregation ra;
  ra.op = *RangeOpFromTok(type());
  Advance();
  if (!Expect(Tok::kOpenParen, {Tok::kOpenParen})) return nullptr;
  std::optional<std::string> param;
  if (type() == Tok::kNumber) {
    param = tok().text;
    Advance();
    if (!Expect(Tok::kComma, {Tok::kComma})) return nullptr;
    if (type() != Tok::kOpenBrace && type() != Tok::kOpenParen) {
      Fail({Tok::kOpenBrace, Tok::kOpenParen});
      return nullptr;
    }
  } else if (type() != Tok::kOpenBrace && type() != Tok::kOpenParen) {
    Fail({Tok::kNumber, Tok::kOpenBrace, Tok::kOpenParen});
    return nullptr;
  }
  if (!ParseLogRange(&ra.range)) return nullptr;
  if (!Expect(Tok::kCloseParen, {Tok::kCloseParen})) return nullptr;
  if (type() == Tok::kBy || type() == Tok::kWithout) {
    Grouping g;
    if (!ParseGrouping(&g)) return nullptr;
    ra.grouping = std::move(g);
  }
  const std::string err = RangeAggregationError(&ra, param);
  e->node = std::move(ra);
  if (!err.empty()) deferred_[e.get()] = err;
  return e;
}

ExprPtr Parser::ParseVectorAggregation() {
  auto e = std::make_unique<Expr>();
  e->pos = tok().offset;
  VectorAggregation va;
  va.op = *VectorOpFromTok(type());
  Advance();
  bool has_grouping = false;
  bool prefix = false;
  if (type() == Tok::kBy || type() == Tok::kWithout) {
    if (!ParseGrouping(&va.grouping)) return nullptr;
    has_grouping = prefix = true;
    if (type() != Tok::kOpenParen) {
      Fail({Tok::kOpenParen});
      return nullptr;
    }
  } else if (type() != Tok::kOpenParen) {
    Fail({Tok::kOpenParen, Tok::kBy, Tok::kWithout});
    return nullptr;
  }
  Advance();
  std::optional<std::string> param;
  if (type() == Tok::kNumber && PeekNext().type == Tok::kComma) {
    param = tok().text;
    Advance();
    Advance();
  }
  va.inner = ParseBinary(1);
  if (!va.inner) return nullptr;
  if (va.inner->IsLogQuery() || type() != Tok::kCloseParen) {
    Fail();
    return nullptr;
  }
  Advance();
  if (!prefix && (type() == Tok::kBy || type() == Tok::kWithout)) {
    if (!ParseGrouping(&va.grouping)) return nullptr;
    has_grouping = true;
  }
  const std::string err = VectorAggregationError(&va, param, has_grouping);
  e->node = std::move(va);
  if (!err.empty()) deferred_[e.get()] = err;
  return e;
}

ExprPtr Parser::ParseLabelReplace() {
  auto e = std::make_unique<Expr>();
  e->pos = tok().offset;
  LabelReplace lr;
  Advance();
  if (!Expect(Tok::kOpenParen, {Tok::kOpenParen})) return nullptr;
  lr.inner = ParseBinary(1);
  if (!lr.inner) return nullptr;
  if (lr.inner->IsLogQuery() || type() != Tok::kComma) {
    Fail();
    return nullptr;
  }
  std::string* fields[] = {&lr.dst, &lr.replacement, &lr.src, &lr.regex};
  for (size_t i = 0; i < 4; ++i) {
    if (i > 0 && !Expect(Tok::kComma, {Tok::kComma})) return nullptr;
    if (i == 0) Advance();
    if (type() != Tok::kString) {
      Fail({Tok::kString});
      return nullptr;
    }
    *fields[i] = tok().text;
    Advance();
  }
  if (!Expect(Tok::kCloseParen, {Tok::kCloseParen})) return nullptr;
  const std::string err = gocompat::RegexpError("^(?:" + lr.regex + ")$");
  e->node = std::move(lr);
  if (!err.empty()) deferred_[e.get()] = "invalid regex in label_replace: " + err;
  return e;
}

ExprPtr Parser::ParseVector() {
  auto e = std::make_unique<Expr>();
  e->pos = tok().offset;
  Advance();
  if (!Expect(Tok::kOpenParen, {Tok::kOpenParen})) return nullptr;
  if (type() != Tok::kNumber) {
    Fail({Tok::kNumber});
    return nullptr;
  }
  std::string err;
  auto v = gocompat::ParseFloat(tok().text, &err);
  if (!v) deferred_[e.get()] = "unable to parse vectorExpr as a float: " + err;
  e->node = VectorLiteral{v.value_or(0)};
  Advance();
  if (!Expect(Tok::kCloseParen, {Tok::kCloseParen})) return nullptr;
  return e;
}

namespace {

constexpr const char kEmptyCompatible[] =
    "queries require at least one regexp or equality matcher that does not have an "
    "empty-compatible value. For instance, app=~\".*\" does not meet this requirement, but "
    "app=~\".+\" will";

using Deferred = std::unordered_map<const Expr*, std::string>;

Status ValidateMatchers(const std::vector<Matcher>& matchers) {
  for (const Matcher& m : matchers) {
    if (!m.MatchesEmpty()) return Status::OK();
  }
  return ParseError(kEmptyCompatible, 0, 0);
}

// Loki's validateSampleExpr, including the Selector() chain of label_replace.
Status ValidateSample(const Expr& e, const Deferred& deferred, bool check_matchers) {
  if (auto it = deferred.find(&e); it != deferred.end()) return ParseError(it->second, 0, 0);
  if (const auto* b = std::get_if<BinaryOp>(&e.node)) {
    LOUPE_RETURN_IF_ERROR(ValidateSample(*b->lhs, deferred, check_matchers));
    return ValidateSample(*b->rhs, deferred, check_matchers);
  }
  if (const auto* v = std::get_if<VectorAggregation>(&e.node)) {
    if ((v->op == VectorOp::kSort || v->op == VectorOp::kSortDesc) && !v->grouping.labels.empty()) {
      return ParseError("sort and sort_desc doesn't allow grouping by ", 0, 0);
    }
    return ValidateSample(*v->inner, deferred, check_matchers);
  }
  if (const auto* r = std::get_if<RangeAggregation>(&e.node)) {
    return check_matchers ? ValidateMatchers(r->range.selector.matchers) : Status::OK();
  }
  if (const auto* lr = std::get_if<LabelReplace>(&e.node)) {
    const Expr* s = lr->inner.get();
    for (;;) {
      if (auto it = deferred.find(s); it != deferred.end()) return ParseError(it->second, 0, 0);
      if (const auto* x = std::get_if<LabelReplace>(&s->node)) {
        s = x->inner.get();
      } else if (const auto* v = std::get_if<VectorAggregation>(&s->node)) {
        s = v->inner.get();
      } else if (const auto* b = std::get_if<BinaryOp>(&s->node)) {
        s = b->lhs.get();
      } else if (const auto* r = std::get_if<RangeAggregation>(&s->node)) {
        return check_matchers ? ValidateMatchers(r->range.selector.matchers) : Status::OK();
      } else if (std::holds_alternative<Literal>(s->node)) {
        return check_matchers ? ValidateMatchers({}) : Status::OK();
      } else {
        return Status::OK();
      }
    }
  }
  return Status::OK();  // literals, vector()
}

Result<ExprPtr> Parse(std::string_view query, bool validate) {
  if (query.size() >= kMaxQueryBytes) {
    return ParseError("input size too long (" + std::to_string(query.size()) + " > " +
                          std::to_string(kMaxQueryBytes) + ")",
                      0, 0);
  }
  Parser p(query);
  ExprPtr e = p.ParseQuery();
  if (!e) return p.status();
  if (const auto* sel = std::get_if<LogSelector>(&e->node)) {
    if (validate) LOUPE_RETURN_IF_ERROR(ValidateMatchers(sel->matchers));
    return e;
  }
  LOUPE_RETURN_IF_ERROR(ValidateSample(*e, p.deferred(), validate));
  return e;
}

}  // namespace
}  // namespace internal

Result<ExprPtr> ParseExpr(std::string_view query) { return internal::Parse(query, true); }

Result<ExprPtr> ParseExprWithoutValidation(std::string_view query) {
  return internal::Parse(query, false);
}

Result<std::vector<Matcher>> ParseMatchers(std::string_view query, bool validate) {
  LOUPE_ASSIGN_OR_RETURN(ExprPtr e, internal::Parse(query, validate));
  auto* sel = std::get_if<LogSelector>(&e->node);
  if (sel == nullptr || !sel->stages.empty()) {
    return Status::InvalidArgument("only label matchers are supported");
  }
  return std::move(sel->matchers);
}

}  // namespace loupe::query::logql
