#include "storage/spanstore/block_codec.h"

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "storage/base/coding.h"

namespace loupe::storage::spanstore {
namespace {

Status Bad(const std::string& what) { return Status::Corruption("span block: " + what); }

void PutIds(std::string* out, const std::vector<uint32_t>& ids, uint32_t limit,
            const std::vector<uint32_t>* order) {
  const uint8_t w = limit <= 256 ? 1 : (limit <= 65536 ? 2 : 4);
  out->push_back(static_cast<char>(w));
  const size_t n = order ? order->size() : ids.size();
  const size_t base = out->size();
  out->resize(base + n * w);
  char* p = out->data() + base;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t v = order ? ids[(*order)[i]] : ids[i];
    for (int b = 0; b < w; ++b) *p++ = static_cast<char>((v >> (8 * b)) & 0xff);
  }
}

bool GetIds(std::string_view* in, uint64_t n, uint32_t limit, std::vector<uint32_t>* out) {
  if (in->empty()) return false;
  const auto w = static_cast<uint8_t>((*in)[0]);
  if (w != 1 && w != 2 && w != 4) return false;
  in->remove_prefix(1);
  if (n > in->size() / w) return false;
  out->resize(n);
  const auto* p = reinterpret_cast<const unsigned char*>(in->data());
  uint32_t* o = out->data();
  // One loop per width with the range check folded into a maximum, so each vectorizes.
  uint32_t max = 0;
  switch (w) {
    case 1:
      for (uint64_t i = 0; i < n; ++i) {
        o[i] = p[i];
        max = std::max(max, o[i]);
      }
      break;
    case 2:
      for (uint64_t i = 0; i < n; ++i) {
        o[i] = static_cast<uint32_t>(p[2 * i]) | static_cast<uint32_t>(p[2 * i + 1]) << 8;
        max = std::max(max, o[i]);
      }
      break;
    default:
      for (uint64_t i = 0; i < n; ++i) {
        o[i] = static_cast<uint32_t>(p[4 * i]) | static_cast<uint32_t>(p[4 * i + 1]) << 8 |
               static_cast<uint32_t>(p[4 * i + 2]) << 16 | static_cast<uint32_t>(p[4 * i + 3]) << 24;
        max = std::max(max, o[i]);
      }
      break;
  }
  if (n > 0 && max >= limit) return false;
  in->remove_prefix(n * w);
  return true;
}

// Same encoding and checks as GetSignedVarint64 per value, decoded in one pointer loop (the
// hot path of cold scans: start times and durations of every span).
bool GetSvarints(std::string_view* in, uint64_t n, std::vector<int64_t>* out) {
  if (n > in->size()) return false;
  out->resize(n);
  const auto* begin = reinterpret_cast<const uint8_t*>(in->data());
  const uint8_t* p = begin;
  const uint8_t* const end = begin + in->size();
  int64_t* o = out->data();
  for (uint64_t i = 0; i < n; ++i) {
    if constexpr (std::endian::native == std::endian::little) {
      // A value of up to 8 bytes (56 bits: every start delta and duration in practice) decodes
      // from one unaligned load: the first byte without the continuation bit gives the length,
      // and three mask-and-shift steps pack the 7-bit groups. No branch per byte, so varying
      // lengths cost no mispredictions. Longer values and the last 7 bytes take the loop.
      if (end - p >= 8) {
        uint64_t x;
        std::memcpy(&x, p, 8);
        const uint64_t stops = ~x & 0x8080808080808080ull;
        if (stops != 0) {
          const int len = (std::countr_zero(stops) >> 3) + 1;
          uint64_t v = x & (~uint64_t{0} >> (64 - 8 * len)) & 0x7f7f7f7f7f7f7f7full;
          v = ((v & 0x7f007f007f007f00ull) >> 1) | (v & 0x007f007f007f007full);
          v = ((v & 0x3fff00003fff0000ull) >> 2) | (v & 0x00003fff00003fffull);
          v = ((v & 0x0fffffff00000000ull) >> 4) | (v & 0x000000000fffffffull);
          o[i] = ZigZagDecode64(v);
          p += len;
          continue;
        }
      }
    }
    if (p == end) return false;
    uint64_t v = *p++;
    if (v & 0x80) {
      v &= 0x7f;
      for (int shift = 7;; shift += 7) {
        if (p == end || shift > 63) return false;
        const uint8_t b = *p++;
        if (shift == 63 && b > 1) return false;  // would overflow 64 bits
        v |= static_cast<uint64_t>(b & 0x7f) << shift;
        if (!(b & 0x80)) break;
      }
    }
    o[i] = ZigZagDecode64(v);
  }
  in->remove_prefix(static_cast<size_t>(p - begin));
  return true;
}

void PutDict(std::string* out, const Dict& d) { d.EncodeTo(out); }

// A string column's values: the dictionary in order of first appearance, then per entry
// 0 for "the next new value" or k for "the value k back from the next new one". Unique values
// (ids, urls) then cost nothing beyond the dictionary, repeated ones a byte.
void PutBackRefIds(std::string* out, const Dict& d, const std::vector<uint32_t>& ids,
                   const std::vector<uint32_t>& positions) {
  std::vector<uint32_t> remap(d.size(), UINT32_MAX);
  std::vector<std::string_view> order;
  std::string refs;
  uint32_t next = 0;
  for (uint32_t k : positions) {
    uint32_t& id = remap[ids[k]];
    if (id == UINT32_MAX) {
      id = next++;
      order.push_back(d.Get(ids[k]));
      refs.push_back(0);
    } else {
      PutVarint64(&refs, next - id);
    }
  }
  PutVarint64(out, order.size());
  for (auto v : order) PutVarint64(out, v.size());
  for (auto v : order) out->append(v.data(), v.size());
  out->append(refs);
}

bool GetBackRefIds(std::string_view* in, uint64_t n, Dict* d, std::vector<uint32_t>* ids) {
  if (!d->DecodeFrom(in)) return false;
  if (n > in->size()) return false;
  ids->resize(n);
  uint64_t next = 0;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t k;
    if (!GetVarint64(in, &k)) return false;
    if (k == 0) {
      if (next >= d->size()) return false;
      (*ids)[i] = static_cast<uint32_t>(next++);
    } else {
      if (k > next) return false;
      (*ids)[i] = static_cast<uint32_t>(next - k);
    }
  }
  return next == d->size();
}

bool GetDict(std::string_view* in, Dict* d) { return d->DecodeFrom(in); }

}  // namespace

// --- Encoding -------------------------------------------------------------------------------

namespace {
uint32_t TableRowsOfMeta(const BlockMeta& m, Table t) {
  switch (t) {
    case Table::kResource:
      return m.num_resources;
    case Table::kScope:
      return m.num_scopes;
    case Table::kSpan:
      return m.num_spans;
    case Table::kEvent:
      return m.num_events;
    case Table::kLink:
      return m.num_links;
  }
  return 0;
}
}  // namespace

Status EncodeBlock(const BlockColumns& c, const BlockOrder& o, int level, BlockMeta* meta,
                   std::vector<EncodedUnit>* units) {
  const uint32_t nt = c.num_traces(), ns = c.num_spans();
  BlockMeta& m = *meta;
  m.num_spans = ns;
  m.num_traces = nt;
  m.num_events = c.num_events();
  m.num_links = c.num_links();
  m.num_resources = c.num_resources;
  m.num_scopes = c.num_scopes;
  m.min_start = INT64_MAX;
  m.max_start = m.max_end = INT64_MIN;
  m.min_duration = INT64_MAX;
  m.max_duration = INT64_MIN;
  m.kinds = m.statuses = 0;
  for (uint32_t r = 0; r < ns; ++r) {
    m.min_start = std::min(m.min_start, c.start[r]);
    m.max_start = std::max(m.max_start, c.start[r]);
    m.max_end = std::max(m.max_end, c.start[r] + c.duration[r]);
    m.min_duration = std::min(m.min_duration, c.duration[r]);
    m.max_duration = std::max(m.max_duration, c.duration[r]);
    m.kinds |= static_cast<uint8_t>(1u << (c.kind_status[r] & 15));
    m.statuses |= static_cast<uint8_t>(1u << (c.kind_status[r] >> 4));
  }
  if (ns == 0) m.min_start = m.max_start = m.max_end = m.min_duration = m.max_duration = 0;
  m.services.assign(c.services.values().begin(), c.services.values().end());
  m.small_names = c.names.size() <= 256;
  m.names.clear();
  if (m.small_names) m.names.assign(c.names.values().begin(), c.names.values().end());
  {
    std::vector<TraceId> ids(c.trace_ids.begin(), c.trace_ids.end());
    m.bloom.Build(ids);
  }

  units->clear();
  m.unit_bytes.assign(kNumFixedUnitsPlusOne, 0);
  m.index_bytes = 0;
  std::string raw;
  auto emit = [&](uint32_t id) -> Status {
    EncodedUnit u{id, {}};
    LOUPE_RETURN_IF_ERROR(PackValue(raw, true, level, &u.value));
    m.index_bytes += u.value.size();
    if (id < kNumFixedUnitsPlusOne) m.unit_bytes[id] = static_cast<uint32_t>(u.value.size());
    units->push_back(std::move(u));
    raw.clear();
    return Status::OK();
  };

  // Traces.
  std::vector<uint32_t> span_count(nt, 0), first_row(nt + 1, 0);
  for (uint32_t r = 0; r < ns; ++r) span_count[c.span_trace[r]]++;
  for (uint32_t i = 0; i < nt; ++i) first_row[i + 1] = first_row[i] + span_count[o.traces[i]];
  for (uint32_t i = 0; i < nt; ++i) raw.append(c.trace_ids[o.traces[i]].view());
  for (uint32_t i = 0; i < nt; ++i) PutSignedVarint64(&raw, c.trace_start[o.traces[i]] - m.min_start);
  for (uint32_t i = 0; i < nt; ++i) {
    PutSignedVarint64(&raw, c.trace_end[o.traces[i]] - c.trace_start[o.traces[i]]);
  }
  for (uint32_t i = 0; i < nt; ++i) PutVarint64(&raw, span_count[o.traces[i]]);
  for (uint32_t i = 0; i < nt; ++i) {
    const int32_t root = c.trace_root[o.traces[i]];
    PutVarint64(&raw, root < 0 ? 0 : o.span_new[root] - first_row[i] + 1);
  }
  LOUPE_RETURN_IF_ERROR(emit(kUnitTraces));

  for (uint32_t i = 0; i < ns; ++i) PutFixed64(&raw, c.span_id[o.spans[i]]);
  LOUPE_RETURN_IF_ERROR(emit(kUnitSpanIds));

  // Parents: most point into their own trace, so a row offset replaces 8 random bytes.
  {
    absl::flat_hash_map<uint64_t, uint32_t> local;
    for (uint32_t t = 0; t < nt; ++t) {
      const uint32_t b = first_row[t], e = first_row[t + 1];
      const bool big = e - b > 16;
      if (big) {
        local.clear();
        for (uint32_t r = b; r < e; ++r) local.try_emplace(c.span_id[o.spans[r]], r - b);
      }
      for (uint32_t r = b; r < e; ++r) {
        const uint64_t p = c.parent_id[o.spans[r]];
        if (p == 0) {
          raw.push_back(0);
          continue;
        }
        int64_t k = -1;
        if (big) {
          if (auto it = local.find(p); it != local.end()) k = it->second;
        } else {
          for (uint32_t q = b; q < e; ++q) {
            if (c.span_id[o.spans[q]] == p) {
              k = q - b;
              break;
            }
          }
        }
        if (k >= 0) {
          PutVarint64(&raw, static_cast<uint64_t>(k) + 2);
        } else {
          raw.push_back(1);
          PutFixed64(&raw, p);
        }
      }
    }
  }
  LOUPE_RETURN_IF_ERROR(emit(kUnitParents));

  {
    int64_t prev = m.min_start;
    for (uint32_t i = 0; i < ns; ++i) {
      const int64_t s = c.start[o.spans[i]];
      PutSignedVarint64(&raw, s - prev);
      prev = s;
    }
  }
  LOUPE_RETURN_IF_ERROR(emit(kUnitStart));
  for (uint32_t i = 0; i < ns; ++i) PutSignedVarint64(&raw, c.duration[o.spans[i]]);
  LOUPE_RETURN_IF_ERROR(emit(kUnitDuration));
  PutDict(&raw, c.names);
  PutIds(&raw, c.name, c.names.size(), &o.spans);
  LOUPE_RETURN_IF_ERROR(emit(kUnitName));
  for (uint32_t i = 0; i < ns; ++i) raw.push_back(static_cast<char>(c.kind_status[o.spans[i]]));
  LOUPE_RETURN_IF_ERROR(emit(kUnitKindStatus));
  PutDict(&raw, c.status_messages);
  PutIds(&raw, c.status_message, c.status_messages.size(), &o.spans);
  LOUPE_RETURN_IF_ERROR(emit(kUnitStatusMessage));
  PutIds(&raw, c.resource, c.num_resources, &o.spans);
  LOUPE_RETURN_IF_ERROR(emit(kUnitResourceRef));
  PutIds(&raw, c.scope, c.num_scopes, &o.spans);
  LOUPE_RETURN_IF_ERROR(emit(kUnitScopeRef));
  for (uint32_t i = 0; i < ns; ++i) {
    const uint32_t old = o.spans[i];
    PutVarint64(&raw, c.event_begin[old + 1] - c.event_begin[old]);
  }
  LOUPE_RETURN_IF_ERROR(emit(kUnitEventIndex));
  for (uint32_t i = 0; i < ns; ++i) {
    const uint32_t old = o.spans[i];
    PutVarint64(&raw, c.link_begin[old + 1] - c.link_begin[old]);
  }
  LOUPE_RETURN_IF_ERROR(emit(kUnitLinkIndex));

  PutDict(&raw, c.services);
  PutIds(&raw, c.resource_service, c.services.size(), nullptr);
  LOUPE_RETURN_IF_ERROR(emit(kUnitResources));
  PutDict(&raw, c.scope_names);
  PutIds(&raw, c.scope_name, c.scope_names.size(), nullptr);
  PutDict(&raw, c.scope_versions);
  PutIds(&raw, c.scope_version, c.scope_versions.size(), nullptr);
  LOUPE_RETURN_IF_ERROR(emit(kUnitScopes));

  {
    uint32_t prev_span = 0;
    for (uint32_t old : o.events) {
      const uint32_t sp = o.span_new[c.event_span[old]];
      PutVarint64(&raw, sp - prev_span);
      prev_span = sp;
    }
    int64_t prev = m.min_start;
    for (uint32_t old : o.events) {
      PutSignedVarint64(&raw, c.event_time[old] - prev);
      prev = c.event_time[old];
    }
    PutDict(&raw, c.event_names);
    PutIds(&raw, c.event_name, c.event_names.size(), &o.events);
  }
  LOUPE_RETURN_IF_ERROR(emit(kUnitEvents));
  {
    uint32_t prev_span = 0;
    for (uint32_t old : o.links) {
      const uint32_t sp = o.span_new[c.link_span[old]];
      PutVarint64(&raw, sp - prev_span);
      prev_span = sp;
    }
    for (uint32_t old : o.links) raw.append(c.link_trace[old].view());
    for (uint32_t old : o.links) PutFixed64(&raw, c.link_span_id[old]);
  }
  LOUPE_RETURN_IF_ERROR(emit(kUnitLinks));

  // Attribute columns.
  m.attrs.clear();
  std::vector<std::pair<uint32_t, uint32_t>> entries;
  std::vector<uint32_t> positions;
  for (size_t i = 0; i < c.attrs.size(); ++i) {
    const AttrColumn& a = *c.attrs[i];
    const std::vector<uint32_t>* remap = nullptr;
    if (a.table == Table::kSpan) remap = &o.span_new;
    if (a.table == Table::kEvent) remap = &o.event_new;
    if (a.table == Table::kLink) remap = &o.link_new;
    entries.clear();
    for (uint32_t k = 0; k < a.rows.size(); ++k) entries.emplace_back(remap ? (*remap)[a.rows[k]] : a.rows[k], k);
    if (remap) std::sort(entries.begin(), entries.end());
    PutVarint64(&raw, entries.size());
    // Rows: a bitmap when the column is dense (cheaper than a byte per entry), else deltas.
    const uint32_t table_rows = TableRowsOfMeta(m, a.table);
    if (entries.size() * 8 >= table_rows) {
      raw.push_back(1);
      const size_t base = raw.size();
      raw.resize(base + (table_rows + 7) / 8, 0);
      for (const auto& e : entries) raw[base + e.first / 8] |= static_cast<char>(1u << (e.first % 8));
    } else {
      raw.push_back(0);
      uint32_t prev = 0;
      for (const auto& [row, k] : entries) {
        PutVarint64(&raw, row - prev);
        prev = row;
      }
    }
    positions.clear();
    for (const auto& e : entries) positions.push_back(e.second);
    switch (a.type) {
      case ValueType::kInt:
      case ValueType::kBool:
        for (uint32_t k : positions) PutSignedVarint64(&raw, a.ints[k]);
        break;
      case ValueType::kDouble:
        for (uint32_t k : positions) PutFixed64(&raw, std::bit_cast<uint64_t>(a.doubles[k]));
        break;
      case ValueType::kEmpty:
        break;
      default:
        PutBackRefIds(&raw, a.dict, a.ids, positions);
        break;
    }
    AttrColumnInfo info;
    info.table = a.table;
    info.type = a.type;
    info.key = a.key;
    info.count = static_cast<uint32_t>(a.rows.size());
    info.imin = a.imin;
    info.imax = a.imax;
    info.dmin = a.dmin;
    info.dmax = a.dmax;
    info.dict_size = a.dict.size();
    if (a.IsStringLike() && a.dict.size() <= kSmallDictValues) {
      size_t bytes = 0;
      for (auto v : a.dict.values()) bytes += v.size();
      if (bytes <= kSmallDictBytes) {
        info.small_dict = true;
        info.dict_values.assign(a.dict.values().begin(), a.dict.values().end());
      }
    }
    const size_t before = m.index_bytes;
    LOUPE_RETURN_IF_ERROR(emit(kAttrUnitBase + static_cast<uint32_t>(i)));
    info.stored_bytes = static_cast<uint32_t>(m.index_bytes - before);
    m.attrs.push_back(std::move(info));
  }
  return Status::OK();
}

// --- Decoding -------------------------------------------------------------------------------

void PrepareDecodedBlock(const BlockMeta& meta, BlockColumns* c) {
  *c = BlockColumns();
  c->num_resources = meta.num_resources;
  c->num_scopes = meta.num_scopes;
  for (const auto& info : meta.attrs) {
    auto col = std::make_unique<AttrColumn>();
    col->table = info.table;
    col->key = info.key;
    col->type = info.type;
    c->AddAttrColumn(std::move(col));
  }
}

namespace {

bool GetCounts(std::string_view* in, uint32_t n, uint64_t expect_total, std::vector<uint32_t>* begin) {
  if (n > in->size()) return false;
  begin->resize(n + 1);
  (*begin)[0] = 0;
  uint64_t total = 0;
  for (uint32_t i = 0; i < n; ++i) {
    uint64_t k;
    if (!GetVarint64(in, &k) || k > expect_total) return false;
    total += k;
    if (total > expect_total) return false;
    (*begin)[i + 1] = static_cast<uint32_t>(total);
  }
  return total == expect_total;
}

bool GetDeltaRows(std::string_view* in, uint64_t n, uint32_t limit, bool strict, std::vector<uint32_t>* rows) {
  if (n > in->size()) return false;
  rows->resize(n);
  uint64_t prev = 0;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t d;
    if (!GetVarint64(in, &d)) return false;
    if (strict && i > 0 && d == 0) return false;
    prev += d;
    if (prev >= limit) return false;
    (*rows)[i] = static_cast<uint32_t>(prev);
  }
  return true;
}

}  // namespace

Status DecodeUnit(uint32_t unit, std::string_view in, const BlockMeta& m, BlockColumns* c) {
  const uint32_t ns = m.num_spans, nt = m.num_traces;
  switch (unit) {
    case kUnitTraces: {
      if (in.size() / 16 < nt) return Bad("truncated trace ids");
      c->trace_ids.resize(nt);
      for (uint32_t i = 0; i < nt; ++i) c->trace_ids[i] = TraceId::FromBytes(in.substr(i * 16, 16));
      in.remove_prefix(static_cast<size_t>(nt) * 16);
      std::vector<int64_t> dur;
      if (!GetSvarints(&in, nt, &c->trace_start) || !GetSvarints(&in, nt, &dur)) return Bad("bad trace times");
      c->trace_end.resize(nt);
      for (uint32_t i = 0; i < nt; ++i) {
        c->trace_start[i] += m.min_start;
        c->trace_end[i] = c->trace_start[i] + dur[i];
      }
      if (!GetCounts(&in, nt, ns, &c->trace_first_row)) return Bad("bad trace span counts");
      c->trace_root.resize(nt);
      for (uint32_t i = 0; i < nt; ++i) {
        uint64_t r;
        if (!GetVarint64(&in, &r)) return Bad("bad trace roots");
        const uint32_t b = c->trace_first_row[i], e = c->trace_first_row[i + 1];
        if (r > e - b) return Bad("trace root out of range");
        c->trace_root[i] = r == 0 ? -1 : static_cast<int32_t>(b + r - 1);
      }
      c->span_trace.resize(ns);
      for (uint32_t i = 0; i < nt; ++i) {
        for (uint32_t r = c->trace_first_row[i]; r < c->trace_first_row[i + 1]; ++r) c->span_trace[r] = i;
      }
      break;
    }
    case kUnitSpanIds:
      if (in.size() != static_cast<size_t>(ns) * 8) return Bad("bad span ids");
      c->span_id.resize(ns);
      for (uint32_t i = 0; i < ns; ++i) c->span_id[i] = DecodeFixed64(in.data() + i * 8);
      in = {};
      break;
    case kUnitParents: {
      if (c->span_id.size() != ns || c->trace_first_row.size() != nt + 1) {
        return Status::Internal("span block: parents decoded before ids");
      }
      c->parent_id.resize(ns);
      for (uint32_t t = 0; t < nt; ++t) {
        const uint32_t b = c->trace_first_row[t], e = c->trace_first_row[t + 1];
        if (b > e || e > ns) return Status::Internal("span block: parents decoded over bad trace offsets");
        for (uint32_t r = b; r < e; ++r) {
          uint64_t tag;
          if (!GetVarint64(&in, &tag)) return Bad("bad parent");
          if (tag == 0) {
            c->parent_id[r] = 0;
          } else if (tag == 1) {
            if (!GetFixed64(&in, &c->parent_id[r])) return Bad("bad parent id");
          } else {
            if (tag - 2 >= e - b) return Bad("parent row out of range");
            c->parent_id[r] = c->span_id[b + tag - 2];
          }
        }
      }
      break;
    }
    case kUnitStart: {
      if (!GetSvarints(&in, ns, &c->start)) return Bad("bad start times");
      int64_t prev = m.min_start;
      for (auto& s : c->start) {
        s += prev;
        prev = s;
      }
      break;
    }
    case kUnitDuration:
      if (!GetSvarints(&in, ns, &c->duration)) return Bad("bad durations");
      break;
    case kUnitName:
      if (!GetDict(&in, &c->names) || !GetIds(&in, ns, c->names.size(), &c->name)) return Bad("bad names");
      break;
    case kUnitKindStatus:
      if (in.size() != ns) return Bad("bad kinds");
      c->kind_status.assign(in.begin(), in.end());
      for (uint8_t ks : c->kind_status) {
        if ((ks & 15) > 5 || (ks >> 4) > 2) return Bad("bad kind or status");
      }
      in = {};
      break;
    case kUnitStatusMessage:
      if (!GetDict(&in, &c->status_messages) || !GetIds(&in, ns, c->status_messages.size(), &c->status_message)) {
        return Bad("bad status messages");
      }
      break;
    case kUnitResourceRef:
      if (!GetIds(&in, ns, m.num_resources, &c->resource)) return Bad("bad resource refs");
      break;
    case kUnitScopeRef:
      if (!GetIds(&in, ns, m.num_scopes, &c->scope)) return Bad("bad scope refs");
      break;
    case kUnitEventIndex:
      if (!GetCounts(&in, ns, m.num_events, &c->event_begin)) return Bad("bad event index");
      break;
    case kUnitLinkIndex:
      if (!GetCounts(&in, ns, m.num_links, &c->link_begin)) return Bad("bad link index");
      break;
    case kUnitResources:
      if (!GetDict(&in, &c->services) || !GetIds(&in, m.num_resources, c->services.size(), &c->resource_service)) {
        return Bad("bad resources");
      }
      break;
    case kUnitScopes:
      if (!GetDict(&in, &c->scope_names) || !GetIds(&in, m.num_scopes, c->scope_names.size(), &c->scope_name) ||
          !GetDict(&in, &c->scope_versions) ||
          !GetIds(&in, m.num_scopes, c->scope_versions.size(), &c->scope_version)) {
        return Bad("bad scopes");
      }
      break;
    case kUnitEvents: {
      if (!GetDeltaRows(&in, m.num_events, ns, false, &c->event_span) ||
          !GetSvarints(&in, m.num_events, &c->event_time)) {
        return Bad("bad events");
      }
      int64_t prev = m.min_start;
      for (auto& t : c->event_time) {
        t += prev;
        prev = t;
      }
      if (!GetDict(&in, &c->event_names) || !GetIds(&in, m.num_events, c->event_names.size(), &c->event_name)) {
        return Bad("bad event names");
      }
      break;
    }
    case kUnitLinks: {
      const uint32_t nl = m.num_links;
      if (!GetDeltaRows(&in, nl, ns, false, &c->link_span)) return Bad("bad links");
      if (in.size() / 24 < nl) return Bad("truncated links");
      c->link_trace.resize(nl);
      c->link_span_id.resize(nl);
      for (uint32_t i = 0; i < nl; ++i) c->link_trace[i] = TraceId::FromBytes(in.substr(i * 16, 16));
      in.remove_prefix(static_cast<size_t>(nl) * 16);
      for (uint32_t i = 0; i < nl; ++i) GetFixed64(&in, &c->link_span_id[i]);
      break;
    }
    case kUnitRecordDict:
      c->record_dict = in;
      in = {};
      break;
    default: {
      if (unit < kAttrUnitBase || unit - kAttrUnitBase >= m.attrs.size() ||
          unit - kAttrUnitBase >= c->attrs.size()) {
        return Bad("unknown unit " + std::to_string(unit));
      }
      const AttrColumnInfo& info = m.attrs[unit - kAttrUnitBase];
      AttrColumn& a = *c->attrs[unit - kAttrUnitBase];
      uint64_t n;
      const uint32_t table_rows = TableRowsOfMeta(m, info.table);
      if (!GetVarint64(&in, &n) || n != info.count || in.empty()) {
        return Bad("bad attribute rows for " + info.key);
      }
      const auto rows_kind = static_cast<uint8_t>(in[0]);
      in.remove_prefix(1);
      if (rows_kind == 1) {
        const size_t bytes = (static_cast<size_t>(table_rows) + 7) / 8;
        if (in.size() < bytes) return Bad("bad attribute bitmap for " + info.key);
        a.rows.clear();
        a.rows.reserve(n);
        for (uint32_t r = 0; r < table_rows; ++r) {
          if (static_cast<uint8_t>(in[r / 8]) & (1u << (r % 8))) a.rows.push_back(r);
        }
        // Bits past the last row must be clear, and the count must match.
        if (table_rows % 8 != 0 && (static_cast<uint8_t>(in[bytes - 1]) >> (table_rows % 8)) != 0) {
          return Bad("bad attribute bitmap for " + info.key);
        }
        if (a.rows.size() != n) return Bad("bad attribute bitmap count for " + info.key);
        in.remove_prefix(bytes);
      } else if (rows_kind != 0 || !GetDeltaRows(&in, n, table_rows, true, &a.rows)) {
        return Bad("bad attribute rows for " + info.key);
      }
      a.imin = info.imin;
      a.imax = info.imax;
      a.dmin = info.dmin;
      a.dmax = info.dmax;
      switch (info.type) {
        case ValueType::kInt:
        case ValueType::kBool:
          if (!GetSvarints(&in, n, &a.ints)) return Bad("bad attribute values for " + info.key);
          break;
        case ValueType::kDouble:
          if (n > in.size() / 8) return Bad("bad attribute values for " + info.key);
          a.doubles.resize(n);
          for (uint64_t i = 0; i < n; ++i) {
            uint64_t bits = 0;
            GetFixed64(&in, &bits);
            a.doubles[i] = std::bit_cast<double>(bits);
          }
          break;
        case ValueType::kEmpty:
          break;
        default:
          if (!GetBackRefIds(&in, n, &a.dict, &a.ids)) return Bad("bad attribute values for " + info.key);
          break;
      }
      break;
    }
  }
  if (!in.empty()) return Bad("trailing bytes in unit " + std::to_string(unit));
  return Status::OK();
}

}  // namespace loupe::storage::spanstore
