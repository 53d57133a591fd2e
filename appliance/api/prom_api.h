// The Prometheus HTTP API's metadata and write endpoints (queries come with the PromQL engine):
//   POST /api/v1/write                         remote write 1.0 and 2.0 (snappy protobuf) -> 204
//   POST /api/v1/read                          remote read, SAMPLES response type
//   GET|POST /api/v1/series                    match[]+, start, end, limit
//   GET|POST /api/v1/labels                    match[], start, end, limit
//   GET /api/v1/label/<name>/values            match[], start, end, limit (U__ escapes)
//   GET /api/v1/metadata                       limit, limit_per_metric, metric
//   GET /api/v1/status/tsdb                    limit
//   GET /federate                              match[]+ -> text exposition of latest samples
//   GET|POST /api/v1/format_query, parse_query, query_exemplars; GET rules, alerts (empty)
// plus /api/v1/targets (from the scrape manager), with Prometheus's envelope and error types.
#pragma once

#include <functional>

#include <nlohmann/json.hpp>

#include "appliance/http/router.h"
#include "appliance/selfmon/metrics_registry.h"
#include "ingest/prom/remote_write.h"
#include "storage/tsdb/metric_store.h"

namespace loupe::appliance::api {

struct PromApiOptions {
  ingest::prom::RemoteWriteLimits write_limits;
  // /api/v1/targets body ("data" object), provided by the scrape manager.
  std::function<nlohmann::json(const http::Request&)> targets;
  int64_t lookback_ms = 5 * 60 * 1000;  // federation's instant selector lookback
};

void RegisterPromApi(http::Router& router, storage::tsdb::MetricStore& store, selfmon::Registry& metrics,
                     PromApiOptions options);

}  // namespace loupe::appliance::api
