// Config: everything `loupe serve` can be told, and where it comes from.
//
// Precedence, lowest to highest: built-in defaults < YAML file (--config) < LOUPE_* environment
// variables < command-line flags. The YAML keys mirror the flags (see README "Configuration");
// unknown keys are an error naming the key, as in Prometheus's config loader.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "appliance/log.h"
#include "storage/base/result.h"

namespace loupe::appliance {

// One listener address "host:port". An empty host means loopback; "off" (or empty) disables an
// optional listener.
struct ListenConfig {
  std::string http = "127.0.0.1:3333";
  std::string loki = "127.0.0.1:3100";
  std::string prometheus = "127.0.0.1:9090";
  std::string tempo = "127.0.0.1:3200";
  std::string otlp_grpc = "127.0.0.1:4317";
  std::string otlp_http = "127.0.0.1:4318";
};

// The metric store (see storage/tsdb/metric_store.h).
struct MetricsConfig {
  int64_t retention_ns = 7LL * 24 * 3600 * 1'000'000'000;  // 7d
  uint64_t retention_bytes = 2ull << 30;                    // 2GiB of chunks
  int64_t out_of_order_window_ns = 0;                       // off, like Prometheus
  int64_t self_scrape_interval_ns = 15'000'000'000;         // loupe scrapes its own /metrics; 0 = off
};

// The log store (see storage/logstore/log_store.h).
struct LogsConfig {
  int64_t retention_ns = 7LL * 24 * 3600 * 1'000'000'000;  // 7d
  uint64_t retention_bytes = 2ull << 30;                    // 2GiB of stored chunks
  // Loki's delete_request_cancel_period: delete requests are applied this long after they were
  // made (until then they can be cancelled, and queries filter their entries out).
  int64_t delete_request_cancel_period_ns = 24LL * 3600 * 1'000'000'000;
};

// The trace store (storage/spanstore/span_store.h), trace ingest (ingest/otlp/traces_ingest.h)
// and metrics from traces (ingest/derive/metrics_generator.h). Limits default to Tempo's.
struct TracesConfig {
  int64_t retention_ns = 7LL * 24 * 3600 * 1'000'000'000;  // 7d, by block cut time
  uint64_t retention_bytes = 2ull << 30;                    // 2GiB of trace records + index
  uint64_t max_bytes_per_trace = 5'000'000;                 // Tempo's max_bytes_per_trace
  int max_live_traces = 10'000;                             // Tempo's max_traces_per_user; 0 = off
  uint64_t ingestion_rate_limit_bytes = 0;                  // per tenant, bytes/s; 0 = off
  uint64_t ingestion_burst_bytes = 0;                       // 0 = the rate
  uint64_t max_inflight_bytes = 256ull << 20;               // requests being written; 503 beyond
  bool metrics_generator = true;                            // span metrics + service graphs
};

struct Config {
  std::string data_dir = "./.loupe";
  bool ephemeral = false;
  // "default" binds the addresses in `listen`; "ephemeral" binds the same hosts on free ports.
  std::string ports = "default";
  ListenConfig listen;
  std::string ready_file;

  std::string auth_token;
  std::string auth_token_file;
  bool insecure_no_auth = false;

  std::string log_level = "info";
  LogFormat log_format = LogFormat::kText;

  uint64_t max_body_bytes = 20ull << 20;        // after decompression (OTLP spec default)
  uint64_t grpc_max_recv_bytes = 4ull << 20;    // grpc-go default
  int64_t request_timeout_ns = 120'000'000'000;  // 2m, Prometheus's query timeout
  int64_t idle_timeout_ns = 120'000'000'000;    // keep-alive connections idle this long close
  int64_t shutdown_grace_ns = 1'500'000'000;    // drain budget inside the 2 s stop promise
  MetricsConfig metrics;
  LogsConfig logs;
  TracesConfig traces;
  // The `global` and `scrape_configs` sections (Prometheus syntax) as YAML text, parsed by
  // ingest/prom/scrape_config.h.
  std::string scrape_yaml;

  int http_threads = 0;                          // 0 = number of cores (at least 2)
  int worker_threads = 0;                        // 0 = 2 x cores (at least 4)
};

// Reads a YAML file into *config (fields not in the file keep their current values).
Status LoadConfigFile(const std::string& path, Config* config);
// Same from YAML text (tests).
Status LoadConfigYaml(std::string_view yaml, Config* config);

// Checks cross-field rules: non-loopback listeners need auth_token or insecure_no_auth;
// addresses parse; ports is default|ephemeral; timeouts positive. Also loads auth_token_file.
Status ValidateConfig(Config* config);

// Splits "host:port" / "[v6]:port" / ":port"; an empty host becomes 127.0.0.1.
struct HostPort {
  std::string host;
  uint16_t port = 0;
};
Result<HostPort> ParseHostPort(std::string_view addr);
bool IsLoopbackHost(std::string_view host);
// True for "", "off", "none", "false", "disabled": the listener is not started.
bool IsDisabledAddr(std::string_view addr);

}  // namespace loupe::appliance
