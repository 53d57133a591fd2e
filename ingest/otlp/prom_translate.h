// OTLP metrics → Prometheus series, the way Prometheus's own OTLP receiver (POST
// /api/v1/otlp/v1/metrics; storage/remote/otlptranslator/prometheusremotewrite) translates them.
// Reference: Prometheus 3.5 (the otlptranslator code with promote_scope_metadata, keep_identifying_
// resource_attributes and a lookback-based target_info), default translation strategy
// UnderscoreEscapingWithSuffixes. Names follow prom_naming.h.
//
// Per data point:
//   * labels: the point's attributes, keys sanitised (prom_naming.h); attributes whose keys
//     collide after sanitising are joined with ';' in the order of their original keys (sorted);
//     then promoted resource attributes (only where no attribute label exists); then, with
//     promote_scope_metadata, otel_scope_name/otel_scope_version/otel_scope_schema_url and
//     otel_scope_<attr>; then job = "<service.namespace>/<service.name>" or "<service.name>",
//     and instance = service.instance.id, overriding attributes of those names. Values are
//     stringified as pdata AsString() (any_value_string.h). Labels with empty values are
//     dropped (loupe's model: empty = absent), as are attributes with an empty key;
//   * timestamps: time_unix_nano / 1e6 (ms, truncated);
//   * the NoRecordedValue flag makes every sample of the point a staleness marker (StaleNaN).
// Per metric type:
//   * Gauge → gauge `<name>`; no exemplars (as Prometheus);
//   * Sum, cumulative, monotonic → counter `<name>_total` with exemplars;
//     Sum non-monotonic → gauge `<name>` (no _total) with exemplars;
//   * Histogram → `<name>_bucket{le}` cumulative (one per explicit bound, le formatted as Go's
//     FormatFloat 'f' -1, plus le="+Inf" = count), `<name>_count`, and `<name>_sum` only when the
//     point has a sum; exemplars go to the first bucket whose bound >= the exemplar value;
//   * Summary → `<name>{quantile}`, `<name>_sum`, `<name>_count`;
//   * ExponentialHistogram → LOUPE DEVIATION: Prometheus stores these as native histograms, which
//     loupe does not have yet, so they become classic histograms: scales above 8 are reduced to 8
//     (as Prometheus does) and further until each of the positive and negative ranges has at most
//     `max_exponential_buckets` buckets; positive bucket i becomes le=base^(i+1) (base =
//     2^(2^-scale)), plus one boundary at le=base^offset below the first bucket so that
//     histogram_quantile() sees its true lower bound; the zero bucket becomes le=zero_threshold
//     (le="0" when the threshold is 0); negative bucket i becomes le=-base^i, i.e. its values
//     are counted as <= its upper end (a value exactly at -base^i, which OTel puts in bucket
//     i-1, is counted one bucket early); all cumulative, with le="+Inf" = count; bounds that
//     overflow to infinity fold into +Inf. Scales below -4 are rejected with Prometheus's
//     message. Exemplars attach to buckets as for classic histograms;
//   * a metric with no data type is reported ("unsupported metric type") and skipped.
// Per resource: `target_info` (value 1) with the resource attributes except service.name,
// service.namespace and service.instance.id (kept with keep_identifying_resource_attributes),
// plus job/instance; written only if there is a non-identifying attribute and a job or instance
// label; samples every lookback_delta/2 from the earliest to the latest data point timestamp of
// the resource plus one at the latest (LOUPE LIMIT: at most max_target_info_samples, the latest
// kept).
// Temporality: cumulative always; delta only with a DeltaToCumulative (else the whole metric is
// rejected: `invalid temporality and type combination for metric "<name>"`, as Prometheus);
// unspecified never.
//
// Metadata: one entry per family (the first metric of a name wins): type gauge/counter/histogram/
// summary as above, help = description, unit = the Prometheus unit name ("seconds"; Prometheus
// 3.5 kept the raw OTel unit in remote-write metadata, loupe stores what /api/v1/metadata should
// show); target_info gets {gauge, "Target metadata"} (loupe's choice; Prometheus writes none).
// LOUPE DEVIATION: an exemplar without a value is dropped with an error message (Prometheus
// abandons the rest of that metric's points).
// Rejections are counted per data point for partial_success: a rejected metric counts all its
// points; a point dropped by DeltaToCumulative counts one. Error messages are collected, deduped.
//
// Thread-safety: TranslateMetrics is reentrant; the DeltaToCumulative it is given synchronises
// itself.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ingest/otlp/delta_to_cumulative.h"
#include "ingest/otlp/prom_naming.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "storage/model/sample.h"

namespace loupe::ingest::otlp {

struct PromTranslationOptions {
  TranslationStrategy strategy = TranslationStrategy::kUnderscoreEscapingWithSuffixes;
  std::string metric_namespace;  // prefixed as "<namespace>_" (also to target_info)
  bool disable_target_info = false;
  bool keep_identifying_resource_attributes = false;
  // Resource attributes copied onto every series (Prometheus otlp.promote_resource_attributes),
  // or, with promote_all_resource_attributes, all except ignore_resource_attributes.
  std::vector<std::string> promote_resource_attributes;
  bool promote_all_resource_attributes = false;
  std::vector<std::string> ignore_resource_attributes;
  bool promote_scope_metadata = false;  // Prometheus 3.5 default: off
  LabelNamerOptions label_namer;
  int64_t lookback_delta_ms = 5 * 60 * 1000;
  int max_target_info_samples = 64;
  int max_exponential_buckets = 160;
};

struct PromTranslation {
  std::vector<storage::model::SeriesSamples> series;     // one entry per distinct label set
  std::vector<storage::model::MetricMetadata> metadata;  // one per family (first wins)
  int64_t rejected_data_points = 0;
  std::vector<std::string> errors;  // distinct messages, at most kMaxErrors kept

  static constexpr size_t kMaxErrors = 10;
  size_t errors_dropped = 0;  // distinct messages beyond kMaxErrors
  // The errors joined with "; " (plus "(and N more)"), for partial_success.error_message.
  std::string ErrorMessage() const;
};

// `delta` may be null: delta-temporality metrics are then rejected.
PromTranslation TranslateMetrics(
    const ::opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest& request,
    const PromTranslationOptions& options, DeltaToCumulative* delta = nullptr);

}  // namespace loupe::ingest::otlp
