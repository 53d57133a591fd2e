#include "ingest/otlp/traces_ingest.h"

#include <algorithm>

namespace loupe::ingest::otlp {

std::string_view TracesRefusalLabel(TracesRefusal r) {
  switch (r) {
    case TracesRefusal::kInvalidId:
      return "invalid_id";
    case TracesRefusal::kRateLimited:
      return "rate_limited";
    case TracesRefusal::kOverloaded:
      return "overloaded";
    case TracesRefusal::kStoreError:
      return "store_error";
    case TracesRefusal::kCount:
      break;
  }
  return "unknown";
}

uint64_t CountSpans(const TracesIngester::Request& request) {
  uint64_t n = 0;
  for (const auto& rs : request.resource_spans()) {
    for (const auto& ss : rs.scope_spans()) n += static_cast<uint64_t>(ss.spans_size());
  }
  return n;
}

TracesIngester::TracesIngester(storage::spanstore::SpanStore& store, TracesIngestOptions options,
                               Consumer consumer)
    : store_(store), options_(options), consumer_(std::move(consumer)) {}

void TracesIngester::Refused(TracesRefusal r, uint64_t spans) {
  refused_[static_cast<int>(r)]++;
  refused_spans_[static_cast<int>(r)] += spans;
  spans_refused_ += spans;
}

// A token bucket per tenant, refilled continuously at rate_limit_bytes per second up to the
// burst. A request larger than the burst can never pass, which Tempo reports differently.
Status TracesIngester::CheckRate(std::string_view tenant, uint64_t bytes) {
  const double rate = static_cast<double>(options_.rate_limit_bytes);
  const double burst =
      static_cast<double>(options_.burst_bytes ? options_.burst_bytes : options_.rate_limit_bytes);
  const int64_t now = options_.clock->MonotonicNanos();
  std::lock_guard lock(rate_mu_);
  auto it = buckets_.find(tenant);
  if (it == buckets_.end()) it = buckets_.emplace(std::string(tenant), Bucket{burst, now}).first;
  Bucket& b = it->second;
  b.tokens = std::min(burst, b.tokens + rate * static_cast<double>(now - b.last_ns) / 1e9);
  b.last_ns = now;
  const double need = static_cast<double>(bytes);
  if (need <= b.tokens) {
    b.tokens -= need;
    return Status::OK();
  }
  const std::string limits =
      "(local: " + std::to_string(options_.rate_limit_bytes) +
      " bytes/s, global: 0 bytes/s, burst: " + std::to_string(static_cast<uint64_t>(burst)) +
      " bytes)";
  if (need > rate && need > burst) {
    return Status::ResourceExhausted(
        "RATE_LIMITED: batch size (" + std::to_string(bytes) + " bytes) exceeds ingestion limit " +
        limits + " while adding " + std::to_string(bytes) + " bytes for user " +
        std::string(tenant) + ". consider reducing batch size or increasing rate limit.");
  }
  return Status::ResourceExhausted("RATE_LIMITED: ingestion rate limit " + limits +
                                   " exceeded while adding " + std::to_string(bytes) +
                                   " bytes for user " + std::string(tenant) +
                                   ". consider increasing the limit or reducing ingestion rate.");
}

Result<TracesIngestResult> TracesIngester::Ingest(std::string_view tenant, const Request& request,
                                                  uint64_t wire_bytes) {
  TracesIngestResult out;
  out.spans_received = CountSpans(request);
  requests_++;
  spans_received_ += out.spans_received;
  if (out.spans_received == 0) return out;

  // Sizing a parsed message walks all of it (a few % of ingest CPU): only when a limit needs it.
  const bool need_size =
      options_.rate_limit_bytes > 0 || (options_.max_inflight_bytes > 0 && wire_bytes > 0);
  const uint64_t bytes = !need_size ? 0 : wire_bytes > 0 ? wire_bytes : request.ByteSizeLong();
  if (options_.rate_limit_bytes > 0) {
    if (Status s = CheckRate(tenant, bytes); !s.ok()) {
      Refused(TracesRefusal::kRateLimited, out.spans_received);
      return s;
    }
  }
  struct InflightGuard {
    std::atomic<uint64_t>* counter;
    uint64_t bytes;
    ~InflightGuard() { *counter -= bytes; }
  };
  const uint64_t before = inflight_bytes_.fetch_add(bytes);
  InflightGuard guard{&inflight_bytes_, bytes};
  // One request alone always passes, however large: the body cap bounds it.
  if (options_.max_inflight_bytes > 0 && before > 0 &&
      before + bytes > options_.max_inflight_bytes) {
    Refused(TracesRefusal::kOverloaded, out.spans_received);
    return Status::Unavailable("too many trace bytes being written (" + std::to_string(before) +
                               " in flight, limit " + std::to_string(options_.max_inflight_bytes) +
                               "); retry later");
  }

  auto app = store_.NewAppender(tenant);
  for (const auto& rs : request.resource_spans()) app->Add(rs);
  auto st = app->Commit();
  if (!st.ok()) {
    Refused(TracesRefusal::kStoreError, out.spans_received);
    return Status::Unavailable("failed to store spans: " + st.status().message());
  }
  if (!st->batch_error.ok()) {
    Refused(TracesRefusal::kInvalidId, out.spans_received);
    return st->batch_error;
  }
  out.spans_accepted = st->spans_accepted;
  out.spans_rejected = st->rejected();
  out.error_message = st->first_error;
  spans_accepted_ += out.spans_accepted;
  spans_rejected_ += out.spans_rejected;
  if (consumer_ && out.spans_accepted > 0) consumer_(tenant, request);
  return out;
}

TracesIngestStats TracesIngester::Stats() const {
  TracesIngestStats s;
  s.requests = requests_;
  s.spans_received = spans_received_;
  s.spans_accepted = spans_accepted_;
  s.spans_refused = spans_refused_;
  s.spans_rejected = spans_rejected_;
  for (int i = 0; i < static_cast<int>(TracesRefusal::kCount); ++i) {
    s.refused_requests[i] = refused_[i];
    s.refused_spans[i] = refused_spans_[i];
  }
  return s;
}

}  // namespace loupe::ingest::otlp
