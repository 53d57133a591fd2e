// RocksDB key layouts of the span store. Keys start with the tenant id and then the block id,
// and block ids grow with time, so dropping a tenant's oldest blocks (retention by age or
// size) is one range delete per column family.
//
//   column family   key                                          value
//   span_traces     tenant:u32be block:u64be trace_id:16         PackValue(batch with shared trace id)
//   span_index      tenant:u32be block:u64be unit:u32be          PackValue(unit, see block_codec.h)
//   span_meta       "t/" tenant name                             tenant id:u32be
//                   "b/" tenant:u32be block:u64be                EncodeBlockMeta
//
// A trace's spans in one block are one Get; the block's bloom filter (in its meta, kept in
// memory) says which blocks may hold the trace.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/base/coding.h"
#include "storage/spanstore/span_types.h"

namespace loupe::storage::spanstore {

inline constexpr char kTracesFamily[] = "span_traces";
inline constexpr char kIndexFamily[] = "span_index";
inline constexpr char kMetaFamily[] = "span_meta";
inline constexpr char kTenantMetaPrefix[] = "t/";
inline constexpr char kBlockMetaPrefix[] = "b/";

inline std::string BlockPrefix(uint32_t tenant, uint64_t block) {
  std::string k;
  k.reserve(12);
  PutBigEndian32(&k, tenant);
  PutBigEndian64(&k, block);
  return k;
}

inline std::string TraceKey(uint32_t tenant, uint64_t block, const TraceId& id) {
  std::string k = BlockPrefix(tenant, block);
  k.append(id.view());
  return k;
}

inline std::string UnitKey(uint32_t tenant, uint64_t block, uint32_t unit) {
  std::string k = BlockPrefix(tenant, block);
  PutBigEndian32(&k, unit);
  return k;
}

inline std::string BlockMetaKey(uint32_t tenant, uint64_t block) {
  std::string k = kBlockMetaPrefix;
  PutBigEndian32(&k, tenant);
  PutBigEndian64(&k, block);
  return k;
}

}  // namespace loupe::storage::spanstore
