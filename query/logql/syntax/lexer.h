// LogQL lexer: turns a query into tokens exactly as Loki's lexer does (Go's text/scanner
// conventions underneath: Go string literals, `//` and `/* */` comments, `#` line comments,
// case-insensitive keywords, function names only when followed by `(` or `by (`/`without (`,
// durations "1m30s", byte sizes "1.5MiB", ranges "[5m]", parser flags "--strict").
//
// Token positions mirror Loki's error positions: 1-based line and column (in runes). Where
// Loki's scanner invalidates its position (after two-character operators, durations, byte
// sizes, ranges and flags) the line is 0, so error messages read "line 0, col N" as Loki's do.
//
// Thread-safety: a Lexer is single-threaded; distinct lexers are independent.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace loupe::query::logql {

// Token kinds, declared in the order of Loki's grammar so that "expecting ..." lists come out
// in Loki's order.
enum class Tok : uint8_t {
  kEnd = 0,
  kBytes,
  kIdentifier,
  kString,
  kNumber,
  kParserFlag,
  kDuration,
  kRange,
  kMatchers,
  kLabels,
  kEq,
  kRe,
  kNre,
  kNpa,
  kOpenBrace,
  kCloseBrace,
  kOpenBracket,
  kCloseBracket,
  kComma,
  kDot,
  kPipeMatch,
  kPipeExact,
  kPipePattern,
  kOpenParen,
  kCloseParen,
  kBy,
  kWithout,
  kCountOverTime,
  kRate,
  kRateCounter,
  kSum,
  kSort,
  kSortDesc,
  kAvg,
  kMax,
  kMin,
  kCount,
  kStddev,
  kStdvar,
  kBottomk,
  kTopk,
  kApproxTopk,
  kBytesOverTime,
  kBytesRate,
  kBool,
  kJson,
  kXml,
  kRegexp,
  kLogfmt,
  kPipe,
  kLineFmt,
  kLabelFmt,
  kUnwrap,
  kAvgOverTime,
  kSumOverTime,
  kMinOverTime,
  kMaxOverTime,
  kStdvarOverTime,
  kStddevOverTime,
  kQuantileOverTime,
  kBytesConv,
  kDurationConv,
  kDurationSecondsConv,
  kFirstOverTime,
  kLastOverTime,
  kAbsentOverTime,
  kVector,
  kLabelReplace,
  kUnpack,
  kOffset,
  kPattern,
  kIp,
  kOn,
  kIgnoring,
  kGroupLeft,
  kGroupRight,
  kDecolorize,
  kDrop,
  kKeep,
  kVariants,
  kOf,
  kOr,
  kAnd,
  kUnless,
  kCmpEq,
  kNeq,
  kLt,
  kLte,
  kGt,
  kGte,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
};

// The name Loki's parser uses for a token in "unexpected X, expecting Y": the source text for
// punctuation and keywords ("{", "|=", "by"), the grammar name otherwise ("IDENTIFIER",
// "STRING", "SUM", "$end").
std::string_view TokName(Tok t);

struct Token {
  Tok type = Tok::kEnd;
  // kIdentifier, kNumber: the source text; kString: the unquoted value; kParserFlag: the flag.
  std::string text;
  int64_t nanos = 0;   // kDuration, kRange
  uint64_t bytes = 0;  // kBytes
  size_t offset = 0;   // byte offset of the token's first character
  int line = 0;        // Loki's error position (see file comment)
  int col = 0;
};

// A lexical error, positioned as Loki positions it.
struct LexError {
  std::string message;
  int line = 0;
  int col = 0;
};

class Lexer {
 public:
  explicit Lexer(std::string_view input);
  ~Lexer();
  Lexer(const Lexer&) = delete;
  Lexer& operator=(const Lexer&) = delete;

  // The next token. After a lexical error, returns kEnd; error() then holds the first error.
  Token Next();

  // The first lexical error, or null. Errors are recorded as soon as the offending character
  // is read (which may be while scanning the preceding token, as in Go's scanner).
  const LexError* error() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace loupe::query::logql
