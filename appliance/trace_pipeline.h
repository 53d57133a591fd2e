// TracePipeline: the process's trace parts wired together — the span store under
// <data_dir>/wal/traces and the RocksDB column families, the OTLP trace ingester (gRPC
// TraceService, POST /v1/traces), the metrics generator (span metrics and service graphs into
// the metric store, collected by a thread of its own every collection interval), the Tempo HTTP
// API, and the self-metrics of all of them.
//
// Lifecycle (driven by appliance.cc): Open() after storage and the metric store are open;
// RegisterHttp() and GrpcService() before the listeners start; Close() after the listeners have
// drained and before the metric store closes: it stops the generator thread with a last
// collection (so the last increments reach the metric store) and closes the span store (WAL
// synced). Every acknowledged span is in the span store's WAL before its request is answered.
//
// Thread-safety: Open/Register/Close from the appliance's thread; everything else concurrent.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "appliance/config.h"
#include "appliance/http/router.h"
#include "appliance/selfmon/metrics_registry.h"
#include "storage/base/result.h"
#include "storage/kv/rocks_store.h"

namespace grpc {
class Service;
}

namespace loupe::storage::spanstore {
class SpanStore;
}
namespace loupe::storage::tsdb {
class MetricStore;
}
namespace loupe::ingest::otlp {
class TracesIngester;
}
namespace loupe::ingest::derive {
class MetricsGenerator;
}

namespace loupe::appliance {

namespace grpcsrv {
class OtlpTracesService;
}

class TracePipeline {
 public:
  static std::vector<storage::kv::ColumnFamilySpec> ColumnFamilies();

  // `kv` and `metric_store` must outlive the pipeline; `metric_store` may be null (no metrics
  // generator then).
  static Result<std::unique_ptr<TracePipeline>> Open(storage::kv::RocksStore& kv,
                                                     const std::string& data_dir,
                                                     const TracesConfig& config,
                                                     storage::tsdb::MetricStore* metric_store);
  ~TracePipeline();
  TracePipeline(const TracePipeline&) = delete;
  TracePipeline& operator=(const TracePipeline&) = delete;

  // Tempo API routes, POST /v1/traces, and the self-metrics collector.
  void RegisterHttp(http::Router& router, selfmon::Registry& metrics);
  // The OTLP TraceService (owned by the pipeline).
  grpc::Service* GrpcService(const std::string& auth_token);

  // Idempotent. Returns the first error of the last collection or the span store's close.
  Status Close();

  storage::spanstore::SpanStore& store() { return *store_; }

 private:
  TracePipeline() = default;
  void CollectLoop();

  TracesConfig config_;
  std::unique_ptr<storage::spanstore::SpanStore> store_;
  std::unique_ptr<ingest::derive::MetricsGenerator> generator_;
  std::unique_ptr<ingest::otlp::TracesIngester> ingester_;
  std::unique_ptr<grpcsrv::OtlpTracesService> grpc_service_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool closed_ = false;
  std::thread collector_;
};

}  // namespace loupe::appliance
