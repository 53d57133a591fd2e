// Head: one tenant's mutable in-memory block — the spans logged since the last cut. It keeps
// the logged batches themselves (so a trace's record is assembled by copying span bytes), a
// trace index (trace id -> its spans), the per-trace byte counts and last-append times the
// ingest limits look at, and a BlockColumns index that scans read exactly as they read a
// persisted block.
//
// Once cut, a Head is frozen: nothing mutates it, so readers use it without a lock while the
// store persists it.
//
// Thread-safety: none of its own. SpanStore guards a live head with its tenant's lock.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "storage/base/result.h"
#include "storage/spanstore/batch_codec.h"
#include "storage/spanstore/columns.h"

namespace loupe::storage::spanstore {

class Head {
 public:
  // `wal_start`: the first WAL segment whose records belong to this head.
  Head(uint64_t wal_start, int64_t created_ns) : wal_start_(wal_start), created_ns_(created_ns) {}
  Head(const Head&) = delete;
  Head& operator=(const Head&) = delete;

  uint64_t wal_start() const { return wal_start_; }
  int64_t created_ns() const { return created_ns_; }

  // What the ingest limits need to know of a trace.
  struct TraceState {
    bool exists = false;
    bool live = false;    // received spans within the idle period
    uint64_t bytes = 0;   // encoded span bytes in this head
  };
  TraceState Lookup(const TraceId& id, int64_t now_ns, int64_t idle_ns) const;
  // Traces that received spans within `idle_ns` of `now_ns`. Recounted at most once per
  // second (between recounts, new traces are added to the last count).
  size_t LiveTraces(int64_t now_ns, int64_t idle_ns);

  // Indexes a logged batch and takes ownership of it. With `validate`, the whole batch is
  // parsed first and a malformed one (kCorruption) adds nothing; without, the caller vouches
  // for it (it was just encoded).
  Status Append(std::string batch, int64_t now_ns, bool validate);

  // Assembles the trace's spans in this head as one trace record (a batch with a shared trace
  // id). Returns false when the trace has no spans here.
  bool TraceRecord(const TraceId& id, TraceRecordWriter* w) const;
  void TraceRecordAt(uint32_t trace, TraceRecordWriter* w) const;

  const BlockColumns& columns() const { return cols_; }
  uint32_t num_spans() const { return cols_.num_spans(); }
  uint32_t num_traces() const { return cols_.num_traces(); }
  uint64_t bytes() const { return bytes_; }  // logged batch bytes
  size_t MemoryBytes() const;

 private:
  class Indexer;
  uint64_t wal_start_;
  int64_t created_ns_;
  std::deque<std::string> batches_;  // deque: views into them stay valid as it grows
  uint64_t bytes_ = 0;
  BlockColumns cols_;
  absl::flat_hash_map<TraceId, uint32_t> trace_index_;
  absl::flat_hash_map<std::string_view, uint32_t> resource_index_, scope_index_;  // header -> row
  std::vector<std::string_view> resource_hdr_, scope_hdr_;                         // row -> header
  std::vector<std::string_view> span_blob_;   // row -> blob (with its trace id)
  std::vector<uint32_t> next_in_trace_;       // row -> next row of the same trace (UINT32_MAX)
  std::vector<uint32_t> trace_first_, trace_last_;
  std::vector<uint64_t> trace_bytes_;
  std::vector<int64_t> trace_last_append_;
  size_t live_count_ = 0;
  int64_t live_counted_at_ = INT64_MIN;
};

}  // namespace loupe::storage::spanstore
