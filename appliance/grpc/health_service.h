// grpc.health.v1.Health on the OTLP gRPC port: SERVING for the whole server ("") and for every
// registered service name while loupe is ready, NOT_SERVING while starting or stopping,
// NOT_FOUND (Check) / SERVICE_UNKNOWN (Watch) for other names.
#pragma once

#include <atomic>
#include <set>
#include <string>

#include "grpc/health/v1/health.grpc.pb.h"

namespace loupe::appliance::grpcsrv {

class HealthService final : public grpc::health::v1::Health::Service {
 public:
  // `ready` is read on every call; `services` are the full names that report SERVING.
  HealthService(const std::atomic<bool>& ready, std::set<std::string> services);

  grpc::Status Check(grpc::ServerContext* context, const grpc::health::v1::HealthCheckRequest* request,
                     grpc::health::v1::HealthCheckResponse* response) override;
  // Sends the status, then again whenever it changes, until the client cancels or the server
  // shuts down (Shutdown() ends every watch).
  grpc::Status Watch(grpc::ServerContext* context, const grpc::health::v1::HealthCheckRequest* request,
                     grpc::ServerWriter<grpc::health::v1::HealthCheckResponse>* writer) override;

  void Shutdown() { shutdown_ = true; }

 private:
  grpc::health::v1::HealthCheckResponse::ServingStatus StatusFor(const std::string& service) const;
  const std::atomic<bool>& ready_;
  std::set<std::string> services_;
  std::atomic<bool> shutdown_{false};
};

}  // namespace loupe::appliance::grpcsrv
