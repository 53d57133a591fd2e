// The Loki query API over the log store and the LogQL engine:
//
//   GET|POST /loki/api/v1/query           query, time, limit, direction        (metric queries;
//                                          log queries get Loki's 400)
//   GET|POST /loki/api/v1/query_range     query, start, end, since, step, interval, limit,
//                                          direction
//   GET      /loki/api/v1/tail            WebSocket: query, delay_for (<= 5), limit, start
//   GET      /loki/api/v1/detected_fields query, start, end, since, line_limit, limit
//   GET      /loki/api/v1/detected_field/<name>/values
//   GET      /loki/api/v1/patterns        query, start, end, since, step
//   GET      /loki/api/v1/drilldown-limits  Loki's DrilldownConfigResponse for Grafana Logs
//                                          Drilldown: {"limits":{...},"pattern_ingester_enabled":
//                                          true,"version":"<loupe version>"}
//   POST|PUT|GET|DELETE /loki/api/v1/delete  delete requests (loki_delete.h), applied to every
//                                          query and tail of this API
//
// Parameters, defaults and error texts are Loki 3's (pkg/loghttp): end defaults to now, start to
// end - 1h (end capped at now for that), limit to 100, direction to backward, step to
// max(1, floor(range_s / 250)) seconds. Bad parameters and LogQL parse errors are 400 with
// Loki's plain text; limits (max_entries_limit_per_query 5000, max_query_series 500,
// max_query_length 721h) are 400; a query that outlives query_timeout (1m) is 504 with Loki's
// "request timed out, ..." text.
//
// `X-Loki-Response-Encoding-Flags: categorize-labels` (Grafana sends it) returns streams keyed by
// their indexed labels, with structured metadata and parsed labels per entry, and echoes
// "encodingFlags". The response shapes are described in loki_json.h.
//
// Tail: after the handshake the last `limit` entries since `start` (default now - 1h) are sent
// oldest first, then entries pushed later, in frames of at most 100 entries, each entry as its
// own stream object. The log store has no push notification, so a tail polls it (every
// tail_poll_ms, when something was pushed) over a window reaching back 5 s before the newest
// time it has covered, and every 8th poll tail_lookback_ns back, remembering which entries of
// the window it has sent: an entry pushed with a timestamp up to 5 s old is sent by the next
// poll, one up to tail_lookback_ns old within 8 polls, an older one not at all. With delay_for, an entry is sent once it is
// that many seconds old. At most max_concurrent_tail_requests tails run at once; more are closed
// with Loki's "max concurrent tail requests limit exceeded, count > limit (11 > 10)". A tail
// ends after tail_max_duration (1h), as Loki's does.
//
// Thread-safety: handlers run concurrently; the store must outlive the router.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "appliance/api/loki_delete.h"
#include "appliance/http/router.h"
#include "appliance/selfmon/metrics_registry.h"
#include "storage/logstore/log_store.h"

namespace loupe::appliance::api {

struct LokiQueryOptions {
  int64_t query_timeout_ns = 60'000'000'000;  // Loki's query_timeout
  size_t max_entries_limit = 5000;            // max_entries_limit_per_query
  size_t max_series = 500;                    // max_query_series
  int64_t max_query_length_ns = 721LL * 3600 * 1'000'000'000;
  int max_concurrent_tail_requests = 10;
  int64_t tail_max_duration_ns = 3600LL * 1'000'000'000;  // tail_max_duration
  int64_t tail_poll_ms = 250;
  int64_t tail_lookback_ns = 30'000'000'000;
  int64_t retention_ns = 0;  // the log store's retention, reported by drilldown-limits
  // The delete requests (loki_delete.h) to serve and to filter queries by, loaded already; the
  // appliance shares them with its DeleteRequestProcessor. Null: created here from
  // delete_requests_path (empty = kept in memory only) and loaded.
  std::shared_ptr<DeleteRequests> delete_requests;
  std::string delete_requests_path;
};

void RegisterLokiQueryApi(http::Router& router, storage::logstore::LogStore& store,
                          selfmon::Registry& metrics, LokiQueryOptions options = {});

}  // namespace loupe::appliance::api
