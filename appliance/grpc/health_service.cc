#include "appliance/grpc/health_service.h"

#include <chrono>
#include <thread>

namespace loupe::appliance::grpcsrv {

using grpc::health::v1::HealthCheckResponse;

HealthService::HealthService(const std::atomic<bool>& ready, std::set<std::string> services)
    : ready_(ready), services_(std::move(services)) {}

HealthCheckResponse::ServingStatus HealthService::StatusFor(const std::string& service) const {
  if (!service.empty() && services_.count(service) == 0) return HealthCheckResponse::SERVICE_UNKNOWN;
  return ready_.load() && !shutdown_.load() ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING;
}

grpc::Status HealthService::Check(grpc::ServerContext*, const grpc::health::v1::HealthCheckRequest* request,
                                  HealthCheckResponse* response) {
  const auto status = StatusFor(request->service());
  if (status == HealthCheckResponse::SERVICE_UNKNOWN) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service");
  }
  response->set_status(status);
  return grpc::Status::OK;
}

grpc::Status HealthService::Watch(grpc::ServerContext* context, const grpc::health::v1::HealthCheckRequest* request,
                                  grpc::ServerWriter<HealthCheckResponse>* writer) {
  auto last = static_cast<HealthCheckResponse::ServingStatus>(-1);
  while (!context->IsCancelled()) {
    const auto status = StatusFor(request->service());
    if (status != last) {
      HealthCheckResponse response;
      response.set_status(status);
      if (!writer->Write(response)) break;
      last = status;
    }
    if (shutdown_.load()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return grpc::Status::OK;
}

}  // namespace loupe::appliance::grpcsrv
