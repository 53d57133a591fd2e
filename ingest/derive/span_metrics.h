// SpanMetrics: Tempo's span-metrics processor. For every span:
//
//   traces_spanmetrics_calls_total                  counter, +1
//   traces_spanmetrics_latency_{bucket,sum,count}   histogram of the duration in seconds,
//                                                   exemplar = the span's trace id
//   traces_spanmetrics_size_total                   counter, + the span's encoded size in bytes
//                                                   (protobuf, as Tempo's span.Size())
//
// labelled service (resource service.name; absent when missing), span_name, span_kind
// ("SPAN_KIND_SERVER", ...), status_code ("STATUS_CODE_UNSET" | "_OK" | "_ERROR"), optionally
// status_message, and one label per configured dimension: the attribute's value (resource
// first, then span; absent when neither has it) under its sanitized name ('.' -> '_'), a name
// that collides with an intrinsic label getting a "__" prefix, as Tempo does.
//
// Thread-safety: none; the owner serializes calls (MetricsGenerator holds a tenant lock).
#pragma once

#include <string>
#include <vector>

#include "ingest/derive/metric_registry.h"
#include "ingest/derive/span_util.h"

namespace loupe::ingest::derive {

struct SpanMetricsOptions {
  bool enabled = true;
  std::vector<double> histogram_buckets = ExponentialBuckets(0.002, 2, 14);  // Tempo's default
  std::vector<std::string> dimensions;  // attribute keys to add as labels
  bool enable_status_message = false;
  bool enable_size = true;  // traces_spanmetrics_size_total
};

class SpanMetrics {
 public:
  // `registry` must outlive this object.
  SpanMetrics(const SpanMetricsOptions& options, MetricRegistry* registry);
  SpanMetrics(const SpanMetrics&) = delete;
  SpanMetrics& operator=(const SpanMetrics&) = delete;

  void Consume(const otlp_trace::ResourceSpans& rs, int64_t now_ms);

 private:
  SpanMetricsOptions options_;
  MetricRegistry::Counter* calls_;
  MetricRegistry::Histogram* latency_;
  MetricRegistry::Counter* size_ = nullptr;
  // Scratch reused across spans.
  SeriesKey key_;
  std::vector<std::string_view> values_;
  std::vector<std::string> dim_scratch_;
  std::string service_scratch_, kind_scratch_, status_scratch_;
};

}  // namespace loupe::ingest::derive
