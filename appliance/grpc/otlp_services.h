// OTLP gRPC services on the OTLP port: TraceService, MetricsService and LogsService. Tenant from
// the `x-scope-orgid` metadata key;
// with an auth token configured, `authorization` metadata must carry it (UNAUTHENTICATED
// otherwise). Per-point rejects go to partial_success; storage failures are UNAVAILABLE
// (retryable). Traces: a request with an invalid trace or span id is INVALID_ARGUMENT (Tempo's
// text, nothing stored), a rate-limited one RESOURCE_EXHAUSTED, an overloaded one UNAVAILABLE.
#pragma once

#include <string>

#include "ingest/otlp/metrics_ingest.h"
#include "ingest/otlp/traces_ingest.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.grpc.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.grpc.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "storage/logstore/log_store.h"

namespace loupe::appliance::grpcsrv {

class OtlpMetricsService final
    : public ::opentelemetry::proto::collector::metrics::v1::MetricsService::Service {
 public:
  OtlpMetricsService(ingest::otlp::MetricsIngester& ingester, std::string auth_token)
      : ingester_(ingester), auth_token_(std::move(auth_token)) {}

  grpc::Status Export(
      grpc::ServerContext* context,
      const ::opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest* request,
      ::opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceResponse* response)
      override;

 private:
  ingest::otlp::MetricsIngester& ingester_;
  std::string auth_token_;
};

class OtlpLogsService final
    : public ::opentelemetry::proto::collector::logs::v1::LogsService::Service {
 public:
  OtlpLogsService(storage::logstore::LogStore& store, std::string auth_token)
      : store_(store), auth_token_(std::move(auth_token)) {}

  grpc::Status Export(
      grpc::ServerContext* context,
      const ::opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest* request,
      ::opentelemetry::proto::collector::logs::v1::ExportLogsServiceResponse* response) override;

 private:
  storage::logstore::LogStore& store_;
  std::string auth_token_;
};

class OtlpTracesService final
    : public ::opentelemetry::proto::collector::trace::v1::TraceService::Service {
 public:
  OtlpTracesService(ingest::otlp::TracesIngester& ingester, std::string auth_token)
      : ingester_(ingester), auth_token_(std::move(auth_token)) {}

  grpc::Status Export(
      grpc::ServerContext* context,
      const ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest* request,
      ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse* response) override;

 private:
  ingest::otlp::TracesIngester& ingester_;
  std::string auth_token_;
};

// Helpers shared by the OTLP services.
bool GrpcAuthorized(const grpc::ServerContext& context, const std::string& token);
std::string GrpcTenant(const grpc::ServerContext& context);

}  // namespace loupe::appliance::grpcsrv
