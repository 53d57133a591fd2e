#include "storage/spanstore/columns.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "storage/base/coding.h"

namespace loupe::storage::spanstore {

// --- Dict -----------------------------------------------------------------------------------

uint32_t Dict::Intern(std::string_view s) {
  if (auto it = index_.find(s); it != index_.end()) return it->second;
  std::string_view stored;
  if (!s.empty()) {
    if (used_ + s.size() > cap_) {
      cap_ = std::max<size_t>(64 << 10, s.size());
      chunks_.push_back(std::make_unique<char[]>(cap_));
      used_ = 0;
    }
    char* p = chunks_.back().get() + used_;
    std::memcpy(p, s.data(), s.size());
    used_ += s.size();
    stored = std::string_view(p, s.size());
  }
  const auto id = static_cast<uint32_t>(values_.size());
  values_.push_back(stored);
  bytes_ += s.size();
  index_.emplace(stored, id);
  return id;
}

int64_t Dict::Find(std::string_view s) const {
  if (!index_.empty()) {
    auto it = index_.find(s);
    return it == index_.end() ? -1 : it->second;
  }
  for (size_t i = 0; i < values_.size(); ++i) {
    if (values_[i] == s) return static_cast<int64_t>(i);
  }
  return -1;
}

size_t Dict::MemoryBytes() const {
  return values_.capacity() * sizeof(std::string_view) + chunks_.size() * cap_ +
         index_.capacity() * (sizeof(std::string_view) + sizeof(uint32_t) + 1);
}

void Dict::EncodeTo(std::string* out) const {
  PutVarint64(out, values_.size());
  for (auto v : values_) PutVarint64(out, v.size());
  for (auto v : values_) out->append(v.data(), v.size());
}

bool Dict::DecodeFrom(std::string_view* in) {
  values_.clear();
  index_.clear();
  uint64_t n;
  if (!GetVarint64(in, &n) || n > in->size()) return false;
  std::vector<uint64_t> lens(n);
  uint64_t total = 0;
  for (uint64_t i = 0; i < n; ++i) {
    if (!GetVarint64(in, &lens[i]) || lens[i] > in->size()) return false;
    total += lens[i];
  }
  if (total > in->size()) return false;
  values_.reserve(n);
  const char* p = in->data();
  for (uint64_t i = 0; i < n; ++i) {
    values_.emplace_back(p, lens[i]);
    p += lens[i];
  }
  in->remove_prefix(total);
  bytes_ = total;
  return true;
}

// --- AttrColumn -----------------------------------------------------------------------------

void AttrColumn::Append(uint32_t row, const AttrView& a) {
  if (!rows.empty() && rows.back() == row) return;
  rows.push_back(row);
  switch (type) {
    case ValueType::kInt:
    case ValueType::kBool:
      ints.push_back(a.i);
      imin = std::min(imin, a.i);
      imax = std::max(imax, a.i);
      break;
    case ValueType::kDouble:
      if (doubles.empty()) {
        dmin = dmax = a.d;
      } else {
        dmin = std::min(dmin, a.d);
        dmax = std::max(dmax, a.d);
      }
      doubles.push_back(a.d);
      break;
    case ValueType::kString:
    case ValueType::kBytes:
    case ValueType::kArray:
    case ValueType::kKvList:
      ids.push_back(dict.Intern(a.s));
      break;
    case ValueType::kEmpty:
      break;
  }
}

AttrView AttrColumn::At(size_t i) const {
  AttrView a;
  a.key = key;
  a.type = type;
  switch (type) {
    case ValueType::kInt:
    case ValueType::kBool:
      a.i = ints[i];
      break;
    case ValueType::kDouble:
      a.d = doubles[i];
      break;
    case ValueType::kString:
    case ValueType::kBytes:
    case ValueType::kArray:
    case ValueType::kKvList:
      a.s = dict.Get(ids[i]);
      break;
    case ValueType::kEmpty:
      break;
  }
  return a;
}

std::optional<size_t> AttrColumn::Find(uint32_t row) const {
  auto it = std::lower_bound(rows.begin(), rows.end(), row);
  if (it == rows.end() || *it != row) return std::nullopt;
  return static_cast<size_t>(it - rows.begin());
}

size_t AttrColumn::MemoryBytes() const {
  return sizeof(*this) + key.size() + rows.capacity() * 4 + ints.capacity() * 8 +
         doubles.capacity() * 8 + ids.capacity() * 4 + dict.MemoryBytes();
}

// --- BlockColumns ---------------------------------------------------------------------------

BlockColumns::BlockColumns() {
  event_begin.push_back(0);
  link_begin.push_back(0);
}

void BlockColumns::FindAttr(Table table, std::string_view key, std::vector<uint32_t>* out) const {
  out->clear();
  std::string k;
  k.reserve(key.size() + 2);
  k.push_back(static_cast<char>(table));
  k.push_back(0);
  k.append(key);
  for (int t = 0; t < kNumValueTypes; ++t) {
    k[1] = static_cast<char>(t);
    if (auto it = attr_index_.find(k); it != attr_index_.end()) out->push_back(it->second);
  }
}

uint32_t BlockColumns::AddAttrColumn(std::unique_ptr<AttrColumn> col) {
  std::string k;
  k.push_back(static_cast<char>(col->table));
  k.push_back(static_cast<char>(col->type));
  k.append(col->key);
  const auto idx = static_cast<uint32_t>(attrs.size());
  attr_index_.emplace(std::move(k), idx);
  attrs.push_back(std::move(col));
  return idx;
}

AttrColumn* BlockColumns::ColumnFor(Table table, std::string_view key, ValueType type) {
  key_buf_.clear();
  key_buf_.push_back(static_cast<char>(table));
  key_buf_.push_back(static_cast<char>(type));
  key_buf_.append(key);
  if (auto it = attr_index_.find(key_buf_); it != attr_index_.end()) return attrs[it->second].get();
  auto col = std::make_unique<AttrColumn>();
  col->table = table;
  col->key = std::string(key);
  col->type = type;
  AttrColumn* raw = col.get();
  AddAttrColumn(std::move(col));
  return raw;
}

void BlockColumns::AppendAttrs(Table table, uint32_t row, const std::vector<AttrView>& list) {
  for (const auto& a : list) ColumnFor(table, a.key, a.type)->Append(row, a);
}

uint32_t BlockColumns::AppendResource(const ResourceView& r) {
  const uint32_t row = num_resources++;
  std::string_view service;
  for (const auto& a : r.attrs) {
    if (a.type == ValueType::kString && a.key == "service.name") {
      service = a.s;
      break;
    }
  }
  resource_service.push_back(services.Intern(service));
  AppendAttrs(Table::kResource, row, r.attrs);
  return row;
}

uint32_t BlockColumns::AppendScope(const ScopeView& s) {
  const uint32_t row = num_scopes++;
  scope_name.push_back(scope_names.Intern(s.name));
  scope_version.push_back(scope_versions.Intern(s.version));
  AppendAttrs(Table::kScope, row, s.attrs);
  return row;
}

uint32_t BlockColumns::AppendTrace(const TraceId& id) {
  trace_ids.push_back(id);
  trace_start.push_back(INT64_MAX);
  trace_end.push_back(INT64_MIN);
  trace_root.push_back(-1);
  return static_cast<uint32_t>(trace_ids.size() - 1);
}

namespace {
bool IsRootParent(std::string_view parent) {
  if (parent.empty()) return true;
  if (parent.size() != 8) return false;
  return SpanIdFromBytes(parent) == 0;
}
}  // namespace

uint32_t BlockColumns::AppendSpan(uint32_t trace, uint32_t res, uint32_t scp, const SpanView& s) {
  const uint32_t row = num_spans();
  span_trace.push_back(trace);
  span_id.push_back(SpanIdFromBytes(s.span_id));
  parent_id.push_back(SpanIdFromBytes(s.parent_span_id));
  start.push_back(s.start);
  duration.push_back(s.end - s.start);
  name.push_back(names.Intern(s.name));
  kind_status.push_back(static_cast<uint8_t>(static_cast<uint8_t>(s.kind) |
                                             (static_cast<uint8_t>(s.status) << 4)));
  status_message.push_back(status_messages.Intern(s.status_message));
  resource.push_back(res);
  scope.push_back(scp);
  for (const auto& e : s.events) {
    const uint32_t er = num_events();
    event_span.push_back(row);
    event_time.push_back(e.time);
    event_name.push_back(event_names.Intern(e.name));
    AppendAttrs(Table::kEvent, er, e.attrs);
  }
  event_begin.push_back(num_events());
  for (const auto& l : s.links) {
    const uint32_t lr = num_links();
    link_span.push_back(row);
    link_trace.push_back(l.trace_id.size() == 16 ? TraceId::FromBytes(l.trace_id) : TraceId{});
    link_span_id.push_back(SpanIdFromBytes(l.span_id));
    AppendAttrs(Table::kLink, lr, l.attrs);
  }
  link_begin.push_back(num_links());
  AppendAttrs(Table::kSpan, row, s.attrs);

  trace_start[trace] = std::min(trace_start[trace], s.start);
  trace_end[trace] = std::max(trace_end[trace], s.end);
  if (IsRootParent(s.parent_span_id)) {
    const int32_t cur = trace_root[trace];
    if (cur < 0 || s.start < start[cur]) trace_root[trace] = static_cast<int32_t>(row);
  }
  return row;
}

size_t BlockColumns::MemoryBytes() const {
  size_t n = trace_ids.capacity() * 16 + (trace_start.capacity() + trace_end.capacity()) * 8 +
             trace_root.capacity() * 4 + trace_first_row.capacity() * 4;
  n += span_trace.capacity() * 4 + (span_id.capacity() + parent_id.capacity()) * 8 +
       (start.capacity() + duration.capacity()) * 8 + name.capacity() * 4 + kind_status.capacity() +
       status_message.capacity() * 4 + (resource.capacity() + scope.capacity()) * 4 +
       (event_begin.capacity() + link_begin.capacity()) * 4;
  n += names.MemoryBytes() + status_messages.MemoryBytes() + services.MemoryBytes() +
       scope_names.MemoryBytes() + scope_versions.MemoryBytes() + event_names.MemoryBytes();
  n += resource_service.capacity() * 4 + (scope_name.capacity() + scope_version.capacity()) * 4;
  n += event_span.capacity() * 4 + event_time.capacity() * 8 + event_name.capacity() * 4;
  n += link_span.capacity() * 4 + link_trace.capacity() * 16 + link_span_id.capacity() * 8;
  for (const auto& a : attrs) n += a ? a->MemoryBytes() : 0;
  for (const auto& b : buffers) n += b->capacity();
  return n;
}

// --- BlockOrder -----------------------------------------------------------------------------

BlockOrder ComputeBlockOrder(const BlockColumns& c) {
  BlockOrder o;
  const uint32_t nt = c.num_traces(), ns = c.num_spans();
  o.traces.resize(nt);
  std::iota(o.traces.begin(), o.traces.end(), 0);
  std::sort(o.traces.begin(), o.traces.end(),
            [&](uint32_t a, uint32_t b) { return c.trace_ids[a] < c.trace_ids[b]; });
  std::vector<uint32_t> trace_new(nt);
  for (uint32_t i = 0; i < nt; ++i) trace_new[o.traces[i]] = i;

  o.spans.resize(ns);
  std::iota(o.spans.begin(), o.spans.end(), 0);
  std::sort(o.spans.begin(), o.spans.end(), [&](uint32_t a, uint32_t b) {
    const uint32_t ta = trace_new[c.span_trace[a]], tb = trace_new[c.span_trace[b]];
    if (ta != tb) return ta < tb;
    if (c.start[a] != c.start[b]) return c.start[a] < c.start[b];
    return a < b;
  });
  o.span_new.resize(ns);
  for (uint32_t i = 0; i < ns; ++i) o.span_new[o.spans[i]] = i;

  o.events.reserve(c.num_events());
  o.links.reserve(c.num_links());
  for (uint32_t old : o.spans) {
    for (uint32_t e = c.event_begin[old]; e < c.event_begin[old + 1]; ++e) o.events.push_back(e);
    for (uint32_t l = c.link_begin[old]; l < c.link_begin[old + 1]; ++l) o.links.push_back(l);
  }
  o.event_new.resize(o.events.size());
  for (uint32_t i = 0; i < o.events.size(); ++i) o.event_new[o.events[i]] = i;
  o.link_new.resize(o.links.size());
  for (uint32_t i = 0; i < o.links.size(); ++i) o.link_new[o.links[i]] = i;
  return o;
}

}  // namespace loupe::storage::spanstore
