// MetricRegistry: one tenant's derived metrics as cumulative in-memory state — counters and
// classic histograms keyed by label values — written out as samples on each collection.
//
// The model is Tempo's metrics-generator registry (itself shaped like a Prometheus client
// library): processors increment and observe as spans arrive; every collection interval
// Collect() writes each live series' current value at one timestamp, so the metric store sees
// ordinary cumulative counter and histogram series. The rules:
//  * A series' first collection writes a 0 sample at `zero_t_ms` (just before the collection
//    time) and then its value, so rate()/increase() count the increments that created it.
//    (Tempo writes the 0 at the collection time and the value one second later; a sample in the
//    future is avoided here.) A series that reappears after going stale starts from 0 again.
//  * A series not updated for `stale_ms` gets a staleness marker (model::StaleNaN) on each of
//    its sample series at the collection time and is dropped from memory.
//  * Histograms are classic ones: `<name>_bucket{le=...}` (cumulative, "+Inf" included),
//    `<name>_sum`, `<name>_count`; `le` values print as Go's FormatFloat(v, 'f', -1).
//    Each bucket keeps the trace id of its latest observation; the next Collect() attaches it
//    once as an exemplar to that bucket's series, labelled `exemplar_label` (Tempo: traceID).
//  * An empty label value means the label is absent (Prometheus semantics). Label values
//    longer than `max_label_value_bytes` are cut at a code point boundary (Tempo's
//    max_label_value_length, default 2048).
//  * A new series beyond `max_series` (0 = no limit), or one whose label values are not valid
//    UTF-8, is refused: the update is dropped and counted in Counts().
//
// Thread-safety: none. The owner serializes every call (MetricsGenerator holds a tenant lock).
#pragma once

#include <absl/container/flat_hash_map.h>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/model/labels.h"
#include "storage/model/sample.h"

namespace loupe::ingest::derive {

namespace model = ::loupe::storage::model;

// Where Collect() writes. MetricsGenerator adapts a MetricStore::Appender; tests record.
class SampleSink {
 public:
  virtual ~SampleSink() = default;
  virtual void AddSeries(const model::Labels& labels) = 0;  // following samples belong to it
  virtual void AddSample(int64_t t_ms, double v) = 0;
  virtual void AddExemplar(const model::Exemplar& e) = 0;
  virtual void AddMetadata(const model::MetricMetadata& md) = 0;
};

inline constexpr size_t kDefaultMaxLabelValueBytes = 2048;

// Label values (in a family's label-name order) encoded and hashed once, so a processor that
// updates several families with the same labels pays for it once. Reuse one object to keep its
// buffer.
class SeriesKey {
 public:
  void Set(std::span<const std::string_view> values,
           size_t max_value_bytes = kDefaultMaxLabelValueBytes);
  void Set(std::initializer_list<std::string_view> values,
           size_t max_value_bytes = kDefaultMaxLabelValueBytes) {
    Set(std::span<const std::string_view>(values.begin(), values.size()), max_value_bytes);
  }
  std::string_view bytes() const { return bytes_; }
  uint64_t hash() const { return hash_; }
  size_t num_values() const { return num_values_; }

 private:
  std::string bytes_;  // values joined by 0xFF (a byte no UTF-8 text contains)
  uint64_t hash_ = 0;
  size_t num_values_ = 0;
};

struct RegistryOptions {
  int64_t stale_ms = 15 * 60 * 1000;  // Tempo's stale_duration
  size_t max_series = 0;              // label sets over all families; 0 = unlimited
  std::string exemplar_label = "traceID";
};

// Cumulative counts, for the generator's self-metrics.
struct RegistryCounts {
  uint64_t series_created = 0;
  uint64_t series_stale = 0;    // dropped after stale_ms without updates
  uint64_t series_limited = 0;  // updates refused by max_series
  uint64_t invalid_utf8 = 0;    // updates refused for label values that are not UTF-8
};

struct CollectCounts {
  size_t series = 0;   // sample series written (each histogram bucket counts)
  size_t samples = 0;  // including zero starts and staleness markers
  size_t exemplars = 0;
  size_t stale_markers = 0;
};

class MetricRegistry {
 private:
  class Family;

 public:
  explicit MetricRegistry(RegistryOptions options);
  ~MetricRegistry();
  MetricRegistry(const MetricRegistry&) = delete;
  MetricRegistry& operator=(const MetricRegistry&) = delete;

  class Counter;
  class Histogram;

  // Families live as long as the registry. `label_names` must be valid, distinct label names
  // other than __name__ (and le for histograms); keys passed to Inc/Observe carry one value per
  // name, in this order. `buckets` must be finite and strictly increasing (+Inf is implied).
  Counter* NewCounter(std::string name, std::vector<std::string> label_names, std::string help);
  Histogram* NewHistogram(std::string name, std::vector<std::string> label_names,
                          std::vector<double> buckets, std::string help);

  // Writes every live series at `now_ms` (see the rules above) and drops stale ones. Family
  // metadata is written with a family's first series.
  CollectCounts Collect(int64_t now_ms, int64_t zero_t_ms, SampleSink* sink);

  // Label sets currently held, over all families.
  size_t active_series() const { return active_series_; }
  const RegistryCounts& counts() const { return counts_; }

 private:
  friend class Counter;
  friend class Histogram;
  // Admits a new series with these values; false (and counted) when refused.
  bool AdmitSeries(const std::vector<std::string_view>& values);

  RegistryOptions options_;
  std::vector<std::unique_ptr<Family>> families_;
  size_t active_series_ = 0;
  RegistryCounts counts_;
};

// A view of a key stored in a series (or of a caller's SeriesKey while looking up).
struct KeyRef {
  std::string_view bytes;
  uint64_t hash;
};
struct KeyRefHash {
  size_t operator()(const KeyRef& k) const { return static_cast<size_t>(k.hash); }
};
struct KeyRefEq {
  bool operator()(const KeyRef& a, const KeyRef& b) const {
    return a.hash == b.hash && a.bytes == b.bytes;
  }
};

class MetricRegistry::Family {
 public:
  Family(MetricRegistry* registry, std::string name, std::vector<std::string> label_names,
         model::MetricType type, std::string help)
      : registry_(registry),
        name_(std::move(name)),
        label_names_(std::move(label_names)),
        type_(type),
        help_(std::move(help)) {}
  virtual ~Family() = default;
  virtual CollectCounts Collect(int64_t now_ms, int64_t zero_t_ms, SampleSink* sink) = 0;
  const std::string& name() const { return name_; }

 protected:
  // The series labels for a key's values plus __name__ = `metric_name`.
  model::Labels BuildLabels(const std::vector<std::string_view>& values,
                            std::string_view metric_name) const;
  void MaybeAnnounce(SampleSink* sink);

  MetricRegistry* registry_;
  std::string name_;
  std::vector<std::string> label_names_;
  model::MetricType type_;
  std::string help_;
  bool announced_ = false;
};

class MetricRegistry::Counter final : public Family {
 public:
  using Family::Family;
  // Adds `delta` (>= 0) to the series for `key`, creating it if admitted.
  void Inc(const SeriesKey& key, double delta, int64_t now_ms);
  CollectCounts Collect(int64_t now_ms, int64_t zero_t_ms, SampleSink* sink) override;
  // The current value, or -1 if the series does not exist (tests).
  double Value(const SeriesKey& key) const;

 private:
  struct Series {
    std::string key;
    model::Labels labels;
    double value = 0;
    int64_t last_update_ms = 0;
    bool written = false;
  };
  absl::flat_hash_map<KeyRef, std::unique_ptr<Series>, KeyRefHash, KeyRefEq> series_;
};

class MetricRegistry::Histogram final : public Family {
 public:
  Histogram(MetricRegistry* registry, std::string name, std::vector<std::string> label_names,
            std::vector<double> buckets, std::string help);
  // Records `v` in the series for `key`. `trace_id` (raw bytes, up to 16) becomes the bucket's
  // exemplar unless empty or all zero.
  void Observe(const SeriesKey& key, double v, std::string_view trace_id, int64_t now_ms);
  CollectCounts Collect(int64_t now_ms, int64_t zero_t_ms, SampleSink* sink) override;
  const std::vector<double>& buckets() const { return bounds_; }

 private:
  struct ExemplarSlot {
    std::array<char, 16> trace_id{};
    uint8_t trace_id_len = 0;  // 0 = nothing pending
    double value = 0;
  };
  struct Series {
    std::string key;
    model::Labels sum_labels, count_labels;
    std::vector<model::Labels> bucket_labels;  // bounds_.size() + 1 (+Inf last)
    std::vector<double> counts;                // per bucket, not cumulative
    std::vector<ExemplarSlot> exemplars;
    double sum = 0;
    double count = 0;
    int64_t last_update_ms = 0;
    bool written = false;
  };
  std::vector<double> bounds_;
  std::vector<std::string> le_values_;  // formatted bounds, then "+Inf"
  absl::flat_hash_map<KeyRef, std::unique_ptr<Series>, KeyRefHash, KeyRefEq> series_;
};

}  // namespace loupe::ingest::derive
