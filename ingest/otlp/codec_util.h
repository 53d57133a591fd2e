// Small text codecs the OTLP helpers share: hex and base64 for ids and bytes, JSON string
// escaping, and number formatting that matches Go's strconv/encoding-json output byte for byte
// (Prometheus formats `le`/`quantile` labels and OTel attribute values with Go's routines, and
// series identity depends on those exact strings).
//
// Thread-safety: free functions without shared state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/base/base64.h"

namespace loupe::ingest::otlp {

// Lowercase hex of `bytes`.
std::string EncodeHex(std::string_view bytes);
// Decodes an even-length string of [0-9a-fA-F]; false (and *out unspecified) otherwise.
bool DecodeHex(std::string_view hex, std::string* out);

// Base64: storage/base/base64.h.
using ::loupe::DecodeBase64;
using ::loupe::EncodeBase64;

// Appends `s` as a JSON string literal (with the quotes). Invalid UTF-8 bytes become U+FFFD.
// With `go_html_escape`, also escapes <, >, & and U+2028/U+2029 the way Go's json.Marshal does,
// so attribute values stringified here equal pdata's AsString() output.
void AppendJsonString(std::string* out, std::string_view s, bool go_html_escape = false);

// Go's strconv.FormatFloat(v, 'f', -1, 64): shortest round-tripping digits, never an exponent.
// NaN is "NaN", infinities "+Inf" / "-Inf".
std::string FormatFloatFixed(double v);
// Go's strconv.FormatFloat(v, 'g', -1, 64) for the non-finite values only ("NaN", "+Inf",
// "-Inf"); finite values use FormatFloatJs.
std::string FormatFloatNonFinite(double v);
// The ES6 number-to-string rule Go's encoding/json applies to float64 (and pdata's
// float64AsString): fixed notation unless |v| < 1e-6 or |v| >= 1e21, then shortest exponent form
// with a one-digit negative exponent ("1e-7"). `v` must be finite.
std::string FormatFloatJs(double v);

// Length in bytes of the well-formed UTF-8 sequence starting at s[i] (1..4), or 0 if the bytes
// there are not one (overlong forms, surrogates and values above U+10FFFF are invalid).
size_t Utf8SequenceLength(std::string_view s, size_t i);

// Number of UTF-8 code points (invalid bytes count one each, like Go's utf8.RuneCountInString).
size_t CountRunes(std::string_view s);

}  // namespace loupe::ingest::otlp
