// The logs load generator behind `loupe loadgen logs`: pushes realistic service log lines (JSON
// or logfmt, ~`line_bytes` each, with request ids, durations, status codes, and trace ids that
// the lines of one request share) to a Loki push endpoint (snappy protobuf or JSON) or an
// OTLP/HTTP logs endpoint (protobuf), and reports lines/s and MB/s of raw line bytes.
//
// Each connection owns a disjoint set of streams and sends their entries in time order (now,
// one nanosecond apart), so a correct receiver accepts every line. It runs for `duration_s`
// seconds, or until `lines` lines were sent when that is set. Requests are built while sending,
// from a pool of pre-rendered line fragments, so the generator costs well under a microsecond
// per line.
#pragma once

#include <cstdint>
#include <string>

#include "storage/base/result.h"

namespace loupe::appliance::loadgen {

enum class LogsWire { kLokiProtobuf, kLokiJson, kOtlpProtobuf };
enum class LineFormat { kJson, kLogfmt };

struct LogsLoadgenOptions {
  std::string target = "http://127.0.0.1:3333/loki/api/v1/push";
  LogsWire wire = LogsWire::kLokiProtobuf;
  LineFormat format = LineFormat::kJson;
  int streams = 100;
  int line_bytes = 200;       // approximate length of a line
  int batch_lines = 1000;     // lines per request
  int concurrency = 2;
  double duration_s = 10;     // run time when `lines` is 0
  uint64_t lines = 0;         // total lines; 0 = run for duration_s
  double trace_fraction = 0.7;  // share of lines carrying a trace id
  // Mean number of a stream's traced lines that share one trace id (the lines one request
  // logs); 1 gives every traced line an id of its own.
  int lines_per_trace = 4;
  std::string tenant;         // X-Scope-OrgID, if set
};

struct LogsLoadgenReport {
  uint64_t lines = 0;
  uint64_t bytes = 0;  // raw line bytes of accepted requests
  uint64_t requests = 0;
  uint64_t failed_requests = 0;
  std::string first_error;
  double seconds = 0;
  double lines_per_second() const { return seconds > 0 ? lines / seconds : 0; }
  double mb_per_second() const { return seconds > 0 ? bytes / seconds / 1e6 : 0; }
};

Result<LogsLoadgenReport> RunLogsLoadgen(const LogsLoadgenOptions& options);

}  // namespace loupe::appliance::loadgen
