// The PromQL lexer: turns a query into tokens on demand, tracking the context that changes
// how characters are read (inside braces keywords are plain identifiers; inside brackets only
// durations, numbers and ':' are expected). Token boundaries and error texts follow
// Prometheus's promql/parser lexer, so parse errors point at the same columns.
//
// Thread-safety: a Lexer is used by one parser on one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace loupe::query::promql {

enum class TokenType : uint8_t {
  kError,  // text holds the message; pos the start of the offending token
  kEof,
  kComment,
  kIdentifier,
  kMetricIdentifier,  // an identifier containing ':'
  kNumber,
  kDuration,
  kString,  // text includes the quotes
  kLeftParen,
  kRightParen,
  kLeftBrace,
  kRightBrace,
  kLeftBracket,
  kRightBracket,
  kComma,
  kAssign,  // '=' (label matching)
  kColon,
  // Operators.
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kEqlc,  // ==
  kNeq,   // !=
  kLss,
  kLte,
  kGtr,
  kGte,
  kEqlRegex,  // =~
  kNeqRegex,  // !~
  kLand,
  kLor,
  kLunless,
  kAt,
  kAtan2,
  // Aggregators.
  kAvg,
  kBottomk,
  kCount,
  kCountValues,
  kGroup,
  kMax,
  kMin,
  kQuantile,
  kStddev,
  kStdvar,
  kSum,
  kTopk,
  kLimitk,
  kLimitRatio,
  // Keywords.
  kBool,
  kBy,
  kGroupLeft,
  kGroupRight,
  kIgnoring,
  kOffset,
  kOn,
  kWithout,
  // @ modifier preprocessors.
  kStart,
  kEnd,
};

bool IsOperatorToken(TokenType t);    // kAdd..kAtan2
bool IsAggregatorToken(TokenType t);  // kAvg..kLimitRatio
bool IsKeywordToken(TokenType t);     // kBool..kWithout

struct Token {
  TokenType type = TokenType::kEof;
  int32_t pos = 0;        // byte offset of the first character
  std::string_view text;  // the token's source text (for kError: empty)
  std::string error;      // kError only

  int32_t end() const { return pos + static_cast<int32_t>(text.size()); }
};

// How Prometheus names a token in "unexpected ..." messages: `end of input`, `<op:*>`,
// `<aggr:sum>`, `<by>`, `"("`, `identifier "foo"`, `number "1"`, `string "\"a\""`.
std::string TokenDescription(const Token& t);

class Lexer {
 public:
  explicit Lexer(std::string_view input) : input_(input) {}

  // The next token, comments included. After a kError or kEof token, always kEof.
  Token Next();

 private:
  int32_t NextRune();
  void Backup() { pos_ -= width_; }
  int32_t PeekRune();
  bool Accept(std::string_view valid);
  void AcceptRun(std::string_view valid);
  bool Is(std::string_view valid);

  Token Emit(TokenType type);
  Token Error(std::string message);

  Token LexStatement(int32_t r);
  Token LexInsideBraces(int32_t r);
  Token LexComment();
  Token LexString(int32_t quote);
  bool LexEscape(int32_t quote, std::string* error);
  Token LexRawString();
  Token LexNumberOrDuration();
  Token LexKeywordOrIdentifier();
  Token LexIdentifier();
  bool ScanNumber();
  bool AcceptRemainingDuration();
  void SkipSpaces();

  std::string_view input_;
  size_t pos_ = 0;    // next byte to read
  size_t start_ = 0;  // start of the token being read
  size_t width_ = 0;  // width of the last rune read
  int paren_depth_ = 0;
  bool brace_open_ = false;
  bool bracket_open_ = false;
  bool got_colon_ = false;
  bool after_bracket_ = false;  // the token after '[' must be a number or duration
  bool done_ = false;
};

}  // namespace loupe::query::promql
