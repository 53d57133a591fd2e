#include "appliance/trace_pipeline.h"

#include <spdlog/spdlog.h>

#include "appliance/api/otlp_api.h"
#include "appliance/api/tempo_api.h"
#include "appliance/grpc/otlp_services.h"
#include "ingest/derive/metrics_generator.h"
#include "ingest/otlp/traces_ingest.h"
#include "storage/spanstore/span_store.h"
#include "storage/tsdb/metric_store.h"

namespace loupe::appliance {

namespace spanstore = storage::spanstore;

std::vector<storage::kv::ColumnFamilySpec> TracePipeline::ColumnFamilies() {
  return spanstore::SpanStore::ColumnFamilies();
}

Result<std::unique_ptr<TracePipeline>> TracePipeline::Open(
    storage::kv::RocksStore& kv, const std::string& data_dir, const TracesConfig& config,
    storage::tsdb::MetricStore* metric_store) {
  std::unique_ptr<TracePipeline> p(new TracePipeline());
  p->config_ = config;
  spanstore::SpanStoreOptions so;
  so.max_bytes_per_trace = config.max_bytes_per_trace;
  so.max_live_traces = static_cast<uint64_t>(config.max_live_traces);
  so.retention_ns = config.retention_ns;
  so.retention_bytes = config.retention_bytes;
  LOUPE_ASSIGN_OR_RETURN(p->store_, spanstore::SpanStore::Open(kv, data_dir + "/wal/traces", so));

  ingest::otlp::TracesIngester::Consumer consumer;
  if (config.metrics_generator && metric_store) {
    p->generator_ = std::make_unique<ingest::derive::MetricsGenerator>(
        *metric_store, ingest::derive::GeneratorOptions{});
    consumer = [g = p->generator_.get()](std::string_view tenant,
                                         const ingest::otlp::TracesIngester::Request& req) {
      g->Consume(tenant, req);
    };
    p->collector_ = std::thread([raw = p.get()] { raw->CollectLoop(); });
  }
  ingest::otlp::TracesIngestOptions io;
  io.rate_limit_bytes = config.ingestion_rate_limit_bytes;
  io.burst_bytes = config.ingestion_burst_bytes;
  io.max_inflight_bytes = config.max_inflight_bytes;
  p->ingester_ =
      std::make_unique<ingest::otlp::TracesIngester>(*p->store_, io, std::move(consumer));
  return p;
}

TracePipeline::~TracePipeline() { (void)Close(); }

void TracePipeline::CollectLoop() {
  const auto interval = std::chrono::milliseconds(generator_->collection_interval_ms());
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (cv_.wait_for(lock, interval, [this] { return stopping_; })) break;
    lock.unlock();
    if (Status s = generator_->Collect(); !s.ok())
      spdlog::warn("metrics generator: {}", s.message());
    lock.lock();
  }
}

Status TracePipeline::Close() {
  {
    std::lock_guard lock(mu_);
    if (closed_) return Status::OK();
    closed_ = true;
    stopping_ = true;
  }
  cv_.notify_all();
  if (collector_.joinable()) collector_.join();
  Status st;
  if (generator_)
    st = generator_->Collect();  // the last increments, before the metric store closes
  if (store_) {
    Status closed = store_->Close();
    if (st.ok()) st = closed;
  }
  return st;
}

grpc::Service* TracePipeline::GrpcService(const std::string& auth_token) {
  if (!grpc_service_)
    grpc_service_ = std::make_unique<grpcsrv::OtlpTracesService>(*ingester_, auth_token);
  return grpc_service_.get();
}

void TracePipeline::RegisterHttp(http::Router& router, selfmon::Registry& metrics) {
  api::TempoApiOptions to;
  to.max_bytes_per_trace = config_.max_bytes_per_trace;
  api::RegisterTempoApi(router, *store_, to);
  api::RegisterOtlpTracesApi(router, *ingester_);

  metrics.AddCollector([this](selfmon::MetricWriter& w) {
    using selfmon::MetricType;
    const auto in = ingester_->Stats();
    const auto ss = store_->Stats();
    w.Family("loupe_traces_received_spans_total", MetricType::kCounter,
             "Spans received in OTLP trace requests.");
    w.Sample("", {}, static_cast<double>(in.spans_received));
    w.Family("loupe_traces_accepted_spans_total", MetricType::kCounter,
             "Spans written to the span store.");
    w.Sample("", {}, static_cast<double>(ss.spans_accepted));
    w.Family("loupe_traces_discarded_spans_total", MetricType::kCounter,
             "Spans not stored, by reason (Tempo's tempo_discarded_spans_total reasons).");
    for (int r = 0; r < static_cast<int>(spanstore::DiscardReason::kCount); ++r) {
      w.Sample(
          "",
          {{"reason",
            std::string(spanstore::DiscardReasonLabel(static_cast<spanstore::DiscardReason>(r)))}},
          static_cast<double>(ss.spans_discarded[r]));
    }
    for (auto r :
         {ingest::otlp::TracesRefusal::kRateLimited, ingest::otlp::TracesRefusal::kOverloaded,
          ingest::otlp::TracesRefusal::kStoreError}) {
      w.Sample("", {{"reason", std::string(ingest::otlp::TracesRefusalLabel(r))}},
               static_cast<double>(in.refused_spans[static_cast<int>(r)]));
    }
    w.Family("loupe_traces_requests_total", MetricType::kCounter,
             "OTLP trace requests (gRPC and HTTP) decoded.");
    w.Sample("", {}, static_cast<double>(in.requests));
    w.Family("loupe_traces_refused_requests_total", MetricType::kCounter,
             "OTLP trace requests refused whole, by reason.");
    for (int r = 0; r < static_cast<int>(ingest::otlp::TracesRefusal::kCount); ++r) {
      w.Sample("",
               {{"reason", std::string(ingest::otlp::TracesRefusalLabel(
                               static_cast<ingest::otlp::TracesRefusal>(r)))}},
               static_cast<double>(in.refused_requests[r]));
    }
    w.Family("loupe_spanstore_head_spans", MetricType::kGauge,
             "Spans in the span store's heads (not yet cut).");
    w.Sample("", {}, static_cast<double>(ss.head_spans));
    w.Family("loupe_spanstore_head_traces", MetricType::kGauge,
             "Traces in the span store's heads.");
    w.Sample("", {}, static_cast<double>(ss.head_traces));
    w.Family("loupe_spanstore_head_memory_bytes", MetricType::kGauge,
             "Approximate bytes held by the span store's heads.");
    w.Sample("", {}, static_cast<double>(ss.head_memory_bytes));
    w.Family("loupe_spanstore_blocks", MetricType::kGauge, "Persisted span blocks.");
    w.Sample("", {}, static_cast<double>(ss.blocks));
    w.Family("loupe_spanstore_block_spans", MetricType::kGauge, "Spans in persisted blocks.");
    w.Sample("", {}, static_cast<double>(ss.block_spans));
    w.Family("loupe_spanstore_stored_bytes", MetricType::kGauge,
             "Bytes of persisted blocks, by part.");
    w.Sample("", {{"part", "traces"}}, static_cast<double>(ss.trace_bytes));
    w.Sample("", {{"part", "index"}}, static_cast<double>(ss.index_bytes));
    w.Family("loupe_spanstore_cuts_total", MetricType::kCounter, "Head cuts (blocks persisted).");
    w.Sample("", {}, static_cast<double>(ss.cuts));
    w.Family("loupe_spanstore_wal_bytes", MetricType::kGauge,
             "Bytes in the span write-ahead logs.");
    w.Sample("", {}, static_cast<double>(ss.wal_bytes));
    w.Family(
        "loupe_spanstore_wal_corruptions_total", MetricType::kCounter,
        "Torn tails, corrupt segments and undecodable records found while replaying the span WAL.");
    w.Sample("", {}, static_cast<double>(ss.wal_corruptions));
    w.Family("loupe_spanstore_corrupt_reads_total", MetricType::kCounter,
             "Stored trace records or index units that failed to decode.");
    w.Sample("", {}, static_cast<double>(ss.corrupt_reads));
    w.Family("loupe_spanstore_retention_deleted_blocks_total", MetricType::kCounter,
             "Span blocks dropped by retention.");
    w.Sample("", {}, static_cast<double>(ss.retention_deleted_blocks));
    w.Family("loupe_spanstore_wal_replay_seconds", MetricType::kGauge,
             "Time the last start spent replaying the span WAL.");
    w.Sample("", {}, static_cast<double>(ss.replay_ms) / 1000.0);
    if (generator_) {
      const auto gs = generator_->Stats();
      w.Family("loupe_traces_generator_active_series", MetricType::kGauge,
               "Label sets held by the metrics generator.");
      w.Sample("", {}, static_cast<double>(gs.active_series));
      w.Family("loupe_traces_generator_samples_appended_total", MetricType::kCounter,
               "Samples the metrics generator wrote into the metric store.");
      w.Sample("", {}, static_cast<double>(gs.samples_appended));
      w.Family("loupe_traces_generator_series_limited_total", MetricType::kCounter,
               "Metrics generator updates refused by the active series limit.");
      w.Sample("", {}, static_cast<double>(gs.series_limited));
      w.Family("loupe_traces_generator_collect_errors_total", MetricType::kCounter,
               "Metrics generator collections that failed.");
      w.Sample("", {}, static_cast<double>(gs.collect_errors));
    }
  });
}

}  // namespace loupe::appliance
