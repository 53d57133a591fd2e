// Selectors, label lists and the postfix modifiers of the PromQL grammar: `{...}` matchers,
// `by (...)` label lists, `[range]`, `[range:step]`, `offset` and `@`.
#include <cmath>
#include <utility>

#include "query/promql/syntax/duration.h"
#include "query/promql/syntax/go_text.h"
#include "query/promql/syntax/parser_impl.h"

namespace loupe::query::promql::internal {
namespace {

using storage::model::Matcher;
using storage::model::MatchType;

bool IsMatchOp(TokenType t) {
  return t == TokenType::kAssign || t == TokenType::kNeq || t == TokenType::kEqlRegex ||
         t == TokenType::kNeqRegex;
}

MatchType MatchTypeFromToken(TokenType t) {
  switch (t) {
    case TokenType::kNeq:
      return MatchType::kNotEqual;
    case TokenType::kEqlRegex:
      return MatchType::kRegexMatch;
    case TokenType::kNeqRegex:
      return MatchType::kRegexNoMatch;
    default:
      return MatchType::kEqual;
  }
}

// Tokens that Prometheus accepts as a label name in `by (...)`, `on (...)` and the like: the
// keywords the lexer produces outside braces are plain label names there.
bool IsGroupingLabelToken(TokenType t) {
  switch (t) {
    case TokenType::kIdentifier:
    case TokenType::kMetricIdentifier:
    case TokenType::kBool:
    case TokenType::kBy:
    case TokenType::kGroupLeft:
    case TokenType::kGroupRight:
    case TokenType::kIgnoring:
    case TokenType::kLand:
    case TokenType::kLor:
    case TokenType::kLunless:
    case TokenType::kOffset:
    case TokenType::kOn:
    case TokenType::kWithout:
    case TokenType::kStart:
    case TokenType::kEnd:
    case TokenType::kAtan2:
      return true;
    default:
      return IsAggregatorToken(t);
  }
}

bool IsLegacyLabelName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// Rewrites an RE2 error from storage::model::Matcher ("error parsing regexp: missing ):
// ^(?:(bar)$") in the words of Go's regexp package, which Prometheus reports
// ("error parsing regexp: missing closing ): `(bar`").
std::string RegexErrorMessage(std::string_view message, std::string_view regex) {
  constexpr std::string_view kPrefix = "error parsing regexp: ";
  if (!message.starts_with(kPrefix)) return std::string(message);
  size_t backslashes = 0;
  while (backslashes < regex.size() && regex[regex.size() - 1 - backslashes] == '\\') {
    ++backslashes;
  }
  if (backslashes % 2 == 1) {
    // RE2 sees the escaped ')' of its anchoring wrapper; Go reports the real problem.
    return std::string(kPrefix) + "trailing backslash at end of expression: ``";
  }
  std::string_view rest = message.substr(kPrefix.size());
  const size_t colon = rest.find(": ");
  if (colon == std::string_view::npos) return std::string(message);
  std::string_view code = rest.substr(0, colon);
  std::string_view arg = rest.substr(colon + 2);
  // Storage anchors the regex as ^(?:...)$; report the user's text only.
  if (arg.starts_with("^(?:")) arg.remove_prefix(4);
  if (arg.ends_with(")$") && regex.ends_with(arg.substr(0, arg.size() - 2))) {
    arg.remove_suffix(2);
  }
  static constexpr std::pair<std::string_view, std::string_view> kCodes[] = {
      {"missing )", "missing closing )"},
      {"unexpected )", "unexpected )"},
      {"missing ]", "missing closing ]"},
      {"invalid escape sequence", "invalid escape sequence"},
      {"no argument for repetition operator", "missing argument to repetition operator"},
      {"invalid repetition size", "invalid repeat count"},
      {"bad repetition operator", "invalid nested repetition operator"},
      {"invalid perl operator", "invalid or unsupported Perl syntax"},
      {"invalid UTF-8", "invalid UTF-8"},
      {"invalid named capture group", "invalid named capture"},
      {"invalid character class range", "invalid character class range"},
      {"invalid character class", "invalid character class"},
      {"trailing \\", "trailing backslash at end of expression"},
  };
  for (const auto& [re2_text, go_text] : kCodes) {
    if (code == re2_text) code = go_text;
  }
  return std::string(kPrefix) + std::string(code) + ": `" + std::string(arg) + "`";
}

bool IsNumberToken(TokenType t) { return t == TokenType::kNumber || t == TokenType::kDuration; }

// Nanoseconds must fit in int64, as Go's time.Duration requires.
constexpr double kMaxDurationSeconds = 9.223372036854775807e9;

TimeModifiers* TimeModifiersOf(Expr* e, int32_t** end) {
  switch (e->kind) {
    case ExprKind::kVectorSelector: {
      auto& vs = As<VectorSelector>(*e);
      *end = &vs.pos.end;
      return &vs.mods;
    }
    case ExprKind::kMatrixSelector: {
      auto& ms = As<MatrixSelector>(*e);
      *end = &ms.pos.end;
      return &ms.selector->mods;
    }
    case ExprKind::kSubquery: {
      auto& sq = As<SubqueryExpr>(*e);
      *end = &sq.pos.end;
      return &sq.mods;
    }
    default:
      return nullptr;
  }
}

}  // namespace

ParseResult Parser::ParseSelector() {
  ParseResult result;
  Node n;
  const Token t = Cur();
  if (t.type == TokenType::kLeftBrace) {
    n = ParseVectorSelector(nullptr);
  } else if (t.type == TokenType::kIdentifier || t.type == TokenType::kMetricIdentifier ||
             t.type == TokenType::kBy || t.type == TokenType::kWithout ||
             t.type == TokenType::kLand || t.type == TokenType::kLor ||
             t.type == TokenType::kLunless || t.type == TokenType::kOffset ||
             t.type == TokenType::kStart || t.type == TokenType::kEnd ||
             IsAggregatorToken(t.type)) {
    Advance();
    n = ParseVectorSelector(&t);
  } else {
    Unexpected("", "");
  }
  if (!failed_ && CurType() != TokenType::kEof) Unexpected("", "");
  if (errors_.empty()) result.expr = std::move(n.expr);
  result.errors = std::move(errors_);
  return result;
}

Parser::Node Parser::ParseVectorSelector(const Token* name) {
  auto vs = std::make_unique<VectorSelector>();
  if (name != nullptr) {
    vs->name = std::string(name->text);
    vs->pos = {name->pos, name->end()};
  } else {
    vs->pos = {Cur().pos, Cur().end()};
  }
  if (CurType() == TokenType::kLeftBrace) {
    if (!ParseLabelMatchers(vs.get())) return {};
  }
  if (failed_) return {};
  if (name != nullptr) {
    // The name written before the braces becomes the last matcher.
    vs->matchers.push_back(std::move(*Matcher::Create(MatchType::kEqual, "__name__", vs->name)));
  }
  return {std::move(vs), 1};
}

bool Parser::ParseLabelMatchers(VectorSelector* vs) {
  // Cur() is '{'.
  Advance();
  for (;;) {
    if (CurType() == TokenType::kRightBrace) break;
    if (!ParseLabelMatcher(vs)) return false;
    const TokenType t = CurType();
    if (t == TokenType::kComma) {
      Advance();
      continue;  // a trailing comma before '}' is fine
    }
    if (t != TokenType::kRightBrace) {
      Unexpected("label matching", "\",\" or \"}\"");
      return false;
    }
  }
  vs->pos.end = Cur().end();
  Advance();
  return true;
}

bool Parser::ParseLabelMatcher(VectorSelector* vs) {
  const Token first = Cur();
  std::string name;
  if (first.type == TokenType::kIdentifier) {
    name = std::string(first.text);
  } else if (first.type == TokenType::kString) {
    UnquotePromQL(first.text, &name);  // the lexer has validated the literal
  } else {
    Unexpected("label matching", "identifier or \"}\"");
    return false;
  }
  Advance();
  const TokenType op = CurType();
  if (!IsMatchOp(op)) {
    if (first.type == TokenType::kIdentifier) {
      Unexpected("label matching", "label matching operator");
      return false;
    }
    // A lone quoted string names the metric: {"my.metric"}.
    auto m = Matcher::Create(MatchType::kEqual, "__name__", std::move(name));
    vs->matchers.push_back(std::move(*m));
    return !failed_;
  }
  Advance();
  const Token value = Cur();
  if (value.type != TokenType::kString) {
    Unexpected("label matching", "string");
    return false;
  }
  Advance();
  std::string unquoted;
  UnquotePromQL(value.text, &unquoted);
  auto m = Matcher::Create(MatchTypeFromToken(op), std::move(name), unquoted);
  if (!m.ok()) {
    AddError({first.pos, value.end()}, RegexErrorMessage(m.status().message(), unquoted));
    return true;
  }
  vs->matchers.push_back(std::move(*m));
  return true;
}

bool Parser::ParseGroupingLabels(std::vector<std::string>* labels, int32_t* end) {
  if (CurType() != TokenType::kLeftParen) {
    Unexpected("grouping opts", "\"(\"");
    return false;
  }
  Advance();
  for (;;) {
    const Token& t = Cur();
    if (t.type == TokenType::kRightParen) break;  // "()" or a trailing comma
    if (t.type == TokenType::kString) {
      std::string label;
      UnquotePromQL(t.text, &label);
      labels->push_back(std::move(label));
    } else if (IsGroupingLabelToken(t.type) && IsLegacyLabelName(t.text)) {
      labels->emplace_back(t.text);
    } else {
      Unexpected("grouping opts", "label");
      return false;
    }
    Advance();
    const TokenType next = CurType();
    if (next == TokenType::kComma) {
      Advance();
      continue;
    }
    if (next != TokenType::kRightParen) {
      Unexpected("grouping opts", "\",\" or \")\"");
      return false;
    }
  }
  *end = Cur().end();
  Advance();
  return true;
}

Parser::Node Parser::ParsePostfix(Node e) {
  for (;;) {
    switch (CurType()) {
      case TokenType::kLeftBracket:
        e = ParseRangeOrSubquery(std::move(e));
        break;
      case TokenType::kOffset:
        if (!ParseOffset(e.expr.get())) return {};
        break;
      case TokenType::kAt:
        if (!ParseAt(e.expr.get())) return {};
        break;
      default:
        if (failed_) return {};
        return e;
    }
    if (failed_) return {};
  }
}

Parser::Node Parser::ParseRangeOrSubquery(Node e) {
  const int32_t lbracket = Cur().pos;
  Advance();
  const Token range_tok = Cur();
  if (!IsNumberToken(range_tok.type)) {
    Unexpected("subquery selector", "number or duration");
    return {};
  }
  const int64_t range_ms = DurationFromToken(range_tok);
  const PositionRange range_pos{range_tok.pos, range_tok.end()};
  Advance();
  const TokenType t = CurType();
  if (t == TokenType::kRightBracket) {
    const int32_t rbracket_end = Cur().end();
    Advance();
    if (range_ms <= 0) AddError(range_pos, "duration must be greater than 0");
    const char* error = nullptr;
    if (e.expr->kind != ExprKind::kVectorSelector) {
      error = "ranges only allowed for vector selectors";
    } else if (As<VectorSelector>(*e.expr).mods.offset_ms != 0) {
      error = "no offset modifiers allowed before range";
    } else if (As<VectorSelector>(*e.expr).mods.at != AtModifier::kNone) {
      error = "no @ modifiers allowed before range";
    }
    if (error != nullptr) AddError({lbracket, rbracket_end}, error);
    if (e.expr->kind != ExprKind::kVectorSelector) return e;
    auto ms = std::make_unique<MatrixSelector>();
    ms->pos = {e.expr->pos.start, rbracket_end};
    ms->range_ms = range_ms;
    ms->selector.reset(static_cast<VectorSelector*>(e.expr.release()));
    Node n{std::move(ms), e.depth + 1};
    if (!CheckDepth(n)) return {};
    return n;
  }
  if (t != TokenType::kColon) {
    Unexpected("subquery or range", "\":\" or \"]\"");
    return {};
  }
  Advance();
  int64_t step_ms = 0;
  PositionRange step_pos{};
  const Token step_tok = Cur();
  if (IsNumberToken(step_tok.type)) {
    step_ms = DurationFromToken(step_tok);
    step_pos = {step_tok.pos, step_tok.end()};
    Advance();
    if (CurType() != TokenType::kRightBracket) {
      Unexpected("subquery selector", "\"]\"");
      return {};
    }
  } else if (step_tok.type != TokenType::kRightBracket) {
    Unexpected("subquery selector", "number or duration or \"]\"");
    return {};
  }
  const int32_t rbracket_end = Cur().end();
  Advance();
  if (range_ms <= 0) AddError(range_pos, "duration must be greater than 0");
  if (step_ms < 0) AddError(step_pos, "duration must be greater than 0");
  auto sq = std::make_unique<SubqueryExpr>();
  sq->pos = {e.expr->pos.start, rbracket_end};
  sq->range_ms = range_ms;
  sq->step_ms = step_ms;
  sq->expr = std::move(e.expr);
  Node n{std::move(sq), e.depth + 1};
  if (!CheckDepth(n)) return {};
  return n;
}

bool Parser::ParseOffset(Expr* e) {
  Advance();  // offset
  bool negative = false;
  if (CurType() == TokenType::kSub) {
    negative = true;
    Advance();
  }
  const Token t = Cur();
  if (!IsNumberToken(t.type)) {
    Unexpected("offset", "number or duration");
    return false;
  }
  int64_t ms = DurationFromToken(t);
  if (negative) ms = -ms;
  Advance();
  int32_t* end = nullptr;
  TimeModifiers* mods = TimeModifiersOf(e, &end);
  if (mods == nullptr) {
    AddError(e->pos,
             "offset modifier must be preceded by an instant vector selector or range "
             "vector selector or a subquery");
    return true;
  }
  if (mods->offset_ms != 0) {
    AddError(e->pos, "offset may not be set multiple times");
  } else {
    mods->offset_ms = ms;
  }
  *end = t.end();
  return true;
}

bool Parser::ParseAt(Expr* e) {
  Advance();  // @
  const Token t = Cur();
  AtModifier at = AtModifier::kTimestamp;
  double seconds = 0;
  int32_t end;
  if (t.type == TokenType::kStart || t.type == TokenType::kEnd) {
    at = t.type == TokenType::kStart ? AtModifier::kStart : AtModifier::kEnd;
    Advance();
    if (CurType() != TokenType::kLeftParen) {
      Unexpected("@", "timestamp");
      return false;
    }
    Advance();
    if (CurType() != TokenType::kRightParen) {
      Unexpected("@", "timestamp");
      return false;
    }
    end = Cur().end();
    Advance();
  } else {
    bool negative = false;
    if (t.type == TokenType::kAdd || t.type == TokenType::kSub) {
      negative = t.type == TokenType::kSub;
      Advance();
    }
    const Token num = Cur();
    if (!IsNumberToken(num.type)) {
      Unexpected("@", "timestamp");
      return false;
    }
    seconds = SecondsFromToken(num);
    if (negative) seconds = -seconds;
    end = num.end();
    Advance();
    // Prometheus bounds the seconds by int64; loupe also needs the milliseconds to fit.
    if (!std::isfinite(seconds) || std::fabs(seconds) * 1000 >= 9.223372036854775807e18) {
      AddError(e->pos, "timestamp out of bounds for @ modifier: " + FormatGoFloatF(seconds));
      seconds = 0;
    }
  }
  int32_t* end_ptr = nullptr;
  TimeModifiers* mods = TimeModifiersOf(e, &end_ptr);
  if (mods == nullptr) {
    AddError(e->pos,
             "@ modifier must be preceded by an instant vector selector or range vector "
             "selector or a subquery");
    return true;
  }
  if (mods->at != AtModifier::kNone) {
    AddError(e->pos, "@ <timestamp> may not be set multiple times");
    return true;
  }
  mods->at = at;
  if (at == AtModifier::kTimestamp) mods->at_ms = static_cast<int64_t>(std::round(seconds * 1000));
  *end_ptr = end;
  return true;
}

Parser::Node Parser::NumberLiteralFromToken(const Token& t) {
  auto num = std::make_unique<NumberLiteral>();
  num->pos = {t.pos, t.end()};
  if (t.type == TokenType::kDuration) {
    num->is_duration = true;
    num->duration_ms = DurationFromToken(t);
    // Go's Duration.Seconds(): whole seconds plus the fraction, each converted exactly.
    num->value = static_cast<double>(num->duration_ms / 1000) +
                 static_cast<double>(num->duration_ms % 1000) / 1e3;
  } else {
    num->value = SecondsFromToken(t);
  }
  return {std::move(num), 1};
}

double Parser::SecondsFromToken(const Token& t) {
  if (t.type == TokenType::kDuration) {
    auto ms = ParseDuration(t.text);
    if (!ms.ok()) {
      AddError({t.pos, t.end()}, ms.status().message());
      return 0;
    }
    return static_cast<double>(*ms / 1000) + static_cast<double>(*ms % 1000) / 1e3;
  }
  double v = 0;
  std::string error;
  if (!ParseGoNumber(t.text, &v, &error)) {
    AddError({t.pos, t.end()}, "error parsing number: " + error);
  }
  return v;
}

int64_t Parser::DurationFromToken(const Token& t) {
  if (t.type == TokenType::kDuration) {
    auto ms = ParseDuration(t.text);
    if (!ms.ok()) {
      AddError({t.pos, t.end()}, ms.status().message());
      return 0;
    }
    return *ms;
  }
  const double seconds = SecondsFromToken(t);
  if (!(std::fabs(seconds) < kMaxDurationSeconds)) {  // also catches NaN
    AddError({t.pos, t.end()}, "duration out of range");
    return 0;
  }
  return static_cast<int64_t>(seconds * 1000);
}

}  // namespace loupe::query::promql::internal
