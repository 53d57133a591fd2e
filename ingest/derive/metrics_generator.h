// MetricsGenerator: metrics from traces, as Tempo's metrics-generator makes them — span metrics
// (span_metrics.h) and service graphs (service_graph.h) — written into loupe's metric store.
//
// Ingest hands every accepted OTLP trace request to Consume(); the generator keeps cumulative
// counters and histograms in memory per tenant (metric_registry.h) and, on each Collect(),
// writes their current values into the MetricStore with one timestamp per collection (Tempo's
// registry does the same every collection_interval, 15 s by default), so the store holds
// ordinary counter/histogram series that rate(), increase() and histogram_quantile() read as
// usual. Series without updates for stale_duration get a staleness marker and are forgotten.
// Collect() also expires service-graph edges whose wait has ended (Consume() does as well).
//
// Timing: the generator owns no thread. The owner calls Collect() every
// collection_interval_ms() (and once more at shutdown, so the last increments are written);
// tests call Collect(now_ms) with chosen times. Times of updates and edge waits come from
// `options.clock`.
//
// Thread-safety: all methods are safe for concurrent use. Consume() calls for different tenants
// run in parallel; calls for one tenant serialize on its lock (held only while spans are
// aggregated, never during store I/O). Collect() calls serialize among themselves.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "ingest/derive/metric_registry.h"
#include "ingest/derive/service_graph.h"
#include "ingest/derive/span_metrics.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "storage/base/clock.h"
#include "storage/base/status.h"
#include "storage/tsdb/metric_store.h"

namespace loupe::ingest::derive {

struct GeneratorOptions {
  SpanMetricsOptions span_metrics;
  ServiceGraphOptions service_graphs;
  int64_t collection_interval_ms = 15'000;     // Tempo's registry.collection_interval
  int64_t stale_duration_ms = 15 * 60 * 1000;  // Tempo's registry.stale_duration
  // Label sets per tenant over all families (0 = unlimited, Tempo's default). A span name
  // carrying ids can create series without bound. With span metrics, 20'000 label sets are
  // about 127k store series (each span label set is 3 families: 2 counters and a 17-series
  // histogram). Refused updates are counted in GeneratorStats::series_limited.
  size_t max_active_series = 20'000;
  // Exemplar label holding the trace id. Tempo's name; Grafana's exemplar links use whatever
  // the Prometheus data source's exemplarTraceIdDestinations names (Tempo setups: traceID).
  std::string exemplar_trace_id_label = "traceID";
  Clock* clock = &Clock::Real();
};

struct GeneratorStats {
  uint64_t requests = 0;
  uint64_t spans = 0;
  uint64_t collections = 0;
  uint64_t samples_appended = 0;  // accepted by the store
  uint64_t samples_rejected = 0;  // refused by the store (e.g. out of order after a clock jump)
  uint64_t exemplars_appended = 0;
  uint64_t collect_errors = 0;  // failed commits
  uint64_t active_series = 0;   // label sets held, over all tenants
  uint64_t series_stale = 0;
  uint64_t series_limited = 0;
  uint64_t invalid_utf8 = 0;
  uint64_t edges_pending = 0;
  uint64_t edges_completed = 0;
  uint64_t edges_virtual = 0;
  uint64_t spans_unpaired = 0;
  uint64_t spans_dropped = 0;
};

class MetricsGenerator {
 public:
  // `store` must outlive the generator.
  MetricsGenerator(storage::tsdb::MetricStore& store, GeneratorOptions options);
  ~MetricsGenerator();
  MetricsGenerator(const MetricsGenerator&) = delete;
  MetricsGenerator& operator=(const MetricsGenerator&) = delete;

  using TraceRequest = ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
  using ResourceSpansList =
      google::protobuf::RepeatedPtrField<::opentelemetry::proto::trace::v1::ResourceSpans>;

  // Aggregates every span of the request into `tenant`'s metrics. Never fails: spans that
  // cannot contribute (no service.name for service graphs, unknown kinds) are skipped, and
  // refused series are counted in Stats().
  void Consume(std::string_view tenant, const TraceRequest& request);
  void Consume(std::string_view tenant, const ResourceSpansList& resource_spans);

  // Writes every tenant's current values at `now_ms` into the store (one commit per tenant)
  // and drops stale series. OK when every commit succeeded; otherwise the first commit error
  // (kIOError when the WAL write failed). Values stay in memory either way, so the next
  // collection writes them again.
  Status Collect(int64_t now_ms);
  Status Collect() { return Collect(options_.clock->NowMillis()); }

  int64_t collection_interval_ms() const { return options_.collection_interval_ms; }
  GeneratorStats Stats() const;

 private:
  struct Tenant {
    explicit Tenant(const GeneratorOptions& o);
    std::mutex mu;
    MetricRegistry registry;
    std::unique_ptr<SpanMetrics> span_metrics;  // null when disabled
    std::unique_ptr<ServiceGraph> graph;        // null when disabled
    int64_t last_collect_ms = INT64_MIN;
  };
  Tenant* GetTenant(std::string_view name);

  storage::tsdb::MetricStore& store_;
  GeneratorOptions options_;

  mutable std::shared_mutex tenants_mu_;
  std::map<std::string, std::unique_ptr<Tenant>, std::less<>> tenants_;

  std::mutex collect_mu_;
  std::atomic<uint64_t> requests_{0}, spans_{0}, collections_{0};
  std::atomic<uint64_t> samples_appended_{0}, samples_rejected_{0}, exemplars_appended_{0};
  std::atomic<uint64_t> collect_errors_{0};
};

}  // namespace loupe::ingest::derive
