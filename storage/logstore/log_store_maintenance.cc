// LogStore: maintenance — checkpoints, flushing idle chunks, retention, stats, shutdown.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "storage/logstore/keys.h"
#include "storage/logstore/log_store.h"
#include "storage/logstore/record_codec.h"

namespace loupe::storage::logstore {

// --- Maintenance --------------------------------------------------------------------------

Status LogStore::Checkpoint() {
  std::lock_guard cp(checkpoint_mu_);
  LOUPE_ASSIGN_OR_RETURN(const uint64_t segment, wal_->Rotate());
  for (Tenant* t : AllTenants()) {
    StreamId next = 0;
    while (true) {
      std::vector<StreamCheckpoint> batch;
      bool more;
      {
        std::unique_lock lock(t->mu);
        next = t->head.CollectCheckpoint(next, 1024, &batch);
        more = next < t->head.IdLimit();
      }
      kv::WriteBatch wb;
      for (const auto& c : batch) {
        if (c.labels) wb.Put(streams_cf_, StreamKey(t->id, c.ref), EncodeLabels(*c.labels));
        wb.Put(head_cf_, HeadKey(t->id, c.ref, kHeadCheckpoint), EncodeCheckpoint(c));
      }
      if (wb.Count() > 0) {
        if (Status s = kv_.Write(wb); !s.ok()) {
          std::unique_lock lock(t->mu);
          for (const auto& c : batch) t->head.MarkDirty(c.ref);
          return s;
        }
      }
      if (!more) break;
    }
  }
  // Everything the deleted segments held is now in RocksDB; make that durable first.
  LOUPE_RETURN_IF_ERROR(kv_.SyncWal());
  LOUPE_RETURN_IF_ERROR(wal_->TruncateBefore(segment));
  checkpoints_++;
  last_checkpoint_ns_ = options_.clock->NowNanos();
  return Status::OK();
}

Status LogStore::FlushIdle(bool all) {
  const int64_t now = options_.clock->NowNanos();
  for (Tenant* t : AllTenants()) {
    std::unique_lock lock(t->mu);
    std::vector<FlushedChunk> done;
    if (all) {
      for (StreamId id = 0; id < t->head.IdLimit(); ++id) {
        if (!t->head.stream(id).dead) t->head.Flush(id, &done);
      }
    } else {
      t->head.FlushIdle(now, options_.chunk_idle_ns, options_.max_chunk_open_ns, &done);
    }
    // Persisted under the lock: a reader must never see the head emptied before the chunk exists.
    if (!done.empty()) LOUPE_RETURN_IF_ERROR(PersistChunks(*t, done));
  }
  return Status::OK();
}

Status LogStore::ApplyRetention() {
  std::lock_guard rl(retention_mu_);
  const int64_t bucket_ns = options_.bucket_ns;
  auto drop_streams = [&](Tenant* t, int64_t before) -> Status {
    std::vector<uint64_t> removed;
    {
      std::unique_lock lock(t->mu);
      removed = t->head.RemoveStreamsBefore(before);
    }
    if (removed.empty()) return Status::OK();
    kv::WriteBatch wb;
    for (uint64_t ref : removed) {
      wb.Delete(streams_cf_, StreamKey(t->id, ref));
      wb.Delete(head_cf_, HeadKey(t->id, ref, kHeadCheckpoint));
      wb.Delete(head_cf_, HeadKey(t->id, ref, kHeadFlushed));
    }
    return kv_.Write(wb);
  };
  const std::vector<Tenant*> tenants = AllTenants();
  if (options_.retention_ns > 0) {
    const int64_t cutoff = options_.clock->NowNanos() - options_.retention_ns;
    for (Tenant* t : tenants) {
      // Only buckets whose every chunk ends before the cutoff: a chunk starts in its bucket and
      // spans at most Lookback().
      const int64_t before = BucketStart(cutoff - Lookback(*t), bucket_ns);
      size_t n = 0;
      {
        std::lock_guard lock(index_mu_);
        for (auto it = t->bucket_bytes.begin();
             it != t->bucket_bytes.end() && it->first < before;) {
          t->bucket_raw.erase(it->first);
          it = t->bucket_bytes.erase(it);
          ++n;
        }
      }
      if (n > 0) {
        LOUPE_RETURN_IF_ERROR(
            kv_.DeleteRange(chunks_cf_, TenantPrefix(t->id), BucketPrefix(t->id, before)));
        LOUPE_RETURN_IF_ERROR(
            kv_.DeleteRange(index_cf_, TenantPrefix(t->id), BucketPrefix(t->id, before)));
        retention_deleted_buckets_ += n;
      }
      LOUPE_RETURN_IF_ERROR(drop_streams(t, before));
      LOUPE_RETURN_IF_ERROR(RaiseFloor(*t, before));
    }
  }
  if (options_.retention_bytes > 0) {
    // Oldest buckets first (across tenants) until the stored chunk bytes fit.
    while (true) {
      uint64_t total = 0;
      int64_t oldest = INT64_MAX;
      {
        std::lock_guard lock(index_mu_);
        for (Tenant* t : tenants) {
          for (const auto& [b, bytes] : t->bucket_bytes) total += bytes;
          if (!t->bucket_bytes.empty()) oldest = std::min(oldest, t->bucket_bytes.begin()->first);
        }
      }
      if (total <= options_.retention_bytes || oldest == INT64_MAX) break;
      for (Tenant* t : tenants) {
        bool had;
        {
          std::lock_guard lock(index_mu_);
          had = t->bucket_bytes.erase(oldest) > 0;
          t->bucket_raw.erase(oldest);
        }
        if (!had) continue;
        const std::string begin = BucketPrefix(t->id, oldest);
        const std::string end = BucketPrefix(t->id, oldest + bucket_ns);
        LOUPE_RETURN_IF_ERROR(kv_.DeleteRange(chunks_cf_, begin, end));
        LOUPE_RETURN_IF_ERROR(kv_.DeleteRange(index_cf_, begin, end));
        retention_deleted_buckets_++;
        // Streams whose newest entry is in a deleted bucket have nothing left.
        LOUPE_RETURN_IF_ERROR(drop_streams(t, oldest + bucket_ns));
        LOUPE_RETURN_IF_ERROR(RaiseFloor(*t, oldest + bucket_ns));
      }
    }
  }
  return Status::OK();
}

void LogStore::BackgroundLoop() {
  int64_t last_retention = 0;
  std::unique_lock lock(bg_mu_);
  while (!stopping_) {
    bg_cv_.wait_for(lock, std::chrono::milliseconds(options_.maintenance_interval_ms));
    if (stopping_) break;
    lock.unlock();
    const int64_t now = options_.clock->NowNanos();
    if (auto s = FlushIdle(false); !s.ok()) spdlog::error("log store flush: {}", s.message());
    if (wal_->TotalBytes() > options_.checkpoint_wal_bytes ||
        (now - last_checkpoint_ns_ >= options_.checkpoint_interval_ns && wal_->TotalBytes() > 0)) {
      if (auto s = Checkpoint(); !s.ok()) spdlog::error("log store checkpoint: {}", s.message());
    }
    if (now - last_retention >= options_.maintenance_interval_ms * 1000000LL) {
      if (auto s = ApplyRetention(); !s.ok()) spdlog::error("log store retention: {}", s.message());
      last_retention = now;
    }
    lock.lock();
  }
}

LogStoreStats LogStore::GetStats() const {
  LogStoreStats s;
  std::vector<Tenant*> tenants;
  {
    std::lock_guard lock(const_cast<std::mutex&>(tenants_mu_));
    tenants = tenants_by_id_;
  }
  for (const auto* t : tenants) {
    std::shared_lock tl(t->mu);
    s.streams += t->head.NumStreams();
    s.head_memory_bytes += t->head.MemoryBytes();
    s.head_entries += t->head.HeadEntries();
  }
  {
    std::lock_guard lock(index_mu_);
    for (const auto* t : tenants) {
      for (const auto& [b, bytes] : t->bucket_bytes) s.chunk_bytes_stored += bytes;
      for (const auto& [b, bytes] : t->bucket_raw) s.chunk_bytes_raw += bytes;
    }
  }
  s.entries_appended = entries_appended_;
  s.bytes_appended = bytes_appended_;
  s.entries_duplicate = entries_duplicate_;
  for (int r = 0; r < kNumRejectReasons; ++r) s.rejected[r] = rejected_[r];
  s.chunks_flushed = chunks_flushed_;
  s.checkpoints = checkpoints_;
  s.wal_bytes = wal_ ? wal_->TotalBytes() : 0;
  s.wal_corruptions = wal_corruptions_;
  s.wal_replayed_records = wal_replayed_records_;
  s.wal_replay_dropped_entries = wal_replay_dropped_;
  s.wal_replay_gaps = wal_replay_gaps_;
  s.corrupt_blocks = corrupt_blocks_;
  s.retention_deleted_buckets = retention_deleted_buckets_;
  s.replay_ms = replay_ms_;
  return s;
}

Status LogStore::Close() {
  {
    std::lock_guard lock(bg_mu_);
    if (stopping_) return Status::OK();
    stopping_ = true;
    bg_cv_.notify_all();
  }
  if (bg_.joinable()) bg_.join();
  if (!wal_) return Status::OK();
  // A clean stop flushes every open chunk (its open block compressed like any other), writes a
  // last checkpoint (only the streams' last entries are left in it) and truncates the WAL, so
  // the next start has nothing to replay. Then logs_head is compacted: the open chunks earlier
  // checkpoints wrote are dead now, and would otherwise stay on disk until size-triggered
  // compaction got to them (under heavy ingest, several times the data flushed at the stop).
  // If any step fails, the WAL still holds everything.
  if (!options_.checkpoint_on_close) return wal_->Sync();
  if (Status s = FlushIdle(/*all=*/true); !s.ok()) {
    spdlog::warn("log store: flushing open chunks at close failed: {}", s.message());
  }
  if (Status s = Checkpoint(); !s.ok()) {
    spdlog::warn("log store: checkpoint at close failed: {}", s.message());
  } else if (Status c = kv_.CompactFamily(head_cf_); !c.ok()) {
    spdlog::warn("log store: compacting {} at close failed: {}", kHeadFamily, c.message());
  }
  return wal_->Sync();
}

}  // namespace loupe::storage::logstore
