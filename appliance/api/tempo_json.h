// Tempo's trace-by-ID bodies. JSON is what Tempo's frontend writes with gogo jsonpb: proto3 JSON
// field names (lowerCamelCase), default values omitted, 64-bit integers as strings, enums by
// name ("SPAN_KIND_SERVER", "STATUS_CODE_ERROR"), bytes in base64 — except trace and span ids
// (traceId, spanId, parentSpanId, links' ids), which Tempo's id types print as lowercase hex.
// Doubles print as Go's encoding/json prints them; NaN and infinities as "NaN", "Infinity",
// "-Infinity" (jsonpb's strings).
//
//   v1  GET /api/traces/<id>     {"batches":[ResourceSpans...]}   (protobuf: tempopb.Trace)
//   v2  GET /api/v2/traces/<id>  {"trace":{"resourceSpans":[...]},"metrics":{"inspectedBytes":"N"},
//                                 "status":"PARTIAL","message":"..."} (status and message only
//                                 when partial; protobuf: tempopb.TraceByIDResponse)
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "opentelemetry/proto/trace/v1/trace.pb.h"

namespace loupe::appliance::api {

using ResourceSpansList =
    google::protobuf::RepeatedPtrField<::opentelemetry::proto::trace::v1::ResourceSpans>;

// One ResourceSpans as Tempo's JSON.
void AppendResourceSpansJson(std::string* out,
                             const ::opentelemetry::proto::trace::v1::ResourceSpans& rs);

std::string TraceV1Json(const ResourceSpansList& batches);
std::string TraceV1Proto(const ResourceSpansList& batches);

struct TraceV2 {
  const ResourceSpansList* batches = nullptr;  // null or empty: an empty trace
  uint64_t inspected_bytes = 0;
  bool partial = false;
  std::string message;
};
std::string TraceV2Json(const TraceV2& t);
std::string TraceV2Proto(const TraceV2& t);

}  // namespace loupe::appliance::api
