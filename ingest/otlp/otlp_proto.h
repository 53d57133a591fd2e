// OTLP/protobuf request bodies (gRPC messages and POST /v1/* with application/x-protobuf),
// parsed with a size guard and a nesting guard so a hostile body cannot exhaust memory or the
// stack.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <google/protobuf/message_lite.h>

#include <cstddef>
#include <string_view>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "storage/base/status.h"

namespace loupe::ingest::otlp {

struct ProtoDecodeLimits {
  // Largest body accepted (after decompression; decompression limits are the caller's).
  size_t max_body_bytes = 64u << 20;
  // Deepest message nesting accepted (protobuf's own default is 100). An OTLP request needs 5
  // levels plus 2 per level of nested AnyValue arrays/kvlists.
  int max_recursion_depth = 100;
};

// Clears *out and parses `body` into it.
// Returns OK; kTooLarge if body.size() > max_body_bytes; kInvalidArgument "failed to decode
// OTLP protobuf <Message>: ..." for malformed wire data, nesting beyond the limit, or invalid
// UTF-8 in a string field. On error *out must not be used.
Status DecodeProto(std::string_view body, google::protobuf::MessageLite* out,
                   const ProtoDecodeLimits& limits = {});

inline Status DecodeTracesProto(
    std::string_view body,
    ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest* out,
    const ProtoDecodeLimits& limits = {}) {
  return DecodeProto(body, out, limits);
}
inline Status DecodeMetricsProto(
    std::string_view body,
    ::opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest* out,
    const ProtoDecodeLimits& limits = {}) {
  return DecodeProto(body, out, limits);
}
inline Status DecodeLogsProto(
    std::string_view body,
    ::opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest* out,
    const ProtoDecodeLimits& limits = {}) {
  return DecodeProto(body, out, limits);
}

}  // namespace loupe::ingest::otlp
