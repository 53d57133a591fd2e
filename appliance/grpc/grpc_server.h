// GrpcServer: the gRPC listener on the OTLP gRPC port. Signal services (OTLP traces, metrics,
// logs) and the grpc.health.v1.Health service (health_service.h) register before Start().
//
// Limits: max receive message size (4 MiB default, as grpc-go), gzip request compression as
// gRPC negotiates it. Shutdown(deadline) stops accepting, lets in-flight calls finish until the
// deadline, then cancels the rest.
// Thread-safety: Register before Start; Start/Shutdown from one thread; AdoptConnection from
// any thread at any time.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/base/result.h"

namespace grpc {
class Service;
class Server;
}  // namespace grpc

namespace loupe::appliance::grpcsrv {

struct GrpcOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 4317;  // 0 = any free port
  uint64_t max_recv_bytes = 4ull << 20;
};

class GrpcServer {
 public:
  explicit GrpcServer(GrpcOptions options);
  ~GrpcServer();

  // The service must outlive the server.
  void Register(grpc::Service* service);

  // Binds and starts serving; returns the bound "ip:port".
  // kUnavailable when the port cannot be bound.
  Result<std::string> Start();
  void Shutdown(std::chrono::system_clock::time_point deadline);

  // Serves an accepted plaintext HTTP/2 connection (h2c with prior knowledge) on this server:
  // how the HTTP listeners hand over gRPC clients that dial them (Grafana's Tempo streaming
  // search dials the Tempo HTTP port). Takes ownership of `fd`; closes it when the server is
  // not running.
  void AdoptConnection(int fd);

 private:
  GrpcOptions options_;
  std::vector<grpc::Service*> services_;
  std::mutex mu_;  // guards server_ against AdoptConnection during Shutdown
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace loupe::appliance::grpcsrv
