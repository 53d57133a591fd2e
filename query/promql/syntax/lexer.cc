#include "query/promql/syntax/lexer.h"

#include <utility>

#include "query/promql/syntax/go_text.h"

namespace loupe::query::promql {
namespace {

constexpr std::string_view kDigits = "0123456789";
constexpr std::string_view kHexDigits = "0123456789abcdefABCDEF";

bool IsSpace(int32_t r) { return r == ' ' || r == '\t' || r == '\n' || r == '\r'; }
bool IsDigit(int32_t r) { return r >= '0' && r <= '9'; }
bool IsAlpha(int32_t r) { return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z'); }
bool IsAlphaNumeric(int32_t r) { return IsAlpha(r) || IsDigit(r); }
bool IsEndOfLine(int32_t r) { return r == '\r' || r == '\n'; }

bool InSet(int32_t r, std::string_view set) {
  return r >= 0 && r < 0x80 && set.find(static_cast<char>(r)) != std::string_view::npos;
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Words the lexer turns into keyword tokens outside braces (matched case-insensitively).
struct Keyword {
  std::string_view word;
  TokenType type;
};
constexpr Keyword kKeywords[] = {
    {"and", TokenType::kLand},
    {"or", TokenType::kLor},
    {"unless", TokenType::kLunless},
    {"atan2", TokenType::kAtan2},
    {"sum", TokenType::kSum},
    {"avg", TokenType::kAvg},
    {"count", TokenType::kCount},
    {"min", TokenType::kMin},
    {"max", TokenType::kMax},
    {"group", TokenType::kGroup},
    {"stddev", TokenType::kStddev},
    {"stdvar", TokenType::kStdvar},
    {"topk", TokenType::kTopk},
    {"bottomk", TokenType::kBottomk},
    {"count_values", TokenType::kCountValues},
    {"quantile", TokenType::kQuantile},
    {"limitk", TokenType::kLimitk},
    {"limit_ratio", TokenType::kLimitRatio},
    {"offset", TokenType::kOffset},
    {"by", TokenType::kBy},
    {"without", TokenType::kWithout},
    {"on", TokenType::kOn},
    {"ignoring", TokenType::kIgnoring},
    {"group_left", TokenType::kGroupLeft},
    {"group_right", TokenType::kGroupRight},
    {"bool", TokenType::kBool},
    {"start", TokenType::kStart},
    {"end", TokenType::kEnd},
    {"inf", TokenType::kNumber},
    {"nan", TokenType::kNumber},
};

bool LookupKeyword(std::string_view word, TokenType* type) {
  if (word.size() > 12) return false;
  char lower[12];
  for (size_t i = 0; i < word.size(); ++i) lower[i] = Lower(word[i]);
  const std::string_view w(lower, word.size());
  for (const Keyword& k : kKeywords) {
    if (k.word == w) {
      *type = k.type;
      return true;
    }
  }
  return false;
}

int DigitVal(int32_t r) {
  if (r >= '0' && r <= '9') return r - '0';
  if (r >= 'a' && r <= 'f') return r - 'a' + 10;
  if (r >= 'A' && r <= 'F') return r - 'A' + 10;
  return 16;
}

}  // namespace

bool IsOperatorToken(TokenType t) { return t >= TokenType::kAdd && t <= TokenType::kAtan2; }
bool IsAggregatorToken(TokenType t) { return t >= TokenType::kAvg && t <= TokenType::kLimitRatio; }
bool IsKeywordToken(TokenType t) { return t >= TokenType::kBool && t <= TokenType::kWithout; }

std::string TokenDescription(const Token& t) {
  switch (t.type) {
    case TokenType::kEof:
      return "end of input";
    case TokenType::kError:
      return t.error;
    case TokenType::kIdentifier:
      return "identifier " + GoQuote(t.text);
    case TokenType::kMetricIdentifier:
      return "metric identifier " + GoQuote(t.text);
    case TokenType::kString:
      return "string " + GoQuoteShort(t.text);
    case TokenType::kNumber:
      return "number " + GoQuoteShort(t.text);
    case TokenType::kDuration:
      return "duration " + GoQuoteShort(t.text);
    case TokenType::kComment:
      return "comment " + GoQuoteShort(t.text);
    default:
      break;
  }
  if (IsOperatorToken(t.type)) return "<op:" + std::string(t.text) + ">";
  if (IsAggregatorToken(t.type)) return "<aggr:" + std::string(t.text) + ">";
  if (IsKeywordToken(t.type)) return "<" + std::string(t.text) + ">";
  return GoQuoteShort(t.text);
}

int32_t Lexer::NextRune() {
  if (pos_ >= input_.size()) {
    width_ = 0;
    return kRuneEof;
  }
  const int32_t r = DecodeRune(input_.substr(pos_), &width_);
  pos_ += width_;
  return r;
}

int32_t Lexer::PeekRune() {
  const int32_t r = NextRune();
  Backup();
  return r;
}

bool Lexer::Accept(std::string_view valid) {
  if (InSet(NextRune(), valid)) return true;
  Backup();
  return false;
}

void Lexer::AcceptRun(std::string_view valid) {
  while (InSet(NextRune(), valid)) {
  }
  Backup();
}

bool Lexer::Is(std::string_view valid) { return InSet(PeekRune(), valid); }

Token Lexer::Emit(TokenType type) {
  Token t;
  t.type = type;
  t.pos = static_cast<int32_t>(start_);
  t.text = input_.substr(start_, pos_ - start_);
  start_ = pos_;
  return t;
}

Token Lexer::Error(std::string message) {
  Token t;
  t.type = TokenType::kError;
  t.pos = static_cast<int32_t>(start_);
  t.error = std::move(message);
  done_ = true;
  return t;
}

void Lexer::SkipSpaces() {
  while (IsSpace(PeekRune())) NextRune();
  start_ = pos_;
}

Token Lexer::Next() {
  if (done_) {
    start_ = pos_ = input_.size();
    return Emit(TokenType::kEof);
  }
  if (after_bracket_) {
    after_bracket_ = false;
    return LexNumberOrDuration();
  }
  for (;;) {
    if (input_.substr(pos_).starts_with('#')) return LexComment();
    const int32_t r = NextRune();
    if (IsSpace(r)) {
      SkipSpaces();
      continue;
    }
    return brace_open_ ? LexInsideBraces(r) : LexStatement(r);
  }
}

Token Lexer::LexComment() {
  ++pos_;  // '#'
  for (int32_t r = NextRune(); !IsEndOfLine(r) && r != kRuneEof;) r = NextRune();
  Backup();
  return Emit(TokenType::kComment);
}

Token Lexer::LexStatement(int32_t r) {
  switch (r) {
    case kRuneEof:
      if (paren_depth_ != 0) return Error("unclosed left parenthesis");
      if (bracket_open_) return Error("unclosed left bracket");
      done_ = true;
      return Emit(TokenType::kEof);
    case ',':
      return Emit(TokenType::kComma);
    case '*':
      return Emit(TokenType::kMul);
    case '/':
      return Emit(TokenType::kDiv);
    case '%':
      return Emit(TokenType::kMod);
    case '+':
      return Emit(TokenType::kAdd);
    case '-':
      return Emit(TokenType::kSub);
    case '^':
      return Emit(TokenType::kPow);
    case '@':
      return Emit(TokenType::kAt);
    case '=': {
      const int32_t t = PeekRune();
      if (t == '=') {
        NextRune();
        return Emit(TokenType::kEqlc);
      }
      if (t == '~') return Error("unexpected character after '=': " + GoQuoteRune(t));
      return Emit(TokenType::kAssign);
    }
    case '!': {
      const int32_t t = NextRune();
      if (t != '=') return Error("unexpected character after '!': " + GoQuoteRune(t));
      return Emit(TokenType::kNeq);
    }
    case '<':
      if (PeekRune() == '=') {
        NextRune();
        return Emit(TokenType::kLte);
      }
      return Emit(TokenType::kLss);
    case '>':
      if (PeekRune() == '=') {
        NextRune();
        return Emit(TokenType::kGte);
      }
      return Emit(TokenType::kGtr);
    case '"':
    case '\'':
      return LexString(r);
    case '`':
      return LexRawString();
    case '(':
      ++paren_depth_;
      return Emit(TokenType::kLeftParen);
    case ')': {
      Token t = Emit(TokenType::kRightParen);
      if (--paren_depth_ < 0) return Error("unexpected right parenthesis ')'");
      return t;
    }
    case '{':
      brace_open_ = true;
      return Emit(TokenType::kLeftBrace);
    case '[': {
      if (bracket_open_) return Error("unexpected left bracket '['");
      got_colon_ = false;
      Token t = Emit(TokenType::kLeftBracket);
      if (IsSpace(PeekRune())) SkipSpaces();
      bracket_open_ = true;
      after_bracket_ = true;
      return t;
    }
    case ']':
      if (!bracket_open_) return Error("unexpected right bracket ']'");
      bracket_open_ = false;
      return Emit(TokenType::kRightBracket);
    default:
      break;
  }
  if (IsDigit(r) || (r == '.' && IsDigit(PeekRune()))) {
    Backup();
    return LexNumberOrDuration();
  }
  if (IsAlpha(r) || r == ':') {
    if (!bracket_open_) {
      Backup();
      return LexKeywordOrIdentifier();
    }
    if (r == ':') {
      if (got_colon_) return Error("unexpected colon ':'");
      got_colon_ = true;
      return Emit(TokenType::kColon);
    }
    return Error("unexpected character: " + GoQuoteRune(r) + ", expected ':'");
  }
  return Error("unexpected character: " + GoQuoteRune(r));
}

Token Lexer::LexInsideBraces(int32_t r) {
  switch (r) {
    case kRuneEof:
      return Error("unexpected end of input inside braces");
    case ',':
      return Emit(TokenType::kComma);
    case '"':
    case '\'':
      return LexString(r);
    case '`':
      return LexRawString();
    case '=':
      if (NextRune() == '~') return Emit(TokenType::kEqlRegex);
      Backup();
      return Emit(TokenType::kAssign);
    case '!': {
      const int32_t nr = NextRune();
      if (nr == '~') return Emit(TokenType::kNeqRegex);
      if (nr == '=') return Emit(TokenType::kNeq);
      return Error("unexpected character after '!' inside braces: " + GoQuoteRune(nr));
    }
    case '{':
      return Error("unexpected left brace '{'");
    case '}':
      brace_open_ = false;
      return Emit(TokenType::kRightBrace);
    default:
      break;
  }
  if (IsAlpha(r)) {
    Backup();
    return LexIdentifier();
  }
  return Error("unexpected character inside braces: " + GoQuoteRune(r));
}

Token Lexer::LexString(int32_t quote) {
  for (;;) {
    const int32_t r = NextRune();
    if (r == '\\') {
      std::string error;
      if (!LexEscape(quote, &error)) return Error(std::move(error));
      continue;
    }
    if (r == kRuneError) return Error("invalid UTF-8 rune");
    if (r == kRuneEof || r == '\n') return Error("unterminated quoted string");
    if (r == quote) break;
  }
  return Emit(TokenType::kString);
}

bool Lexer::LexEscape(int32_t quote, std::string* error) {
  int32_t ch = NextRune();
  int n;
  uint32_t base;
  uint32_t max;
  switch (ch) {
    case 'a':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
    case 'v':
    case '\\':
      return true;
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
      n = 3, base = 8, max = 255;
      break;
    case 'x':
      ch = NextRune();
      n = 2, base = 16, max = 255;
      break;
    case 'u':
      ch = NextRune();
      n = 4, base = 16, max = 0x10FFFF;
      break;
    case 'U':
      ch = NextRune();
      n = 8, base = 16, max = 0x10FFFF;
      break;
    case kRuneEof:
      *error = "escape sequence not terminated";
      return false;
    default:
      if (ch == quote) return true;
      *error = "unknown escape sequence " + GoRuneU(ch);
      return false;
  }
  uint32_t x = 0;
  while (n > 0) {
    const auto d = static_cast<uint32_t>(DigitVal(ch));
    if (d >= base) {
      *error = ch == kRuneEof ? "escape sequence not terminated"
                              : "illegal character " + GoRuneU(ch) + " in escape sequence";
      return false;
    }
    x = x * base + d;
    if (--n > 0) ch = NextRune();
  }
  if (x > max || (x >= 0xD800 && x < 0xE000)) {
    *error = "escape sequence is an invalid Unicode code point";
    return false;
  }
  return true;
}

Token Lexer::LexRawString() {
  for (;;) {
    const int32_t r = NextRune();
    if (r == kRuneError) return Error("invalid UTF-8 rune");
    if (r == kRuneEof) return Error("unterminated raw string");
    if (r == '`') break;
  }
  return Emit(TokenType::kString);
}

Token Lexer::LexNumberOrDuration() {
  if (ScanNumber()) return Emit(TokenType::kNumber);
  if (AcceptRemainingDuration()) {
    Backup();
    return Emit(TokenType::kDuration);
  }
  return Error("bad number or duration syntax: " + GoQuote(input_.substr(start_, pos_ - start_)));
}

// Numbers are [0x]digits with '.', exponents and '_' separators; the rules on what may follow
// what are Prometheus's, so that the same inputs are rejected with the same text.
bool Lexer::ScanNumber() {
  const size_t initial = pos_;
  std::string_view digits = kDigits;
  if (Accept("0") && Accept("xX")) {
    Accept("_");
    digits = kHexDigits;
  }
  const bool hex = digits.size() > 10;
  std::string loop_set(digits);
  loop_set += "._eE";
  Accept(".");
  Accept(digits);
  bool dot = false;
  bool exponent = false;
  while (Is(loop_set)) {
    if (Is(".") && dot) {
      Accept(".");
      return false;
    }
    if (Is("eE") && exponent) {
      Accept("eE");
      return false;
    }
    if (Accept(".")) {
      dot = true;
      if (Accept("_.")) return false;
      if (hex) return false;  // no fractional hexadecimal literals
      continue;
    }
    if (Accept("eE")) {
      exponent = true;
      Accept("+-");
      if (Accept("._eE") || PeekRune() == kRuneEof) return false;
      continue;
    }
    if (Accept("_")) {
      if (Accept("._eE") || PeekRune() == kRuneEof) return false;
      continue;
    }
    AcceptRun(digits);
  }
  if (pos_ == initial) return false;
  return !IsAlphaNumeric(PeekRune());
}

bool Lexer::AcceptRemainingDuration() {
  if (!Accept("smhdwy")) return false;
  Accept("s");  // ms; bad units such as "hs" are rejected when the duration is parsed
  while (Accept(kDigits)) {
    AcceptRun(kDigits);
    if (!Accept("smhdw")) return false;
    Accept("s");
  }
  return !IsAlphaNumeric(NextRune());
}

Token Lexer::LexKeywordOrIdentifier() {
  for (;;) {
    const int32_t r = NextRune();
    if (IsAlphaNumeric(r) || r == ':') continue;
    Backup();
    break;
  }
  const std::string_view word = input_.substr(start_, pos_ - start_);
  TokenType type;
  if (LookupKeyword(word, &type)) return Emit(type);
  if (word.find(':') == std::string_view::npos) return Emit(TokenType::kIdentifier);
  return Emit(TokenType::kMetricIdentifier);
}

Token Lexer::LexIdentifier() {
  while (IsAlphaNumeric(NextRune())) {
  }
  Backup();
  return Emit(TokenType::kIdentifier);
}

}  // namespace loupe::query::promql
