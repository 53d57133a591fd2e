// Zipkin v2 JSON spans (POST /api/v2/spans, a JSON array of Span objects) translated to OTLP,
// the way the OpenTelemetry Collector's zipkin receiver (which Tempo embeds) translates them:
//   * spans are grouped by localEndpoint.serviceName into one ResourceSpans each (resource
//     attribute service.name; absent: no service.name), the `otel.library.name` /
//     `otel.library.version` tags become the instrumentation scope;
//   * traceId (16 or 32 hex digits, left-padded to 128 bits), id, parentId (16 hex digits or
//     fewer, left-padded); a parentId equal to id is dropped;
//   * kind CLIENT/SERVER/PRODUCER/CONSUMER map to the OTLP kinds; without kind the tag
//     `span.kind=internal` gives INTERNAL, else UNSPECIFIED;
//   * timestamp/duration in microseconds become start/end nanoseconds; annotations become
//     events (value = name);
//   * tags become string attributes, except `otel.status_code` / `otel.status_description`
//     (the span status) and `error=true` (status ERROR); localEndpoint ipv4/ipv6/port become
//     net.host.ip / net.host.port, remoteEndpoint serviceName/ipv4/ipv6/port become
//     peer.service / net.peer.ip / net.peer.port.
//
// Errors are kInvalidArgument naming the span index and field, e.g.
//   invalid Zipkin JSON: spans[2].traceId: "xyz" is not a hex id of 16 or 32 digits
// A body over `max_body_bytes` is kTooLarge.
//
// Thread-safety: a pure function.
#pragma once

#include <cstddef>
#include <string_view>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "storage/base/status.h"

namespace loupe::ingest::otlp {

Status DecodeZipkinV2Json(
    std::string_view body,
    ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest* out,
    size_t max_body_bytes = 64u << 20);

}  // namespace loupe::ingest::otlp
