// The Tempo HTTP API over the span store and the TraceQL engine (query/traceql/eval):
//   GET /api/traces/<id>               start, end (unix s)   {"batches":[...]} / tempopb.Trace
//   GET /api/v2/traces/<id>            start, end            {"trace":{...},"metrics":{...}}
//                                                            (+"status":"PARTIAL","message")
//                                                            / tempopb.TraceByIDResponse
//   GET /api/search                    q | tags (logfmt), minDuration, maxDuration, limit,
//                                      spss, start, end      {"traces":[...],"metrics":{...}}
//   GET /api/search/tags               scope, start, end, limit       {"tagNames":[...]}
//   GET /api/v2/search/tags            scope, q, start, end, limit    {"scopes":[...]}
//   GET /api/search/tag/<t>/values     start, end, limit              {"tagValues":["..."]}
//   GET /api/v2/search/tag/<t>/values  q, start, end, limit           {"tagValues":[{type,value}]}
//   GET /api/metrics/query_range       q, start, end, since, step, exemplars
//   GET /api/metrics/query             q, start, end, since
// (/api/echo, /api/status/buildinfo and /ready are ops routes, ops_api.h.)
//
// Trace bodies follow tempo_json.h; `Accept: application/protobuf` selects protobuf. The tenant
// is X-Scope-OrgID ("anonymous" without it). Errors are plain text with Tempo's texts: 400 for a
// malformed trace id ("trace IDs can only contain hex characters: invalid character 'x' at
// position 3", "trace IDs can't be larger than 128 bits"), bad parameters ("invalid start:
// strconv.ParseInt: ...", "http parameter start must be before end. received start=2 end=1")
// and TraceQL errors ("invalid TraceQL query: parse error at line 1, col 3: ..."); 404 "trace
// not found"; 422 for a v1 trace over max_bytes_per_trace ("trace exceeds max size (max bytes:
// N)"; v2 answers the partial trace instead); 500 for storage errors.
#pragma once

#include <cstdint>

#include "appliance/http/router.h"
#include "query/traceql/eval/engine.h"
#include "storage/spanstore/span_store.h"

namespace loupe::appliance::api {

struct TempoApiOptions {
  uint64_t max_bytes_per_trace = 5'000'000;  // trace by ID beyond this: 422 (v1) / partial (v2)
  query::traceql::EngineOptions engine;
};

// `store` must outlive the router.
void RegisterTempoApi(http::Router& router, storage::spanstore::SpanStore& store,
                      TempoApiOptions options);

// Tempo's HexStringToTraceID: up to 32 hex digits, left-padded with zeros to 16 bytes.
// kInvalidArgument with Tempo's texts otherwise.
Result<storage::spanstore::TraceId> ParseTempoTraceId(std::string_view hex);

}  // namespace loupe::appliance::api
