#include "appliance/api/params.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <ctime>

#include "storage/base/units.h"

namespace loupe::appliance::api {
namespace {

bool ReadInt(std::string_view s, size_t pos, size_t len, int* out) {
  if (pos + len > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + len; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::string MinTimeFormatted() { return "-292273086-05-16T16:47:06Z"; }
std::string MaxTimeFormatted() { return "292277025-08-18T07:12:54.999999999Z"; }

}  // namespace

Result<int64_t> ParseRfc3339Nanos(std::string_view s) {
  const std::string orig(s);
  auto bad = [&] { return Status::InvalidArgument("cannot parse \"" + orig + "\" to a valid timestamp"); };
  int y, mo, d, h, mi, sec;
  if (s.size() < 20 || !ReadInt(s, 0, 4, &y) || s[4] != '-' || !ReadInt(s, 5, 2, &mo) || s[7] != '-' ||
      !ReadInt(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !ReadInt(s, 11, 2, &h) ||
      s[13] != ':' || !ReadInt(s, 14, 2, &mi) || s[16] != ':' || !ReadInt(s, 17, 2, &sec)) {
    return bad();
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return bad();
  size_t pos = 19;
  int64_t frac_ns = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      if (digits < 9) frac_ns = frac_ns * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return bad();
    for (int i = digits; i < 9; ++i) frac_ns *= 10;
  }
  if (pos >= s.size()) return bad();
  int64_t offset_s = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh, om;
    if (!ReadInt(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !ReadInt(s, pos + 4, 2, &om)) {
      return bad();
    }
    offset_s = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return bad();
  }
  if (pos != s.size()) return bad();
  const int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  const int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_s;
  return secs * 1'000'000'000 + frac_ns;
}

std::string FormatRfc3339Millis(int64_t ms) {
  const int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  const int millis = static_cast<int>(ms - secs * 1000);
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

Result<int64_t> ParsePromTime(std::string_view s) {
  const std::string str(s);
  char* end = nullptr;
  const double f = std::strtod(str.c_str(), &end);
  if (!str.empty() && end == str.c_str() + str.size() && !std::isspace(static_cast<unsigned char>(str[0]))) {
    if (!std::isfinite(f) || f > 9.2e15 || f < -9.2e15) {
      return Status::InvalidArgument("cannot parse \"" + str + "\" to a valid timestamp");
    }
    double ip;
    double frac = std::modf(f, &ip);
    frac = std::round(frac * 1000) / 1000;
    return static_cast<int64_t>(ip) * 1000 + static_cast<int64_t>(std::llround(frac * 1000));
  }
  if (str == MinTimeFormatted()) return kPromMinTimeMs;
  if (str == MaxTimeFormatted()) return kPromMaxTimeMs;
  auto ns = ParseRfc3339Nanos(str);
  if (!ns.ok()) return ns.status();
  const int64_t v = *ns;
  return v >= 0 ? v / 1'000'000 : -((-v + 999'999) / 1'000'000);
}

Result<int64_t> ParseLokiTimeNanos(std::string_view s) {
  const std::string str(s);
  bool all_digits = !str.empty();
  size_t start = (str.size() > 1 && str[0] == '-') ? 1 : 0;
  for (size_t i = start; i < str.size(); ++i) all_digits &= std::isdigit(static_cast<unsigned char>(str[i])) != 0;
  if (all_digits) {
    int64_t v = 0;
    auto [p, ec] = std::from_chars(str.data(), str.data() + str.size(), v);
    if (ec != std::errc()) return Status::InvalidArgument("cannot parse \"" + str + "\" to a valid timestamp");
    // Loki: an integer is nanoseconds when it has more digits than a seconds timestamp.
    return str.size() - start > 10 ? v : v * 1'000'000'000;
  }
  char* end = nullptr;
  const double f = std::strtod(str.c_str(), &end);
  if (!str.empty() && end == str.c_str() + str.size()) {
    if (!std::isfinite(f)) return Status::InvalidArgument("cannot parse \"" + str + "\" to a valid timestamp");
    return static_cast<int64_t>(std::llround(f * 1e9));
  }
  return ParseRfc3339Nanos(str);
}

Result<int64_t> ParsePromDurationMs(std::string_view s) {
  const std::string str(s);
  char* end = nullptr;
  const double f = std::strtod(str.c_str(), &end);
  if (!str.empty() && end == str.c_str() + str.size()) {
    const double ms = f * 1000;
    if (!std::isfinite(ms) || ms > 9.2e18 || ms < -9.2e18) {
      return Status::InvalidArgument("cannot parse \"" + str + "\" to a valid duration. It overflows int64");
    }
    return static_cast<int64_t>(std::llround(ms));
  }
  auto ns = ParseDurationNanos(str);
  if (!ns.ok()) return Status::InvalidArgument("cannot parse \"" + str + "\" to a valid duration");
  return *ns / 1'000'000;
}

Status InvalidParam(std::string_view name, const Status& status) {
  return Status(status.code(), "invalid parameter \"" + std::string(name) + "\": " + status.message());
}

Result<int64_t> PromTimeParam(const http::Request& r, std::string_view name, int64_t fallback) {
  const auto* v = r.params.Get(name);
  if (!v || v->empty()) return fallback;
  auto t = ParsePromTime(*v);
  if (!t.ok()) return InvalidParam(name, t.status());
  return *t;
}

Result<int64_t> IntParam(const http::Request& r, std::string_view name, int64_t fallback) {
  const auto* v = r.params.Get(name);
  if (!v || v->empty()) return fallback;
  int64_t out = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || p != v->data() + v->size()) {
    return InvalidParam(name, Status::InvalidArgument("cannot parse \"" + *v + "\" to a valid integer"));
  }
  if (out < 0) return InvalidParam(name, Status::InvalidArgument("must be non-negative"));
  return out;
}

}  // namespace loupe::appliance::api
