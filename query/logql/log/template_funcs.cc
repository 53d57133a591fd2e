// The template function table: Go's text/template builtins, the sprig functions Loki registers
// and Loki's own functions (pkg/logql/log/fmt.go), with their Go semantics.
#include <re2/re2.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "query/common/go_format.h"
#include "query/common/label_funcs.h"
#include "query/logql/log/json_scan.h"
#include "query/logql/log/template_helpers.h"
#include "query/logql/log/template_internal.h"
#include "query/logql/syntax/go_compat.h"

namespace loupe::query::logql::tmpl {

namespace {

#define WANT_STR(i, var)  \
  std::string var;        \
  LOUPE_RETURN_IF_ERROR(WantString(args[i], &var))
#define WANT_INT(i, var)  \
  int64_t var = 0;        \
  LOUPE_RETURN_IF_ERROR(WantInt(args[i], &var))

// ---- the functions ---------------------------------------------------------------------------

Status FnLine(const ExecContext& ctx, Args&, Value* out) {
  *out = Value::Str(std::string(ctx.input->line));
  return Status::OK();
}
Status FnTimestamp(const ExecContext& ctx, Args&, Value* out) {
  *out = Value::Time(GoTime::FromUnixNanos(ctx.input->ts));
  return Status::OK();
}

Status FnNot(const ExecContext&, Args& args, Value* out) {
  *out = Value::Bool(!Truth(args[0]));
  return Status::OK();
}
Status FnLen(const ExecContext&, Args& args, Value* out) {
  const Value& v = args[0];
  switch (v.kind) {
    case Value::Kind::kString: *out = Value::Int(static_cast<int64_t>(v.s.size())); break;
    case Value::Kind::kLabels: *out = Value::Int(static_cast<int64_t>(v.labels->size())); break;
    case Value::Kind::kMap: *out = Value::Int(static_cast<int64_t>(v.map->size())); break;
    case Value::Kind::kList: *out = Value::Int(static_cast<int64_t>(v.list->size())); break;
    default: return Status::InvalidArgument("len of type " + std::string(TypeName(v)));
  }
  return Status::OK();
}
Status FnIndex(const ExecContext&, Args& args, Value* out) {
  Value cur = args[0];
  for (size_t i = 1; i < args.size(); ++i) {
    const Value& k = args[i];
    if (cur.kind == Value::Kind::kLabels) {
      if (k.kind != Value::Kind::kString) return Status::InvalidArgument("value has type " + std::string(TypeName(k)) + "; should be string");
      std::string v;
      for (const auto& l : *cur.labels) {
        if (l.name == k.s) v = l.value;
      }
      cur = Value::Str(v);
    } else if (cur.kind == Value::Kind::kMap) {
      if (k.kind != Value::Kind::kString) return Status::InvalidArgument("value has type " + std::string(TypeName(k)) + "; should be string");
      Value v;
      for (const auto& [name, val] : *cur.map) {
        if (name == k.s) v = val;
      }
      cur = v;
    } else if (cur.kind == Value::Kind::kList || cur.kind == Value::Kind::kString) {
      if (k.kind != Value::Kind::kInt) return Status::InvalidArgument("cannot index slice/array with type " + std::string(TypeName(k)));
      const int64_t n = cur.kind == Value::Kind::kList ? static_cast<int64_t>(cur.list->size())
                                                       : static_cast<int64_t>(cur.s.size());
      if (k.i < 0 || k.i >= n) return Status::InvalidArgument("index out of range: " + std::to_string(k.i));
      if (cur.kind == Value::Kind::kList) cur = Value((*cur.list)[k.i]);
      else cur = Value::Int(static_cast<unsigned char>(cur.s[k.i]));
    } else if (cur.kind == Value::Kind::kNil) {
      return Status::InvalidArgument("index of untyped nil");
    } else {
      return Status::InvalidArgument("can't index item of type " + std::string(TypeName(cur)));
    }
  }
  *out = std::move(cur);
  return Status::OK();
}
Status FnSlice(const ExecContext&, Args& args, Value* out) {
  const Value& v = args[0];
  std::vector<int64_t> idx;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i].kind != Value::Kind::kInt) return Status::InvalidArgument("cannot index slice/array with type " + std::string(TypeName(args[i])));
    idx.push_back(args[i].i);
  }
  if (v.kind == Value::Kind::kString) {
    if (idx.size() > 2) return Status::InvalidArgument("cannot 3-index slice a string");
    const int64_t n = static_cast<int64_t>(v.s.size());
    const int64_t a = idx.size() > 0 ? idx[0] : 0, b = idx.size() > 1 ? idx[1] : n;
    if (a < 0 || b > n || a > b) return Status::InvalidArgument("index out of range: " + std::to_string(a > b ? a : b));
    *out = Value::Str(v.s.substr(a, b - a));
    return Status::OK();
  }
  if (v.kind == Value::Kind::kList) {
    const int64_t n = static_cast<int64_t>(v.list->size());
    const int64_t a = idx.size() > 0 ? idx[0] : 0, b = idx.size() > 1 ? idx[1] : n;
    if (a < 0 || b > n || a > b) return Status::InvalidArgument("index out of range");
    auto l = std::make_shared<std::vector<Value>>(v.list->begin() + a, v.list->begin() + b);
    out->kind = Value::Kind::kList;
    out->list = l;
    return Status::OK();
  }
  return Status::InvalidArgument("can't slice item of type " + std::string(TypeName(v)));
}
Status FnPrint(const ExecContext&, Args& args, Value* out) {
  *out = Value::Str(Sprint(args, false));
  return Status::OK();
}
Status FnPrintln(const ExecContext&, Args& args, Value* out) {
  *out = Value::Str(Sprint(args, true));
  return Status::OK();
}
Status FnPrintf(const ExecContext&, Args& args, Value* out) {
  WANT_STR(0, format);
  *out = Value::Str(GoSprintf(format, args, 1));
  return Status::OK();
}
template <int kOp>  // 0 eq, 1 ne, 2 lt, 3 le, 4 gt, 5 ge
Status FnCompare(const ExecContext&, Args& args, Value* out) {
  if (kOp == 0) {
    for (size_t i = 1; i < args.size(); ++i) {
      int c;
      LOUPE_RETURN_IF_ERROR(Compare(args[0], args[i], &c, false));
      if (c == 0) {
        *out = Value::Bool(true);
        return Status::OK();
      }
    }
    *out = Value::Bool(false);
    return Status::OK();
  }
  int c;
  LOUPE_RETURN_IF_ERROR(Compare(args[0], args[1], &c, kOp >= 2));
  const bool r = kOp == 1   ? c != 0
                 : kOp == 2 ? c < 0
                 : kOp == 3 ? c <= 0
                 : kOp == 4 ? c > 0
                            : c >= 0;
  *out = Value::Bool(r);
  return Status::OK();
}
Status FnHtml(const ExecContext&, Args& args, Value* out) {
  const std::string s = Sprint(args, false);
  std::string r;
  for (char c : s) {
    switch (c) {
      case '<': r += "&lt;"; break;
      case '>': r += "&gt;"; break;
      case '&': r += "&amp;"; break;
      case '\'': r += "&#39;"; break;
      case '"': r += "&#34;"; break;
      case '\0': r += "\xEF\xBF\xBD"; break;
      default: r.push_back(c);
    }
  }
  *out = Value::Str(r);
  return Status::OK();
}
Status FnJs(const ExecContext&, Args& args, Value* out) {
  const std::string s = Sprint(args, false);
  std::string r;
  for (unsigned char c : s) {
    switch (c) {
      case '\\': r += "\\\\"; break;
      case '\'': r += "\\'"; break;
      case '"': r += "\\\""; break;
      case '<': r += "\\u003C"; break;
      case '>': r += "\\u003E"; break;
      case '&': r += "\\u0026"; break;
      case '=': r += "\\u003D"; break;
      case '\n': r += "\\n"; break;
      case '\r': r += "\\r"; break;
      case '\t': r += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04X", c);
          r += buf;
        } else {
          r.push_back(static_cast<char>(c));
        }
    }
  }
  *out = Value::Str(r);
  return Status::OK();
}
Status FnUrlQuery(const ExecContext&, Args& args, Value* out) {
  *out = Value::Str(QueryEscape(Sprint(args, false)));
  return Status::OK();
}

// strings.*
Status FnLower(const ExecContext&, Args& args, Value* out) {
  WANT_STR(0, s);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  *out = Value::Str(std::move(s));
  return Status::OK();
}
Status FnUpper(const ExecContext&, Args& args, Value* out) {
  WANT_STR(0, s);
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  *out = Value::Str(std::move(s));
  return Status::OK();
}
Status FnTitle(const ExecContext&, Args& args, Value* out) {
  WANT_STR(0, s);
  bool prev_sep = true;
  for (char& c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    const bool sep = !(std::isalnum(u) || c == '_' || u >= 0x80);
    if (prev_sep && !sep) c = static_cast<char>(std::toupper(u));
    prev_sep = sep;
  }
  *out = Value::Str(std::move(s));
  return Status::OK();
}
Status FnGoReplace(const ExecContext&, Args& args, Value* out) {  // Replace(s, old, new, n)
  WANT_STR(0, s);
  WANT_STR(1, o);
  WANT_STR(2, n);
  WANT_INT(3, cnt);
  *out = Value::Str(ReplaceN(s, o, n, cnt));
  return Status::OK();
}
Status FnReplace(const ExecContext&, Args& args, Value* out) {  // sprig replace old new src
  WANT_STR(0, o);
  WANT_STR(1, n);
  WANT_STR(2, s);
  *out = Value::Str(ReplaceN(s, o, n, -1));
  return Status::OK();
}
template <bool kLeft, bool kRight>
Status FnGoTrimCutset(const ExecContext&, Args& args, Value* out) {  // Trim(s, cutset)
  WANT_STR(0, s);
  WANT_STR(1, cut);
  *out = Value::Str(TrimCutset(s, cut, kLeft, kRight));
  return Status::OK();
}
Status FnTrimAll(const ExecContext&, Args& args, Value* out) {  // sprig trimAll cutset s
  WANT_STR(0, cut);
  WANT_STR(1, s);
  *out = Value::Str(TrimCutset(s, cut, true, true));
  return Status::OK();
}
Status FnTrimSpace(const ExecContext&, Args& args, Value* out) {
  WANT_STR(0, s);
  *out = Value::Str(TrimSpace(s));
  return Status::OK();
}
template <bool kSprigOrder, bool kPrefix>
Status FnTrimFix(const ExecContext&, Args& args, Value* out) {
  WANT_STR(0, a);
  WANT_STR(1, b);
  const std::string& s = kSprigOrder ? b : a;
  const std::string& fix = kSprigOrder ? a : b;
  std::string r = s;
  if (kPrefix && r.compare(0, fix.size(), fix) == 0) r.erase(0, fix.size());
  if (!kPrefix && r.size() >= fix.size() && r.compare(r.size() - fix.size(), fix.size(), fix) == 0)
    r.resize(r.size() - fix.size());
  *out = Value::Str(std::move(r));
  return Status::OK();
}
template <int kKind>  // 0 contains, 1 hasPrefix, 2 hasSuffix (sprig: substr, str)
Status FnContains(const ExecContext&, Args& args, Value* out) {
  WANT_STR(0, sub);
  WANT_STR(1, s);
  bool r;
  if (kKind == 0) r = s.find(sub) != std::string::npos;
  else if (kKind == 1) r = s.compare(0, sub.size(), sub) == 0;
  else r = s.size() >= sub.size() && s.compare(s.size() - sub.size(), sub.size(), sub) == 0;
  *out = Value::Bool(r);
  return Status::OK();
}
Status FnTrunc(const ExecContext&, Args& args, Value* out) {
  WANT_INT(0, c);
  WANT_STR(1, s);
  std::vector<size_t> off;
  const int64_t l = static_cast<int64_t>(Runes(s, &off).size());
  if (c < 0 && l + c > 0) *out = Value::Str(s.substr(off[l + c]));
  else if (c >= 0 && l > c) *out = Value::Str(s.substr(0, off[c]));
  else *out = Value::Str(s);
  return Status::OK();
}
Status FnSubstr(const ExecContext&, Args& args, Value* out) {
  WANT_INT(0, start);
  WANT_INT(1, end);
  WANT_STR(2, s);
  std::vector<size_t> off;
  const int64_t l = static_cast<int64_t>(Runes(s, &off).size());
  if (end > l) end = l;
  if (start > l) start = l;
  if (start < 0) {
    *out = Value::Str(end < 0 ? "" : s.substr(0, off[end]));
  } else if (end < 0) {
    *out = Value::Str(s.substr(off[start]));
  } else if (start > end) {
    *out = Value::Str("");
  } else {
    *out = Value::Str(s.substr(off[start], off[end] - off[start]));
  }
  return Status::OK();
}
template <bool kNewline>
Status FnIndent(const ExecContext&, Args& args, Value* out) {
  WANT_INT(0, n);
  WANT_STR(1, s);
  const std::string pad(std::max<int64_t>(0, n), ' ');
  std::string r = (kNewline ? "\n" : "") + pad + ReplaceN(s, "\n", "\n" + pad, -1);
  *out = Value::Str(std::move(r));
  return Status::OK();
}
Status FnRepeat(const ExecContext&, Args& args, Value* out) {
  WANT_INT(0, n);
  WANT_STR(1, s);
  if (n < 0) return Status::InvalidArgument("strings: negative Repeat count");
  if (static_cast<uint64_t>(n) * s.size() > (64u << 20)) {
    return Status::InvalidArgument("strings: Repeat output length overflow");
  }
  std::string r;
  for (int64_t i = 0; i < n; ++i) r += s;
  *out = Value::Str(std::move(r));
  return Status::OK();
}
template <bool kLeft>
Status FnAlign(const ExecContext&, Args& args, Value* out) {
  WANT_INT(0, count);
  WANT_STR(1, s);
  std::vector<size_t> off;
  const int64_t l = static_cast<int64_t>(Runes(s, &off).size());
  if (count < 0 || count == l) {
    *out = Value::Str(s);
  } else if (count > l) {
    const std::string pad(count - l, ' ');
    *out = Value::Str(kLeft ? s + pad : pad + s);
  } else {
    *out = Value::Str(kLeft ? s.substr(0, off[count]) : s.substr(off[l - count]));
  }
  return Status::OK();
}
template <bool kExpand>
Status FnRegexReplace(const ExecContext&, Args& args, Value* out) {
  WANT_STR(0, pattern);
  WANT_STR(1, s);
  WANT_STR(2, repl);
  std::string err;
  auto re = CompileCached(pattern, &err);
  if (!re) return Status::InvalidArgument(err);
  *out = Value::Str(ReplaceAll(*re, s, repl, kExpand));
  return Status::OK();
}
Status FnCount(const ExecContext&, Args& args, Value* out) {
  WANT_STR(0, pattern);
  WANT_STR(1, s);
  std::string err;
  auto re = CompileCached(pattern, &err);
  if (!re) return Status::InvalidArgument(err);
  int64_t n = 0;
  size_t pos = 0;
  const re2::StringPiece text(s.data(), s.size());
  re2::StringPiece m;
  size_t prev_end = std::string::npos;
  while (pos <= s.size() && re->Match(text, pos, s.size(), RE2::UNANCHORED, &m, 1)) {
    const size_t a0 = m.data() - s.data();
    const size_t a1 = a0 + m.size();
    if (!(m.empty() && a0 == prev_end)) ++n;
    prev_end = a1;
    pos = a1 > pos ? a1 : pos + RuneWidth(s, pos) + (pos >= s.size() ? 1 : 0);
  }
  *out = Value::Int(n);
  return Status::OK();
}
Status FnUrlEncode(const ExecContext&, Args& args, Value* out) {
  WANT_STR(0, s);
  *out = Value::Str(QueryEscape(s));
  return Status::OK();
}
Status FnUrlDecode(const ExecContext&, Args& args, Value* out) {
  WANT_STR(0, s);
  std::string r;
  LOUPE_RETURN_IF_ERROR(QueryUnescape(s, &r));
  *out = Value::Str(std::move(r));
  return Status::OK();
}
Status FnB64Enc(const ExecContext&, Args& args, Value* out) {
  WANT_STR(0, s);
  *out = Value::Str(B64Enc(s));
  return Status::OK();
}
Status FnB64Dec(const ExecContext&, Args& args, Value* out) {
  WANT_STR(0, s);
  *out = Value::Str(B64Dec(s));
  return Status::OK();
}
Status FnBytes(const ExecContext&, Args& args, Value* out) {
  WANT_STR(0, s);
  auto b = gocompat::HumanizeParseBytes(s);
  if (!b) return Status::InvalidArgument("strconv.ParseFloat: parsing " + query::GoQuote(s) + ": invalid syntax");
  *out = Value::Float(static_cast<double>(*b));
  return Status::OK();
}
Status FnDuration(const ExecContext&, Args& args, Value* out) {
  WANT_STR(0, s);
  auto d = gocompat::ParseGoDuration(s);
  if (!d) return Status::InvalidArgument("time: invalid duration " + query::GoQuote(s));
  *out = Value::Float(static_cast<double>(*d) / 1e9);
  return Status::OK();
}

// math (sprig)
Status FnInt(const ExecContext&, Args& args, Value* out) {
  *out = Value::Int(ToInt64(args[0]));
  return Status::OK();
}
Status FnFloat(const ExecContext&, Args& args, Value* out) {
  *out = Value::Float(ToFloat64(args[0]));
  return Status::OK();
}
template <int kOp>  // 0 add 1 sub 2 mul 3 div 4 mod 5 max 6 min
Status FnIntMath(const ExecContext&, Args& args, Value* out) {
  int64_t r = ToInt64(args[0]);
  for (size_t i = 1; i < args.size(); ++i) {
    const int64_t v = ToInt64(args[i]);
    switch (kOp) {
      case 0: r = static_cast<int64_t>(static_cast<uint64_t>(r) + static_cast<uint64_t>(v)); break;
      case 1: r = static_cast<int64_t>(static_cast<uint64_t>(r) - static_cast<uint64_t>(v)); break;
      case 2: r = static_cast<int64_t>(static_cast<uint64_t>(r) * static_cast<uint64_t>(v)); break;
      case 3:
      case 4:
        if (v == 0) return Status::InvalidArgument("runtime error: integer divide by zero");
        if (v == -1) r = kOp == 3 ? static_cast<int64_t>(0 - static_cast<uint64_t>(r)) : 0;
        else r = kOp == 3 ? r / v : r % v;
        break;
      case 5: r = std::max(r, v); break;
      case 6: r = std::min(r, v); break;
    }
  }
  *out = Value::Int(r);
  return Status::OK();
}
template <int kOp>  // 0 addf 1 subf 2 mulf 3 divf 4 maxf 5 minf
Status FnFloatMath(const ExecContext&, Args& args, Value* out) {
  double r = ToFloat64(args[0]);
  for (size_t i = 1; i < args.size(); ++i) {
    const double v = ToFloat64(args[i]);
    switch (kOp) {
      case 0: r += v; break;
      case 1: r -= v; break;
      case 2: r *= v; break;
      case 3:
        if (v == 0) return Status::InvalidArgument("decimal division by zero");
        r /= v;
        break;
      case 4: r = std::max(r, v); break;
      case 5: r = std::min(r, v); break;
    }
  }
  *out = Value::Float(r);
  return Status::OK();
}
template <int kOp>  // 0 ceil 1 floor
Status FnRounding(const ExecContext&, Args& args, Value* out) {
  const double v = ToFloat64(args[0]);
  *out = Value::Float(kOp == 0 ? std::ceil(v) : std::floor(v));
  return Status::OK();
}
Status FnRound(const ExecContext&, Args& args, Value* out) {
  const double val = ToFloat64(args[0]);
  WANT_INT(1, places);
  double round_on = 0.5;
  if (args.size() > 2) round_on = ToFloat64(args[2]);
  const double pow = std::pow(10, static_cast<double>(places));
  const double digit = pow * val;
  double ip;
  const double frac = std::modf(digit, &ip);
  const double r = frac >= round_on ? std::ceil(digit) : std::floor(digit);
  *out = Value::Float(r / pow);
  return Status::OK();
}

// dates
Status FnNow(const ExecContext&, Args&, Value* out) {
  *out = Value::Time(Now());
  return Status::OK();
}
Status FnDate(const ExecContext&, Args& args, Value* out) {
  WANT_STR(0, layout);
  GoTime t;
  const Value& d = args[1];
  if (d.kind == Value::Kind::kTime) t = d.t;
  else if (d.kind == Value::Kind::kInt) t = GoTime::FromUnix(d.i, 0);
  else t = Now();
  t.offset = 0;
  t.zone = "UTC";
  *out = Value::Str(FormatGoTime(t, layout));
  return Status::OK();
}
Status FnToDate(const ExecContext&, Args& args, Value* out) {
  WANT_STR(0, layout);
  WANT_STR(1, s);
  auto t = ParseGoTime(layout, s);
  *out = Value::Time(t ? *t : GoTime());
  return Status::OK();
}
Status FnToDateInZone(const ExecContext&, Args& args, Value* out) {
  WANT_STR(0, layout);
  WANT_STR(1, zone);
  WANT_STR(2, s);
  auto t = ParseGoTime(layout, s);
  *out = Value::Time(t ? *t : GoTime());
  return Status::OK();
}
Status FnUnixEpoch(const ExecContext&, Args& args, Value* out) {
  GoTime t;
  LOUPE_RETURN_IF_ERROR(WantTime(args[0], &t));
  *out = Value::Str(std::to_string(t.sec));
  return Status::OK();
}
Status FnUnixEpochMillis(const ExecContext&, Args& args, Value* out) {
  GoTime t;
  LOUPE_RETURN_IF_ERROR(WantTime(args[0], &t));
  *out = Value::Str(std::to_string(t.sec * 1000 + t.nsec / 1000000));
  return Status::OK();
}
Status FnUnixEpochNanos(const ExecContext&, Args& args, Value* out) {
  GoTime t;
  LOUPE_RETURN_IF_ERROR(WantTime(args[0], &t));
  *out = Value::Str(std::to_string(t.UnixNano()));
  return Status::OK();
}
Status FnUnixToTime(const ExecContext&, Args& args, Value* out) {
  WANT_STR(0, s);
  auto v = gocompat::Atoi(s);
  if (!v) {
    return Status::InvalidArgument("unable to parse time '" + s + "': strconv.ParseInt: parsing " +
                                   query::GoQuote(s) + ": invalid syntax");
  }
  switch (s.size()) {
    case 5: *out = Value::Time(GoTime::FromUnix(*v * 86400, 0)); break;
    case 10: *out = Value::Time(GoTime::FromUnix(*v, 0)); break;
    case 13: *out = Value::Time(GoTime::FromUnix(0, *v * 1000000)); break;
    case 16: *out = Value::Time(GoTime::FromUnix(0, *v * 1000)); break;
    case 19: *out = Value::Time(GoTime::FromUnix(0, *v)); break;
    default: return Status::InvalidArgument("unable to parse time '" + s + "': %!w(<nil>)");
  }
  return Status::OK();
}

Status FnDefault(const ExecContext&, Args& args, Value* out) {
  if (args.size() < 2 || IsEmptyValue(args[1])) *out = args[0];
  else *out = args[1];
  return Status::OK();
}
Status FnFromJson(const ExecContext&, Args& args, Value* out) {
  WANT_STR(0, s);
  Value v;
  if (!JsonToValue(s, &v)) v = Value();
  *out = std::move(v);
  return Status::OK();
}
Status FnCall(const ExecContext&, Args&, Value*) {
  return Status::InvalidArgument("call is not supported");
}

const FunctionSpec kFunctions[] = {
    // Loki
    {"__line__", FnLine, 0, 0},
    {"__timestamp__", FnTimestamp, 0, 0},
    {"ToLower", FnLower, 1, 1},
    {"ToUpper", FnUpper, 1, 1},
    {"Replace", FnGoReplace, 4, 4},
    {"Trim", FnGoTrimCutset<true, true>, 2, 2},
    {"TrimLeft", FnGoTrimCutset<true, false>, 2, 2},
    {"TrimRight", FnGoTrimCutset<false, true>, 2, 2},
    {"TrimPrefix", FnTrimFix<false, true>, 2, 2},
    {"TrimSuffix", FnTrimFix<false, false>, 2, 2},
    {"TrimSpace", FnTrimSpace, 1, 1},
    {"regexReplaceAll", FnRegexReplace<true>, 3, 3},
    {"regexReplaceAllLiteral", FnRegexReplace<false>, 3, 3},
    {"count", FnCount, 2, 2},
    {"urldecode", FnUrlDecode, 1, 1},
    {"urlencode", FnUrlEncode, 1, 1},
    {"bytes", FnBytes, 1, 1},
    {"duration", FnDuration, 1, 1},
    {"duration_seconds", FnDuration, 1, 1},
    {"unixEpochMillis", FnUnixEpochMillis, 1, 1},
    {"unixEpochNanos", FnUnixEpochNanos, 1, 1},
    {"toDateInZone", FnToDateInZone, 3, 3},
    {"unixToTime", FnUnixToTime, 1, 1},
    {"alignLeft", FnAlign<true>, 2, 2},
    {"alignRight", FnAlign<false>, 2, 2},
    // sprig
    {"b64enc", FnB64Enc, 1, 1},
    {"b64dec", FnB64Dec, 1, 1},
    {"lower", FnLower, 1, 1},
    {"upper", FnUpper, 1, 1},
    {"title", FnTitle, 1, 1},
    {"trunc", FnTrunc, 2, 2},
    {"substr", FnSubstr, 3, 3},
    {"contains", FnContains<0>, 2, 2},
    {"hasPrefix", FnContains<1>, 2, 2},
    {"hasSuffix", FnContains<2>, 2, 2},
    {"indent", FnIndent<false>, 2, 2},
    {"nindent", FnIndent<true>, 2, 2},
    {"replace", FnReplace, 3, 3},
    {"repeat", FnRepeat, 2, 2},
    {"trim", FnTrimSpace, 1, 1},
    {"trimAll", FnTrimAll, 2, 2},
    {"trimSuffix", FnTrimFix<true, false>, 2, 2},
    {"trimPrefix", FnTrimFix<true, true>, 2, 2},
    {"int", FnInt, 1, 1},
    {"float64", FnFloat, 1, 1},
    {"add", FnIntMath<0>, 0, -1},
    {"sub", FnIntMath<1>, 2, 2},
    {"mul", FnIntMath<2>, 1, -1},
    {"div", FnIntMath<3>, 2, 2},
    {"mod", FnIntMath<4>, 2, 2},
    {"max", FnIntMath<5>, 1, -1},
    {"min", FnIntMath<6>, 1, -1},
    {"addf", FnFloatMath<0>, 0, -1},
    {"subf", FnFloatMath<1>, 1, -1},
    {"mulf", FnFloatMath<2>, 1, -1},
    {"divf", FnFloatMath<3>, 1, -1},
    {"maxf", FnFloatMath<4>, 1, -1},
    {"minf", FnFloatMath<5>, 1, -1},
    {"ceil", FnRounding<0>, 1, 1},
    {"floor", FnRounding<1>, 1, 1},
    {"round", FnRound, 2, 3},
    {"fromJson", FnFromJson, 1, 1},
    {"date", FnDate, 2, 2},
    {"toDate", FnToDate, 2, 2},
    {"now", FnNow, 0, 0},
    {"unixEpoch", FnUnixEpoch, 1, 1},
    {"default", FnDefault, 1, -1},
    // Go builtins
    {"not", FnNot, 1, 1},
    {"len", FnLen, 1, 1},
    {"index", FnIndex, 1, -1},
    {"slice", FnSlice, 1, -1},
    {"print", FnPrint, 0, -1},
    {"printf", FnPrintf, 1, -1},
    {"println", FnPrintln, 0, -1},
    {"eq", FnCompare<0>, 2, -1},
    {"ne", FnCompare<1>, 2, 2},
    {"lt", FnCompare<2>, 2, 2},
    {"le", FnCompare<3>, 2, 2},
    {"gt", FnCompare<4>, 2, 2},
    {"ge", FnCompare<5>, 2, 2},
    {"html", FnHtml, 0, -1},
    {"js", FnJs, 0, -1},
    {"urlquery", FnUrlQuery, 0, -1},
    {"call", FnCall, 1, -1},
};

}  // namespace

const FunctionSpec* FindFunction(std::string_view name) {
  static const std::unordered_map<std::string_view, const FunctionSpec*> kByName = [] {
    std::unordered_map<std::string_view, const FunctionSpec*> m;
    for (const FunctionSpec& f : kFunctions) m.emplace(f.name, &f);
    return m;
  }();
  auto it = kByName.find(name);
  return it == kByName.end() ? nullptr : it->second;
}

}  // namespace loupe::query::logql::tmpl
