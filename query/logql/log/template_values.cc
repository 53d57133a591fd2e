// Go value conversions (reflect/cast rules) and fmt.Sprintf for the template engine.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "query/common/go_format.h"
#include "query/logql/log/template_helpers.h"
#include "query/logql/log/template_internal.h"
#include "query/logql/syntax/go_compat.h"

namespace loupe::query::logql::tmpl {

Status TypeError(std::string_view want, const Value& got) {
  return Status::InvalidArgument("wrong type for value; expected " + std::string(want) +
                                 "; got " + std::string(TypeName(got)));
}

Status WantString(const Value& v, std::string* out) {
  if (v.kind != Value::Kind::kString) return TypeError("string", v);
  *out = v.s;
  return Status::OK();
}

Status WantInt(const Value& v, int64_t* out) {
  if (v.kind == Value::Kind::kInt) {
    *out = v.i;
    return Status::OK();
  }
  if (v.kind == Value::Kind::kFloat && v.untyped_const && v.f == std::trunc(v.f)) {
    *out = static_cast<int64_t>(v.f);
    return Status::OK();
  }
  return TypeError("int", v);
}

Status WantFloat(const Value& v, double* out) {
  if (v.kind == Value::Kind::kFloat) {
    *out = v.f;
    return Status::OK();
  }
  if (v.kind == Value::Kind::kInt && v.untyped_const) {
    *out = static_cast<double>(v.i);
    return Status::OK();
  }
  return TypeError("float64", v);
}

int64_t ToInt64(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kInt: return v.i;
    case Value::Kind::kFloat:
      if (std::isnan(v.f) || std::fabs(v.f) >= 9.3e18) return INT64_MIN;
      return static_cast<int64_t>(v.f);
    case Value::Kind::kBool: return v.b ? 1 : 0;
    case Value::Kind::kString: {
      // cast.ToInt64E: strconv.ParseInt(trimZeroDecimal(s), 0, 0).
      std::string s = v.s;
      if (const size_t dot = s.find('.'); dot != std::string::npos) {
        bool zeros = dot + 1 < s.size();
        for (size_t i = dot + 1; i < s.size(); ++i) zeros = zeros && s[i] == '0';
        if (zeros) s.resize(dot);
      }
      if (s.empty()) return 0;
      errno = 0;
      char* end = nullptr;
      const long long r = std::strtoll(s.c_str(), &end, 0);
      if (*end != 0 || errno) return 0;
      // Go's base-0 prefix for octal is "0o" or a leading 0; strtoll agrees on "0x" and "0".
      return r;
    }
    default:
      return 0;
  }
}

double ToFloat64(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kInt: return static_cast<double>(v.i);
    case Value::Kind::kFloat: return v.f;
    case Value::Kind::kBool: return v.b ? 1 : 0;
    case Value::Kind::kString: {
      std::string err;
      auto f = gocompat::ParseFloat(v.s, &err);
      return f ? *f : 0;
    }
    default:
      return 0;
  }
}

// ---- printf ---------------------------------------------------------------------------------

namespace {

struct Spec {
  bool minus = false, plus = false, space = false, zero = false, sharp = false;
  int width = -1, prec = -1;
};

void Pad(std::string* out, const std::string& s, const Spec& sp, bool numeric) {
  const int w = sp.width;
  // Width counts runes.
  int len = 0;
  for (unsigned char c : s) len += (c & 0xC0) != 0x80;
  if (w < 0 || len >= w) {
    out->append(s);
    return;
  }
  const int n = w - len;
  if (sp.minus) {
    out->append(s);
    out->append(n, ' ');
  } else if (sp.zero && numeric) {
    size_t sign = (!s.empty() && (s[0] == '-' || s[0] == '+' || s[0] == ' ')) ? 1 : 0;
    out->append(s, 0, sign);
    out->append(n, '0');
    out->append(s, sign, std::string::npos);
  } else {
    out->append(n, ' ');
    out->append(s);
  }
}

std::string BadVerb(char verb, const Value& v) {
  if (v.kind == Value::Kind::kNil) return std::string("%!") + verb + "(<nil>)";
  return std::string("%!") + verb + "(" + std::string(TypeName(v)) + "=" + ValueString(v) + ")";
}

std::string FormatInt(int64_t v, int base, bool upper, const Spec& sp) {
  const bool neg = v < 0;
  uint64_t u = neg ? static_cast<uint64_t>(-(v + 1)) + 1 : static_cast<uint64_t>(v);
  std::string digits;
  const char* set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  do {
    digits.push_back(set[u % base]);
    u /= base;
  } while (u);
  while (sp.prec >= 0 && static_cast<int>(digits.size()) < sp.prec) digits.push_back('0');
  if (sp.prec == 0 && v == 0) digits.clear();
  std::string prefix;
  if (sp.sharp) {
    if (base == 16) prefix = upper ? "0X" : "0x";
    else if (base == 8) prefix = "0";
    else if (base == 2) prefix = "0b";
  }
  std::reverse(digits.begin(), digits.end());
  std::string s = neg ? "-" : sp.plus ? "+" : sp.space ? " " : "";
  return s + prefix + digits;
}

std::string FormatFloatVerb(double f, char verb, const Spec& sp) {
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? (sp.plus ? "+Inf" : "+Inf") : "-Inf";
  std::string s;
  if ((verb == 'g' || verb == 'G' || verb == 'v') && sp.prec < 0) {
    s = query::FormatFloatG(f);
    if (verb == 'G') {
      for (char& c : s) {
        if (c == 'e') c = 'E';
      }
    }
  } else {
    char fmt[16];
    std::snprintf(fmt, sizeof(fmt), "%%.%d%c", sp.prec < 0 ? 6 : sp.prec, verb == 'v' ? 'g' : verb);
    const int n = std::snprintf(nullptr, 0, fmt, f);
    s.resize(n > 0 ? n : 0);
    if (n > 0) std::snprintf(s.data(), s.size() + 1, fmt, f);
  }
  if (sp.plus && f >= 0 && s[0] != '+') s = "+" + s;
  else if (sp.space && f >= 0) s = " " + s;
  return s;
}

std::string QuoteRunes(const std::string& s) { return query::GoQuote(s); }

}  // namespace

std::string GoSprintf(std::string_view format, const std::vector<Value>& args, size_t first) {
  std::string out;
  size_t argi = first;
  for (size_t i = 0; i < format.size();) {
    const char c = format[i];
    if (c != '%') {
      out.push_back(c);
      ++i;
      continue;
    }
    ++i;
    if (i >= format.size()) {
      out.append("%!(NOVERB)");
      break;
    }
    Spec sp;
    for (; i < format.size(); ++i) {
      const char f = format[i];
      if (f == '-') sp.minus = true;
      else if (f == '+') sp.plus = true;
      else if (f == ' ') sp.space = true;
      else if (f == '0') sp.zero = !sp.minus;
      else if (f == '#') sp.sharp = true;
      else break;
    }
    if (i < format.size() && format[i] == '*') {
      ++i;
      if (argi < args.size() && args[argi].kind == Value::Kind::kInt) {
        sp.width = static_cast<int>(std::clamp<int64_t>(args[argi++].i, -(1 << 20), 1 << 20));
        if (sp.width < 0) {
          sp.minus = true;
          sp.width = -sp.width;
        }
      } else {
        out.append("%!(BADWIDTH)");
        ++argi;
      }
    } else {
      while (i < format.size() && format[i] >= '0' && format[i] <= '9') {
        sp.width = std::min((sp.width < 0 ? 0 : sp.width) * 10 + (format[i++] - '0'), 1 << 20);
      }
    }
    if (i < format.size() && format[i] == '.') {
      ++i;
      sp.prec = 0;
      if (i < format.size() && format[i] == '*') {
        ++i;
        if (argi < args.size() && args[argi].kind == Value::Kind::kInt) {
          sp.prec = static_cast<int>(std::clamp<int64_t>(args[argi++].i, -1, 1 << 20));
        } else {
          out.append("%!(BADPREC)");
          ++argi;
        }
      } else {
        while (i < format.size() && format[i] >= '0' && format[i] <= '9') {
          sp.prec = std::min(sp.prec * 10 + (format[i++] - '0'), 1 << 20);
        }
      }
    }
    if (i >= format.size()) {
      out.append("%!(NOVERB)");
      break;
    }
    const char verb = format[i++];
    if (verb == '%') {
      out.push_back('%');
      continue;
    }
    if (argi >= args.size()) {
      out.append(std::string("%!") + verb + "(MISSING)");
      continue;
    }
    const Value& v = args[argi++];
    std::string s;
    bool numeric = false;
    switch (verb) {
      case 'v':
        if (v.kind == Value::Kind::kFloat) {
          s = FormatFloatVerb(v.f, 'v', sp);
          numeric = true;
        } else if (v.kind == Value::Kind::kInt) {
          s = FormatInt(v.i, 10, false, sp);
          numeric = true;
        } else if (v.kind == Value::Kind::kNil) {
          s = "<nil>";
        } else {
          s = ValueString(v);
        }
        break;
      case 's':
        if (v.kind == Value::Kind::kString) {
          s = v.s;
          if (sp.prec >= 0) {
            int runes = 0;
            size_t k = 0;
            for (; k < s.size(); ++k) {
              if ((static_cast<unsigned char>(s[k]) & 0xC0) != 0x80) {
                if (runes == sp.prec) break;
                ++runes;
              }
            }
            s.resize(k);
          }
        } else if (v.kind == Value::Kind::kTime) {
          s = ValueString(v);
        } else {
          s = BadVerb(verb, v);
        }
        break;
      case 'q':
        if (v.kind == Value::Kind::kString) s = QuoteRunes(v.s);
        else if (v.kind == Value::Kind::kInt) s = "'" + std::string(1, static_cast<char>(v.i)) + "'";
        else s = BadVerb(verb, v);
        break;
      case 'd': case 'b': case 'o': case 'x': case 'X': case 'c': case 'U':
        if (v.kind == Value::Kind::kInt) {
          numeric = true;
          if (verb == 'c') {
            std::string r;
            const int64_t cp = v.i;
            if (cp < 0x80) r.push_back(static_cast<char>(cp));
            else if (cp < 0x800) {
              r.push_back(static_cast<char>(0xC0 | (cp >> 6)));
              r.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
            } else {
              r.push_back(static_cast<char>(0xE0 | ((cp >> 12) & 0x0F)));
              r.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
              r.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
            }
            s = r;
            numeric = false;
          } else if (verb == 'U') {
            char buf[32];
            std::snprintf(buf, sizeof(buf), "U+%04llX", static_cast<unsigned long long>(v.i));
            s = buf;
          } else {
            const int base = verb == 'd' ? 10 : verb == 'b' ? 2 : verb == 'o' ? 8 : 16;
            s = FormatInt(v.i, base, verb == 'X', sp);
          }
        } else if ((verb == 'x' || verb == 'X') && v.kind == Value::Kind::kString) {
          const char* set = verb == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
          for (unsigned char ch : v.s) {
            s.push_back(set[ch >> 4]);
            s.push_back(set[ch & 15]);
          }
        } else {
          s = BadVerb(verb, v);
        }
        break;
      case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
        if (v.kind == Value::Kind::kFloat) {
          s = FormatFloatVerb(v.f, verb == 'F' ? 'f' : verb, sp);
          numeric = true;
        } else {
          s = BadVerb(verb, v);
        }
        break;
      case 't':
        if (v.kind == Value::Kind::kBool) s = v.b ? "true" : "false";
        else s = BadVerb(verb, v);
        break;
      default:
        s = BadVerb(verb, v);
        break;
    }
    Pad(&out, s, sp, numeric);
  }
  if (argi < args.size()) {
    out.append("%!(EXTRA ");
    for (size_t k = argi; k < args.size(); ++k) {
      if (k > argi) out.append(", ");
      out.append(TypeName(args[k]));
      out.push_back('=');
      AppendValue(args[k], &out);
    }
    out.push_back(')');
  }
  return out;
}


}  // namespace loupe::query::logql::tmpl
