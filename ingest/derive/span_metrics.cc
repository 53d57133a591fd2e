#include "ingest/derive/span_metrics.h"

namespace loupe::ingest::derive {

namespace {

constexpr char kCallsTotal[] = "traces_spanmetrics_calls_total";
constexpr char kLatency[] = "traces_spanmetrics_latency";
constexpr char kSizeTotal[] = "traces_spanmetrics_size_total";

bool IsIntrinsic(std::string_view name) {
  return name == "service" || name == "span_name" || name == "span_kind" || name == "status_code" ||
         name == "status_message";
}

}  // namespace

SpanMetrics::SpanMetrics(const SpanMetricsOptions& options, MetricRegistry* registry)
    : options_(options) {
  std::vector<std::string> labels = {"service", "span_name", "span_kind", "status_code"};
  if (options_.enable_status_message) labels.push_back("status_message");
  for (const std::string& d : options_.dimensions) {
    std::string name = SanitizeLabelName(d);
    if (IsIntrinsic(name)) name = "__" + name;
    labels.push_back(std::move(name));
  }
  calls_ = registry->NewCounter(kCallsTotal, labels, "Total count of the spans");
  latency_ = registry->NewHistogram(kLatency, labels, options_.histogram_buckets,
                                    "Duration of the spans in seconds");
  if (options_.enable_size) {
    size_ = registry->NewCounter(kSizeTotal, labels, "Total size of the spans in bytes");
  }
  values_.reserve(labels.size());
  dim_scratch_.resize(options_.dimensions.size());
}

void SpanMetrics::Consume(const otlp_trace::ResourceSpans& rs, int64_t now_ms) {
  const KeyValues& resource = rs.resource().attributes();
  const std::string_view service = ServiceName(resource, &service_scratch_);
  for (const auto& ss : rs.scope_spans()) {
    for (const auto& span : ss.spans()) {
      values_.clear();
      values_.push_back(service);
      values_.push_back(span.name());
      values_.push_back(SpanKindName(span.kind(), &kind_scratch_));
      values_.push_back(StatusCodeName(span.status().code(), &status_scratch_));
      if (options_.enable_status_message) values_.push_back(span.status().message());
      for (size_t i = 0; i < options_.dimensions.size(); ++i) {
        std::string_view v;
        FindAttributeValue(options_.dimensions[i], resource, span.attributes(), &dim_scratch_[i],
                           &v);
        values_.push_back(v);
      }
      key_.Set(values_);
      calls_->Inc(key_, 1, now_ms);
      latency_->Observe(key_, SpanDurationSeconds(span), span.trace_id(), now_ms);
      if (size_ != nullptr) {
        size_->Inc(key_, static_cast<double>(span.ByteSizeLong()), now_ms);
      }
    }
  }
}

}  // namespace loupe::ingest::derive
