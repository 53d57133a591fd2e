// Pieces shared by the Loki query handlers (loki_query_api.cc, loki_tail.cc,
// loki_detected.cc). Not a public interface.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "appliance/api/loki_delete.h"
#include "appliance/api/loki_query_api.h"
#include "appliance/http/request.h"
#include "query/logql/eval/engine.h"
#include "query/logql/eval/logstore_source.h"
#include "storage/base/result.h"

namespace loupe::appliance::api::lokiq {

// State shared by every handler of one registration.
struct Shared {
  Shared(storage::logstore::LogStore& s, LokiQueryOptions o, std::shared_ptr<DeleteRequests> d)
      : store(s), store_source(&s), options(o), deletes(std::move(d)),
        source(&store_source, deletes.get()) {}
  storage::logstore::LogStore& store;
  query::logql::LogStoreSource store_source;
  LokiQueryOptions options;
  std::shared_ptr<DeleteRequests> deletes;
  DeleteFilterSource source;  // what queries read: the store without deleted entries
  std::atomic<int> active_tails{0};

  query::logql::EngineOptions EngineOpts() const {
    query::logql::EngineOptions e;
    e.max_entries_limit = options.max_entries_limit;
    e.max_series = options.max_series;
    e.max_query_length_ns = options.max_query_length_ns;
    return e;
  }
};

int64_t NowNanos();

// Loki's parseTimestamp: RFC 3339 (nano), a float (seconds with millisecond rounding, or
// nanoseconds above 1e10), an integer (seconds up to 1e10, else nanoseconds). Errors are Go's
// strconv texts (`strconv.ParseInt: parsing "x": invalid syntax`).
Result<int64_t> ParseLokiTimestamp(std::string_view value);

struct Bounds {
  int64_t start_ns = 0, end_ns = 0;
};
// Loki's bounds(): start, end, since (default `default_since_ns`); errors
// "could not parse 'start' parameter: ...".
Result<Bounds> ParseBounds(const http::Request& r,
                           int64_t default_since_ns = 3600LL * 1'000'000'000);

// Loki's limit(): default 100, "limit must be a positive value".
Result<uint32_t> ParseLimit(const http::Request& r, std::string_view name, int64_t fallback);
// Loki's parseInt for other integer parameters (Go's strconv.Atoi texts).
Result<int64_t> ParseGoInt(std::string_view value);

// Loki's direction(): default backward, "invalid direction 'x'".
Result<query::logql::Direction> ParseDirection(const http::Request& r);

// Loki's step(): seconds (float) or a Prometheus duration; default from the range.
Result<int64_t> ParseStep(const http::Request& r, const Bounds& b);
// Loki's parseSecondsOrDuration (step, interval): `cannot parse "x" to a valid duration`.
Result<int64_t> ParseSecondsOrDuration(const std::string& value);
int64_t DefaultStepNanos(const Bounds& b);

// True if X-Loki-Response-Encoding-Flags lists categorize-labels.
bool CategorizeLabels(const http::Request& r);

// The engine deadline: now + query_timeout, or the request's own deadline if earlier.
std::chrono::steady_clock::time_point QueryDeadline(const http::Request& r, const Shared& s);

// An engine or parameter error as Loki answers it (plain text; 400, 504, 499, 500).
http::Response LokiQueryError(const Status& s, const http::Request& r);

void RegisterTail(http::Router& router, std::shared_ptr<Shared> shared, selfmon::Registry& metrics);
void RegisterDetected(http::Router& router, std::shared_ptr<Shared> shared);

}  // namespace loupe::appliance::api::lokiq
