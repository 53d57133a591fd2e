// Fuzz target for the span store's decoders: block metadata, column units (in the order a
// reader loads them, dependencies first) and trace records / WAL batches. Whatever the input,
// decoding must fail cleanly or produce columns whose ids and offsets stay in bounds.
//
// Input: selector:u8, then
//   0: a batch (trace record or WAL record) -> TraceAssembler
//   1: meta_len:varint meta (unit:varint len:varint bytes)* -> DecodeBlockMeta, DecodeUnit...
//   2: a stored value -> UnpackValue
//   3: n:u8 (n span ids of 8 bytes) compact trace record -> ExpandTraceRecord -> TraceAssembler
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/base/coding.h"
#include "storage/spanstore/batch_codec.h"
#include "storage/spanstore/block_codec.h"
#include "storage/spanstore/compact_record.h"

using namespace loupe;
using namespace loupe::storage::spanstore;

namespace {

// Touches every decoded id and offset the way readers do; out of bounds would trip ASan.
void Walk(const BlockColumns& c) {
  size_t sink = 0;
  for (uint32_t id : c.name) sink += c.names.Get(id).size();
  for (uint32_t id : c.status_message) sink += c.status_messages.Get(id).size();
  for (uint32_t id : c.resource_service) sink += c.services.Get(id).size();
  for (uint32_t id : c.event_name) sink += c.event_names.Get(id).size();
  for (const auto& a : c.attrs) {
    for (size_t k = 0; k < a->ids.size(); ++k) sink += a->dict.Get(a->ids[k]).size();
  }
  for (size_t t = 0; t + 1 < c.trace_first_row.size(); ++t) {
    for (uint32_t r = c.trace_first_row[t]; r < c.trace_first_row[t + 1] && r < c.span_trace.size(); ++r) {
      sink += c.span_trace[r];
    }
  }
  volatile size_t keep = sink;
  (void)keep;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      TraceAssembler as;
      (void)as.Add(in);
      google::protobuf::RepeatedPtrField<otlp::trace::v1::ResourceSpans> out;
      as.Release(&out);
      break;
    }
    case 1: {
      std::string_view meta_bytes;
      if (!GetLengthPrefixed(&in, &meta_bytes)) return 0;
      BlockMeta meta;
      if (!DecodeBlockMeta(meta_bytes, &meta).ok()) return 0;
      // Keep the work bounded: counts a real block of this input size could not have.
      if (meta.attrs.size() > 4096) return 0;
      BlockColumns c;
      PrepareDecodedBlock(meta, &c);
      bool all_ok = true;
      while (!in.empty()) {
        uint64_t unit;
        std::string_view bytes;
        if (!GetVarint64(&in, &unit) || !GetLengthPrefixed(&in, &bytes)) break;
        if (unit == kUnitParents && (c.span_id.size() != meta.num_spans ||
                                     c.trace_first_row.size() != meta.num_traces + 1)) {
          continue;  // readers load traces and span ids first
        }
        all_ok &= DecodeUnit(static_cast<uint32_t>(unit), bytes, meta, &c).ok();
      }
      if (all_ok) Walk(c);
      (void)meta.bloom.MayContain(TraceId{});
      break;
    }
    case 2: {
      std::string raw;
      (void)UnpackValue(in, &raw);
      break;
    }
    case 3: {
      if (in.empty()) return 0;
      const size_t n = static_cast<uint8_t>(in[0]);
      in.remove_prefix(1);
      if (in.size() < 8 * n) return 0;
      std::vector<uint64_t> ids;
      for (size_t k = 0; k < n; ++k) ids.push_back(SpanIdFromBytes(in.substr(8 * k, 8)));
      in.remove_prefix(8 * n);
      std::string batch;
      if (!ExpandTraceRecord(in, TraceId{}, ids, &batch).ok()) return 0;
      TraceAssembler as;
      (void)as.Add(batch);
      google::protobuf::RepeatedPtrField<otlp::trace::v1::ResourceSpans> out;
      as.Release(&out);
      break;
    }
  }
  return 0;
}
