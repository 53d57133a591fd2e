#include "ingest/prom/textparse/go_text.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace loupe::ingest::prom {
namespace {

constexpr uint64_t kNormalNaNBits = 0x7ff8000000000001ULL;

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(char c) {
  const char l = Lower(c);
  return IsDigit(c) || (l >= 'a' && l <= 'f');
}

// Length of the common prefix of s and word, ignoring ASCII case (word is lower case).
size_t CommonPrefixIgnoreCase(std::string_view s, std::string_view word) {
  size_t n = 0;
  while (n < s.size() && n < word.size() && Lower(s[n]) == word[n]) ++n;
  return n;
}

// Go's strconv.special: Inf, Infinity (signed or not) and NaN (unsigned), any letter case.
// Returns true with *out set when the whole of s is one of them.
bool ParseSpecial(std::string_view s, double* out) {
  if (s.empty()) return false;
  double sign = 1;
  size_t nsign = 0;
  std::string_view rest = s;
  if (s[0] == '+' || s[0] == '-') {
    if (s[0] == '-') sign = -1;
    nsign = 1;
    rest = s.substr(1);
  } else if (Lower(s[0]) == 'n') {
    if (CommonPrefixIgnoreCase(s, "nan") == 3 && s.size() == 3) {
      *out = std::bit_cast<double>(kNormalNaNBits);
      return true;
    }
    return false;
  }
  if (rest.empty() || Lower(rest[0]) != 'i') return false;
  size_t n = CommonPrefixIgnoreCase(rest, "infinity");
  if (n > 3 && n < 8) n = 3;
  if ((n == 3 || n == 8) && nsign + n == s.size()) {
    *out = sign * HUGE_VAL;
    return true;
  }
  return false;
}

// Go's strconv.underscoreOK: underscores only between digits (a base prefix counts as a digit).
bool UnderscoreOK(std::string_view s) {
  char saw = '^';
  size_t i = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s = s.substr(1);
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0' &&
      (Lower(s[1]) == 'b' || Lower(s[1]) == 'o' || Lower(s[1]) == 'x')) {
    i = 2;
    saw = '0';
    hex = Lower(s[1]) == 'x';
  }
  for (; i < s.size(); ++i) {
    if (IsDigit(s[i]) || (hex && IsHexDigit(s[i]))) {
      saw = '0';
      continue;
    }
    if (s[i] == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

// Checks Go's float literal syntax (readFloat) for the whole of s. Sets *hex for a 0x form and
// *underscores when '_' separators occur.
bool GoFloatSyntax(std::string_view s, bool* hex, bool* underscores) {
  size_t i = 0;
  *hex = false;
  *underscores = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i + 2 < s.size() && s[i] == '0' && Lower(s[i + 1]) == 'x') {
    *hex = true;
    i += 2;
  }
  bool saw_dot = false;
  bool saw_digits = false;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '_') {
      *underscores = true;
    } else if (c == '.') {
      if (saw_dot) break;
      saw_dot = true;
    } else if (IsDigit(c) || (*hex && IsHexDigit(c))) {
      saw_digits = true;
    } else {
      break;
    }
  }
  if (!saw_digits) return false;
  const char exp_char = *hex ? 'p' : 'e';
  if (i < s.size() && Lower(s[i]) == exp_char) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (i >= s.size() || !IsDigit(s[i])) return false;
    for (; i < s.size() && (IsDigit(s[i]) || s[i] == '_'); ++i) {
      if (s[i] == '_') *underscores = true;
    }
  } else if (*hex) {
    return false;  // a hexadecimal mantissa needs a 'p' exponent
  }
  if (i != s.size()) return false;
  if (*underscores && !UnderscoreOK(s)) return false;
  return true;
}

// strtod over a NUL-terminated copy; for the rare paths (hex, out-of-range decimal).
double StrtodCopy(std::string_view s) {
  std::string copy(s);
  return std::strtod(copy.c_str(), nullptr);
}

}  // namespace

FloatParse ParseGoFloat(std::string_view s, double* out) {
  // Fast path for the common plain decimal forms ("12345", "-0.25", "4.9351e-05"): on these
  // bytes from_chars accepts exactly what Go accepts when it consumes the whole string.
  if (!s.empty() && s.size() < 64) {
    bool plain = true;
    for (char c : s) {
      if (!IsDigit(c) && c != '.' && c != 'e' && c != 'E' && c != '-' && c != '+') {
        plain = false;
        break;
      }
    }
    if (plain && s[0] != '+') {
      double v = 0;
      auto [ptr, ec] =
          std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
      if (ec == std::errc() && ptr == s.data() + s.size()) {
        *out = v;
        return FloatParse::kOk;
      }
    }
  }
  if (ParseSpecial(s, out)) return FloatParse::kOk;
  bool hex = false;
  bool underscores = false;
  if (!GoFloatSyntax(s, &hex, &underscores)) return FloatParse::kSyntax;
  std::string cleaned;
  if (underscores) {
    cleaned.reserve(s.size());
    for (char c : s) {
      if (c != '_') cleaned.push_back(c);
    }
    s = cleaned;
  }
  double v = 0;
  if (hex) {
    v = StrtodCopy(s);
  } else {
    bool neg = false;
    std::string_view digits = s;
    if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
      neg = digits[0] == '-';
      digits.remove_prefix(1);
    }
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v,
                                     std::chars_format::general);
    if (ec == std::errc::result_out_of_range) {
      // Overflow is an error in Go; underflow rounds to zero (or a subnormal) silently.
      v = std::fabs(StrtodCopy(digits));
    } else if (ec != std::errc() || ptr != digits.data() + digits.size()) {
      return FloatParse::kSyntax;
    }
    if (neg) v = -v;
  }
  *out = v;
  if (std::isinf(v)) return FloatParse::kRange;
  return FloatParse::kOk;
}

FloatParse ParsePromFloat(std::string_view s, double* out) {
  for (char c : s) {
    if (c == 'p' || c == 'P' || c == '_') return FloatParse::kUnsupportedChar;
  }
  FloatParse r = ParseGoFloat(s, out);
  if (r == FloatParse::kOk && std::isnan(*out)) *out = std::bit_cast<double>(kNormalNaNBits);
  return r;
}

std::string FloatErrorText(FloatParse err, std::string_view s) {
  switch (err) {
    case FloatParse::kUnsupportedChar:
      return "unsupported character in float";
    case FloatParse::kRange:
      return "strconv.ParseFloat: parsing " + GoQuote(s) + ": value out of range";
    case FloatParse::kSyntax:
    case FloatParse::kOk:
      break;
  }
  return "strconv.ParseFloat: parsing " + GoQuote(s) + ": invalid syntax";
}

bool ParseGoInt64(std::string_view s, int64_t* out, bool* range_error) {
  *range_error = false;
  bool neg = false;
  size_t i = 0;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    i = 1;
  }
  if (i >= s.size()) return false;
  uint64_t v = 0;
  const uint64_t limit = neg ? (uint64_t{1} << 63) : (uint64_t{1} << 63) - 1;
  for (; i < s.size(); ++i) {
    if (!IsDigit(s[i])) {
      *range_error = false;
      return false;
    }
    const uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (limit - d) / 10) {
      // Keep scanning: Go reports a syntax error before a range error.
      *range_error = true;
      v = limit;
      continue;
    }
    v = v * 10 + d;
  }
  if (*range_error) return false;
  *out = neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  return true;
}

std::string FormatGoFloatG(double f) {
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), f, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));
  bool neg = false;
  if (!sci.empty() && sci[0] == '-') {
    neg = true;
    sci.remove_prefix(1);
  }
  const size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits.push_back(c);
  }
  int exp10 = 0;
  std::from_chars(sci.data() + e + 1 + (sci[e + 1] == '+' ? 1 : 0), sci.data() + sci.size(), exp10);
  const int nd = static_cast<int>(digits.size());
  const int dp = exp10 + 1;  // position of the decimal point relative to the digits
  std::string out;
  if (neg) out.push_back('-');
  if (exp10 < -4 || exp10 >= 6) {
    out.push_back(digits[0]);
    if (nd > 1) {
      out.push_back('.');
      out.append(digits, 1, std::string::npos);
    }
    out.push_back('e');
    out.push_back(exp10 < 0 ? '-' : '+');
    const int ax = exp10 < 0 ? -exp10 : exp10;
    if (ax < 10) out.push_back('0');
    out += std::to_string(ax);
    return out;
  }
  if (dp > 0) {
    for (int i = 0; i < dp; ++i) out.push_back(i < nd ? digits[static_cast<size_t>(i)] : '0');
  } else {
    out.push_back('0');
  }
  const int prec = nd - dp > 0 ? nd - dp : 0;
  if (prec > 0) {
    out.push_back('.');
    for (int i = 0; i < prec; ++i) {
      const int idx = dp + i;
      out.push_back(idx >= 0 && idx < nd ? digits[static_cast<size_t>(idx)] : '0');
    }
  }
  return out;
}

std::string FormatOpenMetricsFloat(double f) {
  if (f == 1) return "1.0";
  if (f == 0) return "0.0";
  if (f == -1) return "-1.0";
  std::string s = FormatGoFloatG(f);
  if (std::isnan(f) || std::isinf(f)) return s;
  if (s.find_first_of("e.") == std::string::npos) s += ".0";
  return s;
}

namespace {

// Decodes one UTF-8 rune like Go's utf8.DecodeRuneInString; returns -1 with *width 1 for an
// invalid or truncated sequence.
int32_t DecodeRune(std::string_view s, size_t* width) {
  const auto b0 = static_cast<unsigned char>(s[0]);
  if (b0 < 0x80) {
    *width = 1;
    return b0;
  }
  *width = 1;
  size_t n = 0;
  int32_t r = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
    r = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    r = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    r = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return -1;
  }
  if (s.size() < n) return -1;
  for (size_t i = 1; i < n; ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xBF)) return -1;
    r = (r << 6) | (b & 0x3F);
  }
  *width = n;
  return r;
}

// An approximation of Go's unicode.IsPrint for non-ASCII runes: exact for Latin-1 and the
// common invisible/format/space characters; other assigned-looking code points count as
// printable. Only used to shape error messages.
bool IsPrintRune(int32_t r) {
  if (r < 0x20 || r == 0x7F) return false;
  if (r < 0x7F) return true;
  if (r >= 0x80 && r <= 0xA0) return false;  // C1 controls and NO-BREAK SPACE
  if (r == 0xAD || r == 0x061C || r == 0x1680 || r == 0x180E) return false;
  if (r >= 0x2000 && r <= 0x200F) return false;
  if (r >= 0x2028 && r <= 0x202F) return false;
  if (r >= 0x205F && r <= 0x206F) return false;
  if (r == 0x3000 || r == 0xFEFF) return false;
  if (r >= 0xD800 && r <= 0xF8FF) return false;  // surrogates and private use
  if (r >= 0xFFF9 && r <= 0xFFFB) return false;
  if ((r & 0xFFFE) == 0xFFFE) return false;  // noncharacters
  if (r >= 0xE0000) return false;            // tags, private use planes
  return true;
}

void AppendHex(std::string* out, const char* prefix, uint32_t v, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->append(prefix);
  for (int i = digits - 1; i >= 0; --i) out->push_back(kHex[(v >> (4 * i)) & 0xF]);
}

}  // namespace

std::string GoQuote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    size_t width = 1;
    const int32_t r = DecodeRune(s.substr(i), &width);
    if (r < 0) {
      AppendHex(&out, "\\x", c, 2);
    } else if (r < 0x80) {
      switch (r) {
        case '\a':
          out += "\\a";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\v':
          out += "\\v";
          break;
        default:
          AppendHex(&out, "\\x", static_cast<uint32_t>(r), 2);
      }
    } else if (IsPrintRune(r)) {
      out.append(s.substr(i, width));
    } else if (r < 0x10000) {
      AppendHex(&out, "\\u", static_cast<uint32_t>(r), 4);
    } else {
      AppendHex(&out, "\\U", static_cast<uint32_t>(r), 8);
    }
    i += width;
  }
  out.push_back('"');
  return out;
}

std::string_view RunePrefix(std::string_view s, size_t max_runes) {
  size_t i = 0;
  for (size_t n = 0; n < max_runes && i < s.size(); ++n) {
    size_t width = 1;
    DecodeRune(s.substr(i), &width);
    i += width;
  }
  return s.substr(0, i);
}

std::string GoQuotePrefix(std::string_view s, size_t max_runes) {
  return GoQuote(RunePrefix(s, max_runes));
}

std::string GoFormatFixed6(double f) {
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  char buf[512];
  std::snprintf(buf, sizeof(buf), "%.6f", f);
  return buf;
}

bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    // Fast path: eight ASCII bytes at a time.
    if (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      if ((w & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    size_t width = 1;
    if (DecodeRune(s.substr(i), &width) < 0) return false;
    i += width;
  }
  return true;
}

}  // namespace loupe::ingest::prom
