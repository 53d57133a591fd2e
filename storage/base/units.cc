#include "storage/base/units.h"

#include <cctype>
#include <cmath>
#include <limits>

namespace loupe {
namespace {

struct Unit {
  std::string_view name;
  int64_t nanos;
};

constexpr int64_t kNs = 1;
constexpr int64_t kUs = 1000 * kNs;
constexpr int64_t kMs = 1000 * kUs;
constexpr int64_t kSec = 1000 * kMs;
constexpr int64_t kMin = 60 * kSec;
constexpr int64_t kHour = 60 * kMin;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kWeek = 7 * kDay;
constexpr int64_t kYear = 365 * kDay;

// Longest names first so "ms" wins over "m".
constexpr Unit kDurationUnits[] = {
    {"ns", kNs}, {"us", kUs}, {"\xC2\xB5s", kUs}, {"\xCE\xBCs", kUs}, {"ms", kMs},
    {"s", kSec}, {"m", kMin}, {"h", kHour},       {"d", kDay},        {"w", kWeek}, {"y", kYear},
};

}  // namespace

Result<int64_t> ParseDurationNanos(std::string_view s) {
  const std::string orig(s);
  auto bad = [&] { return Status::InvalidArgument("invalid duration \"" + orig + "\""); };
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return int64_t{0};
  if (s.empty()) return bad();
  long double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    long double value = 0;
    bool digits = false;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      value = value * 10 + (s[i] - '0');
      ++i;
      digits = true;
    }
    if (i < s.size() && s[i] == '.') {
      ++i;
      long double scale = 0.1L;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
        value += (s[i] - '0') * scale;
        scale /= 10;
        ++i;
        digits = true;
      }
    }
    if (!digits) return bad();
    s.remove_prefix(i);
    const Unit* unit = nullptr;
    for (const auto& u : kDurationUnits) {
      if (s.substr(0, u.name.size()) == u.name &&
          (u.name != "m" || s.substr(0, 2) != "ms")) {
        if (!unit || u.name.size() > unit->name.size()) unit = &u;
      }
    }
    if (!unit) return bad();
    s.remove_prefix(unit->name.size());
    total += value * static_cast<long double>(unit->nanos);
    if (total > static_cast<long double>(std::numeric_limits<int64_t>::max())) return bad();
  }
  const auto n = static_cast<int64_t>(std::llround(total));
  return neg ? -n : n;
}

std::string FormatDurationNanos(int64_t nanos) {
  if (nanos == 0) return "0s";
  std::string out;
  uint64_t n;
  if (nanos < 0) {
    out = "-";
    n = static_cast<uint64_t>(-(nanos + 1)) + 1;
  } else {
    n = static_cast<uint64_t>(nanos);
  }
  // Sub-second values print in the largest exact small unit.
  if (n < static_cast<uint64_t>(kSec)) {
    if (n % kMs == 0) return out + std::to_string(n / kMs) + "ms";
    if (n % kUs == 0) return out + std::to_string(n / kUs) + "us";
    return out + std::to_string(n) + "ns";
  }
  static constexpr Unit kPrint[] = {{"y", kYear}, {"w", kWeek}, {"d", kDay}, {"h", kHour},
                                    {"m", kMin},  {"s", kSec},  {"ms", kMs}, {"us", kUs},
                                    {"ns", kNs}};
  for (const auto& u : kPrint) {
    const uint64_t q = n / static_cast<uint64_t>(u.nanos);
    if (q > 0) {
      out += std::to_string(q);
      out += u.name;
      n -= q * static_cast<uint64_t>(u.nanos);
    }
  }
  return out;
}

Result<uint64_t> ParseBytes(std::string_view s) {
  const std::string orig(s);
  auto bad = [&] { return Status::InvalidArgument("invalid byte size \"" + orig + "\""); };
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  size_t i = 0;
  long double value = 0;
  bool digits = false;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
    value = value * 10 + (s[i] - '0');
    ++i;
    digits = true;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    long double scale = 0.1L;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      value += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
      digits = true;
    }
  }
  if (!digits) return bad();
  std::string unit;
  for (char c : s.substr(i)) {
    if (c == ' ') continue;
    unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  long double mult;
  if (unit.empty() || unit == "b") mult = 1;
  else if (unit == "kb") mult = 1e3L;
  else if (unit == "mb") mult = 1e6L;
  else if (unit == "gb") mult = 1e9L;
  else if (unit == "tb") mult = 1e12L;
  else if (unit == "kib" || unit == "k" || unit == "ki") mult = 1024.0L;
  else if (unit == "mib" || unit == "m" || unit == "mi") mult = 1024.0L * 1024;
  else if (unit == "gib" || unit == "g" || unit == "gi") mult = 1024.0L * 1024 * 1024;
  else if (unit == "tib" || unit == "t" || unit == "ti") mult = 1024.0L * 1024 * 1024 * 1024;
  else return bad();
  const long double total = value * mult;
  if (total > static_cast<long double>(std::numeric_limits<uint64_t>::max())) return bad();
  return static_cast<uint64_t>(std::llroundl(total));
}

std::string FormatBytes(uint64_t bytes) {
  static constexpr std::pair<std::string_view, uint64_t> kUnits[] = {
      {"TiB", uint64_t{1} << 40}, {"GiB", uint64_t{1} << 30}, {"MiB", uint64_t{1} << 20},
      {"KiB", uint64_t{1} << 10}};
  for (const auto& [name, size] : kUnits) {
    if (bytes >= size && bytes % size == 0) return std::to_string(bytes / size) + std::string(name);
  }
  return std::to_string(bytes) + "B";
}

}  // namespace loupe
