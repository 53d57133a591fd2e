// RocksDB key and value layouts of the metric store. Every key starts with the tenant id, and
// chunk keys then with the block start, so retention by age is one range delete per tenant.
//
//   column family      key                                                    value
//   metric_chunks      tenant:u32be block:i64o series:u64be mint:i64o kind:u8 maxt:varint(zigzag) xor-chunk
//   metric_head        tenant:u32be series:u64be                              mint:varint(zigzag) xor-chunk
//   metric_series      tenant:u32be series:u64be                              n:varint (name,value)*n min_t:varint(zigzag)
//   metric_meta        "tenant/" name                                         id:u32be
//                      "md/" tenant:u32be family                              type:u8 help:lp unit:lp
//   (i64o = big-endian int64 with the sign bit flipped, so byte order is numeric order;
//    lp = varint length-prefixed bytes.)
// Chunks never span a block boundary (the head cuts them there), so a chunk's block is
// floor(mint / block).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/base/coding.h"

namespace loupe::storage::tsdb {

inline constexpr char kChunksFamily[] = "metric_chunks";
inline constexpr char kHeadFamily[] = "metric_head";
inline constexpr char kSeriesFamily[] = "metric_series";
inline constexpr char kMetaFamily[] = "metric_meta";

enum class ChunkKind : uint8_t { kInOrder = 0, kOutOfOrder = 1 };

inline int64_t BlockStart(int64_t t, int64_t block_ms) {
  int64_t q = t / block_ms;
  if (t % block_ms != 0 && t < 0) --q;  // floor for negative timestamps
  return q * block_ms;
}

inline std::string ChunkKey(uint32_t tenant, int64_t block, uint64_t series, int64_t mint, ChunkKind kind) {
  std::string k;
  k.reserve(29);
  PutBigEndian32(&k, tenant);
  PutOrderedInt64(&k, block);
  PutBigEndian64(&k, series);
  PutOrderedInt64(&k, mint);
  k.push_back(static_cast<char>(kind));
  return k;
}
// Prefix of every chunk of `series` in `block`.
inline std::string ChunkSeriesPrefix(uint32_t tenant, int64_t block, uint64_t series) {
  std::string k;
  PutBigEndian32(&k, tenant);
  PutOrderedInt64(&k, block);
  PutBigEndian64(&k, series);
  return k;
}
// First key of `block` (all series) for range deletes.
inline std::string ChunkBlockPrefix(uint32_t tenant, int64_t block) {
  std::string k;
  PutBigEndian32(&k, tenant);
  PutOrderedInt64(&k, block);
  return k;
}
inline std::string TenantPrefix(uint32_t tenant) {
  std::string k;
  PutBigEndian32(&k, tenant);
  return k;
}
inline std::string SeriesKey(uint32_t tenant, uint64_t series) {
  std::string k;
  PutBigEndian32(&k, tenant);
  PutBigEndian64(&k, series);
  return k;
}

struct ParsedChunkKey {
  uint32_t tenant;
  int64_t block;
  uint64_t series;
  int64_t mint;
  ChunkKind kind;
};
inline bool ParseChunkKey(std::string_view k, ParsedChunkKey* out) {
  if (k.size() != 29) return false;
  out->tenant = DecodeBigEndian32(k.data());
  out->block = DecodeOrderedInt64(k.data() + 4);
  out->series = DecodeBigEndian64(k.data() + 12);
  out->mint = DecodeOrderedInt64(k.data() + 20);
  out->kind = static_cast<ChunkKind>(k[28]);
  return out->kind == ChunkKind::kInOrder || out->kind == ChunkKind::kOutOfOrder;
}

}  // namespace loupe::storage::tsdb
