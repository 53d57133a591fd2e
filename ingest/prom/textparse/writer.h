// Writes entries in the exposition formats the parsers read: the printer half of the
// parse/print round trip (tests, fuzzing, and loupe's own /metrics-style output).
//
// What cannot be expressed is left out rather than mangled: exemplars, units and the
// OpenMetrics-only types (written as "untyped") in the Prometheus text format; comments in
// OpenMetrics. A HELP text of only blanks reads back empty in the Prometheus text format, and
// negative timestamps cannot be read back from it (its grammar has no sign for them).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ingest/prom/textparse/content_type.h"
#include "ingest/prom/textparse/parser.h"

namespace loupe::ingest::prom {

// Appends `e` as one line (with its newline) in `format` (kPromText or kOpenMetrics). Metric
// and label names outside the legacy character set are written quoted inside the braces
// ({"my.metric","a.b"="c"}); label values and help texts are escaped; values use Go's shortest
// float form (NaN, +Inf, -Inf spelled so).
void AppendEntry(ExpositionFormat format, const Entry& e, std::string* out);

// The OpenMetrics terminator line, "# EOF\n".
void AppendOpenMetricsEof(std::string* out);

// A millisecond timestamp as OpenMetrics seconds text that Prometheus's int64(seconds * 1000)
// turns back into exactly `ms` ("1520879607.789").
std::string FormatOpenMetricsTimestamp(int64_t ms);

// Whether `name` needs no quoting as a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) / label name
// ([a-zA-Z_][a-zA-Z0-9_]*).
bool IsLegacyMetricName(std::string_view name);
bool IsLegacyLabelName(std::string_view name);

}  // namespace loupe::ingest::prom
