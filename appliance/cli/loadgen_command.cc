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
  metrics_
      ->add_option("--samples-per-request", o.samples_per_request,
                   "Samples of each series per request")
      ->capture_default_str();
  metrics_->add_option("--concurrency", o.concurrency, "Concurrent connections")
      ->capture_default_str();
  metrics_->add_option("--interval", interval_, "Spacing of a series' samples")
      ->capture_default_str();
  metrics_->add_option("--labels", o.labels, "Labels per series besides __name__")
      ->capture_default_str();
  metrics_->add_option("--tenant", o.tenant, "X-Scope-OrgID to send");
  metrics_->add_flag("!--no-pregenerate", o.pregenerate,
                     "Encode requests while sending instead of up front");

  traces_ = cmd_->add_subcommand("traces", "OTLP trace load (gRPC or HTTP); prints spans/s");
  auto& t = traces_options_;
  traces_
      ->add_option("--target", t.target,
                   "gRPC host:port, or an http:// URL (default path /v1/traces)")
      ->capture_default_str();
  traces_->add_option("--protocol", t.protocol, "grpc or http (protobuf)")->capture_default_str();
  traces_->add_option("--batch", t.batch_spans, "Spans per request (whole traces)")
      ->capture_default_str();
  traces_->add_option("--duration", traces_duration_, "Send for this long")->capture_default_str();
  traces_
      ->add_option("--spans", t.max_spans,
                   "Stop once this many spans were acknowledged (0 = duration only)")
      ->capture_default_str();
  traces_
      ->add_option("--rate", t.rate,
                   "Spans per second over all connections (0 = as fast as possible)")
      ->capture_default_str();
  traces_->add_option("--concurrency", t.concurrency, "Concurrent connections")
      ->capture_default_str();
  traces_->add_option("--services", t.services, "Services in the generated traces (1..12)")
      ->capture_default_str();
  traces_->add_option("--error-ratio", t.error_ratio, "Share of traces that end in an error")
      ->capture_default_str();
  traces_->add_option("--templates", t.templates, "Prebuilt requests per connection")
      ->capture_default_str();
  traces_->add_flag("--gzip", t.gzip, "Compress requests");
  traces_->add_option("--tenant", t.tenant, "X-Scope-OrgID to send");
  traces_->add_option("--seed", t.seed, "Random seed (0 = from the clock)");
  traces_->add_option("--verify", t.verify_addr,
                      "After sending, read sampled traces back from this Tempo API host:port");
  traces_->add_option("--verify-every", t.verify_every, "Sample every Nth acknowledged request")
      ->capture_default_str();

  logs_ = cmd_->add_subcommand("logs", "Loki push or OTLP logs load; prints lines/s and MB/s");
  auto& l = logs_options_;
  logs_
      ->add_option("--target", l.target,
                   "Push URL (/loki/api/v1/push, or /v1/logs or /otlp/v1/logs with --wire otlp)")
      ->capture_default_str();
  logs_
      ->add_option("--wire", logs_wire_,
                   "protobuf (Loki snappy protobuf), json (Loki JSON) or otlp (OTLP/HTTP protobuf)")
      ->check(CLI::IsMember({"protobuf", "json", "otlp"}))
      ->capture_default_str();
  logs_->add_option("--format", logs_format_, "Line format: json or logfmt")
      ->check(CLI::IsMember({"json", "logfmt"}))
      ->capture_default_str();
  logs_->add_option("--streams", l.streams, "Number of streams")->capture_default_str();
  logs_->add_option("--line-size", l.line_bytes, "Approximate bytes per line")
      ->capture_default_str();
  logs_->add_option("--batch", l.batch_lines, "Lines per request")->capture_default_str();
  logs_->add_option("--concurrency", l.concurrency, "Concurrent connections")
      ->capture_default_str();
  logs_->add_option("--duration", l.duration_s, "Seconds to run (when --lines is not given)")
      ->capture_default_str();
  logs_->add_option("--lines", l.lines, "Total lines to send, then stop");
  logs_->add_option("--trace-fraction", l.trace_fraction, "Share of lines carrying a trace id")
      ->capture_default_str();
  logs_
      ->add_option("--lines-per-trace", l.lines_per_trace,
                   "Mean traced lines per trace id (a request's log lines); 1 = a new id per line")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  logs_->add_option("--tenant", l.tenant, "X-Scope-OrgID to send");
}

int LoadgenCommand::RunLogs() {
  logs_options_.wire = logs_wire_ == "json"   ? loadgen::LogsWire::kLokiJson
                       : logs_wire_ == "otlp" ? loadgen::LogsWire::kOtlpProtobuf
                                              : loadgen::LogsWire::kLokiProtobuf;
  logs_options_.format =
      logs_format_ == "logfmt" ? loadgen::LineFormat::kLogfmt : loadgen::LineFormat::kJson;
  auto r = loadgen::RunLogsLoadgen(logs_options_);
  if (!r.ok()) {
    std::cerr << "loupe loadgen: " << r.status().message() << "\n";
    return 2;
  }
  std::printf(
      "sent %llu lines (%.1f MB) in %.3f s: %.0f lines/s, %.1f MB/s (%llu requests, %llu failed)\n",
      static_cast<unsigned long long>(r->lines), r->bytes / 1e6, r->seconds, r->lines_per_second(),
      r->mb_per_second(), static_cast<unsigned long long>(r->requests),
      static_cast<unsigned long long>(r->failed_requests));
  if (!r->first_error.empty()) std::printf("first error: %s\n", r->first_error.c_str());
  return r->failed_requests == 0 ? 0 : 1;
}

bool LoadgenCommand::parsed() const { return cmd_->parsed(); }

int LoadgenCommand::Run() {
  if (logs_->parsed()) return RunLogs();
  return traces_->parsed() ? RunTraces() : RunMetrics();
}

int LoadgenCommand::RunTraces() {
  auto duration = ParseDurationNanos(traces_duration_);
  if (!duration.ok()) {
    std::cerr << "loupe loadgen: " << duration.status().message() << "\n";
    return 2;
  }
  traces_options_.duration_s = static_cast<double>(*duration) / 1e9;
  auto r = loadgen::RunTracesLoadgen(traces_options_);
  if (!r.ok()) {
    std::cerr << "loupe loadgen: " << r.status().message() << "\n";
    return 2;
  }
  std::printf(
      "sent %llu spans (%llu traces) in %.3f s: %.0f spans/s (%llu requests, %llu failed, %llu "
      "spans rejected)\n",
      static_cast<unsigned long long>(r->spans), static_cast<unsigned long long>(r->traces),
      r->seconds, r->spans_per_second(), static_cast<unsigned long long>(r->requests),
      static_cast<unsigned long long>(r->failed_requests),
      static_cast<unsigned long long>(r->spans_rejected));
  if (!r->first_error.empty()) std::printf("first error: %s\n", r->first_error.c_str());
  if (!r->first_rejection.empty()) {
    std::printf("first rejection: %s\n", r->first_rejection.c_str());
  }
  if (r->verified > 0) {
    std::printf("verified %llu traces: %llu missing, %llu incomplete\n",
                static_cast<unsigned long long>(r->verified),
                static_cast<unsigned long long>(r->verify_missing),
                static_cast<unsigned long long>(r->verify_short));
  }
  const bool ok = r->failed_requests == 0 && r->spans_rejected == 0 && r->verify_missing == 0 &&
                  r->verify_short == 0;
  return ok ? 0 : 1;
}

int LoadgenCommand::RunMetrics() {
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
              static_cast<unsigned long long>(r->requests),
              static_cast<unsigned long long>(r->failed_requests));
  if (!r->first_error.empty()) std::printf("first error: %s\n", r->first_error.c_str());
  return r->failed_requests == 0 ? 0 : 1;
}

}  // namespace loupe::appliance::cli
