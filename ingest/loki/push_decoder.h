// PushDecoder: Loki push requests into a LogStore::Appender.
//
//   JSON      {"streams":[{"stream":{"a":"b"},"values":[["<ns>","<line>"],["<ns>","<line>",{"k":"v"}]]}]}
//             timestamps must be strings of nanoseconds (Loki rejects numbers with 400);
//             the optional third element is structured metadata (a flat string map).
//   protobuf  logproto.PushRequest (snappy already removed by the caller): StreamAdapter.labels is
//             a label set in selector syntax `{a="b", c="d"}`; entries carry a Timestamp, the
//             line and structured metadata.
// Errors are kInvalidArgument with Loki-like text (e.g. "error parsing labels '{a=b}' with
// error: ..."). Lines and label values are views into the decoder's buffers or the input: keep
// the decoder and the input alive until the appender's Commit() returned.
// Not thread-safe; one decoder per request.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "storage/base/result.h"
#include "storage/logstore/log_store.h"
#include "storage/model/labels.h"

namespace loupe::ingest::loki {

// Parses `{a="b", c="d"}` (Go-escaped double-quoted or backquoted values; names as Prometheus
// allows, or quoted). Values needing unescaping are copied into *arena. kInvalidArgument on
// syntax errors. An empty set `{}` is valid here (the store rejects streams without labels).
Status ParseLabelSet(std::string_view s, std::deque<std::string>* arena,
                     std::vector<storage::model::LabelRef>* out);

struct PushDecodeStats {
  uint64_t streams = 0;
  uint64_t entries = 0;
  uint64_t bytes = 0;  // line bytes
};

class PushDecoder {
 public:
  PushDecoder();
  ~PushDecoder();
  Status DecodeJson(std::string_view body, storage::logstore::LogStore::Appender* app,
                    PushDecodeStats* stats);
  Status DecodeProto(std::string_view body, storage::logstore::LogStore::Appender* app,
                     PushDecodeStats* stats);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace loupe::ingest::loki
