// Helpers of the template functions: Go string, regexp, URL, base64 and JSON routines.
#include <re2/re2.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "query/common/go_format.h"
#include "query/common/label_funcs.h"
#include "query/logql/log/json_scan.h"
#include "query/logql/log/template_helpers.h"
#include "query/logql/syntax/go_compat.h"

namespace loupe::query::logql::tmpl {

Status WantTime(const Value& v, GoTime* t) {
  if (v.kind != Value::Kind::kTime) return TypeError("time.Time", v);
  *t = v.t;
  return Status::OK();
}

// A small per-thread cache of compiled regexes (templates compile per call, as Loki does).
std::shared_ptr<const re2::RE2> CompileCached(const std::string& pattern, std::string* err) {
  thread_local std::unordered_map<std::string, std::shared_ptr<const re2::RE2>> cache;
  auto it = cache.find(pattern);
  if (it != cache.end()) return it->second;
  const std::string e = gocompat::RegexpError(pattern);
  if (!e.empty()) {
    *err = e;
    return nullptr;
  }
  RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_shared<const re2::RE2>(pattern, opts);
  if (!re->ok()) {
    *err = "error parsing regexp: " + re->error();
    return nullptr;
  }
  if (cache.size() > 256) cache.clear();
  cache.emplace(pattern, re);
  return re;
}

size_t RuneWidth(std::string_view s, size_t at) {
  if (at >= s.size()) return 0;
  const unsigned char c = static_cast<unsigned char>(s[at]);
  size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
  if (at + len > s.size()) len = 1;
  return len;
}

// Go's Regexp.ReplaceAllString (expand = true) / ReplaceAllLiteralString.
std::string ReplaceAll(const re2::RE2& re, std::string_view src, std::string_view repl,
                       bool expand) {
  const int ngroups = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> m(ngroups);
  std::vector<std::string> names(ngroups);
  for (const auto& [name, idx] : re.NamedCapturingGroups()) names[idx] = name;
  std::string out;
  size_t last_end = 0, search = 0;
  const re2::StringPiece text(src.data(), src.size());
  while (search <= src.size()) {
    if (!re.Match(text, search, src.size(), RE2::UNANCHORED, m.data(), ngroups)) break;
    const size_t a0 = m[0].data() - src.data();
    const size_t a1 = a0 + m[0].size();
    out.append(src.substr(last_end, a0 - last_end));
    if (a1 > last_end || a0 == 0) {
      if (expand) {
        std::vector<std::string_view> groups;
        for (const auto& g : m) {
          groups.push_back(g.data() ? std::string_view(g.data(), g.size()) : std::string_view());
        }
        out.append(query::ExpandTemplate(repl, groups, names));
      } else {
        out.append(repl);
      }
    }
    last_end = a1;
    const size_t width = RuneWidth(src, search);
    if (search + width > a1) search += width;
    else if (search + 1 > a1) search += 1;
    else search = a1;
  }
  out.append(src.substr(std::min(last_end, src.size())));
  return out;
}

std::string TrimCutset(std::string_view s, std::string_view cutset, bool left, bool right) {
  auto in = [&](char c) { return cutset.find(c) != std::string_view::npos; };
  size_t b = 0, e = s.size();
  if (left) {
    while (b < e && in(s[b])) ++b;
  }
  if (right) {
    while (e > b && in(s[e - 1])) --e;
  }
  return std::string(s.substr(b, e - b));
}

std::string TrimSpace(std::string_view s) {
  return TrimCutset(s, " \t\n\r\v\f", true, true);
}

std::string ReplaceN(std::string_view s, std::string_view old, std::string_view nw, int64_t n) {
  if (n == 0) return std::string(s);
  std::string out;
  size_t pos = 0;
  int64_t done = 0;
  if (old.empty()) {
    // Go inserts `nw` before each rune and at the end, up to n times.
    size_t i = 0;
    while (i <= s.size() && (n < 0 || done < n)) {
      out.append(nw);
      ++done;
      if (i == s.size()) {
        i = s.size() + 1;
        break;
      }
      const size_t w = RuneWidth(s, i);
      out.append(s.substr(i, w));
      i += w;
    }
    if (i <= s.size()) out.append(s.substr(i));
    return out;
  }
  while (n < 0 || done < n) {
    const size_t f = s.find(old, pos);
    if (f == std::string_view::npos) break;
    out.append(s.substr(pos, f - pos));
    out.append(nw);
    pos = f + old.size();
    ++done;
  }
  out.append(s.substr(pos));
  return out;
}

std::vector<uint32_t> Runes(std::string_view s, std::vector<size_t>* offsets) {
  std::vector<uint32_t> r;
  for (size_t i = 0; i < s.size();) {
    if (offsets) offsets->push_back(i);
    const size_t w = RuneWidth(s, i);
    r.push_back(0);
    i += w;
  }
  if (offsets) offsets->push_back(s.size());
  return r;
}

bool IsEmptyValue(const Value& v) {
  switch (v.kind) {
    case Value::Kind::kNil: return true;
    case Value::Kind::kString: return v.s.empty();
    case Value::Kind::kInt: return v.i == 0;
    case Value::Kind::kFloat: return v.f == 0;
    case Value::Kind::kBool: return !v.b;
    case Value::Kind::kTime: return false;
    case Value::Kind::kLabels: return v.labels->empty();
    case Value::Kind::kMap: return v.map->empty();
    case Value::Kind::kList: return v.list->empty();
  }
  return true;
}

// Go's eq/lt rules on basic kinds. Returns an error for incompatible kinds.
Status Compare(const Value& a, const Value& b, int* cmp, bool ordered) {
  auto num = [](const Value& v) { return v.kind == Value::Kind::kInt || v.kind == Value::Kind::kFloat; };
  if (a.kind == Value::Kind::kString && b.kind == Value::Kind::kString) {
    *cmp = a.s < b.s ? -1 : a.s > b.s ? 1 : 0;
    return Status::OK();
  }
  if (num(a) && num(b)) {
    if (a.kind == Value::Kind::kInt && b.kind == Value::Kind::kInt) {
      *cmp = a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
    } else {
      const double x = ToFloat64(a), y = ToFloat64(b);
      *cmp = x < y ? -1 : x > y ? 1 : 0;
    }
    return Status::OK();
  }
  if (a.kind == Value::Kind::kBool && b.kind == Value::Kind::kBool) {
    if (ordered) return Status::InvalidArgument("invalid type for comparison");
    *cmp = a.b == b.b ? 0 : 1;
    return Status::OK();
  }
  if (a.kind == Value::Kind::kNil || b.kind == Value::Kind::kNil) {
    if (ordered) return Status::InvalidArgument("invalid type for comparison");
    *cmp = a.kind == b.kind ? 0 : 1;
    return Status::OK();
  }
  if (a.kind == Value::Kind::kTime && b.kind == Value::Kind::kTime && !ordered) {
    *cmp = (a.t.sec == b.t.sec && a.t.nsec == b.t.nsec) ? 0 : 1;
    return Status::OK();
  }
  return Status::InvalidArgument("incompatible types for comparison");
}

// fmt.Sprint: spaces between operands when neither side is a string.
std::string Sprint(const Args& args, bool ln) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) {
      const bool is_str = args[i].kind == Value::Kind::kString;
      const bool prev_str = args[i - 1].kind == Value::Kind::kString;
      if (ln || (!is_str && !prev_str)) out.push_back(' ');
    }
    AppendValue(args[i], &out);
  }
  if (ln) out.push_back('\n');
  return out;
}

std::string QueryEscape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      out.append(buf);
    }
  }
  return out;
}

Status QueryUnescape(std::string_view s, std::string* out) {
  out->clear();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      auto hv = [](char c) {
        return (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
               : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
      };
      if (i + 2 >= s.size()) {
        return Status::InvalidArgument("invalid URL escape " +
                                       query::GoQuote(s.substr(i, std::min<size_t>(3, s.size() - i))));
      }
      const int a = hv(s[i + 1]), b = hv(s[i + 2]);
      if (a < 0 || b < 0) {
        return Status::InvalidArgument("invalid URL escape " + query::GoQuote(s.substr(i, 3)));
      }
      out->push_back(static_cast<char>(a * 16 + b));
      i += 2;
    } else if (s[i] == '+') {
      out->push_back(' ');
    } else {
      out->push_back(s[i]);
    }
  }
  return Status::OK();
}

static const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string B64Enc(std::string_view s) {
  std::string out;
  size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    const uint32_t v = (static_cast<unsigned char>(s[i]) << 16) |
                       (static_cast<unsigned char>(s[i + 1]) << 8) | static_cast<unsigned char>(s[i + 2]);
    out.push_back(kB64[v >> 18]);
    out.push_back(kB64[(v >> 12) & 63]);
    out.push_back(kB64[(v >> 6) & 63]);
    out.push_back(kB64[v & 63]);
  }
  if (i < s.size()) {
    uint32_t v = static_cast<unsigned char>(s[i]) << 16;
    if (i + 1 < s.size()) v |= static_cast<unsigned char>(s[i + 1]) << 8;
    out.push_back(kB64[v >> 18]);
    out.push_back(kB64[(v >> 12) & 63]);
    out.push_back(i + 1 < s.size() ? kB64[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::string B64Dec(std::string_view s) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  size_t i = 0;
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '=') break;
    const char* p = std::strchr(kB64, c);
    if (c == 0 || p == nullptr) return "illegal base64 data at input byte " + std::to_string(i);
    acc = (acc << 6) | static_cast<uint32_t>(p - kB64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  const size_t data_len = i;
  size_t pad = 0;
  for (; i < s.size(); ++i) {
    if (s[i] != '=') return "illegal base64 data at input byte " + std::to_string(i);
    ++pad;
  }
  if ((data_len + pad) % 4 != 0 || (pad > 0 && (data_len % 4) + pad != 4)) {
    return "illegal base64 data at input byte " + std::to_string(s.size() - (pad ? pad : 0));
  }
  return out;
}

// encoding/json into template values: objects become maps, numbers float64.
bool JsonToValue(std::string_view data, Value* out) {
  std::string_view raw;
  json::ValueType type;
  size_t end;
  if (!json::GetValue(data, &raw, &type, &end).empty()) return false;
  switch (type) {
    case json::ValueType::kString: {
      std::string s;
      if (!json::Unescape(raw, &s)) return false;
      *out = Value::Str(std::move(s));
      break;
    }
    case json::ValueType::kNumber: {
      std::string err;
      auto f = gocompat::ParseFloat(raw, &err);
      if (!f) return false;
      *out = Value::Float(*f);
      break;
    }
    case json::ValueType::kBoolean:
      *out = Value::Bool(raw == "true");
      break;
    case json::ValueType::kNull:
      *out = Value();
      break;
    case json::ValueType::kObject: {
      auto m = std::make_shared<MapData>();
      bool ok = true;
      const std::string_view e = json::ObjectEach(
          raw, [&](std::string_view k, std::string_view v, json::ValueType t) -> std::string_view {
            Value child;
            std::string quoted;
            std::string_view vtext = v;
            if (t == json::ValueType::kString) {
              quoted = "\"" + std::string(v) + "\"";
              vtext = quoted;
            }
            if (!JsonToValue(vtext, &child)) {
              ok = false;
              return json::kStop;
            }
            m->emplace_back(std::string(k), std::move(child));
            return {};
          });
      if (!ok || (!e.empty() && e != json::kStop)) return false;
      std::stable_sort(m->begin(), m->end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      // Later duplicates win, as encoding/json does.
      MapData dedup;
      for (auto& kv : *m) {
        if (!dedup.empty() && dedup.back().first == kv.first) dedup.back() = std::move(kv);
        else dedup.push_back(std::move(kv));
      }
      *m = std::move(dedup);
      out->kind = Value::Kind::kMap;
      out->map = m;
      break;
    }
    case json::ValueType::kArray: {
      auto l = std::make_shared<std::vector<Value>>();
      bool ok = true;
      const std::string_view e =
          json::ArrayEach(raw, [&](std::string_view v, json::ValueType t) -> std::string_view {
            Value child;
            std::string quoted;
            std::string_view vtext = v;
            if (t == json::ValueType::kString) {
              quoted = "\"" + std::string(v) + "\"";
              vtext = quoted;
            }
            if (!JsonToValue(vtext, &child)) {
              ok = false;
              return json::kStop;
            }
            l->push_back(std::move(child));
            return {};
          });
      if (!ok || (!e.empty() && e != json::kStop)) return false;
      out->kind = Value::Kind::kList;
      out->list = l;
      break;
    }
    default:
      return false;
  }
  return true;
}

GoTime Now() {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  return GoTime::FromUnixNanos(ns);
}


}  // namespace loupe::query::logql::tmpl
