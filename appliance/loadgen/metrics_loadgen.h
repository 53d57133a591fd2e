// The metrics load generator behind `loupe loadgen metrics`: sends Prometheus remote-write 1.0
// requests (snappy protobuf) or OTLP/HTTP metrics (protobuf ExportMetricsServiceRequest; the
// same series as gauges and monotonic cumulative sums, job/instance as service.name and
// service.instance.id) with a chosen number of series, samples per series, series per request
// and concurrent connections, and reports samples/s. The same generator drives loupe and
// a real Prometheus receiver in scripts/bench, so both see identical load.
//
// Each connection owns a disjoint slice of the series and sends its samples in time order, so a
// correct receiver accepts every sample. Requests are encoded up front (`pregenerate`) so the
// measured rate is the receiver's, not the generator's.
#pragma once

#include <cstdint>
#include <string>

#include "storage/base/result.h"

namespace loupe::appliance::loadgen {

struct MetricsLoadgenOptions {
  std::string target = "http://127.0.0.1:3333/api/v1/write";
  std::string protocol = "remote-write";  // or "otlp" (POST protobuf to an OTLP/HTTP /v1/metrics)
  int series = 10000;
  int samples = 10;               // per series
  int batch_series = 1000;        // series per request
  int samples_per_request = 1;    // consecutive samples of each series in one request
  int concurrency = 2;
  int64_t interval_ms = 15000;    // spacing of a series' samples; the last is "now"
  int labels = 6;                 // labels per series besides __name__
  std::string tenant;             // X-Scope-OrgID, if set
  bool pregenerate = true;
};

struct LoadgenReport {
  uint64_t samples = 0;
  uint64_t requests = 0;
  uint64_t failed_requests = 0;
  std::string first_error;
  double seconds = 0;
  double samples_per_second() const { return seconds > 0 ? samples / seconds : 0; }
};

Result<LoadgenReport> RunMetricsLoadgen(const MetricsLoadgenOptions& options);

}  // namespace loupe::appliance::loadgen
