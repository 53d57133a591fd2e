// SpanBatch: what a scan hands its callback — the matching spans of one block, grouped by
// trace, read through accessors over the block's columns. Span ids, times, names and
// resources are loaded before the callback runs; parent ids, kind/status, status messages,
// scopes, attributes, events and links load on first access (a load error makes
// status() non-OK and the accessor answer as if the data were absent; the scan returns that
// error after the callback).
//
// Views (string_view, AttrView) stay valid while the batch lives (the callback's duration).
// Thread-safety: one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/spanstore/block_source.h"
#include "storage/spanstore/span_types.h"

namespace loupe::storage::spanstore {

// Search-result metadata of a trace. Within one block it covers that block's spans; the store
// merges blocks (MergeSummary) for search results.
struct TraceSummary {
  TraceId id;
  std::string root_service;  // empty when the root span is not (yet) stored
  std::string root_name;
  int64_t start_ns = 0, end_ns = 0;
  bool has_root = false;
  int64_t root_start_ns = 0;
  uint32_t span_count = 0;
  int64_t duration_ns() const { return end_ns - start_ns; }
};
// Folds `b` (the same trace, another block) into `a`.
void MergeSummary(TraceSummary* a, const TraceSummary& b);

class SpanBatch {
 public:
  struct Trace {
    uint32_t index = 0;  // trace row in the block
    uint32_t begin = 0, end = 0;  // range in rows()
  };
  SpanBatch(BlockSource* block, std::vector<Trace> traces, std::vector<uint32_t> rows,
            std::vector<uint8_t> matched);

  bool is_head() const { return block_->is_head(); }
  uint64_t block_id() const { return block_->block_id(); }
  const std::vector<Trace>& traces() const { return traces_; }
  std::span<const uint32_t> Rows(const Trace& t) const {
    return std::span<const uint32_t>(rows_.data() + t.begin, t.end - t.begin);
  }
  // Whether the span matched the pushed-down predicates (with whole_traces some rows did not).
  bool Matched(uint32_t row) const { return row < matched_.size() && matched_[row]; }

  // Trace-level values (block-local).
  TraceId TraceIdOf(const Trace& t) const { return c().trace_ids[t.index]; }
  TraceSummary Summary(const Trace& t) const;

  // Span intrinsics.
  uint64_t SpanId(uint32_t row) const { return c().span_id[row]; }
  uint64_t ParentId(uint32_t row) const { return Load(kUnitParents) ? c().parent_id[row] : 0; }
  int64_t Start(uint32_t row) const { return c().start[row]; }
  int64_t Duration(uint32_t row) const { return c().duration[row]; }
  int64_t End(uint32_t row) const { return Start(row) + Duration(row); }
  std::string_view Name(uint32_t row) const { return c().names.Get(c().name[row]); }
  SpanKind Kind(uint32_t row) const {
    return Load(kUnitKindStatus) ? c().Kind(row) : SpanKind::kUnspecified;
  }
  SpanStatus SpanStatusOf(uint32_t row) const {
    return Load(kUnitKindStatus) ? c().SpanStatusOf(row) : SpanStatus::kUnset;
  }
  std::string_view StatusMessage(uint32_t row) const {
    if (!Load(kUnitStatusMessage)) return {};
    return c().status_messages.Get(c().status_message[row]);
  }
  std::string_view ServiceName(uint32_t row) const {
    return c().services.Get(c().resource_service[c().resource[row]]);
  }
  uint32_t ResourceOf(uint32_t row) const { return c().resource[row]; }
  uint32_t ScopeOf(uint32_t row) const { return Load(kUnitScopeRef) ? c().scope[row] : 0; }
  std::string_view ScopeName(uint32_t row) const;
  std::string_view ScopeVersion(uint32_t row) const;

  // One attribute of the span (kSpan), its resource (kResource), its instrumentation scope
  // (kInstrumentation), or span-then-resource (kNone).
  std::optional<AttrView> Attr(uint32_t row, Scope scope, std::string_view key) const;
  // Every attribute of the span / its resource / its scope (kSpan, kResource, kInstrumentation).
  void Attrs(uint32_t row, Scope scope, std::vector<AttrView>* out) const;

  struct Event {
    uint32_t index;  // event row, for EventAttrs
    int64_t time;
    std::string_view name;
  };
  void Events(uint32_t row, std::vector<Event>* out) const;
  void EventAttrs(uint32_t event, std::vector<AttrView>* out) const;
  struct Link {
    uint32_t index;
    TraceId trace_id;
    uint64_t span_id;
  };
  void Links(uint32_t row, std::vector<Link>* out) const;
  void LinkAttrs(uint32_t link, std::vector<AttrView>* out) const;

  Status status() const { return status_; }
  BlockSource& block() const { return *block_; }

 private:
  const BlockColumns& c() const { return block_->cols(); }
  bool Load(uint32_t unit) const;
  void TableAttrs(Table t, uint32_t row, std::vector<AttrView>* out) const;
  std::optional<AttrView> TableAttr(Table t, uint32_t row, std::string_view key) const;

  BlockSource* block_;
  std::vector<Trace> traces_;
  std::vector<uint32_t> rows_;
  std::vector<uint8_t> matched_;
  mutable Status status_;
};

}  // namespace loupe::storage::spanstore
