// The span store's row encoding of OTLP spans ("batch"): what the WAL logs and what each trace
// record in span_traces holds. It keeps everything OTLP carries (attribute order, duplicate
// keys, trace_state, flags, dropped counts, schema urls), so a trace read back is the trace that
// was written. Resource and scope headers and every span are length-prefixed byte ranges, so
// the head can regroup spans per trace at cut time by copying bytes, without re-encoding.
//
// FORMAT (integers are LEB128 varints unless noted; lp = varint length + bytes;
//         svarint = zig-zag varint; u8/fixed64 little-endian):
//   batch    := version:u8(=1) flags:u8 [trace_id:16 if flags & 1] n:varint resource{n}
//   resource := hdr_len:varint res_hdr n:varint scope{n}
//   res_hdr  := attrs dropped_attributes:varint schema_url:lp
//   scope    := hdr_len:varint scope_hdr n:varint (span_len:varint span){n}
//   scope_hdr:= name:lp version:lp attrs dropped_attributes:varint schema_url:lp
//   span     := [trace_id:16 unless flags & 1] span_id:8 parent:lp name:lp kind:u8
//               start:fixed64 duration:svarint(end - start) flags:varint trace_state:lp
//               attrs dropped_attributes:varint
//               n:varint event{n} dropped_events:varint
//               n:varint link{n} dropped_links:varint
//               status_code:u8 status_message:lp
//   event    := dt:svarint(time - start) name:lp attrs dropped_attributes:varint
//   link     := trace_id:lp span_id:lp trace_state:lp flags:varint attrs dropped_attributes:varint
//   attrs    := n:varint (key:lp value){n}
//   value    := 0 | 1 lp(string) | 2 u8(bool) | 3 svarint(int) | 4 fixed64(double bits)
//             | 5 lp(bytes) | 6 n:varint value{n} (array) | 7 attrs (kvlist)
// Values nest at most kMaxValueDepth deep; deeper levels are written as empty values.
//
// Decoders never read out of bounds and return kCorruption on malformed input.
// Thread-safety: functions are reentrant; a BatchBuilder or TraceAssembler is used by one thread.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "opentelemetry/proto/trace/v1/trace.pb.h"
#include "storage/base/result.h"
#include "storage/spanstore/span_types.h"

namespace loupe::storage::spanstore {

namespace otlp = ::opentelemetry::proto;

inline constexpr uint8_t kBatchVersion = 1;
inline constexpr uint8_t kBatchSharedTraceId = 1;
inline constexpr int kMaxValueDepth = 32;

// One decoded attribute. For kString/kBytes `s` is the value; for kArray/kKvList it is the
// encoded body (after the type byte), decodable with DecodeAnyValue.
struct AttrView {
  std::string_view key;
  ValueType type = ValueType::kEmpty;
  int64_t i = 0;  // kInt; kBool as 0/1
  double d = 0;   // kDouble
  std::string_view s;
};

struct ResourceView {
  std::vector<AttrView> attrs;
  uint32_t dropped_attributes = 0;
  std::string_view schema_url;
};

struct ScopeView {
  std::string_view name, version;
  std::vector<AttrView> attrs;
  uint32_t dropped_attributes = 0;
  std::string_view schema_url;
};

struct EventView {
  int64_t time = 0;
  std::string_view name;
  std::vector<AttrView> attrs;
  uint32_t dropped_attributes = 0;
};

struct LinkView {
  std::string_view trace_id, span_id, trace_state;
  uint32_t flags = 0;
  std::vector<AttrView> attrs;
  uint32_t dropped_attributes = 0;
};

struct SpanView {
  std::string_view trace_id;  // 16 bytes
  std::string_view span_id;   // 8 bytes
  std::string_view parent_span_id, name, trace_state, status_message;
  uint32_t flags = 0;
  SpanKind kind = SpanKind::kUnspecified;
  SpanStatus status = SpanStatus::kUnset;
  int64_t start = 0, end = 0;
  std::vector<AttrView> attrs;
  uint32_t dropped_attributes = 0;
  std::vector<EventView> events;
  uint32_t dropped_events = 0;
  std::vector<LinkView> links;
  uint32_t dropped_links = 0;
};

// Parsers of the pieces above. Views point into the input. The vectors of *out are reused
// (cleared first), so parsing many spans into one SpanView does not allocate in steady state.
Status ParseResourceHeader(std::string_view hdr, ResourceView* out);
Status ParseScopeHeader(std::string_view hdr, ScopeView* out);
// `shared_trace_id` is the batch's shared id (16 bytes) or empty when spans carry their own.
Status ParseSpan(std::string_view blob, std::string_view shared_trace_id, SpanView* out);

// Walks a batch without parsing headers or spans. Callbacks may return an error to stop.
class BatchVisitor {
 public:
  virtual ~BatchVisitor() = default;
  virtual Status OnResource(std::string_view res_hdr) = 0;
  virtual Status OnScope(std::string_view scope_hdr) = 0;
  // `blob` is the whole span encoding (as ParseSpan takes it).
  virtual Status OnSpan(std::string_view blob) = 0;
};
// `*shared_trace_id` (may be null) receives the batch's shared trace id or "".
Status WalkBatch(std::string_view batch, BatchVisitor* visitor,
                 std::string_view* shared_trace_id = nullptr);

// Builds a batch from OTLP messages. Spans are encoded as they are added; Assemble() writes
// the batch with a chosen subset, so a caller can validate, encode, and then decide.
class BatchBuilder {
 public:
  struct SpanRef {
    uint32_t scope;       // index into scopes
    uint32_t offset;      // blob in the builder's buffer
    uint32_t length;
  };
  void Clear();
  // Returns the resource index.
  uint32_t AddResource(const otlp::resource::v1::Resource& r, std::string_view schema_url);
  uint32_t AddScope(uint32_t resource, const otlp::common::v1::InstrumentationScope& s,
                    std::string_view schema_url);
  // Encodes a span (with its trace id) under `scope`; returns its index. The span's trace_id must
  // be 16 bytes and span_id 8 bytes (validate first).
  uint32_t AddSpan(uint32_t scope, const otlp::trace::v1::Span& span);
  std::string_view SpanBlob(uint32_t span) const {
    const SpanRef& r = spans_[span];
    return std::string_view(buf_).substr(r.offset, r.length);
  }
  size_t NumSpans() const { return spans_.size(); }

  // Appends a batch holding the spans with keep[i] true (all when `keep` is empty) to *out.
  // Resources and scopes without kept spans are left out. Returns the number of spans written.
  size_t Assemble(const std::vector<bool>& keep, std::string* out) const;

 private:
  struct Group {
    uint32_t parent;  // scopes: resource index
    uint32_t offset, length;  // header bytes
  };
  std::string buf_;
  std::vector<Group> resources_, scopes_;
  std::vector<SpanRef> spans_;
};

// Writes a batch of spans sharing one trace id from pieces (the head regrouping at cut time).
// Usage: Begin(id); then for each group Resource(hdr) / Scope(hdr) / Span(blob) in order.
// Consecutive equal resource headers (and scope headers within a resource) are merged.
class TraceRecordWriter {
 public:
  void Begin(const TraceId& id);
  void Resource(std::string_view res_hdr);
  void Scope(std::string_view scope_hdr);
  // `blob` as stored in a batch without a shared trace id (the leading 16 bytes are dropped).
  void Span(std::string_view blob);
  // Returns the finished batch (valid until the next Begin).
  const std::string& Finish();

 private:
  void CloseScope();
  void CloseResource();
  std::string out_, res_body_, scope_body_;
  std::string_view cur_res_, cur_scope_;
  uint64_t res_scopes_ = 0, scope_spans_ = 0, resources_ = 0;
  bool in_res_ = false, in_scope_ = false;
};

// Decodes an encoded value body (AttrView.s of an array/kvlist/bytes) into an OTLP AnyValue.
Status DecodeAnyValue(ValueType type, std::string_view body, otlp::common::v1::AnyValue* out);
// Human-readable form of an attribute value for tag values ("[a, b]" for arrays).
std::string FormatAttrValue(const AttrView& a);

// Merges trace records into OTLP ResourceSpans: equal resources (and scopes) become one group,
// spans are de-duplicated by (span id, kind) as Tempo's combiner does, first one kept.
class TraceAssembler {
 public:
  // `max_bytes` > 0 caps the encoded span bytes added; spans beyond it are left out and
  // partial() turns true.
  explicit TraceAssembler(uint64_t max_bytes = 0) : max_bytes_(max_bytes) {}
  Status Add(std::string_view batch);
  bool partial() const { return partial_; }
  uint64_t span_count() const { return spans_; }
  uint64_t bytes() const { return bytes_; }
  // Moves the groups out, sorted by resource then scope first appearance.
  void Release(google::protobuf::RepeatedPtrField<otlp::trace::v1::ResourceSpans>* out);

 private:
  friend class AssembleVisitor;
  uint64_t max_bytes_;
  bool partial_ = false;
  uint64_t spans_ = 0, bytes_ = 0;
  std::vector<std::unique_ptr<otlp::trace::v1::ResourceSpans>> groups_;
  absl::flat_hash_map<std::string, uint32_t> resource_index_;  // res_hdr -> groups_ index
  absl::flat_hash_map<std::string, otlp::trace::v1::ScopeSpans*> scope_index_;  // idx+hdr
  absl::flat_hash_set<std::pair<uint64_t, uint8_t>> seen_;
};

}  // namespace loupe::storage::spanstore
