// PromQL durations as Prometheus parses and prints them (prometheus/common model.Duration):
// an integer and a unit, repeated with units in strictly decreasing order: y (365d), w (7d),
// d, h, m, s, ms; "0" needs no unit. No fractions, no sign, no spaces: "1h30m", "5m", "1y".
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/base/result.h"

namespace loupe::query::promql {

// Returns milliseconds. kInvalidArgument with Prometheus's message on error:
//   `empty duration string`, `not a valid duration string: "5m1h"`,
//   `unknown unit "hs" in duration "5y1hs"`, `duration out of range` (beyond int64 nanoseconds).
Result<int64_t> ParseDuration(std::string_view s);

// model.Duration.String(): "0s" for zero, years and weeks only when they divide exactly,
// then d, h, m, s, ms ("1h30m", "90d", "1w", "1y", "1s500ms"). Negative values get a
// leading '-'.
std::string FormatDuration(int64_t ms);

}  // namespace loupe::query::promql
