// LogStore: physical deletion of entries (DeleteEntries; the contract is in log_store.h).
#include <absl/container/flat_hash_map.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "storage/logstore/keys.h"
#include "storage/logstore/log_store.h"
#include "storage/logstore/log_store_scan.h"

namespace loupe::storage::logstore {

// A persisted chunk of a stream being deleted from, as the index listed it.
struct LogStore::IndexedChunk {
  std::string key;
  ParsedChunkKey pk;
  ChunkIndexValue index;
  size_t target = 0;  // index into the matched streams
};

Result<DeleteEntriesStats> LogStore::DeleteEntries(std::string_view tenant,
                                                   const DeleteEntriesRequest& req) {
  DeleteEntriesStats stats;
  Tenant* t = FindTenant(tenant);
  if (!t || req.end_ns < req.start_ns) return stats;
  const int64_t mint = req.start_ns, maxt = req.end_ns;
  std::lock_guard rl(retention_mu_);

  struct Target {
    StreamId id;
    uint64_t ref;
    model::Labels labels;
    EntryPredicate pred;
  };
  std::vector<Target> targets;
  {
    std::shared_lock lock(t->mu);
    for (StreamId id : t->head.FilterByTime(t->head.Select(req.matchers), mint, maxt))
      targets.push_back({id, t->head.Ref(id), t->head.LabelsOf(id), {}});
  }
  if (targets.empty()) return stats;
  if (req.predicate_for_stream) {
    for (Target& tg : targets) {
      LOUPE_ASSIGN_OR_RETURN(tg.pred, req.predicate_for_stream(tg.labels));
    }
  }

  // Checkpoints even when a later step fails: what was deleted from the head must not come back
  // from the WAL after a restart.
  auto finish = [&](Status s) -> Result<DeleteEntriesStats> {
    if (stats.entries_deleted > 0) {
      Status cp = Checkpoint();
      if (s.ok()) s = cp;
    }
    if (!s.ok()) return s;
    return stats;
  };

  // 1. Open chunks.
  for (const Target& tg : targets) {
    std::unique_lock lock(t->mu);
    // Streams are only removed by retention, which cannot run now (retention_mu_).
    if (t->head.stream(tg.id).dead) continue;
    auto n = t->head.DeleteEntries(tg.id, mint, maxt, tg.pred);
    if (!n.ok()) {
      lock.unlock();
      spdlog::warn("log store: deleting from the open chunk of {} failed: {}", tg.labels.ToString(),
                   n.status().message());
      corrupt_blocks_++;
      stats.corrupt_chunks_skipped++;
      continue;
    }
    stats.head_entries_deleted += *n;
    stats.entries_deleted += *n;
  }

  // 2. Persisted chunks. The index is scanned after step 1, so chunks flushed meanwhile are
  // included (and hold cleaned data).
  absl::flat_hash_map<uint64_t, size_t> by_ref;
  for (size_t i = 0; i < targets.size(); ++i) by_ref.emplace(targets[i].ref, i);
  std::vector<IndexedChunk> chunks;
  Status scanned =
      ScanIndex(*t, mint, maxt,
                [&](std::string_view key, const ParsedChunkKey& pk, const ChunkIndexValue& v) {
                  auto it = by_ref.find(pk.stream);
                  if (it == by_ref.end()) return;
                  bool overlaps = false;
                  for (const auto& b : v.blocks) overlaps |= b.mint <= maxt && b.maxt >= mint;
                  if (overlaps) chunks.push_back({std::string(key), pk, v, it->second});
                });
  if (!scanned.ok()) return finish(scanned);
  for (const IndexedChunk& c : chunks) {
    if (Status s = RewriteChunk(*t, c, mint, maxt, targets[c.target].pred, &stats); !s.ok())
      return finish(s);
  }
  return finish(Status::OK());
}

Status LogStore::RewriteChunk(Tenant& t, const IndexedChunk& c, int64_t mint, int64_t maxt,
                              const EntryPredicate& pred, DeleteEntriesStats* stats) {
  std::string bytes;
  if (Status g = kv_.Get(chunks_cf_, c.key, &bytes); !g.ok()) {
    return g.code() == StatusCode::kNotFound ? Status::OK() : g;
  }
  auto skip_corrupt = [&](std::string_view why) {
    spdlog::warn("log store: deletion skips a corrupt chunk of stream {}: {}", c.pk.stream, why);
    corrupt_blocks_++;
    stats->corrupt_chunks_skipped++;
    return Status::OK();
  };
  auto reader = ChunkReader::Open(bytes);
  if (!reader.ok()) return skip_corrupt(reader.status().message());
  const ChunkReader& r = *reader;
  if (r.num_blocks() != c.index.blocks.size()) return skip_corrupt("index and chunk disagree");

  // Block data follows the header back to back (FORMAT.md).
  size_t offset = bytes.size();
  for (size_t i = 0; i < r.num_blocks(); ++i) offset -= r.block(i).comp_len;
  std::vector<CompressedBlock> blocks;
  blocks.reserve(r.num_blocks());
  uint64_t deleted = 0;
  for (size_t i = 0; i < r.num_blocks(); ++i) {
    CompressedBlock kept;
    kept.meta = r.block(i);
    kept.meta.bytes = c.index.blocks[i].bytes;
    kept.data.assign(bytes, offset, kept.meta.comp_len);
    offset += kept.meta.comp_len;
    if (kept.meta.mint > maxt || kept.meta.maxt < mint) {
      blocks.push_back(std::move(kept));
      continue;
    }
    DecodedBlock d;
    if (Status s = r.ReadBlock(i, &d); !s.ok()) {
      // Its entries cannot be inspected; keep it as it is rather than lose the others.
      corrupt_blocks_++;
      stats->corrupt_chunks_skipped++;
      blocks.push_back(std::move(kept));
      continue;
    }
    HeadBlock keep;
    const uint64_t n = FilterBlock(d, mint, maxt, pred, &keep);
    deleted += n;
    if (n == 0) {
      blocks.push_back(std::move(kept));
    } else if (!keep.empty()) {
      CompressedBlock nb;
      LOUPE_RETURN_IF_ERROR(CompressBlock(keep, r.codec(), options_.head.codec_level, &nb));
      blocks.push_back(std::move(nb));
    }
  }
  if (deleted == 0) return Status::OK();

  kv::WriteBatch batch;
  batch.Delete(chunks_cf_, c.key);
  batch.Delete(index_cf_, c.key);
  std::string data;
  ChunkIndexValue v;
  if (!blocks.empty()) {
    std::vector<const CompressedBlock*> ptrs;
    v.maxt = INT64_MIN;
    for (const auto& b : blocks) {
      ptrs.push_back(&b);
      v.maxt = std::max(v.maxt, b.meta.maxt);
      v.entries += b.meta.entries;
      v.bytes += b.meta.bytes;
      v.blocks.push_back({b.meta.mint, b.meta.maxt, b.meta.entries, b.meta.bytes});
    }
    data = EncodeChunk(r.codec(), ptrs);
    v.stored = data.size();
    // Same bucket and mint (a lower bound still); seq + 1 keeps the key unique (log_store.h).
    const std::string key = ChunkKey(t.id, c.pk.bucket, c.pk.stream, c.pk.mint, c.pk.seq + 1);
    batch.Put(chunks_cf_, key, data);
    batch.Put(index_cf_, key, EncodeChunkIndexValue(v));
  }
  LOUPE_RETURN_IF_ERROR(kv_.Write(batch));
  {
    std::lock_guard lock(index_mu_);
    uint64_t& stored = t.bucket_bytes[c.pk.bucket];
    uint64_t& raw = t.bucket_raw[c.pk.bucket];
    stored = stored - std::min(stored, c.index.stored) + v.stored;
    raw = raw - std::min(raw, c.index.bytes) + v.bytes;
    if (stored == 0) {
      t.bucket_bytes.erase(c.pk.bucket);
      t.bucket_raw.erase(c.pk.bucket);
    }
  }
  stats->entries_deleted += deleted;
  if (blocks.empty()) {
    stats->chunks_removed++;
  } else {
    stats->chunks_rewritten++;
  }
  return Status::OK();
}

}  // namespace loupe::storage::logstore
