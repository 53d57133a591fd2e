#include "query/promql/syntax/go_text.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace loupe::query::promql {
namespace {

constexpr char kHex[] = "0123456789abcdef";

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool ValidRune(int32_t r) { return r >= 0 && r <= 0x10FFFF && !(r >= 0xD800 && r <= 0xDFFF); }

void AppendHex(std::string* out, uint32_t v, int digits) {
  for (int i = digits - 1; i >= 0; --i) out->push_back(kHex[(v >> (4 * i)) & 0xF]);
}

// Appends r escaped the way strconv.Quote/QuoteRune do for an unprintable rune.
void AppendEscapedRune(std::string* out, int32_t r) {
  switch (r) {
    case '\a':
      *out += "\\a";
      return;
    case '\b':
      *out += "\\b";
      return;
    case '\f':
      *out += "\\f";
      return;
    case '\n':
      *out += "\\n";
      return;
    case '\r':
      *out += "\\r";
      return;
    case '\t':
      *out += "\\t";
      return;
    case '\v':
      *out += "\\v";
      return;
    default:
      break;
  }
  if (r < ' ' || r == 0x7F) {
    *out += "\\x";
    AppendHex(out, static_cast<uint32_t>(r), 2);
  } else if (!ValidRune(r)) {
    *out += "\\ufffd";
  } else if (r < 0x10000) {
    *out += "\\u";
    AppendHex(out, static_cast<uint32_t>(r), 4);
  } else {
    *out += "\\U";
    AppendHex(out, static_cast<uint32_t>(r), 8);
  }
}

// Go's strconv underscoreOK: underscores may only separate digits (or follow a base prefix).
bool UnderscoreOK(std::string_view s) {
  char saw = '^';
  size_t i = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0' &&
      (Lower(s[1]) == 'b' || Lower(s[1]) == 'o' || Lower(s[1]) == 'x')) {
    i = 2;
    saw = '0';
    hex = Lower(s[1]) == 'x';
  }
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if ((c >= '0' && c <= '9') || (hex && Lower(c) >= 'a' && Lower(c) <= 'f')) {
      saw = '0';
      continue;
    }
    if (c == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

enum class IntResult { kOk, kSyntax, kRange };

// strconv.ParseInt(s, 0, 64).
IntResult ParseIntBase0(std::string_view s, int64_t* out) {
  if (s.empty()) return IntResult::kSyntax;
  const std::string_view whole = s;
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    s.remove_prefix(1);
    if (s.empty()) return IntResult::kSyntax;
  }
  uint64_t base = 10;
  if (s[0] == '0') {
    if (s.size() >= 3 && Lower(s[1]) == 'b') {
      base = 2;
      s.remove_prefix(2);
    } else if (s.size() >= 3 && Lower(s[1]) == 'o') {
      base = 8;
      s.remove_prefix(2);
    } else if (s.size() >= 3 && Lower(s[1]) == 'x') {
      base = 16;
      s.remove_prefix(2);
    } else {
      base = 8;
      s.remove_prefix(1);
    }
  }
  const uint64_t cutoff = std::numeric_limits<uint64_t>::max() / base + 1;
  uint64_t n = 0;
  bool underscores = false;
  bool range = false;
  for (char c : s) {
    if (c == '_') {
      underscores = true;
      continue;
    }
    uint64_t d;
    if (c >= '0' && c <= '9') {
      d = static_cast<uint64_t>(c - '0');
    } else if (Lower(c) >= 'a' && Lower(c) <= 'z') {
      d = static_cast<uint64_t>(Lower(c) - 'a' + 10);
    } else {
      return IntResult::kSyntax;
    }
    if (d >= base) return IntResult::kSyntax;
    if (range) continue;
    if (n >= cutoff) {
      range = true;
      continue;
    }
    n *= base;
    const uint64_t n1 = n + d;
    if (n1 < n) {
      range = true;
      continue;
    }
    n = n1;
  }
  if (underscores && !UnderscoreOK(whole)) return IntResult::kSyntax;
  if (range) return IntResult::kRange;
  const uint64_t limit = uint64_t{1} << 63;
  if (!neg && n >= limit) return IntResult::kRange;
  if (neg && n > limit) return IntResult::kRange;
  *out = neg ? static_cast<int64_t>(0 - n) : static_cast<int64_t>(n);
  return IntResult::kOk;
}

bool EqualFold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

// strconv.ParseFloat(s, 64) for the forms a PromQL NUMBER token can take.
IntResult ParseFloat(std::string_view s, double* out) {
  std::string_view body = s;
  bool neg = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (EqualFold(body, "inf") || EqualFold(body, "infinity")) {
    *out = neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    return IntResult::kOk;
  }
  if (EqualFold(body, "nan")) {
    *out = std::numeric_limits<double>::quiet_NaN();
    return IntResult::kOk;
  }
  // Hexadecimal floats need a 'p' exponent, which the PromQL lexer never produces.
  if (body.size() >= 2 && body[0] == '0' && Lower(body[1]) == 'x') return IntResult::kSyntax;
  // [digits][.digits][e[+-]digits], underscores between digits.
  std::string clean;
  size_t i = 0;
  bool digits = false;
  bool underscores = false;
  auto take_digits = [&](bool* any) {
    for (; i < body.size(); ++i) {
      if (body[i] == '_') {
        underscores = true;
      } else if (body[i] >= '0' && body[i] <= '9') {
        clean.push_back(body[i]);
        *any = true;
      } else {
        break;
      }
    }
  };
  take_digits(&digits);
  if (i < body.size() && body[i] == '.') {
    clean.push_back('.');
    ++i;
    take_digits(&digits);
  }
  if (!digits) return IntResult::kSyntax;
  if (i < body.size() && Lower(body[i]) == 'e') {
    clean.push_back('e');
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) clean.push_back(body[i++]);
    bool exp_digits = false;
    take_digits(&exp_digits);
    if (!exp_digits) return IntResult::kSyntax;
  }
  if (i != body.size()) return IntResult::kSyntax;
  if (underscores && !UnderscoreOK(s)) return IntResult::kSyntax;
  double v = 0;
  auto [ptr, ec] = std::from_chars(clean.data(), clean.data() + clean.size(), v);
  if (ptr != clean.data() + clean.size()) return IntResult::kSyntax;
  if (ec == std::errc::result_out_of_range) {
    // Overflow is an error in Go; underflow quietly rounds to zero or a subnormal.
    errno = 0;
    v = std::strtod(clean.c_str(), nullptr);
    if (std::isinf(v)) {
      *out = neg ? -v : v;
      return IntResult::kRange;
    }
  } else if (ec != std::errc()) {
    return IntResult::kSyntax;
  }
  *out = neg ? -v : v;
  return IntResult::kOk;
}

}  // namespace

int32_t DecodeRune(std::string_view s, size_t* width) {
  if (s.empty()) {
    *width = 0;
    return kRuneEof;
  }
  const auto b = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  const uint8_t b0 = b(0);
  *width = 1;
  if (b0 < 0x80) return b0;
  if (b0 < 0xC2 || b0 > 0xF4) return kRuneError;
  auto cont = [&](size_t i, uint8_t lo, uint8_t hi) {
    return i < s.size() && b(i) >= lo && b(i) <= hi;
  };
  if (b0 < 0xE0) {
    if (!cont(1, 0x80, 0xBF)) return kRuneError;
    *width = 2;
    return ((b0 & 0x1F) << 6) | (b(1) & 0x3F);
  }
  if (b0 < 0xF0) {
    const uint8_t lo = b0 == 0xE0 ? 0xA0 : 0x80;
    const uint8_t hi = b0 == 0xED ? 0x9F : 0xBF;
    if (!cont(1, lo, hi) || !cont(2, 0x80, 0xBF)) return kRuneError;
    *width = 3;
    return ((b0 & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
  }
  const uint8_t lo = b0 == 0xF0 ? 0x90 : 0x80;
  const uint8_t hi = b0 == 0xF4 ? 0x8F : 0xBF;
  if (!cont(1, lo, hi) || !cont(2, 0x80, 0xBF) || !cont(3, 0x80, 0xBF)) return kRuneError;
  *width = 4;
  return ((b0 & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
}

void AppendRune(std::string* out, int32_t r) {
  if (!ValidRune(r)) r = kRuneError;
  const auto u = static_cast<uint32_t>(r);
  if (u < 0x80) {
    out->push_back(static_cast<char>(u));
  } else if (u < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (u >> 6)));
    out->push_back(static_cast<char>(0x80 | (u & 0x3F)));
  } else if (u < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (u >> 12)));
    out->push_back(static_cast<char>(0x80 | ((u >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (u & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (u >> 18)));
    out->push_back(static_cast<char>(0x80 | ((u >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((u >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (u & 0x3F)));
  }
}

bool IsPrintRune(int32_t r) {
  if (!ValidRune(r)) return false;
  if (r < 0x20 || r == 0x7F) return false;
  if (r < 0x7F) return true;
  if (r < 0xA1) return false;   // C1 controls and NO-BREAK SPACE
  if (r == 0xAD) return false;  // SOFT HYPHEN
  if (r == 0x1680 || r == 0x3000 || r == 0xFEFF) return false;
  if ((r >= 0x2000 && r <= 0x200F) || (r >= 0x2028 && r <= 0x202F) ||
      (r >= 0x205F && r <= 0x206F)) {
    return false;
  }
  if (r >= 0xE000 && r <= 0xF8FF) return false;  // private use
  if (r >= 0xFFF9 && r <= 0xFFFB) return false;
  if ((r & 0xFFFE) == 0xFFFE) return false;  // noncharacters U+xxFFFE/F
  if (r >= 0xF0000) return false;            // private use planes
  return true;
}

std::string GoQuote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  while (!s.empty()) {
    size_t w;
    const int32_t r = DecodeRune(s, &w);
    if (r == kRuneError && w == 1) {
      out += "\\x";
      AppendHex(&out, static_cast<uint8_t>(s[0]), 2);
    } else if (r == '"' || r == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(r));
    } else if (IsPrintRune(r)) {
      out.append(s.substr(0, w));
    } else {
      AppendEscapedRune(&out, r);
    }
    s.remove_prefix(w);
  }
  out.push_back('"');
  return out;
}

std::string GoQuoteRune(int32_t r) {
  if (!ValidRune(r)) r = kRuneError;
  std::string out = "'";
  if (r == '\'' || r == '\\') {
    out.push_back('\\');
    out.push_back(static_cast<char>(r));
  } else if (IsPrintRune(r)) {
    AppendRune(&out, r);
  } else {
    AppendEscapedRune(&out, r);
  }
  out.push_back('\'');
  return out;
}

std::string GoRuneU(int32_t r) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "U+%04X", static_cast<unsigned>(r < 0 ? kRuneError : r));
  std::string out = buf;
  if (IsPrintRune(r)) {
    out += " '";
    AppendRune(&out, r);
    out += "'";
  }
  return out;
}

std::string GoQuoteShort(std::string_view s) {
  if (s.size() <= 10) return GoQuote(s);
  size_t bytes = 0;
  for (int runes = 0; runes < 10 && bytes < s.size(); ++runes) {
    size_t w;
    DecodeRune(s.substr(bytes), &w);
    bytes += w;
  }
  return GoQuote(s.substr(0, bytes)) + "...";
}

bool UnquotePromQL(std::string_view q, std::string* out) {
  out->clear();
  if (q.size() < 2) return false;
  const char quote = q[0];
  if (q.back() != quote) return false;
  std::string_view s = q.substr(1, q.size() - 2);
  if (quote == '`') {
    if (s.find('`') != std::string_view::npos) return false;
    out->assign(s);
    return true;
  }
  if (quote != '"' && quote != '\'') return false;
  auto hexval = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (Lower(c) >= 'a' && Lower(c) <= 'f') return Lower(c) - 'a' + 10;
    return -1;
  };
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == quote) return false;
    if (c != '\\') {
      size_t w;
      const int32_t r = DecodeRune(s.substr(i), &w);
      if (r == kRuneError && w == 1) {
        AppendRune(out, kRuneError);
      } else {
        out->append(s.substr(i, w));
      }
      i += w;
      continue;
    }
    if (++i >= s.size()) return false;
    const char e = s[i++];
    switch (e) {
      case 'a':
        out->push_back('\a');
        break;
      case 'b':
        out->push_back('\b');
        break;
      case 'f':
        out->push_back('\f');
        break;
      case 'n':
        out->push_back('\n');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case 't':
        out->push_back('\t');
        break;
      case 'v':
        out->push_back('\v');
        break;
      case '\\':
        out->push_back('\\');
        break;
      case '\'':
      case '"':
        if (e != quote) return false;
        out->push_back(e);
        break;
      case 'x':
      case 'u':
      case 'U': {
        const int n = e == 'x' ? 2 : (e == 'u' ? 4 : 8);
        if (i + n > s.size()) return false;
        uint32_t v = 0;
        for (int k = 0; k < n; ++k) {
          const int d = hexval(s[i + k]);
          if (d < 0) return false;
          v = v * 16 + static_cast<uint32_t>(d);
        }
        i += n;
        if (e == 'x') {
          out->push_back(static_cast<char>(v));
        } else {
          if (!ValidRune(static_cast<int32_t>(v))) return false;
          AppendRune(out, static_cast<int32_t>(v));
        }
        break;
      }
      default: {
        if (e < '0' || e > '7' || i + 2 > s.size()) return false;
        uint32_t v = static_cast<uint32_t>(e - '0');
        for (int k = 0; k < 2; ++k) {
          const char d = s[i + k];
          if (d < '0' || d > '7') return false;
          v = v * 8 + static_cast<uint32_t>(d - '0');
        }
        if (v > 255) return false;
        i += 2;
        out->push_back(static_cast<char>(v));
        break;
      }
    }
  }
  return true;
}

bool ParseGoNumber(std::string_view s, double* out, std::string* error) {
  int64_t n;
  if (ParseIntBase0(s, &n) == IntResult::kOk) {
    *out = static_cast<double>(n);
    return true;
  }
  switch (ParseFloat(s, out)) {
    case IntResult::kOk:
      return true;
    case IntResult::kRange:
      *error = "strconv.ParseFloat: parsing " + GoQuote(s) + ": value out of range";
      return false;
    case IntResult::kSyntax:
      *error = "strconv.ParseFloat: parsing " + GoQuote(s) + ": invalid syntax";
      return false;
  }
  return false;
}

std::string FormatGoFloat(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[400];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
  if (ec != std::errc()) return "NaN";  // cannot happen: 400 bytes hold any double
  return std::string(buf, ptr);
}

std::string FormatGoFloatF(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[400];
  std::snprintf(buf, sizeof(buf), "%f", v);
  return buf;
}

}  // namespace loupe::query::promql
