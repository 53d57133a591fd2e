// OTLP/HTTP ingest: POST /v1/metrics (the OTLP HTTP port and every router) and Prometheus's
// POST /api/v1/otlp/v1/metrics; POST /v1/traces. Protobuf or JSON by Content-Type; the reply
// uses the request's content type: 200 with Export*ServiceResponse (partial_success for per-point
// rejects), 400 google.rpc.Status for undecodable bodies, 413 over the cap, 415 for other content
// types, 503 when storage cannot make the data durable (retryable). Traces: 400 also for a request
// with an invalid trace or span id (Tempo's text; nothing is stored), 429 with Retry-After when the
// tenant's ingestion rate is exceeded, 503 with Retry-After when overloaded; spans dropped by
// per-trace limits are a partial success. Zipkin: POST /api/v2/spans (v2 JSON,
// ingest/otlp/zipkin_json.h) -> 202, or 400 (plain text) for bad JSON, an invalid id, or spans
// dropped by the per-trace limits (Zipkin has no partial success; the stored spans stay stored).
// (Logs live in loki_api.h: /v1/logs, /otlp/v1/logs.)
#pragma once

#include "appliance/http/router.h"
#include "ingest/otlp/metrics_ingest.h"
#include "ingest/otlp/traces_ingest.h"

namespace loupe::appliance::api {

void RegisterOtlpApi(http::Router& router, ingest::otlp::MetricsIngester& metrics);
void RegisterOtlpTracesApi(http::Router& router, ingest::otlp::TracesIngester& traces);

}  // namespace loupe::appliance::api
