// Internal to the LogQL lexer: an emulation of Go's text/scanner as Loki vendors it
// (pkg/logql/syntax/query_scanner.go): one rune of look-ahead already read, positions that
// count runes per line, errors reported at the position of the token being scanned, Go
// literals (strings, raw strings, numbers, chars) and comments skipped as white space.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "query/logql/syntax/lexer.h"

namespace loupe::query::logql::internal {

constexpr int32_t kEOF = -1;
constexpr int32_t kNone = -2;

enum RawTok : int32_t {
  kRawEOF = -1,
  kRawIdent = -2,
  kRawInt = -3,
  kRawFloat = -4,
  kRawChar = -5,
  kRawString = -6,
  kRawRawString = -7,
};

inline int32_t DecodeAt(std::string_view s, size_t i, int* width) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  *width = 1;
  if (b0 < 0x80) return b0;
  auto cont = [&](size_t k) {
    return k < s.size() && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80;
  };
  auto byte = [&](size_t k) {
    return static_cast<int32_t>(static_cast<unsigned char>(s[k]) & 0x3F);
  };
  if (b0 >= 0xC2 && b0 <= 0xDF && cont(i + 1)) {
    *width = 2;
    return ((b0 & 0x1F) << 6) | byte(i + 1);
  }
  if (b0 >= 0xE0 && b0 <= 0xEF && cont(i + 1) && cont(i + 2)) {
    const int32_t r = ((b0 & 0x0F) << 12) | (byte(i + 1) << 6) | byte(i + 2);
    if (r < 0x800 || (r >= 0xD800 && r <= 0xDFFF)) return -3;
    *width = 3;
    return r;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4 && cont(i + 1) && cont(i + 2) && cont(i + 3)) {
    const int32_t r = ((b0 & 0x07) << 18) | (byte(i + 1) << 12) | (byte(i + 2) << 6) | byte(i + 3);
    if (r < 0x10000 || r > 0x10FFFF) return -3;
    *width = 4;
    return r;
  }
  return -3;  // invalid
}

inline void AppendRune(std::string* out, int32_t r) {
  if (r < 0x80) {
    out->push_back(static_cast<char>(r));
  } else if (r < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (r >> 6)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else if (r < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (r >> 12)));
    out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (r >> 18)));
    out->push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  }
}

inline bool IsDecimal(int32_t c) { return c >= '0' && c <= '9'; }
inline int32_t Lower(int32_t c) { return ('a' - 'A') | c; }
inline bool IsHex(int32_t c) { return IsDecimal(c) || (Lower(c) >= 'a' && Lower(c) <= 'f'); }

// unicode.IsSpace.
inline bool IsSpace(int32_t r) {
  switch (r) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return r >= 0x2000 && r <= 0x200A;
  }
}

// unicode.IsLetter, exact for ASCII and approximated for other runes (symbols, punctuation
// and emoji blocks are not letters).
inline bool IsLetter(int32_t r) {
  if (r < 0x80) return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
  if (r < 0xC0) return r == 0xAA || r == 0xB5 || r == 0xBA;
  if (r == 0xD7 || r == 0xF7) return false;
  if (r >= 0x2000 && r <= 0x2BFF) return false;
  if (r >= 0x3000 && r <= 0x303F) return false;
  if (r >= 0xFE00 && r <= 0xFE6F) return false;
  if (r >= 0xFF00 && r <= 0xFF20) return false;
  if (r >= 0xE000 && r <= 0xF8FF) return false;
  if (r >= 0x1F000) return false;
  return true;
}

struct ErrorSink;

// Go's text/scanner state. Copyable: Loki scans ahead on copies.
struct Scanner {
  std::string_view src;
  size_t src_pos = 0;
  int line = 1, column = 0, last_line_len = 0, last_char_len = 0;
  int32_t ch = kNone;
  // Position of the most recently scanned token (pos_line == 0: invalidated).
  int pos_line = 0, pos_col = 0;
  size_t tok_start = 0, tok_end = 0;
  ErrorSink* sink = nullptr;

  void Error(const std::string& msg);
  int32_t Read();
  int32_t Peek();
  int32_t Next();
  int32_t Scan();
  std::string_view TokenText() const { return src.substr(tok_start, tok_end - tok_start); }

 private:
  int32_t ScanIdentifier();
  int32_t Digits(int32_t c, int base, int32_t* invalid, int* digsep);
  int32_t ScanNumber(int32_t c, bool seen_dot, int32_t* tok);
  int32_t ScanDigits(int32_t c, int base, int n);
  int32_t ScanEscape(int32_t quote);
  int ScanString(int32_t quote);
  void ScanRawString();
  int32_t ScanComment(int32_t c);
};

// Errors are positioned at the main scanner's token position, also when a look-ahead copy
// reads the offending character (Loki's error callback reads the lexer's own position).
struct ErrorSink {
  const Scanner* owner = nullptr;
  std::unique_ptr<LexError> first;
  void Report(const std::string& msg) {
    if (first) return;
    first = std::make_unique<LexError>(LexError{msg, owner->pos_line, owner->pos_col});
  }
};

// Unquotes a Go string literal the scanner accepted (Prometheus's strutil.Unquote): escapes
// in "...", raw text in `...` (carriage returns dropped). False on invalid syntax.
bool Unquote(std::string_view lit, std::string* out);

bool ValidUtf8(std::string_view s);

}  // namespace loupe::query::logql::internal
