#include "ingest/otlp/metrics_ingest.h"

namespace loupe::ingest::otlp {

MetricsIngester::MetricsIngester(storage::tsdb::MetricStore& store, PromTranslationOptions options)
    : store_(store), options_(std::move(options)) {}

DeltaToCumulative* MetricsIngester::DeltaFor(std::string_view tenant) {
  std::lock_guard lock(mu_);
  auto it = deltas_.find(tenant);
  if (it == deltas_.end()) {
    it = deltas_.emplace(std::string(tenant), std::make_unique<DeltaToCumulative>(DeltaToCumulative::Options{})).first;
  }
  return it->second.get();
}

Result<MetricsIngestResult> MetricsIngester::Ingest(
    std::string_view tenant,
    const ::opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest& request) {
  MetricsIngestResult out;
  PromTranslation t = TranslateMetrics(request, options_, DeltaFor(tenant));
  auto app = store_.NewAppender(tenant);
  for (const auto& s : t.series) {
    app->AddSeries(s.labels);
    for (const auto& smp : s.samples) app->AddSample(smp.t, smp.v);
    for (const auto& e : s.exemplars) app->AddExemplar(e);
  }
  for (auto& md : t.metadata) app->AddMetadata(std::move(md));
  LOUPE_ASSIGN_OR_RETURN(const auto stats, app->Commit());
  out.samples_appended = stats.samples_appended;
  out.rejected_data_points = t.rejected_data_points + static_cast<int64_t>(stats.rejected());
  std::string msg = t.ErrorMessage();
  if (stats.rejected() > 0) {
    if (!msg.empty()) msg += "; ";
    msg += std::to_string(stats.rejected()) + " samples rejected by the store, first: " + stats.first_error;
  }
  out.error_message = std::move(msg);
  return out;
}

}  // namespace loupe::ingest::otlp
