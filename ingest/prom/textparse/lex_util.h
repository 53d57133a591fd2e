// Internal to the text parsers: byte classes and token kinds shared by the Prometheus text and
// OpenMetrics lexers. The token names are the ones Prometheus prints in its parse errors
// ("expected equal, got \"c\\\"\" (\"LNAME\")").
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace loupe::ingest::prom::lex {

enum class Tok : uint8_t {
  kInvalid,
  kEof,
  kLinebreak,
  kHelp,
  kType,
  kUnit,
  kEofWord,
  kText,
  kComment,
  kMName,
  kQString,
  kBraceOpen,
  kBraceClose,
  kLName,
  kLValue,
  kComma,
  kEqual,
  kTimestamp,
  kValue,
  kWhitespace,
};

constexpr const char* TokName(Tok t) {
  switch (t) {
    case Tok::kInvalid:
      return "INVALID";
    case Tok::kEof:
      return "EOF";
    case Tok::kLinebreak:
      return "LINEBREAK";
    case Tok::kHelp:
      return "HELP";
    case Tok::kType:
      return "TYPE";
    case Tok::kUnit:
      return "UNIT";
    case Tok::kEofWord:
      return "EOFWORD";
    case Tok::kText:
      return "TEXT";
    case Tok::kComment:
      return "COMMENT";
    case Tok::kMName:
      return "MNAME";
    case Tok::kQString:
      return "QSTRING";
    case Tok::kBraceOpen:
      return "BOPEN";
    case Tok::kBraceClose:
      return "BCLOSE";
    case Tok::kLName:
      return "LNAME";
    case Tok::kLValue:
      return "LVALUE";
    case Tok::kComma:
      return "COMMA";
    case Tok::kEqual:
      return "EQUAL";
    case Tok::kTimestamp:
      return "TIMESTAMP";
    case Tok::kValue:
      return "VALUE";
    case Tok::kWhitespace:
      return "WHITESPACE";
  }
  return "INVALID";
}

// Byte classes as bit flags in one 256-entry table.
inline constexpr uint8_t kMetricStart = 1;  // [a-zA-Z_:]
inline constexpr uint8_t kMetricChar = 2;   // [a-zA-Z0-9_:]
inline constexpr uint8_t kLabelStart = 4;   // [a-zA-Z_]
inline constexpr uint8_t kLabelChar = 8;    // [a-zA-Z0-9_]
inline constexpr uint8_t kDigit = 16;       // [0-9]
inline constexpr uint8_t kBlank = 32;       // [ \t]
inline constexpr uint8_t kPromValue = 64;   // [^{ \t\n\0]: a Prometheus text sample value
inline constexpr uint8_t kOmValue = 128;    // [^ \n\0]: an OpenMetrics value or timestamp

constexpr std::array<uint8_t, 256> MakeClassTable() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    uint8_t f = 0;
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool digit = c >= '0' && c <= '9';
    if (alpha || c == '_' || c == ':') f |= kMetricStart;
    if (alpha || digit || c == '_' || c == ':') f |= kMetricChar;
    if (alpha || c == '_') f |= kLabelStart;
    if (alpha || digit || c == '_') f |= kLabelChar;
    if (digit) f |= kDigit;
    if (c == ' ' || c == '\t') f |= kBlank;
    if (c != '{' && c != ' ' && c != '\t' && c != '\n' && c != 0) f |= kPromValue;
    if (c != ' ' && c != '\n' && c != 0) f |= kOmValue;
    t[static_cast<size_t>(c)] = f;
  }
  return t;
}

inline constexpr std::array<uint8_t, 256> kClass = MakeClassTable();

inline bool Is(char c, uint8_t flag) { return (kClass[static_cast<unsigned char>(c)] & flag) != 0; }

// Returns the end of the run of bytes with `flag` starting at i.
inline size_t ScanRun(std::string_view b, size_t i, uint8_t flag) {
  while (i < b.size() && Is(b[i], flag)) ++i;
  return i;
}

constexpr std::array<bool, 256> MakeQuoteStop() {
  std::array<bool, 256> t{};
  t['"'] = t['\\'] = t['\n'] = t[0] = true;
  return t;
}
inline constexpr std::array<bool, 256> kQuoteStop = MakeQuoteStop();

// Rules for the body of a quoted string, which differ between the lexer states.
struct QuoteRules {
  bool allow_newline;  // a raw '\n' may appear inside
  bool allow_nul;      // a raw NUL may appear inside (Prometheus's lexers swallow NULs there)
};

struct QuoteScan {
  bool ok;         // closed by a '"'
  bool escaped;    // holds at least one backslash escape
  bool non_ascii;  // holds a byte >= 0x80 (so UTF-8 validity needs checking)
  size_t end;      // ok: just past the closing quote; !ok: position where the scan failed
};

// Scans the quoted string whose opening '"' is at b[i], following the lexer rule
// \"(\\.|[^\\"])*\" (with '\n' and NUL excluded unless the rules allow them; '.' after a
// backslash never matches a newline). On failure `end` is the offending byte's position, or
// b.size() when the input ended inside the string.
inline QuoteScan ScanQuoted(std::string_view b, size_t i, QuoteRules rules) {
  QuoteScan r{false, false, false, 0};
  size_t j = i + 1;
  const size_t n = b.size();
  unsigned char high = 0;
  while (j < n) {
    // Skip ordinary bytes quickly; only '"', '\\', '\n' and NUL need a decision.
    while (j < n && !kQuoteStop[static_cast<unsigned char>(b[j])]) {
      high |= static_cast<unsigned char>(b[j]);
      ++j;
    }
    if (j >= n) break;
    const char c = b[j];
    if (c == '"') {
      r.ok = true;
      r.end = j + 1;
      r.non_ascii = (high & 0x80) != 0;
      return r;
    }
    if (c == '\\') {
      if (j + 1 >= n) {
        r.end = n;
        return r;
      }
      const char e = b[j + 1];
      if (e == '\n' || (e == 0 && !rules.allow_nul)) {
        r.end = j + 1;
        return r;
      }
      r.escaped = true;
      high |= static_cast<unsigned char>(e);
      j += 2;
      continue;
    }
    if ((c == '\n' && !rules.allow_newline) || (c == 0 && !rules.allow_nul)) {
      r.end = j;
      return r;
    }
    ++j;
  }
  r.end = n;
  return r;
}

}  // namespace loupe::ingest::prom::lex
