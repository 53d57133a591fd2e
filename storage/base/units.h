// Parsing and printing of durations and byte sizes as they appear in loupe's configuration and
// flags ("90s", "1h30m", "1.5s", "500ms", "7d", "20MiB", "4MB", "1024").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/base/result.h"

namespace loupe {

// Go's time.ParseDuration syntax (decimal fractions; ns, us, µs, ms, s, m, h) extended with
// Prometheus's d (24h), w (7d) and y (365d). A leading '-' is allowed; "0" needs no unit.
// Returns nanoseconds; kInvalidArgument on bad syntax or overflow.
Result<int64_t> ParseDurationNanos(std::string_view s);

// Prints the shortest exact form: "1h30m", "250ms", "0s".
std::string FormatDurationNanos(int64_t nanos);

// Byte sizes: an integer or decimal number with an optional unit B, KB, MB, GB, TB (powers of
// 1000), KiB, MiB, GiB, TiB (powers of 1024); units are case-insensitive, "K"/"M"/"G" mean the
// binary forms (as in memory limits). kInvalidArgument on bad syntax, negative or overflow.
Result<uint64_t> ParseBytes(std::string_view s);

std::string FormatBytes(uint64_t bytes);

}  // namespace loupe
