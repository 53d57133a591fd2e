#include "query/promql/syntax/parser.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "query/promql/syntax/functions.h"
#include "query/promql/syntax/go_text.h"
#include "query/promql/syntax/parser_impl.h"

namespace loupe::query::promql {
namespace internal {
namespace {

std::optional<BinaryOp> BinaryOpFromToken(TokenType t) {
  switch (t) {
    case TokenType::kAdd:
      return BinaryOp::kAdd;
    case TokenType::kSub:
      return BinaryOp::kSub;
    case TokenType::kMul:
      return BinaryOp::kMul;
    case TokenType::kDiv:
      return BinaryOp::kDiv;
    case TokenType::kMod:
      return BinaryOp::kMod;
    case TokenType::kPow:
      return BinaryOp::kPow;
    case TokenType::kAtan2:
      return BinaryOp::kAtan2;
    case TokenType::kEqlc:
      return BinaryOp::kEqlc;
    case TokenType::kNeq:
      return BinaryOp::kNeq;
    case TokenType::kGtr:
      return BinaryOp::kGtr;
    case TokenType::kLss:
      return BinaryOp::kLss;
    case TokenType::kGte:
      return BinaryOp::kGte;
    case TokenType::kLte:
      return BinaryOp::kLte;
    case TokenType::kLand:
      return BinaryOp::kAnd;
    case TokenType::kLor:
      return BinaryOp::kOr;
    case TokenType::kLunless:
      return BinaryOp::kUnless;
    default:
      return std::nullopt;
  }
}

std::optional<AggregateOp> AggregateOpFromToken(TokenType t) {
  switch (t) {
    case TokenType::kSum:
      return AggregateOp::kSum;
    case TokenType::kAvg:
      return AggregateOp::kAvg;
    case TokenType::kCount:
      return AggregateOp::kCount;
    case TokenType::kMin:
      return AggregateOp::kMin;
    case TokenType::kMax:
      return AggregateOp::kMax;
    case TokenType::kGroup:
      return AggregateOp::kGroup;
    case TokenType::kStddev:
      return AggregateOp::kStddev;
    case TokenType::kStdvar:
      return AggregateOp::kStdvar;
    case TokenType::kTopk:
      return AggregateOp::kTopk;
    case TokenType::kBottomk:
      return AggregateOp::kBottomk;
    case TokenType::kQuantile:
      return AggregateOp::kQuantile;
    case TokenType::kCountValues:
      return AggregateOp::kCountValues;
    case TokenType::kLimitk:
      return AggregateOp::kLimitk;
    case TokenType::kLimitRatio:
      return AggregateOp::kLimitRatio;
    default:
      return std::nullopt;
  }
}

// Keywords that may also name a metric (Prometheus's metric_identifier rule).
bool IsMetricNameKeyword(TokenType t) {
  switch (t) {
    case TokenType::kBy:
    case TokenType::kWithout:
    case TokenType::kLand:
    case TokenType::kLor:
    case TokenType::kLunless:
    case TokenType::kOffset:
    case TokenType::kStart:
    case TokenType::kEnd:
      return true;
    default:
      return IsAggregatorToken(t);
  }
}

constexpr int kUnaryOperandPrecedence = 6;  // unary +/- bind like *, their operand like ^

// Pops the error context pushed by an aggregation, whichever way parsing leaves it.
class ContextGuard {
 public:
  ContextGuard(std::vector<std::string_view>* stack, std::string_view context) : stack_(stack) {
    stack_->push_back(context);
  }
  ~ContextGuard() { stack_->pop_back(); }
  ContextGuard(const ContextGuard&) = delete;
  ContextGuard& operator=(const ContextGuard&) = delete;

 private:
  std::vector<std::string_view>* stack_;
};

// Counts recursion so that deeply nested input fails cleanly instead of exhausting the stack.
class NestingGuard {
 public:
  explicit NestingGuard(int* n) : n_(n) { ++*n_; }
  ~NestingGuard() { --*n_; }
  NestingGuard(const NestingGuard&) = delete;
  NestingGuard& operator=(const NestingGuard&) = delete;

 private:
  int* n_;
};

}  // namespace

Parser::Parser(std::string_view input, const ParseOptions& options)
    : input_(input), options_(options), lexer_(input) {
  Advance();
}

const Token& Parser::Cur() {
  if (tok_.type == TokenType::kError && !lex_error_seen_) {
    lex_error_seen_ = true;
    Fail({tok_.pos, static_cast<int32_t>(input_.size())}, tok_.error);
  }
  return tok_;
}

void Parser::Advance() {
  do {
    tok_ = lexer_.Next();
  } while (tok_.type == TokenType::kComment);
}

void Parser::AddError(PositionRange pos, std::string message) {
  errors_.push_back({pos, std::move(message)});
}

void Parser::Fail(PositionRange pos, std::string message) {
  if (failed_) return;
  AddError(pos, std::move(message));
  failed_ = true;
}

void Parser::Unexpected(std::string_view context, std::string_view expected) {
  const Token& t = Cur();
  if (t.type == TokenType::kError) return;  // already reported by Cur()
  std::string msg = "unexpected " + TokenDescription(t);
  if (!context.empty()) {
    msg += " in ";
    msg += context;
  }
  if (!expected.empty()) {
    msg += ", expected ";
    msg += expected;
  }
  Fail({t.pos, t.end()}, std::move(msg));
}

void Parser::UnexpectedInExpr() {
  Unexpected(contexts_.empty() ? std::string_view() : contexts_.back(), "");
}

bool Parser::CheckDepth(const Node& n) {
  if (n.depth <= kMaxExprDepth) return true;
  Fail(n.expr->pos,
       "expression nesting exceeds the maximum depth of " + std::to_string(kMaxExprDepth));
  return false;
}

ParseResult Parser::ParseQuery() {
  ParseResult result;
  if (CurType() == TokenType::kEof) {
    AddError({0, 0}, "no expression found in input");
  } else if (!failed_) {
    Node n = ParseBinary(0);
    if (!failed_ && CurType() != TokenType::kEof) UnexpectedInExpr();
    if (errors_.empty()) {
      CheckTree(input_, n.expr.get(), &errors_);
      if (errors_.empty()) result.expr = std::move(n.expr);
    }
  }
  result.errors = std::move(errors_);
  return result;
}

Parser::Node Parser::ParseBinary(int min_precedence) {
  NestingGuard guard(&nesting_);
  if (nesting_ > kMaxExprDepth) {
    const Token& t = Cur();
    Fail({t.pos, t.end()},
         "expression nesting exceeds the maximum depth of " + std::to_string(kMaxExprDepth));
    return {};
  }
  Node lhs = ParseUnary();
  if (failed_) return {};
  for (;;) {
    const Token& t = Cur();
    const std::optional<BinaryOp> op = BinaryOpFromToken(t.type);
    if (!op) break;
    const int prec = BinaryOpPrecedence(*op);
    if (prec < min_precedence) break;
    Advance();
    BinModifiers mods;
    if (!ParseBinModifiers(&mods)) return {};
    // ^ is right-associative, everything else left-associative.
    Node rhs = ParseBinary(*op == BinaryOp::kPow ? prec : prec + 1);
    if (failed_) return {};
    auto b = std::make_unique<BinaryExpr>();
    b->op = *op;
    b->pos = {lhs.expr->pos.start, rhs.expr->pos.end};
    b->return_bool = mods.return_bool;
    b->matching = std::move(mods.matching);
    Node n;
    n.depth = std::max(lhs.depth, rhs.depth) + 1;
    b->lhs = std::move(lhs.expr);
    b->rhs = std::move(rhs.expr);
    n.expr = std::move(b);
    if (!CheckDepth(n)) return {};
    lhs = std::move(n);
  }
  return lhs;
}

bool Parser::ParseBinModifiers(BinModifiers* mods) {
  if (CurType() == TokenType::kBool) {
    mods->return_bool = true;
    Advance();
  }
  const TokenType t = CurType();
  if (t != TokenType::kOn && t != TokenType::kIgnoring) return !failed_;
  mods->matching.on = t == TokenType::kOn;
  Advance();
  int32_t end;
  if (!ParseGroupingLabels(&mods->matching.matching_labels, &end)) return false;
  const TokenType g = CurType();
  if (g != TokenType::kGroupLeft && g != TokenType::kGroupRight) return !failed_;
  mods->matching.card = g == TokenType::kGroupLeft ? VectorMatchCardinality::kManyToOne
                                                   : VectorMatchCardinality::kOneToMany;
  Advance();
  // The label list is optional; a '(' here always starts it, never the right operand.
  if (CurType() == TokenType::kLeftParen) {
    return ParseGroupingLabels(&mods->matching.include, &end);
  }
  return !failed_;
}

Parser::Node Parser::ParseUnary() {
  const Token& t = Cur();
  if (t.type != TokenType::kAdd && t.type != TokenType::kSub) {
    Node primary = ParsePrimary();
    if (failed_) return {};
    return ParsePostfix(std::move(primary));
  }
  const UnaryOp op = t.type == TokenType::kAdd ? UnaryOp::kAdd : UnaryOp::kSub;
  const int32_t start = t.pos;
  Advance();
  Node operand = ParseBinary(kUnaryOperandPrecedence);
  if (failed_) return {};
  if (operand.expr->kind == ExprKind::kNumberLiteral) {
    // Prometheus folds the sign into number literals: "-1" is the literal -1.
    auto& num = As<NumberLiteral>(*operand.expr);
    if (op == UnaryOp::kSub) {
      num.value = -num.value;
      num.duration_ms = -num.duration_ms;
    }
    num.pos.start = start;
    return operand;
  }
  auto u = std::make_unique<UnaryExpr>();
  u->op = op;
  u->pos = {start, operand.expr->pos.end};
  u->expr = std::move(operand.expr);
  Node n{std::move(u), operand.depth + 1};
  if (!CheckDepth(n)) return {};
  return n;
}

Parser::Node Parser::ParsePrimary() {
  const Token t = Cur();
  switch (t.type) {
    case TokenType::kNumber:
    case TokenType::kDuration: {
      Node n = NumberLiteralFromToken(t);
      Advance();
      return n;
    }
    case TokenType::kString: {
      auto s = std::make_unique<StringLiteral>();
      s->pos = {t.pos, t.end()};
      if (!UnquotePromQL(t.text, &s->value)) {
        AddError(s->pos, "error unquoting string " + GoQuote(t.text));
      }
      Advance();
      return {std::move(s), 1};
    }
    case TokenType::kLeftParen:
      return ParseParen();
    case TokenType::kLeftBrace:
      return ParseVectorSelector(nullptr);
    case TokenType::kIdentifier:
      Advance();
      if (CurType() == TokenType::kLeftParen) return ParseCall(t);
      return ParseVectorSelector(&t);
    case TokenType::kMetricIdentifier:
      Advance();
      return ParseVectorSelector(&t);
    default:
      break;
  }
  if (IsMetricNameKeyword(t.type)) {
    Advance();
    if (IsAggregatorToken(t.type)) {
      const TokenType next = CurType();
      if (next == TokenType::kLeftParen || next == TokenType::kBy || next == TokenType::kWithout) {
        return ParseAggregate(t);
      }
    }
    return ParseVectorSelector(&t);
  }
  UnexpectedInExpr();
  return {};
}

Parser::Node Parser::ParseParen() {
  const int32_t start = Cur().pos;
  Advance();
  Node inner = ParseBinary(0);
  if (failed_) return {};
  if (CurType() != TokenType::kRightParen) {
    UnexpectedInExpr();
    return {};
  }
  auto p = std::make_unique<ParenExpr>();
  p->pos = {start, Cur().end()};
  Advance();
  p->expr = std::move(inner.expr);
  Node n{std::move(p), inner.depth + 1};
  if (!CheckDepth(n)) return {};
  return n;
}

bool Parser::ParseCallArgs(std::vector<Node>* args, int32_t* end) {
  // Cur() is '('.
  Advance();
  if (CurType() == TokenType::kRightParen) {
    *end = Cur().end();
    Advance();
    return true;
  }
  for (;;) {
    Node arg = ParseBinary(0);
    if (failed_) return false;
    args->push_back(std::move(arg));
    for (;;) {
      const Token& t = Cur();
      if (t.type == TokenType::kRightParen) {
        *end = t.end();
        Advance();
        return true;
      }
      if (t.type != TokenType::kComma) {
        UnexpectedInExpr();
        return false;
      }
      const PositionRange comma{t.pos, t.end()};
      Advance();
      const TokenType next = CurType();
      if (next != TokenType::kRightParen && next != TokenType::kComma) break;
      AddError(comma, "trailing commas not allowed in function call args");
    }
  }
}

Parser::Node Parser::ParseCall(const Token& name) {
  const PositionRange name_pos{name.pos, name.end()};
  const Function* func = FindFunction(name.text);
  if (func == nullptr) {
    AddError(name_pos, "unknown function with name " + GoQuote(name.text));
  } else if (func->experimental && !options_.enable_experimental_functions) {
    AddError(name_pos, "function " + GoQuote(name.text) + " is not enabled");
  }
  std::vector<Node> args;
  int32_t end = 0;
  if (!ParseCallArgs(&args, &end)) return {};
  auto call = std::make_unique<Call>();
  call->func = func;
  call->pos = {name.pos, end};
  int depth = 0;
  for (Node& a : args) {
    depth = std::max(depth, a.depth);
    call->args.push_back(std::move(a.expr));
  }
  Node n{std::move(call), depth + 1};
  if (!CheckDepth(n)) return {};
  return n;
}

Parser::Node Parser::ParseAggregate(const Token& op_token) {
  const AggregateOp op = *AggregateOpFromToken(op_token.type);
  auto agg = std::make_unique<AggregateExpr>();
  agg->op = op;
  bool have_modifier = false;
  std::vector<Node> args;
  int32_t end = 0;
  {
    ContextGuard context(&contexts_, "aggregation");
    const TokenType t = CurType();
    if (t == TokenType::kBy || t == TokenType::kWithout) {
      agg->without = t == TokenType::kWithout;
      have_modifier = true;
      Advance();
      if (!ParseGroupingLabels(&agg->grouping, &end)) return {};
      if (CurType() != TokenType::kLeftParen) {
        UnexpectedInExpr();
        return {};
      }
    }
    if (!ParseCallArgs(&args, &end)) return {};
  }
  if (!have_modifier) {
    const TokenType t = CurType();
    if (t == TokenType::kBy || t == TokenType::kWithout) {
      agg->without = t == TokenType::kWithout;
      Advance();
      if (!ParseGroupingLabels(&agg->grouping, &end)) return {};
    }
  }
  agg->pos = {op_token.pos, end};
  int depth = 0;
  for (const Node& a : args) depth = std::max(depth, a.depth);
  const std::string_view name = AggregateOpString(op);
  if (args.empty()) {
    AddError(agg->pos, "no arguments for aggregate expression provided");
  } else {
    size_t want = 1;
    bool ok = true;
    if (AggregateOpHasParam(op)) {
      if (AggregateOpIsExperimental(op) && !options_.enable_experimental_functions) {
        AddError(agg->pos, std::string(name) +
                               "() is experimental and must be enabled with "
                               "--enable-feature=promql-experimental-functions");
        ok = false;
      }
      want = 2;
    }
    if (ok && args.size() != want) {
      AddError(agg->pos,
               "wrong number of arguments for aggregate expression provided, "
               "expected " +
                   std::to_string(want) + ", got " + std::to_string(args.size()));
      ok = false;
    }
    if (ok) {
      if (want == 2) agg->param = std::move(args[0].expr);
      agg->expr = std::move(args[want - 1].expr);
    }
  }
  Node n{std::move(agg), depth + 1};
  if (!CheckDepth(n)) return {};
  return n;
}

}  // namespace internal

std::string FormatParseError(std::string_view query, const ParseError& error) {
  std::string where;
  const int32_t pos = error.pos.start;
  if (query.empty()) {
    where = "unknown position";
  } else if (pos < 0 || static_cast<size_t>(pos) > query.size()) {
    where = "invalid position";
  } else {
    const std::string_view before = query.substr(0, static_cast<size_t>(pos));
    const size_t last_newline = before.rfind('\n');
    const auto line = std::count(before.begin(), before.end(), '\n') + 1;
    const auto col = last_newline == std::string_view::npos
                         ? static_cast<size_t>(pos) + 1
                         : static_cast<size_t>(pos) - last_newline;
    where = std::to_string(line) + ":" + std::to_string(col);
  }
  return where + ": parse error: " + error.message;
}

ParseResult ParseExprWithErrors(std::string_view query, const ParseOptions& options) {
  internal::Parser parser(query, options);
  return parser.ParseQuery();
}

Result<ExprPtr> ParseExpr(std::string_view query, const ParseOptions& options) {
  ParseResult r = ParseExprWithErrors(query, options);
  if (!r.errors.empty()) {
    return Status::InvalidArgument(FormatParseError(query, r.errors.front()));
  }
  return std::move(r.expr);
}

Result<std::vector<storage::model::Matcher>> ParseMetricSelector(std::string_view input) {
  internal::Parser parser(input, ParseOptions{});
  ParseResult r = parser.ParseSelector();
  if (!r.errors.empty()) {
    return Status::InvalidArgument(FormatParseError(input, r.errors.front()));
  }
  return std::move(As<VectorSelector>(*r.expr).matchers);
}

}  // namespace loupe::query::promql
