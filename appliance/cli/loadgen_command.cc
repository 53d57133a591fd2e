#include "appliance/cli/loadgen_command.h"

#include <cstdio>
#include <iostream>

#include "storage/base/units.h"

namespace loupe::appliance::cli {

LoadgenCommand::LoadgenCommand(CLI::App& app) {
  cmd_ = app.add_subcommand("loadgen", "Generate load against loupe or any compatible endpoint");
  cmd_->require_subcommand(1);
  metrics_ = cmd_->add_subcommand("metrics", "Prometheus remote-write or OTLP/HTTP metrics load; prints samples/s");
  auto& o = metrics_options_;
  metrics_->add_option("--target", o.target, "Remote-write URL, or OTLP/HTTP metrics URL with --protocol otlp")
      ->capture_default_str();
  metrics_->add_option("--protocol", o.protocol, "remote-write or otlp (protobuf over HTTP)")
      ->check(CLI::IsMember({"remote-write", "otlp"}))
      ->capture_default_str();
  metrics_->add_option("--series", o.series, "Number of series")->capture_default_str();
  metrics_->add_option("--samples", o.samples, "Samples per series")->capture_default_str();
  metrics_->add_option("--batch", o.batch_series, "Series per request")->capture_default_str();
  metrics_->add_option("--samples-per-request", o.samples_per_request, "Samples of each series per request")
      ->capture_default_str();
  metrics_->add_option("--concurrency", o.concurrency, "Concurrent connections")->capture_default_str();
  metrics_->add_option("--interval", interval_, "Spacing of a series' samples")->capture_default_str();
  metrics_->add_option("--labels", o.labels, "Labels per series besides __name__")->capture_default_str();
  metrics_->add_option("--tenant", o.tenant, "X-Scope-OrgID to send");
  metrics_->add_flag("!--no-pregenerate", o.pregenerate, "Encode requests while sending instead of up front");

  logs_ = cmd_->add_subcommand("logs", "Loki push or OTLP logs load; prints lines/s and MB/s");
  auto& l = logs_options_;
  logs_->add_option("--target", l.target,
                    "Push URL (/loki/api/v1/push, or /v1/logs or /otlp/v1/logs with --wire otlp)")
      ->capture_default_str();
  logs_->add_option("--wire", logs_wire_, "protobuf (Loki snappy protobuf), json (Loki JSON) or otlp (OTLP/HTTP protobuf)")
      ->check(CLI::IsMember({"protobuf", "json", "otlp"}))
      ->capture_default_str();
  logs_->add_option("--format", logs_format_, "Line format: json or logfmt")
      ->check(CLI::IsMember({"json", "logfmt"}))
      ->capture_default_str();
  logs_->add_option("--streams", l.streams, "Number of streams")->capture_default_str();
  logs_->add_option("--line-size", l.line_bytes, "Approximate bytes per line")->capture_default_str();
  logs_->add_option("--batch", l.batch_lines, "Lines per request")->capture_default_str();
  logs_->add_option("--concurrency", l.concurrency, "Concurrent connections")->capture_default_str();
  logs_->add_option("--duration", l.duration_s, "Seconds to run (when --lines is not given)")->capture_default_str();
  logs_->add_option("--lines", l.lines, "Total lines to send, then stop");
  logs_->add_option("--trace-fraction", l.trace_fraction, "Share of lines carrying a trace id")->capture_default_str();
  logs_->add_option("--tenant", l.tenant, "X-Scope-OrgID to send");
}

int LoadgenCommand::RunLogs() {
  logs_options_.wire = logs_wire_ == "json"   ? loadgen::LogsWire::kLokiJson
                       : logs_wire_ == "otlp" ? loadgen::LogsWire::kOtlpProtobuf
                                              : loadgen::LogsWire::kLokiProtobuf;
  logs_options_.format = logs_format_ == "logfmt" ? loadgen::LineFormat::kLogfmt : loadgen::LineFormat::kJson;
  auto r = loadgen::RunLogsLoadgen(logs_options_);
  if (!r.ok()) {
    std::cerr << "loupe loadgen: " << r.status().message() << "\n";
    return 2;
  }
  std::printf("sent %llu lines (%.1f MB) in %.3f s: %.0f lines/s, %.1f MB/s (%llu requests, %llu failed)\n",
              static_cast<unsigned long long>(r->lines), r->bytes / 1e6, r->seconds, r->lines_per_second(),
              r->mb_per_second(), static_cast<unsigned long long>(r->requests),
              static_cast<unsigned long long>(r->failed_requests));
  if (!r->first_error.empty()) std::printf("first error: %s\n", r->first_error.c_str());
  return r->failed_requests == 0 ? 0 : 1;
}

bool LoadgenCommand::parsed() const { return cmd_->parsed(); }

int LoadgenCommand::Run() {
  if (logs_->parsed()) return RunLogs();
  auto interval = ParseDurationNanos(interval_);
  if (!interval.ok()) {
    std::cerr << "loupe loadgen: " << interval.status().message() << "\n";
    return 2;
  }
  metrics_options_.interval_ms = *interval / 1'000'000;
  auto r = loadgen::RunMetricsLoadgen(metrics_options_);
  if (!r.ok()) {
    std::cerr << "loupe loadgen: " << r.status().message() << "\n";
    return 2;
  }
  std::printf("sent %llu samples in %.3f s: %.0f samples/s (%llu requests, %llu failed)\n",
              static_cast<unsigned long long>(r->samples), r->seconds, r->samples_per_second(),
              static_cast<unsigned long long>(r->requests), static_cast<unsigned long long>(r->failed_requests));
  if (!r->first_error.empty()) std::printf("first error: %s\n", r->first_error.c_str());
  return r->failed_requests == 0 ? 0 : 1;
}

}  // namespace loupe::appliance::cli
