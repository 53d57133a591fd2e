// Private state of SpanStore shared by its .cc files (span_store.cc: writes, cuts, recovery,
// retention; span_store_read.cc: trace by ID and scans; span_store_search.cc: legacy search
// and tags). Not part of the store's contract.
#pragma once

#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "storage/spanstore/span_store.h"

namespace loupe::storage::spanstore {

// A head that was cut and is being persisted as block `block_id`; read-only.
struct SpanStore::Frozen {
  std::unique_ptr<Head> head;
  uint64_t block_id = 0;
  uint64_t wal_end = 0;
};

struct SpanStore::Tenant {
  uint32_t id = 0;
  std::string name;
  std::unique_ptr<wal::Wal> wal;
  // Guards head, frozen and blocks. Commits take it exclusively; readers of the live head
  // share it; frozen heads and block metas are immutable and read through shared_ptr copies.
  mutable std::shared_mutex mu;
  std::unique_ptr<Head> head;
  std::vector<std::shared_ptr<Frozen>> frozen;            // oldest first
  std::vector<std::shared_ptr<const BlockMeta>> blocks;  // ascending id
  uint64_t next_block_id = 1;
  // Serialises cuts, persisting and retention of this tenant.
  std::mutex cut_mu;
};

// Internal filter of a scan: block pruning on metadata and row matching.
struct ScanFilter {
  std::function<bool(const BlockMeta&)> may_match;               // null: always
  std::function<Status(BlockSource&, std::vector<uint8_t>*)> eval;  // null: every span
};

inline bool Overlaps(int64_t a_start, int64_t a_end, int64_t start_ns, int64_t end_ns) {
  if (start_ns == 0 && end_ns == 0) return true;
  return a_end >= start_ns && a_start <= end_ns;
}

}  // namespace loupe::storage::spanstore
