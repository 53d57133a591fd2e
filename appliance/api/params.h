// Request parameter parsing shared by the API families, with the error wording of the real
// systems ("invalid parameter \"start\": cannot parse \"x\" to a valid timestamp").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "appliance/http/request.h"
#include "storage/base/result.h"

namespace loupe::appliance::api {

// Prometheus's boundary times (milliseconds), as its API prints and accepts them.
inline constexpr int64_t kPromMinTimeMs = (INT64_MIN / 1000 + 62135596801) * 1000;
inline constexpr int64_t kPromMaxTimeMs = (INT64_MAX / 1000 - 62135596801) * 1000 + 999;

// A timestamp as unix seconds (float) or RFC 3339 (with fraction and zone), or Prometheus's
// formatted min/max time. Returns milliseconds.
Result<int64_t> ParsePromTime(std::string_view s);
// A timestamp in nanoseconds: Loki also accepts integer nanoseconds (any integer with more than
// 10 digits is read as ns), float seconds, RFC 3339.
Result<int64_t> ParseLokiTimeNanos(std::string_view s);
// RFC 3339 / RFC 3339 with nanoseconds: returns nanoseconds since the epoch.
Result<int64_t> ParseRfc3339Nanos(std::string_view s);
std::string FormatRfc3339Millis(int64_t ms);

// Prometheus's parseDuration: float seconds or a duration string ("5m", "1h30m"). Milliseconds.
Result<int64_t> ParsePromDurationMs(std::string_view s);

// Parameter `name` parsed with ParsePromTime, or `fallback` when absent or empty.
Result<int64_t> PromTimeParam(const http::Request& r, std::string_view name, int64_t fallback);

// Non-negative integer parameter, or `fallback` when absent; errors name the parameter.
Result<int64_t> IntParam(const http::Request& r, std::string_view name, int64_t fallback);

// Wraps `status` as Prometheus does: invalid parameter "<name>": <message>.
Status InvalidParam(std::string_view name, const Status& status);

}  // namespace loupe::appliance::api
