#include "appliance/api/tempo_params.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "appliance/api/params.h"
#include "storage/base/units.h"

namespace loupe::appliance::api::tempo {

Result<int64_t> ParseGoInt(std::string_view s, int bits) {
  const std::string quoted = "strconv.ParseInt: parsing \"" + std::string(s) + "\": ";
  std::string_view digits = s;
  bool neg = false;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    neg = digits[0] == '-';
    digits.remove_prefix(1);
  }
  if (digits.empty()) return Status::InvalidArgument(quoted + "invalid syntax");
  uint64_t v = 0;
  bool overflow = false;
  for (char c : digits) {
    if (c < '0' || c > '9') return Status::InvalidArgument(quoted + "invalid syntax");
    if (v > (UINT64_MAX - static_cast<uint64_t>(c - '0')) / 10) {
      overflow = true;
    } else {
      v = v * 10 + static_cast<uint64_t>(c - '0');
    }
  }
  const uint64_t limit = uint64_t{1} << (bits - 1);  // |min|; max is limit - 1
  if (overflow || (neg ? v > limit : v >= limit))
    return Status::InvalidArgument(quoted + "value out of range");
  return neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
}

const std::string* Param(const http::Request& r, std::string_view name) {
  const std::string* v = r.params.Get(name);
  return v && !v->empty() ? v : nullptr;
}

Result<int64_t> SecondsParam(const http::Request& r, std::string_view name, int bits) {
  const std::string* v = Param(r, name);
  if (!v) return int64_t{0};
  auto n = ParseGoInt(*v, bits);
  if (!n.ok())
    return Status::InvalidArgument("invalid " + std::string(name) + ": " + n.status().message());
  return *n;
}

Result<int64_t> ParseGoDuration(std::string_view s) {
  // Go has no d/w/y units; ParseDurationNanos accepts them, so refuse them here.
  const bool bad_unit = !s.empty() && (s.back() == 'd' || s.back() == 'w' || s.back() == 'y');
  auto d = bad_unit ? Result<int64_t>(Status::InvalidArgument("")) : ParseDurationNanos(s);
  if (!d.ok()) return Status::InvalidArgument("time: invalid duration \"" + std::string(s) + "\"");
  return *d;
}

namespace {

bool IsSpace(char c) { return static_cast<unsigned char>(c) <= ' '; }

// JSON-style escapes, as go-logfmt's unquoteBytes.
bool Unquote(std::string_view in, std::string* out) {
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c != '\\') {
      out->push_back(c);
      continue;
    }
    if (++i >= in.size()) return false;
    switch (in[i]) {
      case '"':
        out->push_back('"');
        break;
      case '\\':
        out->push_back('\\');
        break;
      case '/':
        out->push_back('/');
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
      case 'u': {
        if (i + 4 >= in.size()) return false;
        uint32_t cp = 0;
        auto [p, ec] = std::from_chars(in.data() + i + 1, in.data() + i + 5, cp, 16);
        if (ec != std::errc() || p != in.data() + i + 5) return false;
        i += 4;
        if (cp < 0x80) {
          out->push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
          out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
          out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
          out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
          out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
          out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> ParseLogfmt(std::string_view s) {
  std::vector<std::pair<std::string, std::string>> out;
  auto err = [](std::string_view msg, size_t pos) {
    return Status::InvalidArgument(std::string(msg) + " at pos " + std::to_string(pos + 1));
  };
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    if (IsSpace(s[i])) {
      ++i;
      continue;
    }
    // Key: up to whitespace or '='; a '"' is not allowed.
    const size_t key_start = i;
    while (i < n && !IsSpace(s[i]) && s[i] != '=') {
      if (s[i] == '"') return err("unexpected '\"'", i);
      ++i;
    }
    if (i == key_start) return err("unexpected '='", i);
    std::string key(s.substr(key_start, i - key_start));
    if (i >= n || IsSpace(s[i])) {
      out.emplace_back(std::move(key), "");
      continue;
    }
    ++i;  // '='
    std::string value;
    if (i < n && s[i] == '"') {
      const size_t q = i++;
      bool escaped = false;
      size_t end = std::string_view::npos;
      for (; i < n; ++i) {
        if (escaped) {
          escaped = false;
        } else if (s[i] == '\\') {
          escaped = true;
        } else if (s[i] == '"') {
          end = i;
          break;
        }
      }
      if (end == std::string_view::npos) return err("unterminated quoted value", n);
      if (!Unquote(s.substr(q + 1, end - q - 1), &value)) return err("invalid quoted value", end);
      i = end + 1;
      if (i < n && !IsSpace(s[i]))
        return err(s[i] == '=' ? "unexpected '='" : "unexpected '\"'", i);
    } else {
      const size_t vs = i;
      while (i < n && !IsSpace(s[i])) {
        if (s[i] == '=') return err("unexpected '='", i);
        if (s[i] == '"') return err("unexpected '\"'", i);
        ++i;
      }
      value = std::string(s.substr(vs, i - vs));
    }
    out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

Result<int64_t> ParseMetricsTimestamp(std::string_view s) {
  const std::string str(s);
  if (s.find('.') != std::string_view::npos) {
    char* end = nullptr;
    const double t = std::strtod(str.c_str(), &end);
    if (end == str.c_str() + str.size() && std::isfinite(t)) {
      double whole;
      double frac = std::modf(t, &whole);
      frac = std::round(frac * 1000) / 1000;
      return static_cast<int64_t>(whole) * 1'000'000'000 + static_cast<int64_t>(frac * 1e9);
    }
  }
  auto n = ParseGoInt(s, 64);
  if (!n.ok()) {
    auto t = ParseRfc3339Nanos(s);
    if (t.ok()) return *t;
    return n.status();
  }
  if (s.size() <= 10) return *n * 1'000'000'000;
  return *n;
}

Result<int64_t> ParseSecondsOrDuration(std::string_view s) {
  const std::string str(s);
  char* end = nullptr;
  const double d = std::strtod(str.c_str(), &end);
  if (!str.empty() && end == str.c_str() + str.size()) {
    const double ns = d * 1e9;
    if (!(ns < 9.2e18 && ns > -9.2e18)) {
      return Status::InvalidArgument("cannot parse \"" + str +
                                     "\" to a valid duration. It overflows int64");
    }
    return static_cast<int64_t>(ns);
  }
  auto p = ParsePromDurationMs(s);
  if (p.ok()) return *p * 1'000'000;
  return Status::InvalidArgument("cannot parse \"" + str + "\" to a valid duration");
}

}  // namespace loupe::appliance::api::tempo
