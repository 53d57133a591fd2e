// Compact trace records: the form block cuts write into span_traces (version 2). A trace
// record in batch form (batch_codec.h, shared trace id) repeats what the block's span index
// and the record's key already hold: the trace id (16 bytes per record) and every span id (8
// random bytes per span, which no compressor shrinks), and parent ids that zstd can only
// encode as back references to those ids. The compact form leaves them out:
//
//   record2 := version:u8(=2) first_row:varint n:varint resource{n}
//              (resource and scope exactly as in a batch, span blobs replaced by span2)
//   span2   := row:varint parent:varint [parent_id:lp if parent == 1] rest
//   rest    := the batch span encoding after its `parent` field (name, kind, start, ...)
//
// `row` is the span's row within its trace in the block: its span id is the span index's
// span_id[first_row + row]. `parent` is 0 for none, 2 + k for the span at row k of the same
// trace, and 1 when the parent is elsewhere (its id follows). ExpandTraceRecord restores the
// batch form, so readers (TraceAssembler) see what was written.
//
// Decoders never read out of bounds and return kCorruption on malformed input.
// Thread-safety: the functions are reentrant.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/base/result.h"
#include "storage/spanstore/columns.h"
#include "storage/spanstore/span_types.h"

namespace loupe::storage::spanstore {

inline constexpr uint8_t kCompactRecordVersion = 2;

inline bool IsCompactTraceRecord(std::string_view raw) {
  return !raw.empty() && static_cast<uint8_t>(raw[0]) == kCompactRecordVersion;
}

// Where each trace's rows start once `head` is persisted in `order`: the trace at position i of
// order.traces has rows [first[i], first[i + 1]) (size order.traces.size() + 1).
std::vector<uint32_t> TraceFirstRows(const BlockColumns& head, const BlockOrder& order);

// Writes the compact form of `record` (a batch with a shared trace id, as TraceRecordWriter
// makes it) to *out. `row_ids` are the span ids of the trace's rows in the block in row order;
// the first of them is row `first_row` of the block. Errors: kCorruption when `record` does
// not parse; kInvalidArgument when a span's id is not in `row_ids`.
Status CompactTraceRecord(std::string_view record, uint32_t first_row,
                          const std::vector<uint64_t>& row_ids, std::string* out);

// Writes the batch form of the compact record `compact` of trace `id` to *out; `span_ids` is
// the block's span id column. Errors: kCorruption when `compact` is malformed or names a row
// outside `span_ids`.
Status ExpandTraceRecord(std::string_view compact, const TraceId& id,
                         const std::vector<uint64_t>& span_ids, std::string* out);

}  // namespace loupe::storage::spanstore
