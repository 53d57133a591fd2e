// The traces load generator behind `loupe loadgen traces`: sends OTLP ExportTraceServiceRequests
// over gRPC (TraceService/Export) or HTTP (POST /v1/traces, protobuf) to loupe or any OTLP
// receiver, and reports spans/s.
//
// Traces look like a small shop's: `services` services (frontend, checkout, payments, ...), a
// root SERVER span per trace fanning out through CLIENT/SERVER pairs into other services,
// database CLIENT spans (db.system, db.statement), INTERNAL spans; 3 to 20 spans per trace,
// nested up to 6 deep; HTTP attributes (http.request.method, http.route,
// http.response.status_code); about `error_ratio` of the traces end in an error (status ERROR,
// status 500). Each request carries whole traces, one ResourceSpans per service, about
// `batch_spans` spans.
//
// Requests are built up front (`templates` per connection) and sent as bytes; before each send
// the trace ids are rewritten in place with a per-connection sequence number, so every request
// carries new, unique traces at the cost of a memcpy. Span times are those of the generation.
//
// A connection whose last 20 requests all failed stops early (a receiver that is down).
//
// With `verify_addr` (an HTTP host:port serving the Tempo API) every `verify_every`-th
// acknowledged request's first trace is read back with GET /api/v2/traces/<id> after the run and
// its span count compared (the Tempo Vulture idea): missing or short traces are counted.
#pragma once

#include <cstdint>
#include <string>

#include "storage/base/result.h"

namespace loupe::appliance::loadgen {

struct TracesLoadgenOptions {
  std::string target = "127.0.0.1:4317";  // gRPC host:port, or an http:// URL for "http"
  std::string protocol = "grpc";          // grpc | http
  int batch_spans = 512;                  // spans per request (whole traces, so about this)
  double duration_s = 10;                 // send for this long...
  uint64_t max_spans = 0;  // ...or until at least this many were acknowledged (0 = no cap)
  double rate = 0;         // spans/s over all connections; 0 = as fast as possible
  int concurrency = 2;     // connections, each with its own thread
  int services = 8;
  double error_ratio = 0.02;
  int templates = 16;       // distinct prebuilt requests per connection
  bool gzip = false;        // compress requests (gRPC: grpc-encoding gzip)
  std::string tenant;       // X-Scope-OrgID / x-scope-orgid
  uint64_t seed = 0;        // 0 = from the clock (unique trace ids per run)
  std::string verify_addr;  // HTTP host:port of the Tempo API; "" = no check
  int verify_every = 50;
};

struct TracesLoadgenReport {
  uint64_t spans = 0;           // in acknowledged requests
  uint64_t spans_rejected = 0;  // partial_success.rejected_spans
  uint64_t traces = 0;
  uint64_t requests = 0;
  uint64_t failed_requests = 0;  // transport errors and non-OK statuses
  std::string first_error;
  std::string first_rejection;  // the first partial_success message (why spans were rejected)
  double seconds = 0;
  uint64_t verified = 0, verify_missing = 0, verify_short = 0;
  double spans_per_second() const { return seconds > 0 ? static_cast<double>(spans) / seconds : 0; }
};

Result<TracesLoadgenReport> RunTracesLoadgen(const TracesLoadgenOptions& options);

}  // namespace loupe::appliance::loadgen
