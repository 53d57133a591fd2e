#include "query/promql/syntax/duration.h"

#include <limits>

#include "query/promql/syntax/go_text.h"

namespace loupe::query::promql {
namespace {

struct Unit {
  std::string_view name;
  int order;  // units must appear with strictly increasing order
  uint64_t nanos;
};

constexpr uint64_t kMs = 1'000'000;
constexpr Unit kUnits[] = {
    {"y", 1, 365ULL * 24 * 3600 * 1000 * kMs},
    {"w", 2, 7ULL * 24 * 3600 * 1000 * kMs},
    {"d", 3, 24ULL * 3600 * 1000 * kMs},
    {"h", 4, 3600ULL * 1000 * kMs},
    {"m", 5, 60ULL * 1000 * kMs},
    {"s", 6, 1000 * kMs},
    {"ms", 7, kMs},
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

Result<int64_t> ParseDuration(std::string_view s) {
  if (s == "0") return int64_t{0};
  if (s.empty()) return Status::InvalidArgument("empty duration string");
  const std::string_view orig = s;
  auto invalid = [&] {
    return Status::InvalidArgument("not a valid duration string: " + GoQuote(orig));
  };
  constexpr uint64_t kMaxNanos = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  uint64_t total = 0;
  int last_order = 0;
  while (!s.empty()) {
    if (!IsDigit(s[0])) return invalid();
    size_t i = 0;
    uint64_t v = 0;
    bool overflow = false;
    for (; i < s.size() && IsDigit(s[i]); ++i) {
      const uint64_t d = static_cast<uint64_t>(s[i] - '0');
      if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) overflow = true;
      v = v * 10 + d;
    }
    if (overflow) return invalid();  // Go's ParseUint fails, reported as invalid
    s.remove_prefix(i);
    size_t j = 0;
    while (j < s.size() && !IsDigit(s[j])) ++j;
    if (j == 0) return invalid();
    const std::string_view unit_name = s.substr(0, j);
    s.remove_prefix(j);
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (u.name == unit_name) unit = &u;
    }
    if (unit == nullptr) {
      return Status::InvalidArgument("unknown unit " + GoQuote(unit_name) + " in duration " +
                                     GoQuote(orig));
    }
    if (unit->order <= last_order) return invalid();
    last_order = unit->order;
    if (v > (uint64_t{1} << 63) / unit->nanos) {
      return Status::InvalidArgument("duration out of range");
    }
    total += v * unit->nanos;
    if (total > kMaxNanos) return Status::InvalidArgument("duration out of range");
  }
  return static_cast<int64_t>(total / kMs);
}

std::string FormatDuration(int64_t ms) {
  if (ms == 0) return "0s";
  std::string out;
  uint64_t rest;
  if (ms < 0) {
    out.push_back('-');
    rest = 0 - static_cast<uint64_t>(ms);
  } else {
    rest = static_cast<uint64_t>(ms);
  }
  auto unit = [&](std::string_view name, uint64_t mult, bool exact) {
    if (exact && rest % mult != 0) return;
    const uint64_t v = rest / mult;
    if (v > 0) {
      out += std::to_string(v);
      out += name;
      rest -= v * mult;
    }
  };
  constexpr uint64_t kDay = 24ULL * 3600 * 1000;
  unit("y", 365 * kDay, true);
  unit("w", 7 * kDay, true);
  unit("d", kDay, false);
  unit("h", 3600ULL * 1000, false);
  unit("m", 60ULL * 1000, false);
  unit("s", 1000, false);
  unit("ms", 1, false);
  return out;
}

}  // namespace loupe::query::promql
