// Parameter parsing of the Tempo API with Tempo's (Go's) error texts: strconv integers, Go
// durations, logfmt tag lists, TraceQL metrics timestamps. Shared by tempo_api.cc and its tests.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "appliance/http/request.h"
#include "storage/base/result.h"

namespace loupe::appliance::api::tempo {

// strconv.ParseInt(s, 10, bits): "strconv.ParseInt: parsing \"x\": invalid syntax" /
// "... value out of range".
Result<int64_t> ParseGoInt(std::string_view s, int bits);

// A non-empty parameter value, or nullptr (Tempo treats "" as absent).
const std::string* Param(const http::Request& r, std::string_view name);

// `name` as unix seconds via strconv.ParseInt(s, 10, bits), 0 when absent; errors read
// "invalid <name>: strconv.ParseInt: ...".
Result<int64_t> SecondsParam(const http::Request& r, std::string_view name, int bits);

// Go's time.ParseDuration wording for errors: `time: invalid duration "x"`.
Result<int64_t> ParseGoDuration(std::string_view s);

// go-logfmt decoding of one or more records into key/value pairs, in order. A key without '='
// has an empty value. Errors: "<msg> at pos <n>" with msg "unexpected '='", "unexpected '\"'",
// "unterminated quoted value" or "invalid quoted value".
Result<std::vector<std::pair<std::string, std::string>>> ParseLogfmt(std::string_view s);

// TraceQL metrics timestamps (Tempo's parseTimestamp): a value with '.' is float seconds, an
// integer of at most 10 digits is seconds, a longer one nanoseconds, else RFC 3339. Returns ns.
Result<int64_t> ParseMetricsTimestamp(std::string_view s);

// Float seconds or a Prometheus duration ("15s", "1m"): nanoseconds; error texts as Tempo's:
// `cannot parse "x" to a valid duration`.
Result<int64_t> ParseSecondsOrDuration(std::string_view s);

}  // namespace loupe::appliance::api::tempo
