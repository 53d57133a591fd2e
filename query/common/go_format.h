// Text forms that must match Go's byte for byte because Prometheus and Loki define their
// label values and error messages through Go's strconv and fmt:
//   FormatFloatG   fmt's %g / %v of a float64 (shortest digits; exponent form when the
//                  decimal exponent is < -4 or >= 6, as Go decides for shortest output)
//   FormatFloatF   strconv.FormatFloat(v, 'f', -1, 64) (shortest digits, never an exponent)
//   GoQuote        strconv.Quote
//   GoLabelsString Prometheus's labels.Labels.String(): {__name__="x", a="b"}
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "storage/model/labels.h"

namespace loupe::query {

// fmt.Sprintf("%g", v) / "%v": "1.5", "1e+06", "1.234567e+06", "0.0001", "1e-05", "+Inf",
// "-Inf", "NaN", "-0".
std::string FormatFloatG(double v);

// strconv.FormatFloat(v, 'f', -1, 64): "1", "0.1", "1e+21" prints as
// "1000000000000000000000"; "+Inf", "-Inf", "NaN".
std::string FormatFloatF(double v);

// strconv.Quote: double-quoted with Go escapes; invalid UTF-8 bytes as \xNN.
std::string GoQuote(std::string_view s);

// True if `s` is valid UTF-8 (Go's utf8.ValidString).
bool IsValidUtf8(std::string_view s);

// A label name that needs no quoting: [a-zA-Z_][a-zA-Z0-9_]*.
bool IsLegacyLabelName(std::string_view s);

// Prometheus's labels.Labels.String(): `{__name__="up", job="api"}`; names that are not
// legacy label names are quoted; values are GoQuote'd.
std::string GoLabelsString(const storage::model::Labels& labels);

}  // namespace loupe::query
