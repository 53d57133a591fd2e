// TracesIngester: OTLP trace export requests into the span store, shared by the gRPC
// TraceService and POST /v1/traces, so both answer the same way:
//
//   * an empty request succeeds (the OTLP spec);
//   * over the per-tenant ingestion rate (a token bucket of request bytes, Tempo's
//     rate_limit_bytes / burst_size_bytes; off by default) the request is refused whole with
//     kResourceExhausted and Tempo's RATE_LIMITED text (HTTP 429, gRPC RESOURCE_EXHAUSTED);
//   * with more than max_inflight_bytes of HTTP requests being committed at once the request
//     is refused with kUnavailable (503, retryable): back-pressure instead of an unbounded
//     queue in front of the store;
//   * a span with an invalid trace or span id refuses the whole request with kInvalidArgument
//     and Tempo's text ("trace ids must be 128 bit, received 64 bits"): nothing is stored;
//   * spans the store's per-trace limits drop (TRACE_TOO_LARGE, LIVE_TRACES_EXCEEDED) are a
//     partial success: the rest is stored and acknowledged, the count and the first text are
//     returned for partial_success;
//   * a store that cannot make the spans durable (WAL write failed) is kUnavailable.
//
// Accepted requests are then handed to the optional consumer (the metrics generator), as
// Tempo's distributor forwards to its metrics-generators after the ingesters acknowledged.
//
// Thread-safety: Ingest() and Stats() are safe for concurrent use.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "storage/base/clock.h"
#include "storage/base/result.h"
#include "storage/spanstore/span_store.h"

namespace loupe::ingest::otlp {

struct TracesIngestOptions {
  // Per-tenant ingestion rate in request bytes per second (0 = unlimited) and its burst
  // (0 = the rate). Tempo's defaults are 15 MB/s with a 20 MB burst.
  uint64_t rate_limit_bytes = 0;
  uint64_t burst_bytes = 0;
  // Request bytes being committed at once, over all tenants (0 = unlimited).
  uint64_t max_inflight_bytes = 256ull << 20;
  Clock* clock = &Clock::Real();
};

struct TracesIngestResult {
  uint64_t spans_received = 0;
  uint64_t spans_accepted = 0;
  uint64_t spans_rejected = 0;  // for partial_success.rejected_spans
  std::string error_message;    // for partial_success.error_message; empty when all were stored
};

// Why a request got no 2xx, for loupe_traces_refused_requests_total{reason}.
enum class TracesRefusal : uint8_t {
  kInvalidId = 0,  // invalid trace or span id: the whole request refused
  kRateLimited,
  kOverloaded,  // max_inflight_bytes
  kStoreError,  // the WAL write failed
  kCount,
};
std::string_view TracesRefusalLabel(TracesRefusal r);  // "invalid_id", "rate_limited", ...

struct TracesIngestStats {
  uint64_t requests = 0;
  uint64_t spans_received = 0;
  uint64_t spans_accepted = 0;
  uint64_t spans_refused = 0;   // spans of refused requests (any TracesRefusal)
  uint64_t spans_rejected = 0;  // spans dropped from accepted requests (partial success)
  uint64_t refused_requests[static_cast<int>(TracesRefusal::kCount)] = {};
  uint64_t refused_spans[static_cast<int>(TracesRefusal::kCount)] = {};
};

class TracesIngester {
 public:
  using Request = ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
  // Called after a commit that stored at least one span; must be thread-safe.
  using Consumer = std::function<void(std::string_view tenant, const Request& request)>;

  // `store` must outlive the ingester.
  TracesIngester(storage::spanstore::SpanStore& store, TracesIngestOptions options,
                 Consumer consumer = nullptr);

  // `wire_bytes`: the request's size as received (decompressed), for the rate limit and the
  // in-flight budget. 0 (gRPC, where the size is not at hand): the rate limit computes it from
  // the message, and the in-flight budget does not apply (gRPC bounds concurrent requests by its
  // own thread pool and max message size).
  // Errors: kInvalidArgument (invalid ids; nothing stored), kResourceExhausted (rate limited),
  // kUnavailable (overloaded, or the store failed; nothing acknowledged).
  Result<TracesIngestResult> Ingest(std::string_view tenant, const Request& request,
                                    uint64_t wire_bytes = 0);

  TracesIngestStats Stats() const;

 private:
  struct Bucket {
    double tokens = 0;
    int64_t last_ns = 0;
  };
  Status CheckRate(std::string_view tenant, uint64_t bytes);
  void Refused(TracesRefusal r, uint64_t spans);

  storage::spanstore::SpanStore& store_;
  TracesIngestOptions options_;
  Consumer consumer_;

  std::mutex rate_mu_;
  std::map<std::string, Bucket, std::less<>> buckets_;
  std::atomic<uint64_t> inflight_bytes_{0};

  std::atomic<uint64_t> requests_{0}, spans_received_{0}, spans_accepted_{0};
  std::atomic<uint64_t> spans_refused_{0}, spans_rejected_{0};
  std::atomic<uint64_t> refused_[static_cast<int>(TracesRefusal::kCount)] = {};
  std::atomic<uint64_t> refused_spans_[static_cast<int>(TracesRefusal::kCount)] = {};
};

// Number of spans in a request.
uint64_t CountSpans(const TracesIngester::Request& request);

}  // namespace loupe::ingest::otlp
