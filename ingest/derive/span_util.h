// Reading OTLP spans the way Tempo's metrics-generator reads them: service name from the
// resource, attribute lookups (resource first, then span), enum names as the proto spells them,
// durations in seconds. Also the small label helpers the generator needs.
//
// Thread-safety: pure functions.
#pragma once

#include <google/protobuf/repeated_ptr_field.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "opentelemetry/proto/common/v1/common.pb.h"
#include "opentelemetry/proto/trace/v1/trace.pb.h"

namespace loupe::ingest::derive {

namespace otlp_trace = ::opentelemetry::proto::trace::v1;
namespace otlp_common = ::opentelemetry::proto::common::v1;
using KeyValues = google::protobuf::RepeatedPtrField<otlp_common::KeyValue>;

// The attribute with this key, or nullptr. The first one wins when a key repeats.
const otlp_common::AnyValue* FindAttribute(const KeyValues& attrs, std::string_view key);

// An attribute value as a label value: a string value as is (a view into `v`, no copy), any
// other type stringified like the OpenTelemetry Collector does (into `*scratch`).
std::string_view AttributeString(const otlp_common::AnyValue& v, std::string* scratch);

// Looks `key` up in `resource`, then in `span` (Tempo's FindAttributeValue order). On a hit sets
// `*out` (a view into the attribute or into `*scratch`) and returns true.
bool FindAttributeValue(std::string_view key, const KeyValues& resource, const KeyValues& span,
                        std::string* scratch, std::string_view* out);

// The resource's service.name, or "" when absent.
std::string_view ServiceName(const KeyValues& resource, std::string* scratch);

// "SPAN_KIND_SERVER", "STATUS_CODE_ERROR", ... as the proto enum names them (what Tempo's
// labels carry); a value outside the enum prints as its decimal number (into `*scratch`), as
// Go's String() does.
std::string_view SpanKindName(int kind, std::string* scratch);
std::string_view StatusCodeName(int code, std::string* scratch);

// end - start in seconds; 0 when the end precedes the start.
double SpanDurationSeconds(const otlp_trace::Span& span);

// Lower-case hex of `bytes`, appended to `*out`.
void AppendHex(std::string_view bytes, std::string* out);

// True when `id` is empty or all zero bytes (an invalid trace or span id).
bool IsZeroId(std::string_view id);

// True when `s` is well-formed UTF-8.
bool IsValidUtf8(std::string_view s);

// The longest prefix of `s` of at most `max_bytes` bytes that ends on a code point boundary.
std::string_view TruncateUtf8(std::string_view s, size_t max_bytes);

// A Prometheus label name for an attribute key: every character outside [a-zA-Z0-9_] becomes
// '_' (Prometheus's strutil.SanitizeLabelName, which Tempo uses; one '_' per code point, an
// invalid byte counts as one); a leading digit, which would leave an invalid name, gets a '_'
// prefix.
std::string SanitizeLabelName(std::string_view key);

// Prometheus's ExponentialBuckets(start, factor, count).
std::vector<double> ExponentialBuckets(double start, double factor, int count);

}  // namespace loupe::ingest::derive
