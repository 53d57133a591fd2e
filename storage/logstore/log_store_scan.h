// LogStore::ScanIndex (a private member template), shared by the .cc files of LogStore that
// walk the chunk index. Internal: include only from log_store*.cc.
#pragma once

#include "storage/logstore/keys.h"
#include "storage/logstore/log_store.h"

namespace loupe::storage::logstore {

template <typename Fn>
Status LogStore::ScanIndex(const Tenant& t, int64_t mint, int64_t maxt, Fn&& fn) const {
  const int64_t bucket_ns = options_.bucket_ns;
  const int64_t lookback = Lookback(t);
  kv::IteratorOptions io;
  io.lower_bound = mint < INT64_MIN + lookback
                       ? TenantPrefix(t.id)
                       : BucketPrefix(t.id, BucketStart(mint - lookback, bucket_ns));
  const int64_t last = BucketStart(maxt, bucket_ns);
  io.upper_bound =
      last > INT64_MAX - bucket_ns ? TenantPrefix(t.id + 1) : BucketPrefix(t.id, last + bucket_ns);
  auto it = kv_.NewIterator(index_cf_, io);
  ChunkIndexValue v;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    ParsedChunkKey pk;
    if (!ParseChunkKey(it->key(), &pk) || pk.tenant != t.id) continue;
    if (pk.mint > maxt) continue;
    if (!DecodeChunkIndexValue(it->value(), &v)) {
      corrupt_blocks_++;
      continue;
    }
    if (v.maxt < mint) continue;
    fn(it->key(), pk, v);
  }
  return it->status();
}

}  // namespace loupe::storage::logstore
