// Appliance: the loupe process's parts wired together — storage, the HTTP router and servers,
// the gRPC server, self-metrics — with one startup and one shutdown sequence.
//
// Start(): open storage (locks the data dir), bind the main HTTP listener (failure is fatal),
// then the optional ones (a busy port is skipped with a warning), start the gRPC server, start
// the I/O threads and mark ready. Stop(): mark not ready, stop accepting, drain in-flight
// requests within the grace period, stop gRPC, stop threads, close storage. Both are called
// from one thread; the object is not reusable after Stop().
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "appliance/config.h"
#include "storage/base/result.h"

namespace loupe::appliance {

// Bound listener addresses by name: http, loki, prometheus, tempo, otlp_grpc, otlp_http
// (skipped listeners are absent).
using Endpoints = std::vector<std::pair<std::string, std::string>>;

class Appliance {
 public:
  explicit Appliance(Config config);
  ~Appliance();
  Appliance(const Appliance&) = delete;
  Appliance& operator=(const Appliance&) = delete;

  Status Start();
  // After Stop() every acknowledged write is on disk; in-memory state is freed by the
  // destructor (which a process about to exit may skip).
  Status Stop();

  const Endpoints& endpoints() const;
  const std::string& data_dir() const;
  bool ready() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Writes the ready file atomically (temp file + rename): {"http":"127.0.0.1:N",...,"pid":N}.
Status WriteReadyFile(const std::string& path, const Endpoints& endpoints, const std::string& data_dir);

}  // namespace loupe::appliance
