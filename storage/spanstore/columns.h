// BlockColumns: the span index of one block in columnar form — what search and TraceQL read.
//
// Five tables: traces, spans (dense intrinsic columns), resources, instrumentation scopes,
// events and links; plus sparse attribute columns, one per (table, key, value type), each with
// its own string dictionary. The head block appends to a BlockColumns in arrival order; a
// persisted block is decoded into the same layout with spans sorted by (trace id, start), so
// the spans of a trace are one row range (trace_first_row). Scans and predicates read both
// through the same structure.
//
// The index keeps what queries need, not everything OTLP carries: trace_state, flags, dropped
// counts and schema urls live only in the trace records (batch_codec.h); of duplicate attribute
// keys on one row the first is indexed; a parent id that is not 8 bytes is indexed as none.
//
// Thread-safety: none. The head's BlockColumns is guarded by its tenant's lock; a decoded
// block's units are written once (under the block's load mutex) and only read afterwards.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/spanstore/batch_codec.h"
#include "storage/spanstore/span_types.h"

namespace loupe::storage::spanstore {

// Tables that attribute columns belong to.
enum class Table : uint8_t { kResource = 0, kScope = 1, kSpan = 2, kEvent = 3, kLink = 4 };
inline constexpr int kNumTables = 5;

// A string dictionary with dense ids from 0. Built by Intern (owning its bytes) or decoded
// (viewing a buffer that outlives it).
class Dict {
 public:
  Dict() = default;
  Dict(const Dict&) = delete;
  Dict& operator=(const Dict&) = delete;
  Dict(Dict&&) = default;
  Dict& operator=(Dict&&) = default;

  uint32_t Intern(std::string_view s);
  std::string_view Get(uint32_t id) const { return values_[id]; }
  uint32_t size() const { return static_cast<uint32_t>(values_.size()); }
  // The id of `s`, or -1.
  int64_t Find(std::string_view s) const;
  const std::vector<std::string_view>& values() const { return values_; }
  size_t MemoryBytes() const;

  // n:varint len:varint{n} bytes
  void EncodeTo(std::string* out) const;
  // Views point into the buffer behind *in. false on malformed input.
  bool DecodeFrom(std::string_view* in);

 private:
  std::vector<std::string_view> values_;
  std::vector<std::unique_ptr<char[]>> chunks_;
  size_t used_ = 0, cap_ = 0, bytes_ = 0;
  absl::flat_hash_map<std::string_view, uint32_t> index_;  // built by Intern only
};

// One attribute column: the rows of `table` that carry `key` with a value of `type`, ascending.
struct AttrColumn {
  Table table = Table::kSpan;
  std::string key;
  ValueType type = ValueType::kString;
  std::vector<uint32_t> rows;
  std::vector<int64_t> ints;    // kInt, kBool (0/1)
  std::vector<double> doubles;  // kDouble
  std::vector<uint32_t> ids;    // kString, kBytes, kArray, kKvList: ids into dict
  Dict dict;
  // Value range (kInt/kBool: ints; kDouble: doubles). Meaningless when empty.
  int64_t imin = INT64_MAX, imax = INT64_MIN;
  double dmin = 0, dmax = 0;

  bool IsStringLike() const {
    return type == ValueType::kString || type == ValueType::kBytes || type == ValueType::kArray ||
           type == ValueType::kKvList;
  }
  size_t size() const { return rows.size(); }
  // Appends (row, value); a second value for the same row is ignored. Rows must not decrease.
  void Append(uint32_t row, const AttrView& a);
  // The value at position i (key set to `key`).
  AttrView At(size_t i) const;
  // Position of `row`, if present.
  std::optional<size_t> Find(uint32_t row) const;
  size_t MemoryBytes() const;
};

struct BlockColumns {
  BlockColumns();
  BlockColumns(BlockColumns&&) = default;
  BlockColumns& operator=(BlockColumns&&) = default;

  // --- traces (num_traces rows) ---
  std::vector<TraceId> trace_ids;
  std::vector<int64_t> trace_start, trace_end;  // over the trace's spans in this block
  std::vector<int32_t> trace_root;              // row of the earliest root span, or -1
  std::vector<uint32_t> trace_first_row;        // persisted blocks: num_traces + 1 offsets

  // --- spans (num_spans rows) ---
  std::vector<uint32_t> span_trace;
  std::vector<uint64_t> span_id, parent_id;  // parent 0 = none
  std::vector<int64_t> start, duration;
  Dict names;
  std::vector<uint32_t> name;
  std::vector<uint8_t> kind_status;  // kind | status << 4
  Dict status_messages;
  std::vector<uint32_t> status_message;
  std::vector<uint32_t> resource, scope;
  std::vector<uint32_t> event_begin, link_begin;  // num_spans + 1 offsets

  // --- resources ---
  uint32_t num_resources = 0;
  Dict services;
  std::vector<uint32_t> resource_service;  // resource.service.name ("" if absent)

  // --- instrumentation scopes ---
  uint32_t num_scopes = 0;
  Dict scope_names, scope_versions;
  std::vector<uint32_t> scope_name, scope_version;

  // --- events ---
  std::vector<uint32_t> event_span;
  std::vector<int64_t> event_time;
  Dict event_names;
  std::vector<uint32_t> event_name;

  // --- links ---
  std::vector<uint32_t> link_span;
  std::vector<TraceId> link_trace;  // zero when the link's trace id is not 16 bytes
  std::vector<uint64_t> link_span_id;

  // --- attributes ---
  std::vector<std::unique_ptr<AttrColumn>> attrs;

  // The trace-record dictionary (persisted blocks, kUnitRecordDict).
  std::string_view record_dict;

  // Backing buffers of decoded units (dictionary views point into them).
  std::vector<std::unique_ptr<std::string>> buffers;

  uint32_t num_spans() const { return static_cast<uint32_t>(span_id.size()); }
  uint32_t num_traces() const { return static_cast<uint32_t>(trace_ids.size()); }
  uint32_t num_events() const { return static_cast<uint32_t>(event_span.size()); }
  uint32_t num_links() const { return static_cast<uint32_t>(link_span.size()); }
  SpanKind Kind(uint32_t row) const { return static_cast<SpanKind>(kind_status[row] & 15); }
  SpanStatus SpanStatusOf(uint32_t row) const { return static_cast<SpanStatus>(kind_status[row] >> 4); }

  // Attribute columns of `table` with `key` (any type); indexes into attrs.
  void FindAttr(Table table, std::string_view key, std::vector<uint32_t>* out) const;
  // Registers a column (decoders) and returns its index.
  uint32_t AddAttrColumn(std::unique_ptr<AttrColumn> col);

  // --- building (the head) ---
  uint32_t AppendResource(const ResourceView& r);
  uint32_t AppendScope(const ScopeView& s);
  uint32_t AppendTrace(const TraceId& id);
  // Appends a span of trace `trace` (from AppendTrace) and its events and links.
  uint32_t AppendSpan(uint32_t trace, uint32_t resource, uint32_t scope, const SpanView& s);

  size_t MemoryBytes() const;

 private:
  AttrColumn* ColumnFor(Table table, std::string_view key, ValueType type);
  void AppendAttrs(Table table, uint32_t row, const std::vector<AttrView>& attrs);
  absl::flat_hash_map<std::string, uint32_t> attr_index_;  // table, type, key -> attrs index
  std::string key_buf_;
};

// The order a head block's rows take when persisted: traces by id, spans by (trace, start),
// events and links following their spans. Vectors map new position -> old position.
struct BlockOrder {
  std::vector<uint32_t> traces;
  std::vector<uint32_t> spans;
  std::vector<uint32_t> span_new;  // old span row -> new row
  std::vector<uint32_t> events;
  std::vector<uint32_t> event_new;
  std::vector<uint32_t> links;
  std::vector<uint32_t> link_new;
};
BlockOrder ComputeBlockOrder(const BlockColumns& c);

}  // namespace loupe::storage::spanstore
