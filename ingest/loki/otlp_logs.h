// OTLP logs into the log store, mapped as Loki 3 maps them (its native /otlp/v1/logs endpoint):
//   - stream labels: the resource attributes Loki promotes by default (service.name,
//     service.namespace, service.instance.id, deployment.environment, cloud.region,
//     cloud.availability_zone, k8s.* names, container.name), names sanitised ('.' -> '_');
//     service_name comes from service.name, else from the first of Loki's discover_service_name
//     labels present, else "unknown_service";
//   - structured metadata: every other resource attribute, the scope's attributes plus
//     scope_name / scope_version / scope_dropped_attributes_count, the log attributes, and the
//     record's observed_timestamp (when a timestamp is also set), severity_number,
//     severity_text, dropped_attributes_count, flags, trace_id and span_id (lower-case hex);
//     nested map attributes are flattened with '_';
//   - the line is the body as a string (pdata AsString), the timestamp time_unix_nano, else
//     observed_time_unix_nano, else now.
// Thread-safety: reentrant.
#pragma once

#include <deque>
#include <string>
#include <vector>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "storage/base/clock.h"
#include "storage/logstore/log_store.h"

namespace loupe::ingest::loki {

struct OtlpLogsStats {
  uint64_t records = 0;
  uint64_t streams = 0;
};

// Adds every record of `request` to `app`. Strings live in *arena (keep it until Commit).
void OtlpLogsToStore(const ::opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest& request,
                     storage::logstore::LogStore::Appender* app, std::deque<std::string>* arena,
                     OtlpLogsStats* stats, Clock& clock = Clock::Real());

}  // namespace loupe::ingest::loki
