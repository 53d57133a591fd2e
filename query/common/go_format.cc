#include "query/common/go_format.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace loupe::query {
namespace {

// Shortest round-tripping decimal digits of |v| (v finite, non-zero) and the position of the
// decimal point relative to them (Go's decimal.dp: value = 0.d1d2... * 10^dp).
struct Digits {
  std::string digits;
  int dp = 0;
};

Digits ShortestDigits(double v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), std::fabs(v), std::chars_format::scientific);
  std::string_view s(buf, res.ptr - buf);  // d[.ddd]e[+-]XX
  Digits d;
  size_t e = s.find('e');
  for (size_t i = 0; i < e; ++i) {
    if (s[i] != '.') d.digits += s[i];
  }
  int exp = 0;
  std::from_chars(s.data() + e + (s[e + 1] == '+' ? 2 : 1), s.data() + s.size(), exp);
  d.dp = exp + 1;
  // Trim trailing zeros (to_chars never emits them for shortest, but be safe).
  while (d.digits.size() > 1 && d.digits.back() == '0') d.digits.pop_back();
  return d;
}

// Go's fmtE with precision nd-1.
std::string FormatE(bool neg, const Digits& d) {
  std::string out;
  if (neg) out += '-';
  out += d.digits[0];
  if (d.digits.size() > 1) {
    out += '.';
    out.append(d.digits, 1, std::string::npos);
  }
  out += 'e';
  int exp = d.dp - 1;
  if (d.digits == "0") exp = 0;
  out += exp < 0 ? '-' : '+';
  if (exp < 0) exp = -exp;
  if (exp < 10) out += '0';
  out += std::to_string(exp);
  return out;
}

// Go's fmtF with the shortest precision (all digits, no trailing zeros).
std::string FormatF(bool neg, const Digits& d) {
  std::string out;
  if (neg) out += '-';
  const int nd = static_cast<int>(d.digits.size());
  if (d.dp > 0) {
    for (int i = 0; i < d.dp; ++i) out += i < nd ? d.digits[i] : '0';
  } else {
    out += '0';
  }
  const int frac = nd - d.dp;
  if (frac > 0) {
    out += '.';
    for (int i = 0; i < frac; ++i) {
      const int j = d.dp + i;
      out += (j >= 0 && j < nd) ? d.digits[j] : '0';
    }
  }
  return out;
}

bool SpecialFloat(double v, std::string* out) {
  if (std::isnan(v)) {
    *out = "NaN";
    return true;
  }
  if (std::isinf(v)) {
    *out = v > 0 ? "+Inf" : "-Inf";
    return true;
  }
  if (v == 0) {
    *out = std::signbit(v) ? "-0" : "0";
    return true;
  }
  return false;
}

}  // namespace

std::string FormatFloatG(double v) {
  std::string out;
  if (SpecialFloat(v, &out)) return out;
  Digits d = ShortestDigits(v);
  const int exp = d.dp - 1;
  if (exp < -4 || exp >= 6) return FormatE(std::signbit(v), d);
  return FormatF(std::signbit(v), d);
}

std::string FormatFloatF(double v) {
  std::string out;
  if (SpecialFloat(v, &out)) return out;
  return FormatF(std::signbit(v), ShortestDigits(v));
}

namespace {

// Decodes one UTF-8 sequence at s[i]; returns the rune or -1 if invalid (then *width = 1).
int32_t DecodeUtf8(std::string_view s, size_t i, size_t* width) {
  const unsigned char c0 = s[i];
  if (c0 < 0x80) {
    *width = 1;
    return c0;
  }
  auto cont = [&](size_t k) -> int {
    if (i + k >= s.size()) return -1;
    const unsigned char c = s[i + k];
    return (c & 0xC0) == 0x80 ? (c & 0x3F) : -1;
  };
  *width = 1;
  if (c0 >= 0xC2 && c0 <= 0xDF) {
    int c1 = cont(1);
    if (c1 < 0) return -1;
    *width = 2;
    return ((c0 & 0x1F) << 6) | c1;
  }
  if (c0 >= 0xE0 && c0 <= 0xEF) {
    int c1 = cont(1), c2 = cont(2);
    if (c1 < 0 || c2 < 0) return -1;
    int32_t r = ((c0 & 0x0F) << 12) | (c1 << 6) | c2;
    if (r < 0x800 || (r >= 0xD800 && r <= 0xDFFF)) return -1;
    *width = 3;
    return r;
  }
  if (c0 >= 0xF0 && c0 <= 0xF4) {
    int c1 = cont(1), c2 = cont(2), c3 = cont(3);
    if (c1 < 0 || c2 < 0 || c3 < 0) return -1;
    int32_t r = ((c0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3;
    if (r < 0x10000 || r > 0x10FFFF) return -1;
    *width = 4;
    return r;
  }
  return -1;
}

bool IsPrint(int32_t r) {
  if (r < 0x20 || r == 0x7F) return false;
  if (r >= 0x80 && r <= 0x9F) return false;
  if (r == 0xAD) return false;
  if (r == 0x2028 || r == 0x2029 || r == 0xFEFF) return false;
  if (r >= 0xE000 && r <= 0xF8FF) return false;  // private use
  return true;
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t w;
    if (DecodeUtf8(s, i, &w) < 0) return false;
    i += w;
  }
  return true;
}

std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  char buf[16];
  for (size_t i = 0; i < s.size();) {
    size_t w;
    const int32_t r = DecodeUtf8(s, i, &w);
    if (r < 0) {
      std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned char>(s[i]));
      out += buf;
      i += 1;
      continue;
    }
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
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      default:
        if (IsPrint(r)) {
          out.append(s.substr(i, w));
        } else if (r < 0x80) {
          std::snprintf(buf, sizeof(buf), "\\x%02x", r);
          out += buf;
        } else if (r < 0x10000) {
          std::snprintf(buf, sizeof(buf), "\\u%04x", r);
          out += buf;
        } else {
          std::snprintf(buf, sizeof(buf), "\\U%08x", r);
          out += buf;
        }
    }
    i += w;
  }
  out += '"';
  return out;
}

bool IsLegacyLabelName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

std::string GoLabelsString(const storage::model::Labels& labels) {
  std::string out = "{";
  bool first = true;
  for (const auto& l : labels) {
    if (!first) out += ", ";
    first = false;
    out += IsLegacyLabelName(l.name) ? l.name : GoQuote(l.name);
    out += '=';
    out += GoQuote(l.value);
  }
  out += '}';
  return out;
}

}  // namespace loupe::query
