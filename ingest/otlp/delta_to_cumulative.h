// DeltaToCumulative: turns OTLP delta-temporality sums and histograms into cumulative ones so
// they can be stored as Prometheus counters and classic histograms. Prometheus rejects delta
// metrics unless it runs the OpenTelemetry Collector's deltatocumulative processor
// (--enable-feature=otlp-deltatocumulative); this class follows that processor's rules:
//   * a stream is identified by resource attributes, scope (name, version, attributes), metric
//     (name, unit, type, monotonicity) and the data point's attributes (typed values, order
//     independent), hashed to 128 bits (collisions are astronomically unlikely, not impossible);
//   * the first point of a stream becomes its running total as is;
//   * a later point whose start time is before the stream's start time is dropped ("older
//     start": another writer, or a replay), and one whose time is not after the last accepted
//     time is dropped ("out of order");
//   * otherwise values are added: sums add (integer while both sides are integers); histogram
//     bucket counts, count and sum add, min/max combine, and different explicit bounds replace
//     the running total with the new point; exponential histograms are merged at the smaller
//     scale (and further downscaled so neither side needs more than 160 buckets), with the zero
//     bucket widened to the larger zero threshold;
//   * the cumulative point keeps the stream's first start time and the new point's time, flags,
//     attributes and exemplars;
//   * a point flagged NoRecordedValue passes through unchanged (it becomes a staleness marker)
//     and ends the stream, so the next point starts a new running total.
// Limits (documented deviations from a durable implementation):
//   * state lives in memory only: a restart of loupe restarts every running total at the next
//     delta, which PromQL's rate() reads as a counter reset;
//   * a stream idle for longer than `max_stale` is forgotten (its next point starts over);
//   * at most `max_streams` streams are tracked; points of new streams beyond that are rejected
//     (after forgetting stale streams) rather than evicting live ones;
//   * a sum's value resets if the producer restarts with a new start time only when that start
//     time is older than the stream's (the processor cannot see other restarts either).
//
// Thread-safety: safe for concurrent use; calls are serialised by an internal mutex.
#pragma once

#include <cstdint>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "opentelemetry/proto/metrics/v1/metrics.pb.h"
#include "storage/base/clock.h"
#include "storage/base/status.h"

namespace loupe::ingest::otlp {

// A 128-bit stream identity.
struct StreamKey {
  uint64_t hi = 0;
  uint64_t lo = 0;
  friend bool operator==(const StreamKey&, const StreamKey&) = default;
};

// Hash of arbitrary bytes (non-cryptographic, stable across runs).
StreamKey HashStreamBytes(std::string_view bytes);
// Order-independent hash of typed attributes (sorted by key; values compared by type and value).
StreamKey HashAttributes(
    const google::protobuf::RepeatedPtrField<::opentelemetry::proto::common::v1::KeyValue>& attrs);
// Combines component hashes (order matters).
StreamKey CombineStreamKeys(std::initializer_list<StreamKey> parts);

class DeltaToCumulative {
 public:
  struct Options {
    size_t max_streams = 100'000;
    int64_t max_stale_nanos = 5LL * 60 * 1'000'000'000;
  };

  explicit DeltaToCumulative(Options options, Clock& clock = Clock::Real());

  // Each adds the delta point `in` to the stream `key` and writes the cumulative point to *out.
  // Returns OK; kInvalidArgument for a dropped point ("older start" or "out of order", message
  // names the metric `metric_name`); kResourceExhausted when the stream limit is reached.
  // *out is unspecified on error.
  using NumberPoint = ::opentelemetry::proto::metrics::v1::NumberDataPoint;
  using HistogramPoint = ::opentelemetry::proto::metrics::v1::HistogramDataPoint;
  using ExpHistogramPoint = ::opentelemetry::proto::metrics::v1::ExponentialHistogramDataPoint;
  Status Accumulate(const StreamKey& key, std::string_view metric_name, const NumberPoint& in,
                    NumberPoint* out);
  Status Accumulate(const StreamKey& key, std::string_view metric_name, const HistogramPoint& in,
                    HistogramPoint* out);
  Status Accumulate(const StreamKey& key, std::string_view metric_name, const ExpHistogramPoint& in,
                    ExpHistogramPoint* out);

  // Forgets streams idle longer than max_stale. Also runs on its own every max_stale/2.
  void ExpireStale();
  size_t stream_count() const;

 private:
  struct NumberState {
    bool is_int = true;
    int64_t int_value = 0;
    double double_value = 0;
  };
  struct HistogramState {
    uint64_t count = 0;
    bool has_sum = false, has_min = false, has_max = false;
    double sum = 0, min = 0, max = 0;
    std::vector<double> bounds;
    std::vector<uint64_t> counts;
  };
  struct ExpBuckets {
    int64_t offset = 0;
    std::vector<uint64_t> counts;
  };
  struct ExpHistogramState {
    uint64_t count = 0, zero_count = 0;
    bool has_sum = false, has_min = false, has_max = false;
    double sum = 0, min = 0, max = 0, zero_threshold = 0;
    int32_t scale = 0;
    ExpBuckets positive, negative;
  };
  struct Stream {
    uint64_t start = 0;     // start_time_unix_nano of the running total
    uint64_t time = 0;      // time_unix_nano of the last accepted point
    int64_t last_seen = 0;  // clock.MonotonicNanos()
    std::variant<NumberState, HistogramState, ExpHistogramState> state;
  };
  struct KeyHash {
    size_t operator()(const StreamKey& k) const { return static_cast<size_t>(k.lo ^ k.hi); }
  };

  // Shared admission logic. Returns the stream to add into (nullptr: *fresh was created or the
  // point ends the stream), or an error.
  template <typename Point>
  Status Admit(const StreamKey& key, std::string_view metric_name, const Point& in,
               Stream** existing, bool* ends_stream);
  void MaybeSweepLocked(int64_t now);
  void SweepLocked(int64_t now);

  static ExpHistogramState FromPoint(const ExpHistogramPoint& p);
  static void MergeExp(ExpHistogramState* into, ExpHistogramState in);

  const Options options_;
  Clock& clock_;
  mutable std::mutex mu_;
  std::unordered_map<StreamKey, Stream, KeyHash> streams_;
  int64_t last_sweep_ = 0;
};

}  // namespace loupe::ingest::otlp
