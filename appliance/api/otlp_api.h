// OTLP/HTTP ingest: POST /v1/metrics (the OTLP HTTP port and every router) and Prometheus's
// POST /api/v1/otlp/v1/metrics. Protobuf or JSON by Content-Type; the reply uses the request's
// content type: 200 with Export*ServiceResponse (partial_success for per-point rejects),
// 400 google.rpc.Status for undecodable bodies, 413 over the cap, 415 for other content types,
// 503 when storage cannot make the data durable (retryable).
// Traces and logs join as their stores land.
#pragma once

#include "appliance/http/router.h"
#include "ingest/otlp/metrics_ingest.h"

namespace loupe::appliance::api {

void RegisterOtlpApi(http::Router& router, ingest::otlp::MetricsIngester& metrics);

}  // namespace loupe::appliance::api
