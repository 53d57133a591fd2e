#include "ingest/derive/metrics_generator.h"

#include <algorithm>
#include <vector>

namespace loupe::ingest::derive {

namespace {

// How far before the collection time a new series' zero sample goes.
constexpr int64_t kZeroStartOffsetMs = 1000;

class AppenderSink final : public SampleSink {
 public:
  explicit AppenderSink(storage::tsdb::MetricStore::Appender* app) : app_(app) {}
  void AddSeries(const model::Labels& labels) override { app_->AddSeries(labels); }
  void AddSample(int64_t t_ms, double v) override { app_->AddSample(t_ms, v); }
  void AddExemplar(const model::Exemplar& e) override { app_->AddExemplar(e); }
  void AddMetadata(const model::MetricMetadata& md) override { app_->AddMetadata(md); }

 private:
  storage::tsdb::MetricStore::Appender* app_;
};

RegistryOptions MakeRegistryOptions(const GeneratorOptions& o) {
  RegistryOptions r;
  r.stale_ms = o.stale_duration_ms;
  r.max_series = o.max_active_series;
  r.exemplar_label = o.exemplar_trace_id_label;
  return r;
}

}  // namespace

MetricsGenerator::Tenant::Tenant(const GeneratorOptions& o) : registry(MakeRegistryOptions(o)) {
  if (o.span_metrics.enabled)
    span_metrics = std::make_unique<SpanMetrics>(o.span_metrics, &registry);
  if (o.service_graphs.enabled) graph = std::make_unique<ServiceGraph>(o.service_graphs, &registry);
}

MetricsGenerator::MetricsGenerator(storage::tsdb::MetricStore& store, GeneratorOptions options)
    : store_(store), options_(std::move(options)) {}

MetricsGenerator::~MetricsGenerator() = default;

MetricsGenerator::Tenant* MetricsGenerator::GetTenant(std::string_view name) {
  {
    std::shared_lock l(tenants_mu_);
    auto it = tenants_.find(name);
    if (it != tenants_.end()) return it->second.get();
  }
  std::unique_lock l(tenants_mu_);
  auto it = tenants_.find(name);
  if (it == tenants_.end()) {
    it = tenants_.emplace(std::string(name), std::make_unique<Tenant>(options_)).first;
  }
  return it->second.get();
}

void MetricsGenerator::Consume(std::string_view tenant, const TraceRequest& request) {
  Consume(tenant, request.resource_spans());
}

void MetricsGenerator::Consume(std::string_view tenant, const ResourceSpansList& resource_spans) {
  uint64_t spans = 0;
  for (const auto& rs : resource_spans) {
    for (const auto& ss : rs.scope_spans()) spans += static_cast<uint64_t>(ss.spans_size());
  }
  requests_.fetch_add(1, std::memory_order_relaxed);
  spans_.fetch_add(spans, std::memory_order_relaxed);
  if (spans == 0) return;
  const int64_t now_ms = options_.clock->NowMillis();
  Tenant* t = GetTenant(tenant);
  std::lock_guard l(t->mu);
  for (const auto& rs : resource_spans) {
    if (t->span_metrics) t->span_metrics->Consume(rs, now_ms);
    if (t->graph) t->graph->Consume(rs, now_ms);
  }
}

Status MetricsGenerator::Collect(int64_t now_ms) {
  std::lock_guard collect_lock(collect_mu_);
  std::vector<std::pair<std::string, Tenant*>> tenants;
  {
    std::shared_lock l(tenants_mu_);
    for (const auto& [name, t] : tenants_) tenants.emplace_back(name, t.get());
  }
  Status first_error;
  for (const auto& [name, t] : tenants) {
    std::unique_ptr<storage::tsdb::MetricStore::Appender> app = store_.NewAppender(name);
    AppenderSink sink(app.get());
    {
      std::lock_guard l(t->mu);
      if (t->graph) t->graph->Expire(now_ms);
      // The zero start of a new series goes just before the collection time, and after the
      // previous collection (whose staleness markers it must follow).
      int64_t zero_t = now_ms - kZeroStartOffsetMs;
      if (t->last_collect_ms != INT64_MIN) zero_t = std::max(zero_t, t->last_collect_ms + 1);
      t->registry.Collect(now_ms, zero_t, &sink);
      t->last_collect_ms = now_ms;
    }
    Result<storage::tsdb::AppendStats> r = app->Commit();
    if (!r.ok()) {
      collect_errors_.fetch_add(1, std::memory_order_relaxed);
      if (first_error.ok())
        first_error = r.status().WithContext("metrics generator: tenant " + name);
      continue;
    }
    samples_appended_.fetch_add(r->samples_appended, std::memory_order_relaxed);
    samples_rejected_.fetch_add(r->rejected(), std::memory_order_relaxed);
    exemplars_appended_.fetch_add(r->exemplars_appended, std::memory_order_relaxed);
  }
  collections_.fetch_add(1, std::memory_order_relaxed);
  return first_error;
}

GeneratorStats MetricsGenerator::Stats() const {
  GeneratorStats s;
  s.requests = requests_.load(std::memory_order_relaxed);
  s.spans = spans_.load(std::memory_order_relaxed);
  s.collections = collections_.load(std::memory_order_relaxed);
  s.samples_appended = samples_appended_.load(std::memory_order_relaxed);
  s.samples_rejected = samples_rejected_.load(std::memory_order_relaxed);
  s.exemplars_appended = exemplars_appended_.load(std::memory_order_relaxed);
  s.collect_errors = collect_errors_.load(std::memory_order_relaxed);
  std::shared_lock l(tenants_mu_);
  for (const auto& [name, t] : tenants_) {
    std::lock_guard tl(t->mu);
    const RegistryCounts& rc = t->registry.counts();
    s.active_series += t->registry.active_series();
    s.series_stale += rc.series_stale;
    s.series_limited += rc.series_limited;
    s.invalid_utf8 += rc.invalid_utf8;
    if (t->graph) {
      const ServiceGraphCounts& gc = t->graph->counts();
      s.edges_pending += t->graph->pending_edges();
      s.edges_completed += gc.edges_completed;
      s.edges_virtual += gc.edges_virtual;
      s.spans_unpaired += gc.spans_unpaired;
      s.spans_dropped += gc.spans_dropped;
    }
  }
  return s;
}

}  // namespace loupe::ingest::derive
