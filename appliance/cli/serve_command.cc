#include "appliance/cli/serve_command.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include "appliance/appliance.h"
#include "appliance/build_info.h"
#include "appliance/log.h"
#include "storage/base/units.h"

namespace loupe::appliance::cli {
namespace {

Status SetDuration(int64_t* dst, const std::string& v, const char* what) {
  auto r = ParseDurationNanos(v);
  if (!r.ok()) return r.status().WithContext(what);
  *dst = *r;
  return Status::OK();
}

Status SetBytes(uint64_t* dst, const std::string& v, const char* what) {
  auto r = ParseBytes(v);
  if (!r.ok()) return r.status().WithContext(what);
  *dst = *r;
  return Status::OK();
}

Status SetInt(int* dst, const std::string& v, const char* what) {
  char* end = nullptr;
  const long n = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || n < 0 || n > 1024) {
    return Status::InvalidArgument(std::string(what) + ": invalid thread count \"" + v + "\"");
  }
  *dst = static_cast<int>(n);
  return Status::OK();
}

const char* Describe(const std::string& name) {
  if (name == "http") return "UI, Studio and every API";
  if (name == "loki") return "Loki API (same router)";
  if (name == "prometheus") return "Prometheus API (same router)";
  if (name == "tempo") return "Tempo API (same router)";
  if (name == "otlp_grpc") return "OTLP gRPC";
  if (name == "otlp_http") return "OTLP HTTP";
  return "";
}

}  // namespace

ServeCommand::ServeCommand(CLI::App& app) {
  cmd_ = app.add_subcommand("serve", "Run loupe: stores, APIs, OTLP ingest and UI (the default command)");
  const Config d;
  cmd_->add_option("-c,--config", config_path_, "YAML config file (keys mirror these flags)")
      ->envname("LOUPE_CONFIG");

  StringOption("--data-dir", "LOUPE_DATA_DIR", "Data directory (default " + d.data_dir + ")",
               [](Config& c, const std::string& v) { c.data_dir = v; return Status::OK(); });
  FlagOption("--ephemeral", "LOUPE_EPHEMERAL", "Use a temporary data directory removed on exit",
             [](Config& c, bool v) { c.ephemeral = v; });
  StringOption("--ports", "LOUPE_PORTS", "default | ephemeral (bind free ports; see --ready-file)",
               [](Config& c, const std::string& v) { c.ports = v; return Status::OK(); });
  StringOption("--http-addr", "LOUPE_HTTP_ADDR", "Main HTTP listener (default " + d.listen.http + ")",
               [](Config& c, const std::string& v) { c.listen.http = v; return Status::OK(); });
  StringOption("--loki-addr", "LOUPE_LOKI_ADDR", "Loki-compatible listener, or off (default " + d.listen.loki + ")",
               [](Config& c, const std::string& v) { c.listen.loki = v; return Status::OK(); });
  StringOption("--prometheus-addr", "LOUPE_PROMETHEUS_ADDR",
               "Prometheus-compatible listener, or off (default " + d.listen.prometheus + ")",
               [](Config& c, const std::string& v) { c.listen.prometheus = v; return Status::OK(); });
  StringOption("--tempo-addr", "LOUPE_TEMPO_ADDR", "Tempo-compatible listener, or off (default " + d.listen.tempo + ")",
               [](Config& c, const std::string& v) { c.listen.tempo = v; return Status::OK(); });
  StringOption("--otlp-grpc-addr", "LOUPE_OTLP_GRPC_ADDR", "OTLP gRPC listener, or off (default " + d.listen.otlp_grpc + ")",
               [](Config& c, const std::string& v) { c.listen.otlp_grpc = v; return Status::OK(); });
  StringOption("--otlp-http-addr", "LOUPE_OTLP_HTTP_ADDR", "OTLP HTTP listener, or off (default " + d.listen.otlp_http + ")",
               [](Config& c, const std::string& v) { c.listen.otlp_http = v; return Status::OK(); });
  StringOption("--ready-file", "LOUPE_READY_FILE", "Write the bound addresses as JSON to this file once ready",
               [](Config& c, const std::string& v) { c.ready_file = v; return Status::OK(); });
  StringOption("--auth-token", "LOUPE_AUTH_TOKEN", "Require this token (Bearer, or basic-auth password) on every API",
               [](Config& c, const std::string& v) { c.auth_token = v; return Status::OK(); });
  StringOption("--auth-token-file", "LOUPE_AUTH_TOKEN_FILE", "Read the auth token from this file",
               [](Config& c, const std::string& v) { c.auth_token_file = v; return Status::OK(); });
  FlagOption("--insecure-no-auth", "LOUPE_INSECURE_NO_AUTH", "Allow non-loopback listeners without authentication",
             [](Config& c, bool v) { c.insecure_no_auth = v; });
  StringOption("--log-level", "LOUPE_LOG_LEVEL", "trace | debug | info | warn | error (default info)",
               [](Config& c, const std::string& v) { c.log_level = v; return Status::OK(); });
  StringOption("--log-format", "LOUPE_LOG_FORMAT", "text | json (default text)", [](Config& c, const std::string& v) {
    if (v == "text") c.log_format = LogFormat::kText;
    else if (v == "json") c.log_format = LogFormat::kJson;
    else return Status::InvalidArgument("--log-format must be text or json, got \"" + v + "\"");
    return Status::OK();
  });
  StringOption("--max-body-size", "LOUPE_MAX_BODY_SIZE", "Request body cap after decompression (default 20MiB)",
               [](Config& c, const std::string& v) { return SetBytes(&c.max_body_bytes, v, "--max-body-size"); });
  StringOption("--grpc-max-recv-size", "LOUPE_GRPC_MAX_RECV_SIZE", "gRPC message cap (default 4MiB)",
               [](Config& c, const std::string& v) { return SetBytes(&c.grpc_max_recv_bytes, v, "--grpc-max-recv-size"); });
  StringOption("--request-timeout", "LOUPE_REQUEST_TIMEOUT", "Per-request deadline (default 2m)",
               [](Config& c, const std::string& v) { return SetDuration(&c.request_timeout_ns, v, "--request-timeout"); });
  StringOption("--idle-timeout", "LOUPE_IDLE_TIMEOUT", "Close keep-alive connections idle this long (default 2m)",
               [](Config& c, const std::string& v) { return SetDuration(&c.idle_timeout_ns, v, "--idle-timeout"); });
  StringOption("--metrics-retention", "LOUPE_METRICS_RETENTION", "Keep metric samples this long (default 7d; 0 = forever)",
               [](Config& c, const std::string& v) { return SetDuration(&c.metrics.retention_ns, v, "--metrics-retention"); });
  StringOption("--metrics-retention-size", "LOUPE_METRICS_RETENTION_SIZE",
               "Drop the oldest metric blocks above this many chunk bytes (default 2GiB; 0 = no limit)",
               [](Config& c, const std::string& v) { return SetBytes(&c.metrics.retention_bytes, v, "--metrics-retention-size"); });
  StringOption("--metrics-ooo-window", "LOUPE_METRICS_OOO_WINDOW",
               "Accept out-of-order samples this far behind the newest (default 0 = off)",
               [](Config& c, const std::string& v) { return SetDuration(&c.metrics.out_of_order_window_ns, v, "--metrics-ooo-window"); });
  StringOption("--logs-retention", "LOUPE_LOGS_RETENTION", "Keep log entries this long (default 7d; 0 = forever)",
               [](Config& c, const std::string& v) { return SetDuration(&c.logs.retention_ns, v, "--logs-retention"); });
  StringOption("--logs-retention-size", "LOUPE_LOGS_RETENTION_SIZE",
               "Drop the oldest log chunks above this many stored bytes (default 2GiB; 0 = no limit)",
               [](Config& c, const std::string& v) { return SetBytes(&c.logs.retention_bytes, v, "--logs-retention-size"); });
  StringOption("--self-scrape-interval", "LOUPE_SELF_SCRAPE_INTERVAL",
               "Scrape loupe's own /metrics this often as job \"loupe\" (default 15s; 0 = off)",
               [](Config& c, const std::string& v) { return SetDuration(&c.metrics.self_scrape_interval_ns, v, "--self-scrape-interval"); });
  StringOption("--http-threads", "LOUPE_HTTP_THREADS", "HTTP I/O threads (default: cores, at least 2)",
               [](Config& c, const std::string& v) { return SetInt(&c.http_threads, v, "--http-threads"); });
  StringOption("--worker-threads", "LOUPE_WORKER_THREADS", "Handler worker threads (default: 2 x cores, at least 4)",
               [](Config& c, const std::string& v) { return SetInt(&c.worker_threads, v, "--worker-threads"); });
}

void ServeCommand::StringOption(const std::string& flags, const std::string& env, const std::string& help,
                                std::function<Status(Config&, const std::string&)> apply) {
  string_values_.push_back(std::make_unique<std::string>());
  std::string* value = string_values_.back().get();
  CLI::Option* opt = cmd_->add_option(flags, *value, help)->envname(env);
  bindings_.push_back({opt, [value, apply](Config& c) { return apply(c, *value); }});
}

void ServeCommand::FlagOption(const std::string& flags, const std::string& env, const std::string& help,
                              std::function<void(Config&, bool)> apply) {
  bool_values_.push_back(std::make_unique<bool>(false));
  bool* value = bool_values_.back().get();
  CLI::Option* opt = cmd_->add_flag(flags, *value, help)->envname(env);
  bindings_.push_back({opt, [value, apply](Config& c) {
                         apply(c, *value);
                         return Status::OK();
                       }});
}

Status ServeCommand::BuildConfig(Config* config) {
  if (!config_path_.empty()) LOUPE_RETURN_IF_ERROR(LoadConfigFile(config_path_, config));
  // Flags and LOUPE_* variables (CLI11 counts either as given; a flag wins over its variable).
  for (const auto& b : bindings_) {
    if (b.option->count() > 0) LOUPE_RETURN_IF_ERROR(b.apply(*config));
  }
  return ValidateConfig(config);
}

int ServeCommand::Run() {
  // Block the stop signals before any thread exists (RocksDB, gRPC and our pools inherit the
  // mask), then wait for them synchronously on this thread.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  Config config;
  Status s = BuildConfig(&config);
  if (s.ok()) s = SetupLogging(config.log_level, config.log_format);
  if (!s.ok()) {
    std::cerr << "loupe: " << s.message() << "\n";
    return 2;
  }

  std::string ephemeral_dir;
  if (config.ephemeral) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "loupe-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) {
      spdlog::error("cannot create a temporary data directory in {}", std::filesystem::temp_directory_path().string());
      return 1;
    }
    ephemeral_dir = tmpl;
    config.data_dir = ephemeral_dir;
  }
  const std::string ready_file = config.ready_file;
  auto cleanup = [&] {
    if (!ready_file.empty()) {
      std::error_code ec;
      std::filesystem::remove(ready_file, ec);
    }
    if (!ephemeral_dir.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(ephemeral_dir, ec);
    }
  };

  Appliance app(std::move(config));
  s = app.Start();
  if (!s.ok()) {
    spdlog::error("{}", s.message());
    (void)app.Stop();
    cleanup();
    return 1;
  }
  const auto& b = GetBuildInfo();
  spdlog::info("loupe {} ({}) serving data dir {}{}", b.version, b.revision.substr(0, 12), app.data_dir(),
               ephemeral_dir.empty() ? "" : " (ephemeral)");
  for (const auto& [name, addr] : app.endpoints()) {
    spdlog::info("listening {:<10} {:<22} {}", name, addr, Describe(name));
  }
  if (!ready_file.empty()) {
    s = WriteReadyFile(ready_file, app.endpoints(), app.data_dir());
    if (!s.ok()) {
      spdlog::error("{}", s.message());
      (void)app.Stop();
      cleanup();
      return 1;
    }
  }

  int sig = 0;
  sigwait(&stop_signals, &sig);
  spdlog::info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  // A second signal while draining exits at once.
  std::thread([stop_signals]() mutable {
    int again = 0;
    sigwait(&stop_signals, &again);
    _exit(130);
  }).detach();
  s = app.Stop();
  cleanup();
  if (!s.ok()) {
    spdlog::error("shutdown: {}", s.message());
    return 1;
  }
  spdlog::info("stopped");
  spdlog::default_logger()->flush();
  std::fflush(nullptr);
  // Everything is durable and closed; skip destructors that would only free memory (seconds
  // for large heads), keeping the stop well inside its 2 s budget.
  _exit(0);
}

}  // namespace loupe::appliance::cli
