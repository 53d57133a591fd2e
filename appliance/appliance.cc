#include "appliance/appliance.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/thread_pool.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "appliance/api/ops_api.h"
#include "appliance/api/loki_api.h"
#include "appliance/api/loki_delete.h"
#include "appliance/api/loki_query_api.h"
#include "appliance/api/otlp_api.h"
#include "appliance/api/params.h"
#include "appliance/api/prom_api.h"
#include "appliance/api/prom_query_api.h"
#include "appliance/build_info.h"
#include "appliance/grpc/grpc_server.h"
#include "appliance/grpc/health_service.h"
#include "appliance/grpc/otlp_services.h"
#include "appliance/grpc/tempo_streaming_service.h"
#include "ingest/otlp/metrics_ingest.h"
#include "ingest/prom/scrape_manager.h"
#include "appliance/http/client.h"
#include "appliance/http/dispatcher.h"
#include "appliance/http/router.h"
#include "appliance/http/server.h"
#include "appliance/selfmon/metrics_registry.h"
#include "appliance/selfmon/process_metrics.h"
#include "appliance/trace_pipeline.h"
#include "storage/base/units.h"
#include "storage/storage.h"
#include "storage/logstore/log_store.h"
#include "storage/tsdb/metric_store.h"

namespace loupe::appliance {

namespace net = boost::asio;

namespace {

int DefaultHttpThreads() { return std::max(2, static_cast<int>(std::thread::hardware_concurrency())); }
int DefaultWorkerThreads() { return std::max(4, 2 * static_cast<int>(std::thread::hardware_concurrency())); }

// Request metrics, labelled by route pattern and status code only (bounded cardinality).
class HttpMetrics {
 public:
  explicit HttpMetrics(selfmon::Registry& r)
      : requests_(r.CounterFamily("loupe_http_requests_total",
                                  "HTTP requests answered, by route pattern and status code.",
                                  {"handler", "code"})),
        duration_(r.HistogramFamily("loupe_http_request_duration_seconds",
                                    "HTTP request latency from first byte read to last byte written.",
                                    {"handler"}, selfmon::Histogram::DefaultSecondsBuckets())),
        body_(r.HistogramFamily("loupe_http_request_body_bytes",
                                "HTTP request body sizes as received (wire) and after decompression (decoded).",
                                {"stage"}, selfmon::Histogram::ExponentialBuckets(256, 4, 10))) {}

  void Observe(const http::RequestRecord& rec) {
    const std::string handler = rec.route ? rec.route->pattern : "unmatched";
    requests_.With({handler, std::to_string(rec.status)}).Inc();
    duration_.With({handler}).Observe(rec.seconds);
    if (rec.wire_body_bytes > 0) {
      body_.With({"wire"}).Observe(static_cast<double>(rec.wire_body_bytes));
      body_.With({"decoded"}).Observe(static_cast<double>(rec.decoded_body_bytes));
    }
  }

 private:
  selfmon::Family<selfmon::Counter>& requests_;
  selfmon::Family<selfmon::Histogram>& duration_;
  selfmon::Family<selfmon::Histogram>& body_;
};

}  // namespace

struct Appliance::Impl {
  Config config;
  std::atomic<bool> ready{false};
  Endpoints endpoints;

  selfmon::Registry metrics;
  std::unique_ptr<HttpMetrics> http_metrics;
  std::unique_ptr<storage::Storage> storage;
  std::unique_ptr<storage::tsdb::MetricStore> metric_store;
  std::unique_ptr<storage::logstore::LogStore> log_store;
  std::unique_ptr<api::DeleteRequestProcessor> delete_processor;  // after log_store: uses it
  std::unique_ptr<grpcsrv::OtlpLogsService> otlp_logs_service;
  std::unique_ptr<grpcsrv::TempoStreamingService> tempo_streaming;
  std::unique_ptr<TracePipeline> traces;  // after metric_store: its generator writes there
  std::unique_ptr<ingest::otlp::MetricsIngester> otlp_metrics;
  std::unique_ptr<ingest::prom::ScrapeManager> scraper;
  std::unique_ptr<grpcsrv::OtlpMetricsService> otlp_metrics_service;

  net::io_context io;
  std::unique_ptr<net::executor_work_guard<net::io_context::executor_type>> work;
  std::unique_ptr<net::thread_pool> workers;
  std::vector<std::thread> io_threads;

  http::Router router;
  std::unique_ptr<http::Dispatcher> dispatcher;
  std::unique_ptr<http::Server> http_server;
  std::unique_ptr<grpcsrv::HealthService> grpc_health;
  std::unique_ptr<grpcsrv::GrpcServer> grpc_server;
  bool started = false;
  bool stopped = false;

  explicit Impl(Config c) : config(std::move(c)) {}

  Status ListenHttp(const char* name, const std::string& addr, bool required) {
    if (IsDisabledAddr(addr)) return Status::OK();
    LOUPE_ASSIGN_OR_RETURN(auto hp, ParseHostPort(addr));
    if (config.ports == "ephemeral") hp.port = 0;
    auto bound = http_server->Listen(hp.host, hp.port);
    if (!bound.ok()) {
      if (required) return bound.status().WithContext(std::string(name) + " listener");
      spdlog::warn("skipping {} listener: {}", name, bound.status().message());
      return Status::OK();
    }
    endpoints.emplace_back(name, *bound);
    return Status::OK();
  }

  nlohmann::json TargetsJson() const {
    nlohmann::json active = nlohmann::json::array();
    if (scraper) {
      for (const auto& t : scraper->Targets()) {
        nlohmann::json labels = nlohmann::json::object(), discovered = nlohmann::json::object();
        for (const auto& l : t.labels) labels[l.name] = l.value;
        for (const auto& l : t.discovered_labels) discovered[l.name] = l.value;
        active.push_back({{"discoveredLabels", discovered},
                          {"labels", labels},
                          {"scrapePool", t.scrape_pool},
                          {"scrapeUrl", t.scrape_url},
                          {"globalUrl", t.scrape_url},
                          {"lastError", t.last_error},
                          {"lastScrape", t.last_scrape_ms ? nlohmann::json(FormatRfc3339(t.last_scrape_ms))
                                                          : nlohmann::json("0001-01-01T00:00:00Z")},
                          {"lastScrapeDuration", t.last_scrape_duration_s},
                          {"health", t.health},
                          {"scrapeInterval", FormatDurationNanos(t.interval_ms * 1'000'000)},
                          {"scrapeTimeout", FormatDurationNanos(t.timeout_ms * 1'000'000)}});
      }
    }
    nlohmann::json dropped = nlohmann::json::array();
    nlohmann::json dropped_counts = nlohmann::json::object();
    if (scraper) {
      for (const auto& t : scraper->DroppedTargets()) {
        nlohmann::json discovered = nlohmann::json::object();
        for (const auto& l : t.discovered_labels) discovered[l.name] = l.value;
        dropped.push_back({{"discoveredLabels", discovered}});
        dropped_counts[t.scrape_pool] = dropped_counts.value(t.scrape_pool, 0) + 1;
      }
    }
    return {{"activeTargets", active}, {"droppedTargets", dropped}, {"droppedTargetCounts", dropped_counts}};
  }

  static std::string FormatRfc3339(int64_t ms) { return api::FormatRfc3339Millis(ms); }

  Status StartScraping() {
    std::vector<ingest::prom::ScrapeConfig> configs;
    if (!config.scrape_yaml.empty()) {
      LOUPE_ASSIGN_OR_RETURN(configs, ingest::prom::ParseScrapeConfigs(config.scrape_yaml));
    }
    if (config.metrics.self_scrape_interval_ns > 0 && !endpoints.empty()) {
      ingest::prom::ScrapeConfig self;
      self.job_name = "loupe";
      self.interval_ms = config.metrics.self_scrape_interval_ns / 1'000'000;
      self.timeout_ms = std::min<int64_t>(self.interval_ms, 10'000);
      self.static_configs.push_back({{endpoints.front().second}, {}});
      if (!config.auth_token.empty()) self.headers.emplace_back("Authorization", "Bearer " + config.auth_token);
      if (std::none_of(configs.begin(), configs.end(), [](const auto& c) { return c.job_name == "loupe"; })) {
        configs.push_back(std::move(self));
      }
    }
    if (configs.empty()) return Status::OK();
    scraper = std::make_unique<ingest::prom::ScrapeManager>(
        *metric_store, [](const ingest::prom::FetchRequest& r) -> Result<ingest::prom::FetchResponse> {
          http::HttpClient client(r.host_port);
          http::RequestOptions ro;
          ro.timeout = std::chrono::milliseconds(r.timeout_ms);
          if (r.max_body_bytes > 0) ro.max_body_bytes = r.max_body_bytes;
          auto resp = client.Request("GET", r.target, r.headers, "", ro);
          if (resp.status == 0) return Status::Unavailable(resp.body);
          return ingest::prom::FetchResponse{resp.status, resp.Header("content-type"), std::move(resp.body)};
        });
    scraper->Start(configs);
    return Status::OK();
  }

  void RegisterMetrics() {
    selfmon::RegisterProcessMetrics(metrics);
    const auto& b = GetBuildInfo();
    metrics.GaugeFamily("loupe_build_info", "A metric with a constant '1' value labelled by version, revision and branch.",
                        {"version", "revision", "branch"})
        .With({b.version, b.revision, b.branch})
        .Set(1);
    http_metrics = std::make_unique<HttpMetrics>(metrics);
    metrics.AddCollector([this](selfmon::MetricWriter& w) {
      w.Family("loupe_http_requests_in_flight", selfmon::MetricType::kGauge, "HTTP requests being served.");
      w.Sample("", {}, http_server ? http_server->InFlight() : 0);
      w.Family("loupe_ready", selfmon::MetricType::kGauge, "1 when loupe serves requests, 0 while starting or stopping.");
      w.Sample("", {}, ready.load() ? 1 : 0);
      if (metric_store) {
        const auto ms = metric_store->Stats();
        w.Family("loupe_tsdb_head_series", selfmon::MetricType::kGauge, "Series in the metric store's head.");
        w.Sample("", {}, static_cast<double>(ms.series));
        w.Family("loupe_tsdb_head_memory_bytes", selfmon::MetricType::kGauge, "Approximate bytes held by the metric head.");
        w.Sample("", {}, static_cast<double>(ms.head_memory_bytes));
        w.Family("loupe_tsdb_samples_appended_total", selfmon::MetricType::kCounter, "Samples appended to the metric store.");
        w.Sample("", {}, static_cast<double>(ms.samples_appended));
        w.Family("loupe_tsdb_samples_rejected_total", selfmon::MetricType::kCounter, "Samples the metric store refused, by reason.");
        for (int r = 0; r < static_cast<int>(storage::tsdb::Reject::kCount); ++r) {
          w.Sample("", {{"reason", storage::tsdb::RejectReason(static_cast<storage::tsdb::Reject>(r))}},
                   static_cast<double>(ms.samples_rejected[r]));
        }
        w.Family("loupe_tsdb_chunks_persisted_total", selfmon::MetricType::kCounter, "Metric chunks written to RocksDB.");
        w.Sample("", {}, static_cast<double>(ms.chunks_persisted));
        w.Family("loupe_tsdb_checkpoints_total", selfmon::MetricType::kCounter, "Metric store checkpoints completed.");
        w.Sample("", {}, static_cast<double>(ms.checkpoints));
        w.Family("loupe_tsdb_wal_bytes", selfmon::MetricType::kGauge, "Bytes in the metric write-ahead log.");
        w.Sample("", {}, static_cast<double>(ms.wal_bytes));
        w.Family("loupe_tsdb_wal_corruptions_total", selfmon::MetricType::kCounter,
                 "Torn tails and corrupt segments found while replaying the metric WAL.");
        w.Sample("", {}, static_cast<double>(ms.wal_corruptions));
        w.Family("loupe_tsdb_corrupt_chunks_total", selfmon::MetricType::kCounter, "Stored metric chunks that failed to decode.");
        w.Sample("", {}, static_cast<double>(ms.corrupt_chunks));
        w.Family("loupe_tsdb_wal_replay_seconds", selfmon::MetricType::kGauge, "Time the last start spent loading and replaying the metric store.");
        w.Sample("", {}, static_cast<double>(ms.replay_ms) / 1000.0);
      }
      if (log_store) {
        const auto ls = log_store->GetStats();
        w.Family("loupe_logs_streams", selfmon::MetricType::kGauge, "Log streams in the head.");
        w.Sample("", {}, static_cast<double>(ls.streams));
        w.Family("loupe_logs_entries_appended_total", selfmon::MetricType::kCounter, "Log entries appended.");
        w.Sample("", {}, static_cast<double>(ls.entries_appended));
        w.Family("loupe_logs_bytes_appended_total", selfmon::MetricType::kCounter, "Log line and metadata bytes appended.");
        w.Sample("", {}, static_cast<double>(ls.bytes_appended));
        w.Family("loupe_logs_chunks_flushed_total", selfmon::MetricType::kCounter, "Log chunks written to RocksDB.");
        w.Sample("", {}, static_cast<double>(ls.chunks_flushed));
        w.Family("loupe_logs_chunk_stored_bytes", selfmon::MetricType::kGauge, "Compressed log chunk bytes stored.");
        w.Sample("", {}, static_cast<double>(ls.chunk_bytes_stored));
        w.Family("loupe_logs_wal_bytes", selfmon::MetricType::kGauge, "Bytes in the log write-ahead log.");
        w.Sample("", {}, static_cast<double>(ls.wal_bytes));
        w.Family("loupe_logs_wal_corruptions_total", selfmon::MetricType::kCounter,
                 "Torn tails, corrupt segments and undecodable records found while replaying the log WAL.");
        w.Sample("", {}, static_cast<double>(ls.wal_corruptions));
        w.Family("loupe_logs_corrupt_blocks_total", selfmon::MetricType::kCounter, "Stored log blocks that failed to decode.");
        w.Sample("", {}, static_cast<double>(ls.corrupt_blocks));
        w.Family("loupe_logs_head_memory_bytes", selfmon::MetricType::kGauge, "Approximate bytes held by the log head.");
        w.Sample("", {}, static_cast<double>(ls.head_memory_bytes));
      }
      if (!storage) return;
      const auto sizes = storage->Sizes();
      w.Family("loupe_storage_sst_bytes", selfmon::MetricType::kGauge, "Bytes in RocksDB SST files, by column family.");
      for (const auto& f : sizes.families) w.Sample("", {{"column_family", f.name}}, static_cast<double>(f.sst_bytes));
      w.Family("loupe_storage_memtable_bytes", selfmon::MetricType::kGauge, "Bytes in RocksDB memtables, by column family.");
      for (const auto& f : sizes.families) w.Sample("", {{"column_family", f.name}}, static_cast<double>(f.memtable_bytes));
      w.Family("loupe_storage_disk_bytes", selfmon::MetricType::kGauge, "Bytes on disk in the data directory, by component.");
      w.Sample("", {{"component", "rocksdb"}}, static_cast<double>(sizes.kv_dir_bytes));
      w.Sample("", {{"component", "catalog"}}, static_cast<double>(sizes.catalog_bytes));
    });
  }
};

Appliance::Appliance(Config config) : impl_(std::make_unique<Impl>(std::move(config))) {}

Appliance::~Appliance() { (void)Stop(); }

const Endpoints& Appliance::endpoints() const { return impl_->endpoints; }
const std::string& Appliance::data_dir() const {
  static const std::string kEmpty;
  return impl_->storage ? impl_->storage->data_dir() : kEmpty;
}
bool Appliance::ready() const { return impl_->ready.load(); }

Status Appliance::Start() {
  Impl& s = *impl_;
  const Config& c = s.config;

  const auto t0 = std::chrono::steady_clock::now();
  auto ms_since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
  };
  storage::StorageOptions so;
  so.data_dir = c.data_dir;
  so.column_families = storage::tsdb::MetricStore::ColumnFamilies();
  for (auto& cf : storage::logstore::LogStore::ColumnFamilies()) so.column_families.push_back(cf);
  for (auto& cf : TracePipeline::ColumnFamilies()) so.column_families.push_back(cf);
  LOUPE_ASSIGN_OR_RETURN(s.storage, storage::Storage::Open(so));
  spdlog::debug("startup: storage open after {:.1f} ms", ms_since(t0));

  storage::tsdb::MetricStoreOptions mo;
  mo.retention_ms = c.metrics.retention_ns / 1'000'000;
  mo.retention_bytes = c.metrics.retention_bytes;
  mo.head.ooo_window_ms = c.metrics.out_of_order_window_ns / 1'000'000;
  LOUPE_ASSIGN_OR_RETURN(s.metric_store,
                         storage::tsdb::MetricStore::Open(s.storage->kv(), s.storage->data_dir() + "/wal/metrics", mo));
  spdlog::debug("startup: metric store open after {:.1f} ms", ms_since(t0));
  storage::logstore::LogStoreOptions lo;
  lo.retention_ns = c.logs.retention_ns;
  lo.retention_bytes = c.logs.retention_bytes;
  LOUPE_ASSIGN_OR_RETURN(s.log_store,
                         storage::logstore::LogStore::Open(s.storage->kv(), s.storage->data_dir() + "/wal/logs", lo));
  spdlog::debug("startup: log store open after {:.1f} ms", ms_since(t0));

  s.RegisterMetrics();
  api::RegisterOpsApi(s.router, s.ready, s.metrics);
  api::PromApiOptions prom_options;
  prom_options.targets = [&s](const http::Request&) { return s.TargetsJson(); };
  api::RegisterPromApi(s.router, *s.metric_store, s.metrics, prom_options);
  api::RegisterPromQueryApi(s.router, *s.metric_store, s.metrics, api::PromQueryOptions{});
  s.otlp_metrics = std::make_unique<ingest::otlp::MetricsIngester>(*s.metric_store, ingest::otlp::PromTranslationOptions{});
  api::RegisterOtlpApi(s.router, *s.otlp_metrics);
  api::RegisterLokiApi(s.router, *s.log_store, s.metrics);
  auto deletes = std::make_shared<api::DeleteRequests>(s.storage->data_dir() + "/loki_delete_requests.json");
  if (Status d = deletes->Load(); !d.ok()) spdlog::error("loki delete requests not loaded: {}", d.message());
  api::RegisterLokiQueryApi(s.router, *s.log_store, s.metrics, {.retention_ns = c.logs.retention_ns, .delete_requests = deletes});
  // Loki's compactor: delete requests are applied to the log store once their cancel period
  // (logs.delete_request_cancel_period, Loki's default 24h) has passed.
  s.delete_processor = std::make_unique<api::DeleteRequestProcessor>(
      deletes, *s.log_store,
      api::DeleteProcessorOptions{.cancel_period_ms = c.logs.delete_request_cancel_period_ns / 1'000'000});
  s.delete_processor->Start();
  LOUPE_ASSIGN_OR_RETURN(s.traces, TracePipeline::Open(s.storage->kv(), s.storage->data_dir(),
                                                       c.traces, s.metric_store.get()));
  s.traces->RegisterHttp(s.router, s.metrics);

  http::DispatcherOptions dopts;
  dopts.max_body_bytes = c.max_body_bytes;
  dopts.auth_token = c.auth_token;
  s.dispatcher = std::make_unique<http::Dispatcher>(s.router, dopts);

  const int workers = c.worker_threads > 0 ? c.worker_threads : DefaultWorkerThreads();
  s.workers = std::make_unique<net::thread_pool>(workers);
  http::ServerOptions sopts;
  sopts.max_body_bytes = c.max_body_bytes;
  sopts.request_timeout_ns = c.request_timeout_ns;
  sopts.idle_timeout_ns = c.idle_timeout_ns;
  // gRPC clients dialling an HTTP port (Grafana's Tempo streaming search on 3200) are served
  // by the gRPC server.
  sopts.h2c_handoff = [&s](int fd) {
    if (s.grpc_server) {
      s.grpc_server->AdoptConnection(fd);
    } else {
      ::close(fd);
    }
  };
  s.http_server = std::make_unique<http::Server>(
      s.io, *s.workers, *s.dispatcher, sopts,
      [m = s.http_metrics.get()](const http::RequestRecord& rec) { m->Observe(rec); });

  s.started = true;
  LOUPE_RETURN_IF_ERROR(s.ListenHttp("http", c.listen.http, /*required=*/true));
  LOUPE_RETURN_IF_ERROR(s.ListenHttp("loki", c.listen.loki, false));
  LOUPE_RETURN_IF_ERROR(s.ListenHttp("prometheus", c.listen.prometheus, false));
  LOUPE_RETURN_IF_ERROR(s.ListenHttp("tempo", c.listen.tempo, false));

  if (!IsDisabledAddr(c.listen.otlp_grpc)) {
    LOUPE_ASSIGN_OR_RETURN(auto hp, ParseHostPort(c.listen.otlp_grpc));
    grpcsrv::GrpcOptions go;
    go.host = hp.host;
    go.port = c.ports == "ephemeral" ? 0 : hp.port;
    go.max_recv_bytes = c.grpc_max_recv_bytes;
    s.grpc_server = std::make_unique<grpcsrv::GrpcServer>(go);
    s.otlp_metrics_service = std::make_unique<grpcsrv::OtlpMetricsService>(*s.otlp_metrics, c.auth_token);
    s.grpc_server->Register(s.otlp_metrics_service.get());
    s.otlp_logs_service = std::make_unique<grpcsrv::OtlpLogsService>(*s.log_store, c.auth_token);
    s.grpc_server->Register(s.otlp_logs_service.get());
    s.grpc_server->Register(s.traces->GrpcService(c.auth_token));
    s.tempo_streaming = std::make_unique<grpcsrv::TempoStreamingService>(*s.dispatcher);
    s.grpc_server->Register(s.tempo_streaming.get());
    s.grpc_health = std::make_unique<grpcsrv::HealthService>(
        s.ready, std::set<std::string>{"opentelemetry.proto.collector.metrics.v1.MetricsService",
                                       "opentelemetry.proto.collector.logs.v1.LogsService",
                                       "opentelemetry.proto.collector.trace.v1.TraceService"});
    s.grpc_server->Register(s.grpc_health.get());
    auto bound = s.grpc_server->Start();
    spdlog::debug("startup: gRPC server started after {:.1f} ms", ms_since(t0));
    if (bound.ok()) {
      s.endpoints.emplace_back("otlp_grpc", *bound);
    } else {
      spdlog::warn("skipping otlp_grpc listener: {}", bound.status().message());
      s.grpc_server.reset();
    }
  }
  LOUPE_RETURN_IF_ERROR(s.ListenHttp("otlp_http", c.listen.otlp_http, false));

  s.http_server->Start();
  s.work = std::make_unique<net::executor_work_guard<net::io_context::executor_type>>(s.io.get_executor());
  const int io_threads = c.http_threads > 0 ? c.http_threads : DefaultHttpThreads();
  for (int i = 0; i < io_threads; ++i) s.io_threads.emplace_back([&io = s.io] { io.run(); });
  LOUPE_RETURN_IF_ERROR(s.StartScraping());
  s.ready = true;
  spdlog::debug("startup: ready after {:.1f} ms", ms_since(t0));
  return Status::OK();
}

Status Appliance::Stop() {
  Impl& s = *impl_;
  if (s.stopped) return Status::OK();
  s.stopped = true;
  s.ready = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::nanoseconds(s.config.shutdown_grace_ns);
  if (s.http_server) {
    s.http_server->StopAccepting();
    if (!s.io_threads.empty() && !s.http_server->Drain(deadline)) {
      spdlog::warn("shutdown: {} HTTP requests still in flight after the grace period", s.http_server->InFlight());
    }
  }
  if (s.scraper) s.scraper->Stop();
  if (s.grpc_server) {
    s.grpc_health->Shutdown();
    const auto remaining = deadline - std::chrono::steady_clock::now();
    s.grpc_server->Shutdown(std::chrono::system_clock::now() +
                            std::max(std::chrono::steady_clock::duration::zero(), remaining));
  }
  s.work.reset();
  s.io.stop();
  for (auto& t : s.io_threads) t.join();
  s.io_threads.clear();
  if (s.workers) {
    s.workers->stop();
    s.workers->join();
  }
  s.http_server.reset();
  Status st;
  // The stores are closed (durable) here but their memory is released only with the object:
  // freeing a million in-memory series takes seconds, which a process about to exit skips.
  if (s.traces) st = s.traces->Close();  // its last generator collection needs the metric store
  if (s.metric_store) {
    Status closed = s.metric_store->Close();
    if (st.ok()) st = closed;
  }
  if (s.delete_processor) s.delete_processor->Stop();  // waits for a running deletion
  if (s.log_store) {
    Status closed = s.log_store->Close();
    if (st.ok()) st = closed;
  }
  if (s.storage) {
    Status closed = s.storage->Close();
    if (st.ok()) st = closed;
  }
  return st;
}

Status WriteReadyFile(const std::string& path, const Endpoints& endpoints, const std::string& data_dir) {
  nlohmann::ordered_json j;
  for (const auto& [name, addr] : endpoints) j[name] = addr;
  j["pid"] = static_cast<int64_t>(::getpid());
  j["data_dir"] = data_dir;
  j["version"] = GetBuildInfo().version;
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::trunc);
    if (!f) return Status::IOError("cannot write ready file " + tmp);
    f << j.dump() << "\n";
    if (!f.flush()) return Status::IOError("cannot write ready file " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status::IOError("cannot rename ready file to " + path + ": " + ec.message());
  return Status::OK();
}

}  // namespace loupe::appliance
