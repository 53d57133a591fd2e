// Value encodings of the log store's small RocksDB records (see keys.h for the key layouts).
// Internal to storage/logstore.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "storage/base/coding.h"
#include "storage/logstore/head.h"
#include "storage/model/labels.h"

namespace loupe::storage::logstore {

// logs_streams value: n:varint (name:lp value:lp)*n
inline std::string EncodeLabels(const model::Labels& labels) {
  std::string v;
  PutVarint64(&v, labels.size());
  for (const auto& l : labels) {
    PutLengthPrefixed(&v, l.name);
    PutLengthPrefixed(&v, l.value);
  }
  return v;
}

inline bool DecodeLabels(std::string_view in, model::Labels* labels) {
  uint64_t n;
  if (!GetVarint64(&in, &n) || n > in.size()) return false;
  std::vector<model::Label> ls;
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view name, value;
    if (!GetLengthPrefixed(&in, &name) || !GetLengthPrefixed(&in, &value)) return false;
    ls.push_back({std::string(name), std::string(value)});
  }
  *labels = model::Labels::FromUnsorted(std::move(ls));
  return in.empty() && !labels->empty();
}

// logs_head checkpoint value: base_seq:varint next_seq:varint max_t:svarint chunk:lp open:lp
inline std::string EncodeCheckpoint(const StreamCheckpoint& c) {
  std::string v;
  PutVarint64(&v, c.base_seq);
  PutVarint64(&v, c.next_seq);
  PutSignedVarint64(&v, c.max_t);
  PutLengthPrefixed(&v, c.chunk);
  PutLengthPrefixed(&v, c.open);
  if (c.last_ts != INT64_MIN) {  // optional tail: the last accepted entry
    PutSignedVarint64(&v, c.last_ts);
    PutLengthPrefixed(&v, c.last_line);
    PutLengthPrefixed(&v, c.last_md);
  }
  return v;
}

inline bool DecodeCheckpoint(std::string_view in, StreamCheckpoint* c) {
  std::string_view chunk, open;
  if (!GetVarint64(&in, &c->base_seq) || !GetVarint64(&in, &c->next_seq) ||
      !GetSignedVarint64(&in, &c->max_t) || !GetLengthPrefixed(&in, &chunk) ||
      !GetLengthPrefixed(&in, &open)) {
    return false;
  }
  c->chunk.assign(chunk);
  c->open.assign(open);
  if (in.empty()) return true;  // written before the last-entry tail existed
  std::string_view line, md;
  if (!GetSignedVarint64(&in, &c->last_ts) || !GetLengthPrefixed(&in, &line) ||
      !GetLengthPrefixed(&in, &md) || !in.empty()) {
    return false;
  }
  c->last_line.assign(line);
  c->last_md.assign(md);
  return true;
}

}  // namespace loupe::storage::logstore
