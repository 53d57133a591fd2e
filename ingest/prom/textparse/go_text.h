// Number and string conversions that must behave like Go's strconv and fmt, because the
// Prometheus exposition parsers are defined by what Prometheus (written in Go) accepts and by the
// error text it prints: strconv.ParseFloat / ParseInt acceptance and error wording, %q quoting,
// strconv.FormatFloat(f, 'g', -1, 64) and utf8.Valid.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace loupe::ingest::prom {

enum class FloatParse : uint8_t {
  kOk,
  kSyntax,           // strconv.ParseFloat: ... invalid syntax
  kRange,            // strconv.ParseFloat: ... value out of range (overflow only, as in Go)
  kUnsupportedChar,  // Prometheus's own pre-check: 'p', 'P' or '_' anywhere in the text
};

// Parses a sample value, timestamp-in-seconds or exemplar value the way Prometheus's text
// parsers do: strings holding 'p', 'P' or '_' are refused (pre-Go-1.13 float forms only), the
// rest must be a Go decimal float literal with optional sign, or Inf/Infinity (optionally
// signed) or NaN in any letter case. Overflow is kRange (Go returns ±Inf and ErrRange);
// underflow rounds to zero and is fine, as in Go. A NaN result is always the canonical
// Prometheus NaN (0x7ff8000000000001), never the staleness marker.
FloatParse ParsePromFloat(std::string_view s, double* out);

// Go's strconv.ParseFloat(s, 64) in full, including hexadecimal mantissas with a 'p' exponent
// and '_' digit separators after a base prefix. Used where Prometheus calls ParseFloat directly
// (normalising "le" and "quantile" label values).
FloatParse ParseGoFloat(std::string_view s, double* out);

// The error text Prometheus prints for a failed ParsePromFloat of `s` (without the
// " while parsing: ..." suffix): `unsupported character in float` or
// `strconv.ParseFloat: parsing "<s>": invalid syntax` / `value out of range`.
std::string FloatErrorText(FloatParse err, std::string_view s);

// strconv.ParseInt(s, 10, 64) for a string of ASCII digits with an optional sign. Returns false
// and sets *range_error when the value does not fit, false with !*range_error for bad syntax.
bool ParseGoInt64(std::string_view s, int64_t* out, bool* range_error);

// strconv.FormatFloat(f, 'g', -1, 64) with ".0" appended when the result holds neither '.' nor
// 'e', and 1, 0, -1, NaN, ±Inf spelled "1.0", "0.0", "-1.0", "NaN", "+Inf", "-Inf": Prometheus's
// FormatOpenMetricsFloat, used for "le" and "quantile" label values.
std::string FormatOpenMetricsFloat(double f);

// strconv.FormatFloat(f, 'g', -1, 64): the shortest digits that round-trip, in exponent form
// ("1e+06", "1.5e-07") when the decimal exponent is < -4 or >= 6, else plain ("123456", "0.001").
std::string FormatGoFloatG(double f);

// fmt's %q of a byte string (strconv.Quote): printable UTF-8 kept, \a \b \f \n \r \t \v \\ \"
// escaped, other control bytes and invalid UTF-8 bytes as \xNN, other unprintable runes as
// \uNNNN / \UNNNNNNNN.
std::string GoQuote(std::string_view s);
// fmt's %.Nq: quotes the first `max_runes` runes of s.
std::string GoQuotePrefix(std::string_view s, size_t max_runes);
// fmt's %.Ns: the first `max_runes` runes of s (bytes of invalid UTF-8 count as one rune each).
std::string_view RunePrefix(std::string_view s, size_t max_runes);

// fmt's %f of a NaN or infinity ("NaN", "+Inf", "-Inf"); finite values with six decimals.
std::string GoFormatFixed6(double f);

// utf8.Valid: well-formed UTF-8 without surrogates, overlong forms or code points > U+10FFFF.
bool ValidUtf8(std::string_view s);

}  // namespace loupe::ingest::prom
