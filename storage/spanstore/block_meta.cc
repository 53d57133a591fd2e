// Block metadata, its bloom filter, and the framing of stored values (see block_codec.h).
#include <bit>

#include "storage/base/coding.h"
#include "storage/base/compression.h"
#include "storage/base/crc32c.h"
#include "storage/spanstore/block_codec.h"
#include "storage/spanstore/record_dict.h"

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

Status PackValue(std::string_view raw, bool compress, int level, std::string* out, const RecordDict* dict) {
  out->clear();
  std::string packed;
  bool use = false;
  if (compress && dict) {
    LOUPE_RETURN_IF_ERROR(dict->Compress(raw, &packed));
    use = packed.size() < raw.size();
  } else if (compress && raw.size() >= 64) {
    LOUPE_RETURN_IF_ERROR(Compress(Codec::kZstd, raw, &packed, level));
    use = packed.size() < raw.size();
  }
  out->push_back(use ? (dict ? 2 : 1) : 0);
  PutVarint64(out, raw.size());
  PutFixed32(out, Crc32c(raw));
  out->append(use ? std::string_view(packed) : raw);
  return Status::OK();
}

Status UnpackValue(std::string_view in, std::string* raw, const RecordDict* dict) {
  if (in.empty()) return Bad("empty value");
  const auto codec = static_cast<uint8_t>(in[0]);
  in.remove_prefix(1);
  uint64_t len;
  uint32_t crc;
  if (codec > 2 || !GetVarint64(&in, &len) || len > kMaxRawValue || !GetFixed32(&in, &crc)) {
    return Bad("bad value header");
  }
  if (codec == 0) {
    if (in.size() != len) return Bad("value length mismatch");
    raw->assign(in);
  } else if (codec == 2) {
    if (!dict) return Bad("value needs the block's record dictionary");
    LOUPE_RETURN_IF_ERROR(dict->Decompress(in, len, raw));
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
  out->push_back(m.has_record_dict ? 1 : 0);
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
      !GetVarint64(&in, &m->trace_bytes) || !GetVarint64(&in, &m->index_bytes) || in.empty()) {
    return Bad("bad meta value sets");
  }
  m->has_record_dict = in[0] != 0;
  in.remove_prefix(1);
  if (!GetVarint64(&in, &n) || n > 4096) return Bad("bad meta unit sizes");
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

}  // namespace loupe::storage::spanstore
