#include "appliance/grpc/otlp_services.h"

#include <spdlog/spdlog.h>

#include "appliance/http/auth.h"
#include "ingest/loki/otlp_logs.h"

namespace loupe::appliance::grpcsrv {

namespace colmetrics = ::opentelemetry::proto::collector::metrics::v1;

namespace {
std::string_view Metadata(const grpc::ServerContext& context, const char* key) {
  const auto& md = context.client_metadata();
  auto it = md.find(key);
  if (it == md.end()) return {};
  return std::string_view(it->second.data(), it->second.size());
}
}  // namespace

bool GrpcAuthorized(const grpc::ServerContext& context, const std::string& token) {
  return http::Authorized(Metadata(context, "authorization"), token);
}

std::string GrpcTenant(const grpc::ServerContext& context) {
  const auto t = Metadata(context, "x-scope-orgid");
  return t.empty() ? "anonymous" : std::string(t);
}

grpc::Status OtlpMetricsService::Export(grpc::ServerContext* context,
                                        const colmetrics::ExportMetricsServiceRequest* request,
                                        colmetrics::ExportMetricsServiceResponse* response) {
  if (!GrpcAuthorized(*context, auth_token_))
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "unauthorized");
  auto res = ingester_.Ingest(GrpcTenant(*context), *request);
  if (!res.ok()) {
    spdlog::error("OTLP metrics (gRPC): {}", res.status().message());
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, res.status().message());
  }
  if (res->rejected_data_points > 0 || !res->error_message.empty()) {
    response->mutable_partial_success()->set_rejected_data_points(res->rejected_data_points);
    response->mutable_partial_success()->set_error_message(res->error_message);
  }
  return grpc::Status::OK;
}

grpc::Status OtlpLogsService::Export(
    grpc::ServerContext* context,
    const ::opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest* request,
    ::opentelemetry::proto::collector::logs::v1::ExportLogsServiceResponse* response) {
  if (!GrpcAuthorized(*context, auth_token_))
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "unauthorized");
  std::deque<std::string> arena;
  auto app = store_.NewAppender(GrpcTenant(*context));
  ingest::loki::OtlpLogsStats stats;
  ingest::loki::OtlpLogsToStore(*request, app.get(), &arena, &stats);
  auto st = app->Commit();
  if (!st.ok()) {
    spdlog::error("OTLP logs (gRPC): {}", st.status().message());
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, st.status().message());
  }
  if (st->num_rejected() > 0) {
    response->mutable_partial_success()->set_rejected_log_records(
        static_cast<int64_t>(st->num_rejected()));
    response->mutable_partial_success()->set_error_message(
        st->rejects.empty() ? "rejected" : st->rejects.front().message);
  }
  return grpc::Status::OK;
}

grpc::Status OtlpTracesService::Export(
    grpc::ServerContext* context,
    const ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest* request,
    ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse* response) {
  if (!GrpcAuthorized(*context, auth_token_))
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "unauthorized");
  auto res = ingester_.Ingest(GrpcTenant(*context), *request);
  if (!res.ok()) {
    const Status& s = res.status();
    switch (s.code()) {
      case StatusCode::kInvalidArgument:
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, s.message());
      case StatusCode::kResourceExhausted:
        return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, s.message());
      default:
        spdlog::warn("OTLP traces (gRPC): {}", s.message());
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, s.message());
    }
  }
  if (res->spans_rejected > 0 || !res->error_message.empty()) {
    response->mutable_partial_success()->set_rejected_spans(
        static_cast<int64_t>(res->spans_rejected));
    response->mutable_partial_success()->set_error_message(res->error_message);
  }
  return grpc::Status::OK;
}

}  // namespace loupe::appliance::grpcsrv
