// LogStore: loupe's Loki-like log store. Streams are identified by (tenant, label set); an entry
// is {ts (Unix ns), line, structured metadata}. Per tenant a Head (streams, label index, open
// chunks); flushed chunks in RocksDB (logs_chunks, keyed by tenant and time bucket, with a small
// chunk index beside them in logs_index); a write-ahead log (storage/wal) so an acknowledged push
// survives kill -9. Layouts: keys.h and FORMAT.md.
//
// Write path (Appender::Commit): validate streams and entries by the Limits (Loki's checks and
// messages), then under the tenant's lock apply each entry by the Head's rules, append one WAL
// write with exactly what was accepted, persist chunks the head flushed, release. Commit returns
// once the WAL write returned.
// Recovery (Open): load streams, flushed sequence numbers, the chunk index and checkpointed open
// chunks from RocksDB, then replay the WAL; every entry carries its stream sequence number, so
// replay applies each entry exactly once. A torn WAL tail or corrupt segment is skipped and
// counted (Stats().wal_corruptions), never a refusal to open.
// Checkpoint (background, or Checkpoint()): rotate the WAL, persist every open chunk that
// changed, then delete the WAL segments before the rotation.
// Flushing (background, or FlushIdle()/Flush()): open chunks idle for chunk_idle_ns or open for
// max_chunk_open_ns are flushed to RocksDB even when small.
// Retention (background, or ApplyRetention()): buckets whose every entry is older than the
// retention are range-deleted; then the oldest buckets while stored chunk bytes exceed the size
// limit; streams left without data are removed from the index.
// Deletion (DeleteEntries(), for Loki's delete requests): removes chosen entries physically, from
// the open chunks and from every persisted chunk that overlaps the range (see DeleteEntries).
//
// Thread-safety: all methods are safe for concurrent use. An Appender or EntryIterator is used by
// one thread at a time; the store must outlive them.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "storage/base/clock.h"
#include "storage/base/result.h"
#include "storage/kv/rocks_store.h"
#include "storage/logstore/entry_iterator.h"
#include "storage/logstore/head.h"
#include "storage/logstore/limits.h"
#include "storage/logstore/line_filter.h"
#include "storage/model/labels.h"
#include "storage/model/matcher.h"
#include "storage/wal/wal.h"

namespace loupe::storage::logstore {

struct LogStoreOptions {
  HeadOptions head;
  Limits limits;
  int64_t bucket_ns = 3600LL * 1000000000;              // time bucket of chunk keys
  int64_t retention_ns = 7LL * 24 * 3600 * 1000000000;  // 0 = keep forever
  uint64_t retention_bytes = 2ull << 30;                // stored chunk bytes; 0 = no limit
  int64_t chunk_idle_ns = 30LL * 60 * 1000000000;       // Loki's chunk_idle_period
  int64_t max_chunk_open_ns = 2LL * 3600 * 1000000000;  // Loki's max_chunk_age (wall clock)
  uint64_t checkpoint_wal_bytes = 256ull << 20;
  int64_t checkpoint_interval_ns = 5LL * 60 * 1000000000;  // Loki checkpoints every 5 m
  // Close() flushes and checkpoints (tests turn it off to leave a WAL to replay, as a crash
  // would).
  bool checkpoint_on_close = true;
  int64_t maintenance_interval_ms = 30 * 1000;             // 0 = no background thread
  wal::WalOptions wal;
  Clock* clock = &Clock::Real();
};

struct EntryReject {
  uint32_t stream = 0;  // index of the AddStream call in the Appender
  uint32_t entry = 0;   // index of the entry within that stream
  RejectReason reason = RejectReason::kCount;
  std::string message;  // Loki's text
};

struct PushStats {
  uint64_t entries_accepted = 0;
  uint64_t bytes_accepted = 0;     // lines + metadata
  uint64_t entries_duplicate = 0;  // resends of a stream's last entry, ignored (not an error)
  uint64_t lines_truncated = 0;    // with max_line_size_truncate
  uint64_t streams_created = 0;
  uint64_t rejected[kNumRejectReasons] = {};
  uint64_t rejected_bytes[kNumRejectReasons] = {};
  std::vector<EntryReject> rejects;  // in the order the entries were added

  uint64_t num_rejected() const;
  // True if a reject is a rate/stream limit (Loki answers 429 then; otherwise 400).
  bool rate_limited() const;
};

struct LogStoreStats {
  uint64_t streams = 0;
  uint64_t entries_appended = 0;
  uint64_t bytes_appended = 0;
  uint64_t entries_duplicate = 0;
  uint64_t rejected[kNumRejectReasons] = {};
  uint64_t chunks_flushed = 0;
  uint64_t chunk_bytes_stored = 0;  // compressed chunk bytes currently in RocksDB (all tenants)
  uint64_t chunk_bytes_raw = 0;     // lines + metadata of those chunks
  uint64_t checkpoints = 0;
  uint64_t wal_bytes = 0;
  uint64_t wal_corruptions = 0;  // torn tails + corrupt segments + undecodable records
  uint64_t wal_replayed_records = 0;
  uint64_t wal_replay_dropped_entries = 0;  // entries whose stream record was lost
  uint64_t wal_replay_gaps = 0;             // sequence gaps (entries lost before them)
  uint64_t corrupt_blocks = 0;              // blocks or checkpoints that failed to decode
  uint64_t retention_deleted_buckets = 0;
  uint64_t head_memory_bytes = 0;
  uint64_t head_entries = 0;
  int64_t replay_ms = 0;
};

struct SelectRequest {
  std::vector<model::Matcher> matchers;  // all must match; empty = every stream
  int64_t start_ns = INT64_MIN;          // inclusive
  int64_t end_ns = INT64_MAX;            // exclusive (as Loki's query_range end)
  Direction direction = Direction::kForward;
  std::shared_ptr<const LineFilter> filter;  // optional, pushed into block reads
};

struct SelectedStream {
  model::Labels labels;
  uint64_t ref = 0;
  std::unique_ptr<EntryIterator> entries;  // time order of the request's direction
};

// What DeleteEntries removes: entries of the streams matching `matchers` with ts in
// [start_ns, end_ns] (both inclusive) that the stream's predicate deletes.
struct DeleteEntriesRequest {
  std::vector<model::Matcher> matchers;  // all must match; empty = every stream
  int64_t start_ns = INT64_MIN;
  int64_t end_ns = INT64_MAX;
  // Called once per matching stream, outside the store's locks, with the stream's labels; the
  // predicate it returns is then called per entry in range (under the tenant's lock for head
  // data). Unset, or returning an empty function: every entry in range is deleted. An error
  // stops the deletion and is returned (what was deleted before stays deleted).
  std::function<Result<EntryPredicate>(const model::Labels& stream)> predicate_for_stream;
};

struct DeleteEntriesStats {
  uint64_t entries_deleted = 0;         // head + persisted chunks
  uint64_t head_entries_deleted = 0;    // of those, from open chunks
  uint64_t chunks_rewritten = 0;        // persisted chunks written again with fewer entries
  uint64_t chunks_removed = 0;          // persisted chunks left empty and dropped
  uint64_t corrupt_chunks_skipped = 0;  // chunks (or blocks) that do not decode: left as they are
};

struct IndexStats {
  uint64_t streams = 0;
  uint64_t chunks = 0;
  uint64_t entries = 0;
  uint64_t bytes = 0;  // lines + metadata
};

enum class VolumeAggregation : uint8_t { kSeries, kLabels };
struct VolumeEntry {
  model::Labels labels;    // kSeries: the group's labels
  std::string label_name;  // kLabels: the label name
  uint64_t bytes = 0;
  uint64_t entries = 0;
};

class LogStore {
 public:
  // The RocksDB column families the store needs (open them with the RocksStore).
  static std::vector<kv::ColumnFamilySpec> ColumnFamilies();

  static Result<std::unique_ptr<LogStore>> Open(kv::RocksStore& kv, const std::string& wal_dir,
                                                LogStoreOptions options);
  ~LogStore();

  class Appender {
   public:
    // Starts a stream. Labels in any order; empty values are dropped (Loki: absent). The views
    // must stay valid until Commit() returns.
    void AddStream(const model::LabelRef* labels, size_t n);
    void AddStream(const model::Labels& labels);  // copies
    // Adds an entry to the current stream (ignored before the first AddStream). `line` must
    // stay valid until Commit(); metadata is copied (encoded) here.
    void AddEntry(int64_t ts_ns, std::string_view line, const model::LabelRef* metadata = nullptr,
                  size_t metadata_n = 0);
    size_t NumEntries() const { return entries_.size(); }
    // kIOError if the WAL write failed: nothing is acknowledged then (the entries may still be
    // visible to queries until restart). Per-entry rejects are in the stats, not an error.
    Result<PushStats> Commit();

   private:
    friend class LogStore;
    Appender(LogStore* store, std::string tenant) : store_(store), tenant_(std::move(tenant)) {}
    struct PendingStream {
      uint32_t label_begin, label_count;
      uint32_t entry_begin, entry_count;
    };
    struct PendingEntry {
      int64_t ts;
      std::string_view line;
      uint32_t md_begin, md_len, md_count;
    };
    LogStore* store_;
    std::string tenant_;
    std::vector<model::LabelRef> labels_;
    std::vector<std::unique_ptr<std::string>> owned_;
    std::vector<PendingStream> streams_;
    std::vector<PendingEntry> entries_;
    std::string md_;  // encoded metadata of all entries
  };
  std::unique_ptr<Appender> NewAppender(std::string_view tenant);

  // --- Reads (for the LogQL engine and the Loki APIs) ---
  // Streams matching the request with data in its range, sorted by labels, each with an
  // iterator over its entries. An unknown tenant has no streams.
  Result<std::vector<SelectedStream>> Select(std::string_view tenant, const SelectRequest& request);
  // /loki/api/v1/series: the union over `selectors` (each a matcher list; none = every stream)
  // of streams with data in [start, end); sorted; at most `limit` (0 = all).
  Result<std::vector<model::Labels>> Series(
      std::string_view tenant, const std::vector<std::vector<model::Matcher>>& selectors,
      int64_t start_ns, int64_t end_ns, size_t limit = 0);
  // Label names / values of streams with data in [start, end) matching `selectors` (none = all).
  Result<std::vector<std::string>> LabelNames(
      std::string_view tenant, const std::vector<std::vector<model::Matcher>>& selectors,
      int64_t start_ns, int64_t end_ns);
  Result<std::vector<std::string>> LabelValues(
      std::string_view tenant, std::string_view name,
      const std::vector<std::vector<model::Matcher>>& selectors, int64_t start_ns, int64_t end_ns);
  // /loki/api/v1/index/stats: streams, chunks, entries and bytes (block granularity) in range.
  Result<IndexStats> Stats(std::string_view tenant, const std::vector<model::Matcher>& matchers,
                           int64_t start_ns, int64_t end_ns);
  // /loki/api/v1/index/volume: bytes per group over [start, end) (block granularity), largest
  // first, at most `limit` (0 = all). kSeries groups streams by `target_labels`, or when empty by
  // the label names of the matchers (Loki's default); kLabels gives one entry per label name.
  Result<std::vector<VolumeEntry>> Volume(std::string_view tenant,
                                          const std::vector<model::Matcher>& matchers,
                                          int64_t start_ns, int64_t end_ns,
                                          const std::vector<std::string>& target_labels,
                                          VolumeAggregation aggregation, size_t limit);

  // --- Maintenance ---
  Status Checkpoint();
  // Flushes idle/old open chunks (as the background thread does); `all` flushes every one.
  Status FlushIdle(bool all = false);
  Status ApplyRetention();

  // Physically deletes entries (Loki's compactor applying a delete request). In this order:
  //  1. Open chunks: per matching stream, under the tenant's exclusive lock (pushes to that
  //     stream wait; one stream at a time), cut blocks that lose entries are recompressed and
  //     the open block is rebuilt (Head::DeleteEntries).
  //  2. Persisted chunks: every logs_index entry of a matching stream whose time range overlaps
  //     is read; a block without deleted entries is kept byte for byte, one with deletions is
  //     recompressed from its survivors, an emptied block is dropped. The new chunk and its index
  //     entry replace the old ones in one RocksDB WriteBatch under a new key (the sequence number
  //     in the key + 1: still unique, since a chunk key's seq + entries never exceeds the next
  //     chunk's first seq), so a query that read the old index entry finds the old chunk or none
  //     (skipped, as after retention) and never a chunk that disagrees with its index; a chunk
  //     left empty is deleted with its index entry. bucket_bytes / bucket_raw follow.
  //     Open chunks go first, so a flush racing with the deletion only writes cleaned data.
  //  3. A checkpoint (Checkpoint()) when anything was deleted: the changed open chunks are written
  //     to logs_head and the WAL segments before it are deleted. WAL replay only applies entries
  //     newer than a stream's checkpoint or flushed chunks, so the deleted entries cannot come
  //     back after a restart or crash, and their text no longer lies in the WAL files. If the
  //     checkpoint fails the error is returned and a restart may bring back deleted head entries
  //     (from the WAL): the caller should retry (deleting again is idempotent).
  // Deletion and retention are serialized (retention_mu_). Stream series, label values and the
  // streams' time extents stay as they were (as Loki's index until retention); index stats and
  // volume count only the entries left. Entries pushed after step 1 are not deleted.
  // Errors: kIOError from RocksDB or the checkpoint, the predicate factory's error; corrupt
  // chunks are skipped and counted, never an error. An unknown tenant deletes nothing.
  Result<DeleteEntriesStats> DeleteEntries(std::string_view tenant,
                                           const DeleteEntriesRequest& request);
  LogStoreStats GetStats() const;
  // Stops the background thread, flushes every open chunk, checkpoints (the streams' last
  // entries; WAL truncated), compacts logs_head and syncs the WAL. Idempotent.
  Status Close();

 private:
  struct Tenant {
    uint32_t id = 0;
    std::string name;
    mutable std::shared_mutex mu;
    Head head;
    // Under the store's index_mu_: stored bytes per bucket and the widest chunk span seen.
    std::map<int64_t, uint64_t> bucket_bytes;
    std::map<int64_t, uint64_t> bucket_raw;
    std::atomic<int64_t> max_span{0};
    // Retention deleted everything before this timestamp: older pushes are refused as too old
    // and WAL replay skips older entries (persisted in logs_meta as "floor/" id).
    std::atomic<int64_t> floor{INT64_MIN};
    size_t active_streams = 0;  // estimate, refreshed when the limit is near
    explicit Tenant(HeadOptions o) : head(o) {}
  };
  struct ChunkScan;
  LogStore(kv::RocksStore& kv, LogStoreOptions options) : kv_(kv), options_(std::move(options)) {}
  Status Load();
  Status Replay();
  Tenant* FindTenant(std::string_view name);
  Result<Tenant*> GetOrCreateTenant(std::string_view name);
  Tenant* TenantById(uint32_t id);
  std::vector<Tenant*> AllTenants();
  Status PersistChunks(Tenant& t, const std::vector<FlushedChunk>& chunks);
  struct IndexedChunk;
  // DeleteEntries step 2 for one chunk.
  Status RewriteChunk(Tenant& t, const IndexedChunk& c, int64_t mint, int64_t maxt,
                      const EntryPredicate& pred, DeleteEntriesStats* stats);
  int64_t Lookback(const Tenant& t) const;
  Status RaiseFloor(Tenant& t, int64_t floor);
  // Calls fn(key, parsed key, index value) for chunk index entries of tenant `t` that may hold
  // entries in [mint, maxt].
  template <typename Fn>
  Status ScanIndex(const Tenant& t, int64_t mint, int64_t maxt, Fn&& fn) const;
  PostingsList SelectIds(const Tenant& t, const std::vector<std::vector<model::Matcher>>& selectors,
                         int64_t mint, int64_t maxt) const;
  void BackgroundLoop();

  kv::RocksStore& kv_;
  LogStoreOptions options_;
  kv::ColumnFamilyId chunks_cf_ = 0, index_cf_ = 0, streams_cf_ = 0, head_cf_ = 0, meta_cf_ = 0;
  std::unique_ptr<wal::Wal> wal_;

  std::mutex tenants_mu_;
  std::map<std::string, std::unique_ptr<Tenant>, std::less<>> tenants_;
  std::vector<Tenant*> tenants_by_id_;

  mutable std::mutex index_mu_;  // Tenant::bucket_bytes / bucket_raw
  std::mutex checkpoint_mu_;
  std::mutex retention_mu_;  // ApplyRetention and DeleteEntries
  std::atomic<int64_t> last_checkpoint_ns_{0};

  std::mutex bg_mu_;
  std::condition_variable bg_cv_;
  bool stopping_ = false;
  std::thread bg_;

  std::atomic<uint64_t> entries_appended_{0};
  std::atomic<uint64_t> bytes_appended_{0};
  std::atomic<uint64_t> entries_duplicate_{0};
  std::atomic<uint64_t> rejected_[kNumRejectReasons] = {};
  std::atomic<uint64_t> chunks_flushed_{0};
  std::atomic<uint64_t> checkpoints_{0};
  std::atomic<uint64_t> wal_corruptions_{0};
  std::atomic<uint64_t> wal_replayed_records_{0};
  std::atomic<uint64_t> wal_replay_dropped_{0};
  std::atomic<uint64_t> wal_replay_gaps_{0};
  mutable std::atomic<uint64_t> corrupt_blocks_{0};
  std::atomic<uint64_t> retention_deleted_buckets_{0};
  int64_t replay_ms_ = 0;
};

}  // namespace loupe::storage::logstore
