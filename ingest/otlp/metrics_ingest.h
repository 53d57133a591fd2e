// MetricsIngester: OTLP metrics into the metric store. One instance per process; it keeps a
// delta-to-cumulative converter per tenant (deltas are accepted and converted, as Prometheus's
// otlp-deltatocumulative feature does).
//
// Ingest() translates (prom_translate.h), appends, and fills the OTLP response: points the
// translation rejected and samples the store refused (out of order, duplicates, out of bounds)
// are reported in partial_success, never as a failed request (the OTLP spec: a client must not
// retry a partial success).
// Thread-safety: safe for concurrent use.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "ingest/otlp/delta_to_cumulative.h"
#include "ingest/otlp/prom_translate.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "storage/tsdb/metric_store.h"

namespace loupe::ingest::otlp {

struct MetricsIngestResult {
  int64_t rejected_data_points = 0;
  std::string error_message;  // for partial_success; empty when everything was accepted
  uint64_t samples_appended = 0;
};

class MetricsIngester {
 public:
  MetricsIngester(storage::tsdb::MetricStore& store, PromTranslationOptions options);

  // kIOError when the store could not make the data durable (retryable: 503 / UNAVAILABLE).
  Result<MetricsIngestResult> Ingest(
      std::string_view tenant,
      const ::opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest& request);

 private:
  DeltaToCumulative* DeltaFor(std::string_view tenant);
  storage::tsdb::MetricStore& store_;
  PromTranslationOptions options_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<DeltaToCumulative>, std::less<>> deltas_;
};

}  // namespace loupe::ingest::otlp
