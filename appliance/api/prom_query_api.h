// Prometheus's query endpoints over the metric store: /api/v1/query and /api/v1/query_range
// (GET and form POST), with Prometheus's parameters, limits, error types and JSON encoding.
//
//   query          PromQL (parse errors: 400 bad_data `invalid parameter "query": 1:5: parse error: …`)
//   time           instant queries; unix seconds or RFC 3339; default now
//   start/end/step range queries; step as float seconds or a duration; at most 11,000 points
//   timeout        a duration; the earlier of it and the engine's timeout applies (503 timeout)
//   lookback_delta per-query lookback (Prometheus's experimental parameter)
//
// Execution errors (many-to-many matching, too many samples) are 422 execution; annotations go
// to "warnings" and "infos" with the position of the expression they concern.
//
// Result encoding as Prometheus's JSON codec: timestamps as seconds with a millisecond fraction
// (`1700000000.5` prints as 1700000000.500), values as strings in Go's shortest 'f' format
// ("NaN", "+Inf", "-Inf"), label strings escaped as Go's encoder does (<, >, & as \u003c…).
#pragma once

#include <cstdint>

#include "appliance/http/router.h"
#include "appliance/selfmon/metrics_registry.h"
#include "query/promql/eval/value.h"
#include "storage/tsdb/metric_store.h"

namespace loupe::appliance::api {

struct PromQueryOptions {
  int64_t lookback_ms = 5 * 60 * 1000;
  int64_t max_samples = 50'000'000;
  int64_t timeout_ms = 2 * 60 * 1000;
  int64_t max_points_per_series = 11'000;
};

void RegisterPromQueryApi(http::Router& router, storage::tsdb::MetricStore& store,
                          selfmon::Registry& metrics, PromQueryOptions options);

// The "data" object of a query response: {"resultType":"…","result":…}.
std::string PromQueryDataJson(const query::promql::QueryResult& result);

}  // namespace loupe::appliance::api
