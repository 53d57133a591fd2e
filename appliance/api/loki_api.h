// The Loki HTTP API over the log store (queries join with the LogQL engine):
//   POST /loki/api/v1/push, /api/prom/push       JSON or snappy protobuf -> 204
//   POST /otlp/v1/logs (and /v1/logs)            OTLP logs, mapped as Loki maps them
//   GET  /loki/api/v1/labels, /label/<n>/values  start, end, since, query
//   GET|POST /loki/api/v1/series                 match[], start, end, since
//   GET|POST /loki/api/v1/index/stats            query, start, end           (unwrapped)
//   GET|POST /loki/api/v1/index/volume[_range]   query, start, end, limit, targetLabels,
//                                                aggregateBy, step
//   GET  /loki/api/v1/detected_labels            query, start, end           (unwrapped)
//   GET|POST /loki/api/v1/format_query           query
// Errors are plain text with Loki's status codes (400 validation, 429 limits with
// Retry-After, 413 over the body cap, 500/503 storage).
#pragma once

#include "appliance/http/router.h"
#include "appliance/selfmon/metrics_registry.h"
#include "storage/logstore/log_store.h"

namespace loupe::appliance::api {

void RegisterLokiApi(http::Router& router, storage::logstore::LogStore& store, selfmon::Registry& metrics);

}  // namespace loupe::appliance::api
