// The one place that maps a Status to an HTTP status code and error body, per API family.
//
//   Prometheus  {"status":"error","errorType":"bad_data","error":"…"} (errorType from the code)
//   Loki, Tempo plain text, as their handlers write with http.Error
//   OTLP        google.rpc.Status, protobuf or JSON following the request's Content-Type
//   Studio      {"error":"…"}
//   Plain       plain text
#pragma once

#include "appliance/http/request.h"
#include "appliance/http/router.h"
#include "storage/base/status.h"

namespace loupe::appliance::api {

// HTTP status for a Status code within an API family. OK maps to 200.
int HttpStatusFor(const Status& status, http::ApiFamily family);

// Prometheus's errorType for a status code: bad_data, execution, timeout, canceled, internal,
// unavailable, not_found, not_acceptable.
std::string_view PrometheusErrorType(StatusCode code);

// gRPC status code number for a Status (for OTLP error bodies and the gRPC services).
int GrpcCodeFor(StatusCode code);

// A complete error response for `family`. `request` decides content negotiation (OTLP
// protobuf vs JSON) and may be null.
http::Response ErrorResponse(http::ApiFamily family, const Status& status,
                             const http::Request* request);

}  // namespace loupe::appliance::api
