// Internal to ingest/otlp: the translator's state, split across prom_translate.cc (labels,
// gauges, sums, target_info) and prom_histograms.cc (histograms, exponential histograms,
// summaries). See prom_translate.h for the rules.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ingest/otlp/delta_to_cumulative.h"
#include "ingest/otlp/prom_translate.h"
#include "storage/model/labels.h"
#include "storage/model/sample.h"

namespace loupe::ingest::otlp::prom_internal {

namespace metrics = ::opentelemetry::proto::metrics::v1;
namespace common = ::opentelemetry::proto::common::v1;
using storage::model::Label;
using storage::model::Labels;
using KeyValues = google::protobuf::RepeatedPtrField<common::KeyValue>;

inline constexpr uint32_t kNoRecordedValueFlag = 1;

// int64(ns) / 1e6, truncated toward zero (Prometheus's convertTimeStamp).
inline int64_t PointMillis(uint64_t ns) { return static_cast<int64_t>(ns) / 1'000'000; }

// Collects samples into one series per distinct label set, in first-seen order.
class SeriesSink {
 public:
  size_t Get(Labels labels);
  void AddSample(size_t series, int64_t t, double v) { series_[series].samples.push_back({t, v}); }
  void AddExemplar(size_t series, storage::model::Exemplar e) {
    series_[series].exemplars.push_back(std::move(e));
  }
  std::vector<storage::model::SeriesSamples> Take() { return std::move(series_); }

 private:
  std::vector<storage::model::SeriesSamples> series_;
  std::unordered_map<uint64_t, std::vector<size_t>> by_hash_;
};

struct ResourceContext {
  const ::opentelemetry::proto::resource::v1::Resource* resource = nullptr;
  std::vector<Label> promoted;  // sanitised names, sorted, unique (first wins)
  std::optional<std::string> job;
  std::optional<std::string> instance;
  StreamKey key;
};

struct ScopeContext {
  std::vector<Label> labels;  // otel_scope_* labels, applied in order (later wins)
  StreamKey key;
};

class Translator {
 public:
  Translator(const PromTranslationOptions& options, DeltaToCumulative* delta, PromTranslation* out)
      : options_(options), delta_(delta), out_(out) {}
  void Run(const ::opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest& r);

 private:
  ResourceContext MakeResourceContext(const ::opentelemetry::proto::resource::v1::Resource& r);
  ScopeContext MakeScopeContext(const metrics::ScopeMetrics& sm);
  void TranslateMetric(const metrics::Metric& m, const ResourceContext& rc, const ScopeContext& sc);
  void NumberPoints(const metrics::Metric& m, const std::string& name, bool is_sum, bool delta,
                    const ResourceContext& rc, const ScopeContext& sc, const StreamKey& mkey);
  void HistogramPoints(const metrics::Metric& m, const std::string& name, bool delta,
                       const ResourceContext& rc, const ScopeContext& sc, const StreamKey& mkey);
  void ExpHistogramPoints(const metrics::Metric& m, const std::string& name, bool delta,
                          const ResourceContext& rc, const ScopeContext& sc, const StreamKey& mkey);
  void SummaryPoints(const metrics::Metric& m, const std::string& name, const ResourceContext& rc,
                     const ScopeContext& sc);
  void TargetInfo(const ResourceContext& rc, uint64_t earliest_ns, uint64_t latest_ns);

  // Point labels without __name__: sorted, unique names; values may be empty.
  std::vector<Label> BaseLabels(const ResourceContext& rc, const ScopeContext* sc,
                                const KeyValues& attrs,
                                const std::vector<std::string_view>* ignore = nullptr) const;
  // base + __name__ (+ one extra label), empty values dropped.
  static Labels Finish(const std::vector<Label>& base, std::string_view name,
                       std::string_view extra_name = {}, std::string_view extra_value = {});

  // Attaches histogram exemplars to the first bucket (sorted by bound) whose bound >= value.
  void AttachExemplars(const google::protobuf::RepeatedPtrField<metrics::Exemplar>& exemplars,
                       std::vector<std::pair<double, size_t>> buckets,
                       std::string_view metric_name);
  std::optional<storage::model::Exemplar> ConvertExemplar(const metrics::Exemplar& e,
                                                          std::string_view metric_name);

  void AddMetadata(std::string family, storage::model::MetricType type, std::string help,
                   std::string unit);
  void Reject(int64_t points, std::string message);
  void AddError(std::string message);

  const PromTranslationOptions& options_;
  DeltaToCumulative* delta_;
  PromTranslation* out_;
  SeriesSink sink_;
  std::set<std::string> families_;
  std::set<std::string> error_set_;
};

}  // namespace loupe::ingest::otlp::prom_internal
