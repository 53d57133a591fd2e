#include "appliance/grpc/grpc_server.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/server_posix.h>
#include <unistd.h>

namespace loupe::appliance::grpcsrv {

GrpcServer::GrpcServer(GrpcOptions options) : options_(std::move(options)) {}

GrpcServer::~GrpcServer() { Shutdown(std::chrono::system_clock::now()); }

void GrpcServer::Register(grpc::Service* service) { services_.push_back(service); }

Result<std::string> GrpcServer::Start() {
  // Our own Health service is registered by the appliance; grpc's built-in one would clash.
  grpc::EnableDefaultHealthCheckService(false);
  grpc::ServerBuilder builder;
  const bool v6 = options_.host.find(':') != std::string::npos;
  const std::string addr = (v6 ? "[" + options_.host + "]" : options_.host) + ":" + std::to_string(options_.port);
  int bound_port = 0;
  builder.AddListeningPort(addr, grpc::InsecureServerCredentials(), &bound_port);
  builder.SetMaxReceiveMessageSize(static_cast<int>(options_.max_recv_bytes));
  // One port per process: never let a second loupe share it via SO_REUSEPORT.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  for (auto* s : services_) builder.RegisterService(s);
  std::lock_guard lock(mu_);
  server_ = builder.BuildAndStart();
  if (!server_ || bound_port == 0) {
    server_.reset();
    return Status::Unavailable("listen tcp " + addr + ": bind: address already in use or not available");
  }
  return (v6 ? "[" + options_.host + "]" : options_.host) + ":" + std::to_string(bound_port);
}

void GrpcServer::Shutdown(std::chrono::system_clock::time_point deadline) {
  std::lock_guard lock(mu_);
  if (!server_) return;
  server_->Shutdown(deadline);
  server_->Wait();
  server_.reset();
}

void GrpcServer::AdoptConnection(int fd) {
  std::lock_guard lock(mu_);
  if (!server_) {
    ::close(fd);
    return;
  }
  grpc::AddInsecureChannelFromFd(server_.get(), fd);
}

}  // namespace loupe::appliance::grpcsrv
