#include "storage/spanstore/span_batch.h"

#include <algorithm>

namespace loupe::storage::spanstore {

void MergeSummary(TraceSummary* a, const TraceSummary& b) {
  a->start_ns = std::min(a->start_ns, b.start_ns);
  a->end_ns = std::max(a->end_ns, b.end_ns);
  a->span_count += b.span_count;
  if (b.has_root && (!a->has_root || b.root_start_ns < a->root_start_ns)) {
    a->has_root = true;
    a->root_start_ns = b.root_start_ns;
    a->root_service = b.root_service;
    a->root_name = b.root_name;
  }
}

SpanBatch::SpanBatch(BlockSource* block, std::vector<Trace> traces, std::vector<uint32_t> rows,
                     std::vector<uint8_t> matched)
    : block_(block), traces_(std::move(traces)), rows_(std::move(rows)), matched_(std::move(matched)) {}

bool SpanBatch::Load(uint32_t unit) const {
  if (!status_.ok()) return false;
  status_ = block_->Ensure(unit);
  return status_.ok();
}

TraceSummary SpanBatch::Summary(const Trace& t) const {
  TraceSummary s;
  s.id = c().trace_ids[t.index];
  s.start_ns = c().trace_start[t.index];
  s.end_ns = c().trace_end[t.index];
  const auto& first = c().trace_first_row;
  if (!first.empty()) s.span_count = first[t.index + 1] - first[t.index];
  const int32_t root = c().trace_root[t.index];
  if (root >= 0) {
    s.has_root = true;
    s.root_start_ns = Start(root);
    s.root_name = std::string(Name(root));
    s.root_service = std::string(ServiceName(root));
  }
  return s;
}

std::string_view SpanBatch::ScopeName(uint32_t row) const {
  if (!Load(kUnitScopes) || !Load(kUnitScopeRef)) return {};
  return c().scope_names.Get(c().scope_name[c().scope[row]]);
}

std::string_view SpanBatch::ScopeVersion(uint32_t row) const {
  if (!Load(kUnitScopes) || !Load(kUnitScopeRef)) return {};
  return c().scope_versions.Get(c().scope_version[c().scope[row]]);
}

std::optional<AttrView> SpanBatch::TableAttr(Table t, uint32_t row, std::string_view key) const {
  std::vector<uint32_t> cols;
  c().FindAttr(t, key, &cols);
  for (uint32_t ci : cols) {
    if (!Load(kAttrUnitBase + ci)) return std::nullopt;
    const AttrColumn& a = *c().attrs[ci];
    if (auto pos = a.Find(row)) return a.At(*pos);
  }
  return std::nullopt;
}

void SpanBatch::TableAttrs(Table t, uint32_t row, std::vector<AttrView>* out) const {
  out->clear();
  for (uint32_t ci = 0; ci < c().attrs.size(); ++ci) {
    const AttrColumn& a = *c().attrs[ci];
    if (a.table != t) continue;
    if (!Load(kAttrUnitBase + ci)) return;
    if (auto pos = a.Find(row)) out->push_back(a.At(*pos));
  }
}

std::optional<AttrView> SpanBatch::Attr(uint32_t row, Scope scope, std::string_view key) const {
  switch (scope) {
    case Scope::kSpan:
      return TableAttr(Table::kSpan, row, key);
    case Scope::kResource:
      return TableAttr(Table::kResource, ResourceOf(row), key);
    case Scope::kInstrumentation:
      return TableAttr(Table::kScope, ScopeOf(row), key);
    case Scope::kNone:
      if (auto a = TableAttr(Table::kSpan, row, key)) return a;
      return TableAttr(Table::kResource, ResourceOf(row), key);
    default:
      return std::nullopt;
  }
}

void SpanBatch::Attrs(uint32_t row, Scope scope, std::vector<AttrView>* out) const {
  switch (scope) {
    case Scope::kResource:
      TableAttrs(Table::kResource, ResourceOf(row), out);
      return;
    case Scope::kInstrumentation:
      TableAttrs(Table::kScope, ScopeOf(row), out);
      return;
    default:
      TableAttrs(Table::kSpan, row, out);
      return;
  }
}

void SpanBatch::Events(uint32_t row, std::vector<Event>* out) const {
  out->clear();
  if (!Load(kUnitEventIndex) || !Load(kUnitEvents)) return;
  for (uint32_t e = c().event_begin[row]; e < c().event_begin[row + 1]; ++e) {
    out->push_back({e, c().event_time[e], c().event_names.Get(c().event_name[e])});
  }
}

void SpanBatch::EventAttrs(uint32_t event, std::vector<AttrView>* out) const {
  TableAttrs(Table::kEvent, event, out);
}

void SpanBatch::Links(uint32_t row, std::vector<Link>* out) const {
  out->clear();
  if (!Load(kUnitLinkIndex) || !Load(kUnitLinks)) return;
  for (uint32_t l = c().link_begin[row]; l < c().link_begin[row + 1]; ++l) {
    out->push_back({l, c().link_trace[l], c().link_span_id[l]});
  }
}

void SpanBatch::LinkAttrs(uint32_t link, std::vector<AttrView>* out) const {
  TableAttrs(Table::kLink, link, out);
}

}  // namespace loupe::storage::spanstore
