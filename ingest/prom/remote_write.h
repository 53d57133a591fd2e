// Prometheus remote write 1.0 receiver: decodes a snappy-block `prometheus.WriteRequest`
// (prompb/remote.proto) straight into a MetricStore::Appender without materialising protobuf
// objects: label names and values stay views into the decompressed body.
//
// Follows Prometheus's receiver: labels are sorted by name if the sender did not; empty label
// values are dropped; a series without a metric name, with an empty or duplicate label name,
// or with invalid UTF-8 is rejected with 400 (and so is the request); native histograms are
// not stored yet (counted, see RemoteWriteResult). Samples the store refuses (out of order,
// duplicate, out of bounds) do not stop the rest of the request: the others are kept and the
// reply is a 400 naming the first refusal, so the sender does not retry the batch (Cortex's
// partial-write behaviour).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/base/result.h"
#include "storage/tsdb/metric_store.h"

namespace loupe::ingest::prom {

struct RemoteWriteLimits {
  size_t max_decoded_bytes = 32u << 20;  // snappy's declared length is checked before allocating
  size_t max_label_names_per_series = 0;  // 0 = unlimited (Prometheus's default)
  size_t max_label_name_length = 0;
  size_t max_label_value_length = 0;
};

struct RemoteWriteResult {
  uint64_t series = 0;
  uint64_t samples = 0;  // samples in the request
  uint64_t exemplars = 0;
  uint64_t histograms_dropped = 0;
  uint64_t metadata = 0;
  storage::tsdb::AppendStats append;
};

// Decodes `proto` (already snappy-decoded) and adds everything to `app` (no Commit).
// kInvalidArgument with a Prometheus-like message for malformed input.
Status DecodeWriteRequest(std::string_view proto, const RemoteWriteLimits& limits,
                          storage::tsdb::MetricStore::Appender* app, RemoteWriteResult* result);

// Remote write 2.0: `io.prometheus.write.v2.Request` (symbols table + label refs; metadata per
// series). Same validation and error behaviour as 1.0; native histograms are counted, not
// stored. An out-of-range symbol reference is kInvalidArgument.
Status DecodeWriteRequestV2(std::string_view proto, const RemoteWriteLimits& limits,
                            storage::tsdb::MetricStore::Appender* app, RemoteWriteResult* result);

}  // namespace loupe::ingest::prom
