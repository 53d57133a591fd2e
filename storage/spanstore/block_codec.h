// The persisted form of a span index block: its metadata (kept in memory for every block: time
// range, counts, value sets for pruning, a bloom filter of its trace ids, the column
// directory) and its column units, each stored under its own key so a query reads only the
// columns it touches.
//
// FORMAT
//   stored value (units and trace records):
//     codec:u8 (0 raw, 1 zstd, 2 zstd with the block's record dictionary) raw_len:varint
//     crc32c(raw):fixed32 payload
//   ids (a dictionary-coded column): width:u8 (1, 2 or 4) id:uint<width>le{n}
//   Units (rows in persisted order: traces by id, spans by (trace, start), events and links
//   following their spans; "n" below is the table's row count from the meta):
//     kTraces        trace_id:16{T} start:svarint(delta to min_start){T} dur:svarint{T}
//                    spans:varint{T} root:varint(0 none, else row - first_row + 1){T}
//     kSpanIds       span_id:fixed64{N}
//     kParents       {N} of 0 (none) | 1 span_id:fixed64 | k+2 (parent is row first_row+k)
//     kStart         svarint(start - previous start, the first against min_start){N}
//     kDuration      svarint{N}
//     kName, kStatusMessage   dict ids
//     kKindStatus    u8{N} (kind | status << 4)
//     kResourceRef, kScopeRef ids (width 1/2/4)
//     kEventIndex, kLinkIndex varint count per span{N}
//     kResources     services dict, ids{R}
//     kScopes        names dict, ids{S}, versions dict, ids{S}
//     kEvents        span:varint(delta){E} time:svarint(delta, first against min_start){E}
//                    names dict, ids{E}
//     kLinks         span:varint(delta){L} trace_id:16{L} span_id:fixed64{L}
//     kRecordDict    the dictionary trace records of this block are compressed with (codec 2)
//     attribute column i (unit kAttrUnitBase + i):
//                    count:varint rows values
//                    rows   := 0 row:varint(delta){count} | 1 bitmap of the table's rows (LSB first)
//                    values := svarint{count} (int, bool) | fixed64{count} (double)
//                            | backref (string-like) | nothing (empty)
//                    backref := dict (values in order of first appearance)
//                               ref:varint{count} (0: the next new value; k: k before the next new)
//   Meta: see EncodeBlockMeta.
//
// Decoders validate every length and id against the meta and return kCorruption (never crash,
// never read out of bounds) on malformed input.
// Thread-safety: functions are reentrant.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/base/result.h"
#include "storage/spanstore/columns.h"

namespace loupe::storage::spanstore {

enum UnitId : uint32_t {
  kUnitTraces = 1,
  kUnitSpanIds,
  kUnitParents,
  kUnitStart,
  kUnitDuration,
  kUnitName,
  kUnitKindStatus,
  kUnitStatusMessage,
  kUnitResourceRef,
  kUnitScopeRef,
  kUnitEventIndex,
  kUnitLinkIndex,
  kUnitResources,
  kUnitScopes,
  kUnitEvents,
  kUnitLinks,
  kUnitRecordDict,  // the zstd dictionary of the block's trace records (raw bytes)
  kNumFixedUnitsPlusOne,
};
inline constexpr uint32_t kAttrUnitBase = 1000;

// A dictionary is copied into the meta when it has at most this many values (and bytes):
// enough to prune on equality and to answer tag values without reading the column.
inline constexpr uint32_t kSmallDictValues = 64;
inline constexpr uint32_t kSmallDictBytes = 4096;

struct AttrColumnInfo {
  Table table = Table::kSpan;
  ValueType type = ValueType::kString;
  std::string key;
  uint32_t count = 0;
  int64_t imin = 0, imax = 0;
  double dmin = 0, dmax = 0;
  uint32_t dict_size = 0;
  bool small_dict = false;  // dict_values holds the whole dictionary
  std::vector<std::string> dict_values;
  uint32_t stored_bytes = 0;
};

// A bloom filter over the block's trace ids (about 1% false positives at 10 bits per id).
class TraceBloom {
 public:
  void Build(const std::vector<TraceId>& ids);
  bool MayContain(const TraceId& id) const;
  void EncodeTo(std::string* out) const;
  bool DecodeFrom(std::string_view* in);
  size_t MemoryBytes() const { return bits_.capacity() * 8; }

 private:
  std::vector<uint64_t> bits_;
  uint32_t k_ = 7;
};

struct BlockMeta {
  uint64_t id = 0;
  int64_t cut_time_ns = 0;
  uint64_t wal_end = 0;  // every WAL record of segments < wal_end is in this or an earlier block
  uint32_t num_spans = 0, num_traces = 0, num_events = 0, num_links = 0;
  uint32_t num_resources = 0, num_scopes = 0;
  int64_t min_start = 0, max_start = 0, max_end = 0;
  int64_t min_duration = 0, max_duration = 0;
  uint8_t kinds = 0, statuses = 0;  // bit per SpanKind / SpanStatus present
  std::vector<std::string> services;  // every resource service.name in the block
  bool small_names = false;           // names holds every span name
  std::vector<std::string> names;
  uint64_t trace_bytes = 0;  // stored bytes of the block's trace records
  uint64_t index_bytes = 0;  // stored bytes of its units
  bool has_record_dict = false;  // trace records use kUnitRecordDict
  std::vector<uint32_t> unit_bytes;  // stored bytes per fixed unit (index = UnitId)
  std::vector<AttrColumnInfo> attrs;
  TraceBloom bloom;

  bool HasKind(SpanKind k) const { return kinds & (1u << static_cast<int>(k)); }
  bool HasStatus(SpanStatus s) const { return statuses & (1u << static_cast<int>(s)); }
  size_t MemoryBytes() const;
};

void EncodeBlockMeta(const BlockMeta& m, std::string* out);
Status DecodeBlockMeta(std::string_view in, BlockMeta* m);

class RecordDict;
// Frames a value (optionally zstd-compressed, with `dict` when given) with its length and
// checksum.
Status PackValue(std::string_view raw, bool compress, int level, std::string* out,
                 const RecordDict* dict = nullptr);
// Unframes and verifies a stored value; kCorruption on any mismatch (and for a dictionary-
// compressed value when `dict` is null).
Status UnpackValue(std::string_view stored, std::string* raw, const RecordDict* dict = nullptr);

struct EncodedUnit {
  uint32_t id;
  std::string value;  // PackValue'd
};

// Encodes a (head) block's columns in persisted order. Fills every meta field except id,
// cut_time_ns, wal_end and trace_bytes.
Status EncodeBlock(const BlockColumns& c, const BlockOrder& order, int zstd_level, BlockMeta* meta,
                   std::vector<EncodedUnit>* units);

// Decodes one unit's raw (unpacked) bytes into *c, which must have been prepared with
// PrepareDecodedBlock(meta). kUnitParents needs kUnitTraces and kUnitSpanIds decoded first.
// `raw` must stay alive as long as *c (dictionary views point into it): pass ownership by
// moving it into c->buffers first.
Status DecodeUnit(uint32_t unit, std::string_view raw, const BlockMeta& meta, BlockColumns* c);
// Sizes an empty BlockColumns for `meta` and registers its attribute columns (empty).
void PrepareDecodedBlock(const BlockMeta& meta, BlockColumns* c);

}  // namespace loupe::storage::spanstore
