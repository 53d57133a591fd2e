#include "storage/spanstore/block_codec.h"

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <bit>

#include "storage/base/coding.h"
#include "storage/base/compression.h"
#include "storage/base/crc32c.h"

namespace loupe::storage::spanstore {
namespace {

constexpr uint8_t kMetaVersion = 1;
constexpr uint64_t kMaxRawValue = 1ull << 30;

Status Bad(const std::string& what) { return Status::Corruption("span block: " + what); }

uint64_t Mix(uint64_t x) {  // splitmix64 finaliser
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

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
  for (uint64_t i = 0; i < n; ++i) {
    uint32_t v = 0;
    for (int b = 0; b < w; ++b) v |= static_cast<uint32_t>(p[b]) << (8 * b);
    p += w;
    if (v >= limit) return false;
    (*out)[i] = v;
  }
  in->remove_prefix(n * w);
  return true;
}

bool GetSvarints(std::string_view* in, uint64_t n, std::vector<int64_t>* out) {
  if (n > in->size()) return false;
  out->resize(n);
  for (uint64_t i = 0; i < n; ++i) {
    if (!GetSignedVarint64(in, &(*out)[i])) return false;
  }
  return true;
}

void PutDict(std::string* out, const Dict& d) { d.EncodeTo(out); }

bool GetDict(std::string_view* in, Dict* d) { return d->DecodeFrom(in); }

}  // namespace

// --- TraceBloom -----------------------------------------------------------------------------

void TraceBloom::Build(const std::vector<TraceId>& ids) {
  const uint64_t nbits = std::max<uint64_t>(64, ids.size() * 10);
  bits_.assign((nbits + 63) / 64, 0);
  const uint64_t m = bits_.size() * 64;
  for (const auto& id : ids) {
    uint64_t h1 = Mix(DecodeFixed64(reinterpret_cast<const char*>(id.bytes.data())));
    const uint64_t h2 = Mix(DecodeFixed64(reinterpret_cast<const char*>(id.bytes.data()) + 8)) | 1;
    for (uint32_t i = 0; i < k_; ++i, h1 += h2) bits_[(h1 % m) / 64] |= 1ull << ((h1 % m) % 64);
  }
}

bool TraceBloom::MayContain(const TraceId& id) const {
  if (bits_.empty()) return true;
  const uint64_t m = bits_.size() * 64;
  uint64_t h1 = Mix(DecodeFixed64(reinterpret_cast<const char*>(id.bytes.data())));
  const uint64_t h2 = Mix(DecodeFixed64(reinterpret_cast<const char*>(id.bytes.data()) + 8)) | 1;
  for (uint32_t i = 0; i < k_; ++i, h1 += h2) {
    if (!(bits_[(h1 % m) / 64] & (1ull << ((h1 % m) % 64)))) return false;
  }
  return true;
}

void TraceBloom::EncodeTo(std::string* out) const {
  out->push_back(static_cast<char>(k_));
  PutVarint64(out, bits_.size());
  for (uint64_t w : bits_) PutFixed64(out, w);
}

bool TraceBloom::DecodeFrom(std::string_view* in) {
  uint64_t n;
  if (in->empty()) return false;
  k_ = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  if (k_ == 0 || k_ > 30 || !GetVarint64(in, &n) || n > in->size() / 8) return false;
  bits_.resize(n);
  for (uint64_t i = 0; i < n; ++i) GetFixed64(in, &bits_[i]);
  return true;
}

// --- Values ---------------------------------------------------------------------------------

Status PackValue(std::string_view raw, bool compress, int level, std::string* out) {
  out->clear();
  std::string packed;
  bool use = false;
  if (compress && raw.size() >= 64) {
    LOUPE_RETURN_IF_ERROR(Compress(Codec::kZstd, raw, &packed, level));
    use = packed.size() < raw.size();
  }
  out->push_back(use ? 1 : 0);
  PutVarint64(out, raw.size());
  PutFixed32(out, Crc32c(raw));
  out->append(use ? std::string_view(packed) : raw);
  return Status::OK();
}

Status UnpackValue(std::string_view in, std::string* raw) {
  if (in.empty()) return Bad("empty value");
  const auto codec = static_cast<uint8_t>(in[0]);
  in.remove_prefix(1);
  uint64_t len;
  uint32_t crc;
  if (codec > 1 || !GetVarint64(&in, &len) || len > kMaxRawValue || !GetFixed32(&in, &crc)) {
    return Bad("bad value header");
  }
  if (codec == 0) {
    if (in.size() != len) return Bad("value length mismatch");
    raw->assign(in);
  } else {
    auto s = Decompress(Codec::kZstd, in, len, raw);
    if (!s.ok()) return Bad(s.message());
    if (raw->size() != len) return Bad("value length mismatch");
  }
  if (Crc32c(*raw) != crc) return Bad("checksum mismatch");
  return Status::OK();
}

// --- Meta -----------------------------------------------------------------------------------

size_t BlockMeta::MemoryBytes() const {
  size_t n = sizeof(*this) + bloom.MemoryBytes() + unit_bytes.capacity() * 4;
  for (const auto& s : services) n += s.size() + 32;
  for (const auto& s : names) n += s.size() + 32;
  for (const auto& a : attrs) {
    n += sizeof(a) + a.key.size();
    for (const auto& v : a.dict_values) n += v.size() + 32;
  }
  return n;
}

namespace {
void PutStrings(std::string* out, bool complete, const std::vector<std::string>& v) {
  out->push_back(complete ? 1 : 0);
  PutVarint64(out, v.size());
  for (const auto& s : v) PutLengthPrefixed(out, s);
}
bool GetStrings(std::string_view* in, bool* complete, std::vector<std::string>* v) {
  uint64_t n;
  if (in->empty()) return false;
  *complete = (*in)[0] != 0;
  in->remove_prefix(1);
  if (!GetVarint64(in, &n) || n > in->size()) return false;
  v->clear();
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view s;
    if (!GetLengthPrefixed(in, &s)) return false;
    v->emplace_back(s);
  }
  return true;
}
}  // namespace

void EncodeBlockMeta(const BlockMeta& m, std::string* out) {
  out->push_back(static_cast<char>(kMetaVersion));
  PutFixed64(out, m.id);
  PutSignedVarint64(out, m.cut_time_ns);
  PutVarint64(out, m.wal_end);
  for (uint32_t v : {m.num_spans, m.num_traces, m.num_events, m.num_links, m.num_resources, m.num_scopes}) {
    PutVarint64(out, v);
  }
  for (int64_t v : {m.min_start, m.max_start, m.max_end, m.min_duration, m.max_duration}) {
    PutSignedVarint64(out, v);
  }
  out->push_back(static_cast<char>(m.kinds));
  out->push_back(static_cast<char>(m.statuses));
  PutStrings(out, true, m.services);
  PutStrings(out, m.small_names, m.names);
  PutVarint64(out, m.trace_bytes);
  PutVarint64(out, m.index_bytes);
  PutVarint64(out, m.unit_bytes.size());
  for (uint32_t b : m.unit_bytes) PutVarint64(out, b);
  PutVarint64(out, m.attrs.size());
  for (const auto& a : m.attrs) {
    out->push_back(static_cast<char>(a.table));
    out->push_back(static_cast<char>(a.type));
    PutLengthPrefixed(out, a.key);
    PutVarint64(out, a.count);
    PutSignedVarint64(out, a.imin);
    PutSignedVarint64(out, a.imax);
    PutFixed64(out, std::bit_cast<uint64_t>(a.dmin));
    PutFixed64(out, std::bit_cast<uint64_t>(a.dmax));
    PutVarint64(out, a.dict_size);
    PutStrings(out, a.small_dict, a.dict_values);
    PutVarint64(out, a.stored_bytes);
  }
  m.bloom.EncodeTo(out);
}

Status DecodeBlockMeta(std::string_view in, BlockMeta* m) {
  *m = BlockMeta();
  if (in.empty() || static_cast<uint8_t>(in[0]) != kMetaVersion) return Bad("unknown meta version");
  in.remove_prefix(1);
  uint64_t u[6];
  int64_t s[5];
  if (!GetFixed64(&in, &m->id) || !GetSignedVarint64(&in, &m->cut_time_ns) || !GetVarint64(&in, &m->wal_end)) {
    return Bad("bad meta header");
  }
  for (auto& v : u) {
    if (!GetVarint64(&in, &v) || v > UINT32_MAX) return Bad("bad meta counts");
  }
  for (auto& v : s) {
    if (!GetSignedVarint64(&in, &v)) return Bad("bad meta times");
  }
  m->num_spans = static_cast<uint32_t>(u[0]);
  m->num_traces = static_cast<uint32_t>(u[1]);
  m->num_events = static_cast<uint32_t>(u[2]);
  m->num_links = static_cast<uint32_t>(u[3]);
  m->num_resources = static_cast<uint32_t>(u[4]);
  m->num_scopes = static_cast<uint32_t>(u[5]);
  m->min_start = s[0];
  m->max_start = s[1];
  m->max_end = s[2];
  m->min_duration = s[3];
  m->max_duration = s[4];
  if (in.size() < 2) return Bad("bad meta masks");
  m->kinds = static_cast<uint8_t>(in[0]);
  m->statuses = static_cast<uint8_t>(in[1]);
  in.remove_prefix(2);
  bool complete;
  uint64_t n;
  if (!GetStrings(&in, &complete, &m->services) || !GetStrings(&in, &m->small_names, &m->names) ||
      !GetVarint64(&in, &m->trace_bytes) || !GetVarint64(&in, &m->index_bytes) ||
      !GetVarint64(&in, &n) || n > 4096) {
    return Bad("bad meta value sets");
  }
  m->unit_bytes.resize(n);
  for (auto& b : m->unit_bytes) {
    if (!GetVarint32(&in, &b)) return Bad("bad meta unit sizes");
  }
  if (!GetVarint64(&in, &n) || n > in.size()) return Bad("bad meta attribute count");
  m->attrs.resize(n);
  for (auto& a : m->attrs) {
    uint64_t bits_min, bits_max;
    if (in.size() < 2) return Bad("bad meta attribute");
    const auto table = static_cast<uint8_t>(in[0]);
    const auto type = static_cast<uint8_t>(in[1]);
    in.remove_prefix(2);
    if (table >= kNumTables || type >= kNumValueTypes) return Bad("bad meta attribute kind");
    a.table = static_cast<Table>(table);
    a.type = static_cast<ValueType>(type);
    std::string_view key;
    if (!GetLengthPrefixed(&in, &key) || !GetVarint32(&in, &a.count) || !GetSignedVarint64(&in, &a.imin) ||
        !GetSignedVarint64(&in, &a.imax) || !GetFixed64(&in, &bits_min) || !GetFixed64(&in, &bits_max) ||
        !GetVarint32(&in, &a.dict_size) || !GetStrings(&in, &a.small_dict, &a.dict_values) ||
        !GetVarint32(&in, &a.stored_bytes)) {
      return Bad("bad meta attribute");
    }
    a.key = std::string(key);
    a.dmin = std::bit_cast<double>(bits_min);
    a.dmax = std::bit_cast<double>(bits_max);
    if (a.small_dict && a.dict_values.size() != a.dict_size) return Bad("bad meta attribute dictionary");
  }
  if (!m->bloom.DecodeFrom(&in) || !in.empty()) return Bad("bad meta bloom filter");
  return Status::OK();
}

// --- Encoding -------------------------------------------------------------------------------

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
    uint32_t prev = 0;
    for (const auto& [row, k] : entries) {
      PutVarint64(&raw, row - prev);
      prev = row;
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
        PutDict(&raw, a.dict);
        PutIds(&raw, a.ids, a.dict.size(), &positions);
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

uint32_t TableRows(const BlockMeta& m, Table t) {
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
    default: {
      if (unit < kAttrUnitBase || unit - kAttrUnitBase >= m.attrs.size() ||
          unit - kAttrUnitBase >= c->attrs.size()) {
        return Bad("unknown unit " + std::to_string(unit));
      }
      const AttrColumnInfo& info = m.attrs[unit - kAttrUnitBase];
      AttrColumn& a = *c->attrs[unit - kAttrUnitBase];
      uint64_t n;
      if (!GetVarint64(&in, &n) || n != info.count ||
          !GetDeltaRows(&in, n, TableRows(m, info.table), true, &a.rows)) {
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
            uint64_t bits;
            GetFixed64(&in, &bits);
            a.doubles[i] = std::bit_cast<double>(bits);
          }
          break;
        case ValueType::kEmpty:
          break;
        default:
          if (!GetDict(&in, &a.dict) || !GetIds(&in, n, a.dict.size(), &a.ids)) {
            return Bad("bad attribute values for " + info.key);
          }
          break;
      }
      break;
    }
  }
  if (!in.empty()) return Bad("trailing bytes in unit " + std::to_string(unit));
  return Status::OK();
}

}  // namespace loupe::storage::spanstore
