// RocksDB key and value layouts of the log store. Every key starts with the tenant id, chunk
// keys then with the time bucket of the chunk's oldest entry, so retention by age is one range
// delete per tenant and family, and a time-range read scans one contiguous key range of the
// (small) chunk index before touching any chunk bytes.
//
//   family        key                                                         value
//   logs_chunks   tenant:u32be bucket:i64o stream:u64be mint:i64o seq:u64be    chunk bytes
//   (FORMAT.md) logs_index    (the same key as its chunk) ChunkIndexValue logs_streams tenant:u32be
//   stream:u64be                                    n:varint (name:lp value:lp)*n logs_head
//   tenant:u32be stream:u64be 0x00                               checkpoint (log_store.cc)
//                 tenant:u32be stream:u64be 0x01                               flushed_seq:varint
//   logs_meta     "tenant/" name                                               id:u32be
//   (i64o = big-endian int64 with the sign bit flipped, so byte order is numeric order;
//    seq = the stream sequence number of the chunk's first entry, which makes keys unique; a
//    chunk rewritten by deletion gets seq + 1 (still unique: seq + entries never exceeds the
//    next chunk's first seq), and keeps its bucket and mint, a lower bound of its entries.)
// A chunk spans at most the head's max_chunk_age, so a chunk with entries in [start, end] has
// its key in the buckets from floor(start - max span) to floor(end).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/base/coding.h"

namespace loupe::storage::logstore {

inline constexpr char kChunksFamily[] = "logs_chunks";
inline constexpr char kIndexFamily[] = "logs_index";
inline constexpr char kStreamsFamily[] = "logs_streams";
inline constexpr char kHeadFamily[] = "logs_head";
inline constexpr char kMetaFamily[] = "logs_meta";

inline constexpr size_t kChunkKeySize = 36;

inline int64_t BucketStart(int64_t t, int64_t bucket_ns) {
  int64_t q = t / bucket_ns;
  if (t % bucket_ns != 0 && t < 0) --q;
  return q * bucket_ns;
}

inline std::string ChunkKey(uint32_t tenant, int64_t bucket, uint64_t stream, int64_t mint,
                            uint64_t seq) {
  std::string k;
  k.reserve(kChunkKeySize);
  PutBigEndian32(&k, tenant);
  PutOrderedInt64(&k, bucket);
  PutBigEndian64(&k, stream);
  PutOrderedInt64(&k, mint);
  PutBigEndian64(&k, seq);
  return k;
}
// First key of `bucket` of a tenant (range bounds for scans and deletes).
inline std::string BucketPrefix(uint32_t tenant, int64_t bucket) {
  std::string k;
  PutBigEndian32(&k, tenant);
  PutOrderedInt64(&k, bucket);
  return k;
}
inline std::string TenantPrefix(uint32_t tenant) {
  std::string k;
  PutBigEndian32(&k, tenant);
  return k;
}
inline std::string StreamKey(uint32_t tenant, uint64_t stream) {
  std::string k;
  PutBigEndian32(&k, tenant);
  PutBigEndian64(&k, stream);
  return k;
}
inline std::string HeadKey(uint32_t tenant, uint64_t stream, char kind) {
  std::string k = StreamKey(tenant, stream);
  k.push_back(kind);
  return k;
}
inline constexpr char kHeadCheckpoint = 0;
inline constexpr char kHeadFlushed = 1;

struct ParsedChunkKey {
  uint32_t tenant;
  int64_t bucket;
  uint64_t stream;
  int64_t mint;
  uint64_t seq;
};
inline bool ParseChunkKey(std::string_view k, ParsedChunkKey* out) {
  if (k.size() != kChunkKeySize) return false;
  out->tenant = DecodeBigEndian32(k.data());
  out->bucket = DecodeOrderedInt64(k.data() + 4);
  out->stream = DecodeBigEndian64(k.data() + 12);
  out->mint = DecodeOrderedInt64(k.data() + 20);
  out->seq = DecodeBigEndian64(k.data() + 28);
  return true;
}

// Summary of one block in the chunk index.
struct IndexBlock {
  int64_t mint = 0;
  int64_t maxt = 0;
  uint32_t entries = 0;
  uint64_t bytes = 0;  // lines + metadata
};

// logs_index value:
//   maxt:svarint entries:varint bytes:varint stored:varint n:varint
//   ( mint:svarint maxt:svarint entries:varint bytes:varint )*n
struct ChunkIndexValue {
  int64_t maxt = 0;
  uint64_t entries = 0;
  uint64_t bytes = 0;   // lines + metadata
  uint64_t stored = 0;  // chunk bytes on disk
  std::vector<IndexBlock> blocks;
};

inline std::string EncodeChunkIndexValue(const ChunkIndexValue& v) {
  std::string out;
  PutSignedVarint64(&out, v.maxt);
  PutVarint64(&out, v.entries);
  PutVarint64(&out, v.bytes);
  PutVarint64(&out, v.stored);
  PutVarint64(&out, v.blocks.size());
  for (const auto& b : v.blocks) {
    PutSignedVarint64(&out, b.mint);
    PutSignedVarint64(&out, b.maxt);
    PutVarint64(&out, b.entries);
    PutVarint64(&out, b.bytes);
  }
  return out;
}

inline bool DecodeChunkIndexValue(std::string_view in, ChunkIndexValue* v) {
  uint64_t n;
  if (!GetSignedVarint64(&in, &v->maxt) || !GetVarint64(&in, &v->entries) ||
      !GetVarint64(&in, &v->bytes) || !GetVarint64(&in, &v->stored) || !GetVarint64(&in, &n) ||
      n > in.size()) {
    return false;
  }
  v->blocks.resize(n);
  for (auto& b : v->blocks) {
    uint64_t entries;
    if (!GetSignedVarint64(&in, &b.mint) || !GetSignedVarint64(&in, &b.maxt) ||
        !GetVarint64(&in, &entries) || !GetVarint64(&in, &b.bytes) || entries > UINT32_MAX) {
      return false;
    }
    b.entries = static_cast<uint32_t>(entries);
  }
  return in.empty();
}

}  // namespace loupe::storage::logstore
