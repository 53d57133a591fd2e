// Go-compatible text routines for LogQL.
//
// Loki prints and parses LogQL with Go's standard library and a few Go packages (strconv, fmt,
// time, prometheus/common/model, go-humanize, regexp/syntax). Clients compare Loki's output
// byte for byte (format_query, error bodies, canonical query strings), so loupe reproduces the
// exact Go behaviour here, in one place. Each function names the Go routine it mirrors.
//
// Thread-safety: all functions are pure and may be called concurrently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/base/result.h"

namespace loupe::query::logql::gocompat {

// strconv.Quote: a double-quoted Go string literal. Printable runes are kept as is; control
// characters, invalid UTF-8 and (an approximation of) Unicode's non-printable runes are escaped.
std::string Quote(std::string_view s);

// fmt.Sprint(float64) (the %v verb): shortest representation; exponent form ("1e+06",
// "1.5e-05") when the decimal exponent is < -4 or >= 6, as Go's %g rule; "+Inf", "-Inf", "NaN".
std::string FormatFloatV(double v);

// strconv.FormatFloat(v, 'f', -1, 64): shortest representation without exponent.
std::string FormatFloatF(double v);

// fmt.Sprintf("%f", v): six decimals.
std::string FormatFloatFixed6(double v);

// time.Duration.String(): "1h0m0s", "1.5s", "250ms", "1µs", "0s".
std::string FormatGoDuration(int64_t nanos);

// prometheus/common model.Duration.String(): "1h30m", "5m", "2w", "0s" (millisecond precision).
std::string FormatPromDuration(int64_t nanos);

// go-humanize Bytes() with the space removed: "2.6kB", "20MB", "5B" (SI units, one decimal
// below 10).
std::string HumanizeBytes(uint64_t bytes);

// prometheus/common model.ParseDuration: integers with units y w d h m s ms in decreasing order,
// "0" without unit. Errors carry the Go text ("unknown unit \"m:\" in duration \"30m:5m\"",
// "not a valid duration string: ...", "empty duration string", "duration out of range").
Result<int64_t> ParsePromDuration(std::string_view s);

// time.ParseDuration: optional sign, decimal fractions, units ns us µs ms s m h.
// Returns nullopt where Go returns an error (callers only need success/failure).
std::optional<int64_t> ParseGoDuration(std::string_view s);

// go-humanize ParseBytes: "1.5MiB", "20MB", "1k", "3 kb" (case-insensitive units, SI and IEC).
std::optional<uint64_t> HumanizeParseBytes(std::string_view s);

// strconv.ParseFloat(s, 64) for Go number literals (decimal, "0x..p.." hex floats, '_'
// separators). On failure returns nullopt and sets *error to Go's text
// (`strconv.ParseFloat: parsing "0x1": invalid syntax`).
std::optional<double> ParseFloat(std::string_view s, std::string* error);

// strconv.Atoi: base-10 integer with optional sign; nullopt on syntax error or overflow.
std::optional<int64_t> Atoi(std::string_view s);

// Validates a regular expression with Go's regexp/syntax wording. Returns "" when the pattern
// compiles, else "error parsing regexp: <code>: `<fragment>`" as Go's *syntax.Error prints.
// RE2 and Go's regexp share their syntax and error categories; the fragment is RE2's.
std::string RegexpError(std::string_view pattern);

// Names of the named capture groups of a valid regular expression, in order (duplicates kept,
// as Go's Regexp.SubexpNames() lists them); *groups receives the number of capture groups.
std::vector<std::string> RegexpCaptureNames(std::string_view pattern, int* groups);

}  // namespace loupe::query::logql::gocompat
