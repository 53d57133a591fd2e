#include "query/logql/syntax/go_compat.h"

#include <re2/re2.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <set>

namespace loupe::query::logql::gocompat {
namespace {

// Decodes one UTF-8 rune at s[i]. Returns the rune and sets *width; invalid input yields
// 0xFFFD with width 1 (as Go's utf8.DecodeRuneInString).
char32_t DecodeRune(std::string_view s, size_t i, int* width) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  *width = 1;
  if (b0 < 0x80) return b0;
  auto cont = [&](size_t k) {
    return k < s.size() && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80;
  };
  if (b0 >= 0xC2 && b0 <= 0xDF && cont(i + 1)) {
    *width = 2;
    return ((b0 & 0x1F) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3F);
  }
  if (b0 >= 0xE0 && b0 <= 0xEF && cont(i + 1) && cont(i + 2)) {
    const char32_t r = ((b0 & 0x0F) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3F) << 6) |
                       (static_cast<unsigned char>(s[i + 2]) & 0x3F);
    if (r < 0x800 || (r >= 0xD800 && r <= 0xDFFF)) return 0xFFFD;
    *width = 3;
    return r;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4 && cont(i + 1) && cont(i + 2) && cont(i + 3)) {
    const char32_t r = ((b0 & 0x07) << 18) | ((static_cast<unsigned char>(s[i + 1]) & 0x3F) << 12) |
                       ((static_cast<unsigned char>(s[i + 2]) & 0x3F) << 6) |
                       (static_cast<unsigned char>(s[i + 3]) & 0x3F);
    if (r < 0x10000 || r > 0x10FFFF) return 0xFFFD;
    *width = 4;
    return r;
  }
  return 0xFFFD;
}

// An approximation of Go's unicode.IsPrint for non-ASCII runes: format characters, line and
// paragraph separators, private use, non-characters and C1 controls are not printable.
bool IsPrintNonAscii(char32_t r) {
  if (r < 0xA1) return r == 0xA0 ? false : r > 0xA0;  // C1 controls and NBSP (Zs) are not
  if (r == 0xAD) return false;
  if ((r >= 0x600 && r <= 0x605) || r == 0x61C || r == 0x6DD || r == 0x70F || r == 0x180E) {
    return false;
  }
  if ((r >= 0x2000 && r <= 0x200F) || (r >= 0x2028 && r <= 0x202F) ||
      (r >= 0x205F && r <= 0x206F)) {
    return false;
  }
  if (r == 0x3000 || r == 0xFEFF || (r >= 0xFFF0 && r <= 0xFFFB) || r == 0xFFFE || r == 0xFFFF) {
    return false;
  }
  if (r >= 0xE000 && r <= 0xF8FF) return false;
  if (r >= 0xE0000) return false;
  if ((r & 0xFFFE) == 0xFFFE) return false;
  return true;
}

void AppendHex(std::string* out, uint32_t v, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) out->push_back(kHex[(v >> (4 * i)) & 0xF]);
}

// Shortest decimal digits of a finite positive double: digits "d1d2..." and the position of
// the decimal point (value = 0.d1d2... * 10^dp), as strconv's decimal representation.
void ShortestDigits(double v, std::string* digits, int* dp) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));
  const size_t e = sci.find('e');
  std::string_view mant = sci.substr(0, e);
  const int exp = std::atoi(std::string(sci.substr(e + 1)).c_str());
  digits->clear();
  for (char c : mant) {
    if (c != '.') digits->push_back(c);
  }
  while (digits->size() > 1 && digits->back() == '0') digits->pop_back();
  *dp = exp + 1;
}

std::string FormatF(bool neg, const std::string& d, int dp, int decimals) {
  std::string out = neg ? "-" : "";
  if (dp > 0) {
    for (int i = 0; i < dp; ++i) out.push_back(i < static_cast<int>(d.size()) ? d[i] : '0');
  } else {
    out.push_back('0');
  }
  if (decimals > 0) {
    out.push_back('.');
    for (int i = 0; i < decimals; ++i) {
      const int j = dp + i;
      out.push_back(j < 0 || j >= static_cast<int>(d.size()) ? '0' : d[j]);
    }
  }
  return out;
}

std::string SpecialFloat(double v) {
  if (std::isnan(v)) return "NaN";
  return v > 0 ? "+Inf" : "-Inf";
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    int width;
    const char32_t r = DecodeRune(s, i, &width);
    if (r == 0xFFFD && width == 1) {
      out += "\\x";
      AppendHex(&out, static_cast<unsigned char>(s[i]), 2);
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
        if (r < 0x20 || r == 0x7F) {
          out += "\\x";
          AppendHex(&out, r, 2);
        } else if (r < 0x80 || IsPrintNonAscii(r)) {
          out.append(s.substr(i, width));
        } else if (r < 0x10000) {
          out += "\\u";
          AppendHex(&out, r, 4);
        } else {
          out += "\\U";
          AppendHex(&out, r, 8);
        }
    }
    i += width;
  }
  out += '"';
  return out;
}

std::string FormatFloatV(double v) {
  if (!std::isfinite(v)) return SpecialFloat(v);
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  std::string d;
  int dp;
  ShortestDigits(std::fabs(v), &d, &dp);
  const bool neg = v < 0;
  const int exp = dp - 1;
  if (exp < -4 || exp >= 6) {
    std::string out = neg ? "-" : "";
    out.push_back(d[0]);
    if (d.size() > 1) {
      out.push_back('.');
      out.append(d, 1, std::string::npos);
    }
    out.push_back('e');
    out.push_back(exp < 0 ? '-' : '+');
    const int ae = std::abs(exp);
    if (ae < 10) out.push_back('0');
    out += std::to_string(ae);
    return out;
  }
  return FormatF(neg, d, dp, std::max(static_cast<int>(d.size()) - dp, 0));
}

std::string FormatFloatF(double v) {
  if (!std::isfinite(v)) return SpecialFloat(v);
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  std::string d;
  int dp;
  ShortestDigits(std::fabs(v), &d, &dp);
  return FormatF(v < 0, d, dp, std::max(static_cast<int>(d.size()) - dp, 0));
}

std::string FormatFloatFixed6(double v) {
  if (!std::isfinite(v)) return SpecialFloat(v);
  char buf[512];
  std::snprintf(buf, sizeof(buf), "%.6f", v);
  return buf;
}

namespace {

// Go's fmtFrac: writes the fraction of v/10^prec without trailing zeros (and without the
// point when the fraction is zero), returning v/10^prec.
uint64_t FmtFrac(std::string* rev, uint64_t v, int prec) {
  bool print = false;
  for (int i = 0; i < prec; ++i) {
    const uint64_t digit = v % 10;
    print = print || digit != 0;
    if (print) rev->push_back(static_cast<char>('0' + digit));
    v /= 10;
  }
  if (print) rev->push_back('.');
  return v;
}

void FmtInt(std::string* rev, uint64_t v) {
  if (v == 0) {
    rev->push_back('0');
    return;
  }
  while (v > 0) {
    rev->push_back(static_cast<char>('0' + v % 10));
    v /= 10;
  }
}

}  // namespace

std::string FormatGoDuration(int64_t nanos) {
  // Built in reverse, as Go's Duration.format fills its buffer from the end.
  std::string rev;
  const bool neg = nanos < 0;
  uint64_t u = neg ? static_cast<uint64_t>(-(nanos + 1)) + 1 : static_cast<uint64_t>(nanos);
  constexpr uint64_t kSecond = 1000000000ULL;
  if (u < kSecond) {
    int prec;
    rev.push_back('s');
    if (u == 0) return "0s";
    if (u < 1000) {
      prec = 0;
      rev.push_back('n');
    } else if (u < 1000000) {
      prec = 3;
      rev += "\xB5\xC2";  // "µ" reversed
    } else {
      prec = 6;
      rev.push_back('m');
    }
    u = FmtFrac(&rev, u, prec);
    FmtInt(&rev, u);
  } else {
    rev.push_back('s');
    u = FmtFrac(&rev, u, 9);
    FmtInt(&rev, u % 60);
    u /= 60;
    if (u > 0) {
      rev.push_back('m');
      FmtInt(&rev, u % 60);
      u /= 60;
      if (u > 0) {
        rev.push_back('h');
        FmtInt(&rev, u);
      }
    }
  }
  if (neg) rev.push_back('-');
  return std::string(rev.rbegin(), rev.rend());
}

std::string FormatPromDuration(int64_t nanos) {
  int64_t ms = nanos / 1000000;
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  struct Unit {
    const char* name;
    int64_t mult;
    bool exact;
  };
  static constexpr Unit kUnits[] = {{"y", 1000LL * 60 * 60 * 24 * 365, true},
                                    {"w", 1000LL * 60 * 60 * 24 * 7, true},
                                    {"d", 1000LL * 60 * 60 * 24, false},
                                    {"h", 1000LL * 60 * 60, false},
                                    {"m", 1000LL * 60, false},
                                    {"s", 1000, false},
                                    {"ms", 1, false}};
  for (const auto& u : kUnits) {
    if (u.exact && ms % u.mult != 0) continue;
    const int64_t v = ms / u.mult;
    if (v > 0) {
      out += std::to_string(v);
      out += u.name;
      ms -= v * u.mult;
    }
  }
  return out;
}

std::string HumanizeBytes(uint64_t bytes) {
  if (bytes < 10) return std::to_string(bytes) + "B";
  static constexpr const char* kSizes[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  const double s = static_cast<double>(bytes);
  const double e = std::floor(std::log(s) / std::log(1000.0));
  const double val = std::floor(s / std::pow(1000.0, e) * 10 + 0.5) / 10;
  char buf[64];
  std::snprintf(buf, sizeof(buf), val < 10 ? "%.1f%s" : "%.0f%s", val, kSizes[static_cast<int>(e)]);
  return buf;
}

Result<int64_t> ParsePromDuration(std::string_view s) {
  if (s == "0") return int64_t{0};
  if (s.empty()) return Status::InvalidArgument("empty duration string");
  const std::string orig(s);
  auto invalid = [&] {
    return Status::InvalidArgument("not a valid duration string: " + Quote(orig));
  };
  struct Unit {
    std::string_view name;
    int pos;
    uint64_t mult;
  };
  static constexpr uint64_t kMs = 1000000ULL;
  static constexpr Unit kUnits[] = {{"y", 1, kMs * 1000 * 60 * 60 * 24 * 365},
                                    {"w", 2, kMs * 1000 * 60 * 60 * 24 * 7},
                                    {"d", 3, kMs * 1000 * 60 * 60 * 24},
                                    {"h", 4, kMs * 1000 * 60 * 60},
                                    {"m", 5, kMs * 1000 * 60},
                                    {"s", 6, kMs * 1000},
                                    {"ms", 7, kMs}};
  uint64_t total = 0;
  int last_pos = 0;
  while (!s.empty()) {
    if (!IsDigit(s[0])) return invalid();
    size_t i = 0;
    uint64_t v = 0;
    bool overflow = false;
    for (; i < s.size() && IsDigit(s[i]); ++i) {
      if (v > (std::numeric_limits<uint64_t>::max() - 9) / 10) overflow = true;
      v = v * 10 + static_cast<uint64_t>(s[i] - '0');
    }
    if (overflow) return invalid();
    s.remove_prefix(i);
    for (i = 0; i < s.size() && !IsDigit(s[i]);) ++i;
    if (i == 0) return invalid();
    const std::string_view unit_name = s.substr(0, i);
    s.remove_prefix(i);
    const Unit* unit = nullptr;
    for (const auto& u : kUnits) {
      if (u.name == unit_name) unit = &u;
    }
    if (unit == nullptr) {
      return Status::InvalidArgument("unknown unit " + Quote(unit_name) + " in duration " +
                                     Quote(orig));
    }
    if (unit->pos <= last_pos) return invalid();
    last_pos = unit->pos;
    if (v > (uint64_t{1} << 63) / unit->mult) {
      return Status::InvalidArgument("duration out of range");
    }
    total += v * unit->mult;
    if (total > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Status::InvalidArgument("duration out of range");
    }
  }
  return static_cast<int64_t>(total);
}

std::optional<int64_t> ParseGoDuration(std::string_view s) {
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  if (s.empty()) return std::nullopt;
  constexpr uint64_t kLimit = uint64_t{1} << 63;
  uint64_t d = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || IsDigit(s[0]))) return std::nullopt;
    uint64_t v = 0;
    size_t i = 0;
    for (; i < s.size() && IsDigit(s[i]); ++i) {
      if (v > kLimit / 10) return std::nullopt;
      v = v * 10 + static_cast<uint64_t>(s[i] - '0');
      if (v > kLimit) return std::nullopt;
    }
    const bool pre = i > 0;
    s.remove_prefix(i);
    uint64_t f = 0;
    double scale = 1;
    bool post = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      size_t j = 0;
      bool overflow = false;
      for (; j < s.size() && IsDigit(s[j]); ++j) {
        if (overflow) continue;
        if (f > (kLimit - 1) / 10) {
          overflow = true;
          continue;
        }
        const uint64_t y = f * 10 + static_cast<uint64_t>(s[j] - '0');
        if (y > kLimit) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = j > 0;
      s.remove_prefix(j);
    }
    if (!pre && !post) return std::nullopt;
    size_t k = 0;
    while (k < s.size() && s[k] != '.' && !IsDigit(s[k])) ++k;
    if (k == 0) return std::nullopt;
    const std::string_view u = s.substr(0, k);
    s.remove_prefix(k);
    uint64_t unit;
    if (u == "ns")
      unit = 1;
    else if (u == "us" || u == "\xC2\xB5s" || u == "\xCE\xBCs")
      unit = 1000;
    else if (u == "ms")
      unit = 1000000;
    else if (u == "s")
      unit = 1000000000ULL;
    else if (u == "m")
      unit = 60ULL * 1000000000ULL;
    else if (u == "h")
      unit = 3600ULL * 1000000000ULL;
    else
      return std::nullopt;
    if (v > kLimit / unit) return std::nullopt;
    v *= unit;
    if (f > 0) {
      v += static_cast<uint64_t>(static_cast<double>(f) * (static_cast<double>(unit) / scale));
      if (v > kLimit) return std::nullopt;
    }
    d += v;
    if (d > kLimit) return std::nullopt;
  }
  if (neg) return d == kLimit ? std::numeric_limits<int64_t>::min() : -static_cast<int64_t>(d);
  if (d > kLimit - 1) return std::nullopt;
  return static_cast<int64_t>(d);
}

std::optional<uint64_t> HumanizeParseBytes(std::string_view s) {
  size_t last = 0;
  bool comma = false;
  while (last < s.size() && (IsDigit(s[last]) || s[last] == '.' || s[last] == ',')) {
    comma = comma || s[last] == ',';
    ++last;
  }
  std::string num(s.substr(0, last));
  if (comma) {
    std::string stripped;
    for (char c : num) {
      if (c != ',') stripped.push_back(c);
    }
    num = stripped;
  }
  std::string err;
  const auto f = ParseFloat(num, &err);
  if (!f) return std::nullopt;
  std::string_view extra = s.substr(last);
  while (!extra.empty() && (extra.front() == ' ' || extra.front() == '\t')) extra.remove_prefix(1);
  while (!extra.empty() && (extra.back() == ' ' || extra.back() == '\t')) extra.remove_suffix(1);
  std::string unit;
  for (char c : extra)
    unit.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  struct Size {
    std::string_view name;
    double mult;
  };
  static const Size kSizes[] = {{"", 1},
                                {"b", 1},
                                {"k", 1e3},
                                {"kb", 1e3},
                                {"ki", 1024.0},
                                {"kib", 1024.0},
                                {"m", 1e6},
                                {"mb", 1e6},
                                {"mi", 1048576.0},
                                {"mib", 1048576.0},
                                {"g", 1e9},
                                {"gb", 1e9},
                                {"gi", 1073741824.0},
                                {"gib", 1073741824.0},
                                {"t", 1e12},
                                {"tb", 1e12},
                                {"ti", 1099511627776.0},
                                {"tib", 1099511627776.0},
                                {"p", 1e15},
                                {"pb", 1e15},
                                {"pi", 1125899906842624.0},
                                {"pib", 1125899906842624.0},
                                {"e", 1e18},
                                {"eb", 1e18},
                                {"ei", 1152921504606846976.0},
                                {"eib", 1152921504606846976.0}};
  for (const auto& sz : kSizes) {
    if (sz.name == unit) {
      const double v = *f * sz.mult;
      if (v >= 18446744073709551615.0) return std::nullopt;
      return static_cast<uint64_t>(v);
    }
  }
  return std::nullopt;
}

std::optional<double> ParseFloat(std::string_view s, std::string* error) {
  auto fail = [&]() -> std::optional<double> {
    *error = "strconv.ParseFloat: parsing " + Quote(s) + ": invalid syntax";
    return std::nullopt;
  };
  // Go accepts '_' between digits; strip it (the scanner already rejected misplaced ones).
  std::string t;
  for (char c : s) {
    if (c != '_') t.push_back(c);
  }
  if (t.empty()) return fail();
  size_t i = 0;
  if (t[0] == '+' || t[0] == '-') ++i;
  const bool hex = t.size() > i + 1 && t[i] == '0' && (t[i + 1] == 'x' || t[i + 1] == 'X');
  if (hex) {
    if (t.find_first_of("pP") == std::string::npos) return fail();
  } else {
    for (size_t k = i; k < t.size(); ++k) {
      const char c = t[k];
      if (!(IsDigit(c) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')) return fail();
    }
  }
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size()) return fail();
  if (std::isinf(v)) {
    *error = "strconv.ParseFloat: parsing " + Quote(s) + ": value out of range";
    return std::nullopt;
  }
  return v;
}

std::optional<int64_t> Atoi(std::string_view s) {
  if (s.empty()) return std::nullopt;
  size_t i = 0;
  bool neg = false;
  if (s[0] == '+' || s[0] == '-') {
    neg = s[0] == '-';
    i = 1;
  }
  if (i == s.size()) return std::nullopt;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    if (!IsDigit(s[i])) return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(s[i] - '0');
    if (v > (uint64_t{1} << 63)) return std::nullopt;
  }
  if (!neg && v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
}

namespace {

// Walks a pattern and reports its capture groups: the byte range of each group name (empty
// range for unnamed groups). Escapes and character classes are skipped as RE2/Go parse them.
struct Group {
  size_t name_begin = 0, name_end = 0;
  bool named = false;
};

std::vector<Group> ScanGroups(std::string_view p) {
  std::vector<Group> groups;
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') {
      if (i + 1 < p.size() && p[i + 1] == 'Q') {  // \Q...\E literal text
        const size_t e = p.find("\\E", i + 2);
        i = e == std::string_view::npos ? p.size() : e + 1;
      } else {
        ++i;
      }
    } else if (c == '[') {
      size_t j = i + 1;
      if (j < p.size() && p[j] == '^') ++j;
      if (j < p.size() && p[j] == ']') ++j;
      for (; j < p.size() && p[j] != ']'; ++j) {
        if (p[j] == '\\')
          ++j;
        else if (p[j] == '[' && j + 1 < p.size() && p[j + 1] == ':') {
          const size_t e = p.find(":]", j + 2);
          if (e != std::string_view::npos) j = e + 1;
        }
      }
      i = j;
    } else if (c == '(') {
      if (i + 1 < p.size() && p[i + 1] == '?') {
        size_t n = std::string_view::npos;
        if (p.substr(i + 2, 2) == "P<")
          n = i + 4;
        else if (p.substr(i + 2, 1) == "<")
          n = i + 3;
        if (n != std::string_view::npos) {
          const size_t e = p.find('>', n);
          if (e != std::string_view::npos) groups.push_back({n, e, true});
        }
      } else {
        groups.push_back({});
      }
    }
  }
  return groups;
}

std::string_view GoRegexpCode(RE2::ErrorCode code) {
  switch (code) {
    case RE2::ErrorBadEscape:
      return "invalid escape sequence";
    case RE2::ErrorBadCharClass:
      return "invalid character class";
    case RE2::ErrorBadCharRange:
      return "invalid character class range";
    case RE2::ErrorMissingBracket:
      return "missing closing ]";
    case RE2::ErrorMissingParen:
      return "missing closing )";
    case RE2::ErrorUnexpectedParen:
      return "unexpected )";
    case RE2::ErrorTrailingBackslash:
      return "trailing backslash at end of expression";
    case RE2::ErrorRepeatArgument:
      return "missing argument to repetition operator";
    case RE2::ErrorRepeatSize:
      return "invalid repeat count";
    case RE2::ErrorRepeatOp:
      return "invalid nested repetition operator";
    case RE2::ErrorBadPerlOp:
      return "invalid or unsupported Perl syntax";
    case RE2::ErrorBadUTF8:
      return "invalid UTF-8";
    case RE2::ErrorBadNamedCapture:
      return "invalid named capture";
    case RE2::ErrorPatternTooLarge:
      return "expression too large";
    default:
      return "regexp/syntax: internal error";
  }
}

}  // namespace

std::string RegexpError(std::string_view pattern) {
  RE2::Options opts;
  opts.set_log_errors(false);
  RE2 re(re2::StringPiece(pattern.data(), pattern.size()), opts);
  if (re.ok()) return "";
  if (re.error_code() == RE2::ErrorBadNamedCapture) {
    // RE2 refuses duplicate group names where Go accepts them: retry with unique names.
    std::string renamed;
    size_t last = 0;
    int n = 0;
    for (const Group& g : ScanGroups(pattern)) {
      if (!g.named) continue;
      renamed.append(pattern.substr(last, g.name_begin - last));
      renamed += "loupe_g" + std::to_string(n++);
      last = g.name_end;
    }
    renamed.append(pattern.substr(last));
    RE2 retry(renamed, opts);
    if (retry.ok()) return "";
  }
  return "error parsing regexp: " + std::string(GoRegexpCode(re.error_code())) + ": `" +
         re.error_arg() + "`";
}

std::vector<std::string> RegexpCaptureNames(std::string_view pattern, int* groups) {
  std::vector<std::string> names;
  const auto all = ScanGroups(pattern);
  *groups = static_cast<int>(all.size());
  for (const Group& g : all) {
    if (g.named) names.emplace_back(pattern.substr(g.name_begin, g.name_end - g.name_begin));
  }
  return names;
}

}  // namespace loupe::query::logql::gocompat
