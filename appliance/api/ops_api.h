// Operational endpoints shared by every API family:
//   GET /ready, /-/ready      200 once serving, 503 before and while shutting down
//   GET /-/healthy            200 while the process runs
//   GET /metrics              loupe's own metrics, Prometheus text format 0.0.4
//   GET /api/v1/status/buildinfo      Prometheus envelope
//   GET /loki/api/v1/status/buildinfo Loki (unwrapped)
//   GET /api/status/buildinfo         Tempo (unwrapped)
//   GET /api/echo                     Tempo's connectivity check
#pragma once

#include <atomic>

#include "appliance/http/router.h"
#include "appliance/selfmon/metrics_registry.h"

namespace loupe::appliance::api {

void RegisterOpsApi(http::Router& router, const std::atomic<bool>& ready,
                    const selfmon::Registry& metrics);

}  // namespace loupe::appliance::api
