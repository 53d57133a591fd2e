// OTLP/JSON: request bodies of POST /v1/{traces,metrics,logs} with Content-Type
// application/json, decoded into the generated protobuf messages, and the matching response
// bodies encoded back.
//
// The OTLP specification ("JSON Protobuf Encoding") differs from canonical proto3 JSON, and
// real senders differ from the specification, so the decoder accepts:
//   * field names in lowerCamelCase (the specified form) and in the .proto's snake_case;
//   * traceId/spanId/parentSpanId (spans, links, log records, exemplars) as hex, the specified
//     form; a string that is not hex of the right length is tried as base64 (what generic
//     proto3-JSON libraries emit). Empty means "not set". Anything else is an error;
//   * enums as integers (specified) or as their proto value names ("SPAN_KIND_SERVER");
//   * 64-bit integers as decimal strings (specified) or JSON numbers; integral floats
//     ("1e3", 1000.0) are accepted when exactly representable;
//   * doubles as numbers or strings, including "NaN", "Infinity", "-Infinity";
//   * `bytesValue` as base64 (standard or URL-safe, padding optional);
//   * null for any field (= default); unknown fields are ignored at every level;
//   * the pre-1.0 names instrumentationLibrary{Spans,Metrics,Logs} / instrumentationLibrary
//     as aliases of scope{Spans,Metrics,Logs} / scope.
// Repeated keys in one object are processed in order (last scalar wins; repeated fields append).
// Known loss: a double written as the integer literal -0 decodes as +0 (the JSON parser reads it
// as the integer 0); -0.0 and "-0" keep the sign.
//
// Errors are kInvalidArgument with a message naming the field path, e.g.
//   invalid OTLP JSON: resourceSpans[0].scopeSpans[0].spans[3].traceId: ...
// A body over `max_body_bytes` is kTooLarge. AnyValue nesting deeper than `max_any_value_depth`
// (array/kvlist inside array/kvlist) is kInvalidArgument, so a decoded message always re-encodes
// and re-parses under protobuf's default recursion limit of 100.
//
// Thread-safety: all functions may be called concurrently (each thread reuses its own parser).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "storage/base/status.h"

namespace loupe::ingest::otlp {

namespace coltrace = ::opentelemetry::proto::collector::trace::v1;
namespace colmetrics = ::opentelemetry::proto::collector::metrics::v1;
namespace collogs = ::opentelemetry::proto::collector::logs::v1;

struct JsonDecodeLimits {
  size_t max_body_bytes = 64u << 20;
  int max_any_value_depth = 32;
};

// Each clears *out first. On error *out holds whatever was decoded before the error; callers
// must not use it.
Status DecodeTracesJson(std::string_view body, coltrace::ExportTraceServiceRequest* out,
                        const JsonDecodeLimits& limits = {});
Status DecodeMetricsJson(std::string_view body, colmetrics::ExportMetricsServiceRequest* out,
                         const JsonDecodeLimits& limits = {});
Status DecodeLogsJson(std::string_view body, collogs::ExportLogsServiceRequest* out,
                      const JsonDecodeLimits& limits = {});

// Response bodies in OTLP/JSON. Default-valued fields are omitted as proto3 JSON does, so a
// response without partial_success is "{}"; int64 counts are decimal strings:
//   {"partialSuccess":{"rejectedSpans":"2","errorMessage":"..."}}
std::string EncodeTracesResponseJson(const coltrace::ExportTraceServiceResponse& resp);
std::string EncodeMetricsResponseJson(const colmetrics::ExportMetricsServiceResponse& resp);
std::string EncodeLogsResponseJson(const collogs::ExportLogsServiceResponse& resp);

// The reverse, for loupe as an OTLP/JSON client (forwarding) and for round-trip tests. Same
// leniency rules and errors as the request decoders.
Status DecodeTracesResponseJson(std::string_view body, coltrace::ExportTraceServiceResponse* out);
Status DecodeMetricsResponseJson(std::string_view body,
                                 colmetrics::ExportMetricsServiceResponse* out);
Status DecodeLogsResponseJson(std::string_view body, collogs::ExportLogsServiceResponse* out);

// The body of an OTLP/HTTP error response in JSON: a google.rpc.Status with `code` (a gRPC code
// number) and `message`, e.g. {"code":3,"message":"..."}. `details` is never written.
std::string EncodeRpcStatusJson(int grpc_code, std::string_view message);

}  // namespace loupe::ingest::otlp
