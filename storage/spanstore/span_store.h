// SpanStore: loupe's trace store (the Tempo role). Per tenant a Head (the spans since the last
// cut, in memory, searchable) and persisted blocks in RocksDB: every trace of a block as one
// record (span_traces, for trace by ID) and the block's columnar span index (span_index, for
// search and TraceQL), plus block metadata kept in memory (time range, value sets, a bloom
// filter of trace ids). A per-tenant write-ahead log (storage/wal) makes an acknowledged append
// survive kill -9.
//
// Write path (Appender::Commit): validate ids (Tempo's rules and texts), encode the spans
// outside any lock; under the tenant's lock apply the per-trace limits (max_bytes_per_trace,
// max_live_traces), log exactly the accepted spans to the WAL, index them in the head. Returns
// once the WAL write returned.
// Cut (background, or FlushHeads()): when a head exceeds max_block_spans / max_block_bytes /
// max_block_duration, rotate the tenant's WAL, freeze the head (still searchable) and start a
// new one; persist the frozen head as a block (trace records + index units + meta in one
// RocksDB write batch), then delete the WAL segments it covered.
// Recovery (Open): load block metas, then per tenant replay the WAL from the segment after the
// newest persisted block's. A torn tail or corrupt record is skipped and counted, never a
// refusal to open.
// Retention (background, or ApplyRetention()): drop a tenant's oldest blocks while they are
// older than retention (by cut time) or while the stored bytes exceed retention_bytes.
//
// Thread-safety: all methods are safe for concurrent use. An Appender is used by one thread.
// Scan callbacks must not call back into the store.
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

#include "opentelemetry/proto/trace/v1/trace.pb.h"
#include "storage/base/clock.h"
#include "storage/base/result.h"
#include "storage/kv/rocks_store.h"
#include "storage/spanstore/block_codec.h"
#include "storage/spanstore/block_source.h"
#include "storage/spanstore/head.h"
#include "storage/spanstore/predicate.h"
#include "storage/spanstore/span_batch.h"
#include "storage/wal/wal.h"

namespace loupe::storage::spanstore {

struct SpanStoreOptions {
  // Ingest limits (Tempo's overrides). 0 = unlimited.
  uint64_t max_bytes_per_trace = 5'000'000;  // encoded span bytes per trace per head block
  uint64_t max_live_traces = 10'000;         // traces with spans in the last live_trace_idle_ns
  int64_t live_trace_idle_ns = 10'000'000'000;
  // Tempo refuses a whole request that holds a span with a bad trace or span id. With false,
  // only those spans are dropped (and reported as partial success).
  bool reject_batch_on_invalid_id = true;

  // Head cut.
  uint32_t max_block_spans = 250'000;
  uint64_t max_block_bytes = 128ull << 20;  // logged bytes
  int64_t max_block_duration_ns = 5LL * 60 * 1'000'000'000;

  // Persisted form.
  int zstd_level = 3;
  bool compress_trace_records = true;  // zstd each trace record (else RocksDB's block compression)
  size_t record_dict_bytes = 64 << 10;  // per-block zstd dictionary for trace records; 0 = none
  uint64_t block_cache_bytes = 256ull << 20;  // decoded index columns kept in memory

  // Retention: by cut time and by stored bytes (trace records + index). 0 = off.
  int64_t retention_ns = 7LL * 24 * 3600 * 1'000'000'000;
  uint64_t retention_bytes = 2ull << 30;

  int64_t maintenance_interval_ms = 1000;  // background cuts/retention; 0 = no thread
  wal::WalOptions wal;
  Clock* clock = &Clock::Real();
};

struct AppendStats {
  uint64_t spans_accepted = 0;
  uint64_t spans_rejected[static_cast<int>(DiscardReason::kCount)] = {};
  // Set (InvalidArgument, Tempo's text) when the whole batch was refused; nothing was stored.
  Status batch_error;
  // The first per-span rejection, for OTLP partial_success.error_message.
  std::string first_error;
  uint64_t rejected() const;
};

struct SpanStoreStats {
  uint64_t spans_accepted = 0;
  uint64_t spans_discarded[static_cast<int>(DiscardReason::kCount)] = {};
  uint64_t head_spans = 0, head_traces = 0, head_bytes = 0, head_memory_bytes = 0;
  uint64_t blocks = 0, block_spans = 0;
  uint64_t trace_bytes = 0, index_bytes = 0;  // stored bytes of persisted blocks
  uint64_t cuts = 0;
  uint64_t wal_bytes = 0;
  uint64_t wal_corruptions = 0;  // torn tails + corrupt segments + undecodable records at replay
  uint64_t wal_replayed_records = 0;
  uint64_t corrupt_reads = 0;  // stored records or units that failed to decode on read
  uint64_t corrupt_block_metas = 0;
  uint64_t retention_deleted_blocks = 0;
  uint64_t block_cache_bytes = 0;
  int64_t replay_ms = 0;
};

struct TraceQuery {
  int64_t start_ns = 0, end_ns = 0;  // both 0: any time; else blocks overlapping [start, end]
  uint64_t max_bytes = 0;            // 0 = options' max_bytes_per_trace; partial beyond it
};

struct TraceResult {
  bool found = false;
  bool partial = false;
  std::string message;  // why partial ("trace exceeds max size (max bytes: N)")
  google::protobuf::RepeatedPtrField<otlp::trace::v1::ResourceSpans> resource_spans;
  uint64_t span_count = 0;
  uint64_t inspected_bytes = 0;
};

struct ScanRequest {
  int64_t start_ns = 0, end_ns = 0;  // both 0: all time; else traces overlapping [start, end]
  std::vector<Predicate> predicates;
  bool match_all = true;      // spans must match every predicate (else any)
  bool whole_traces = false;  // hand over every span of a trace with a matching span
  size_t max_traces = 0;      // stop after this many traces were handed over (0 = no limit)
};

struct ScanStats {
  uint32_t blocks_total = 0, blocks_pruned = 0, blocks_inspected = 0;
  uint64_t spans_inspected = 0, traces_matched = 0, bytes_read = 0;
};

// Legacy tag search (GET /api/search?tags=...&minDuration&maxDuration&limit).
struct TagSearchRequest {
  std::vector<std::pair<std::string, std::string>> tags;  // all must hold on one span
  int64_t min_duration_ns = 0, max_duration_ns = 0;       // trace duration; 0 = no bound
  int64_t start_ns = 0, end_ns = 0;
  size_t limit = 20;
};
struct SearchResult {
  std::vector<TraceSummary> traces;  // newest start first
  ScanStats stats;
};

struct TagValue {
  ValueType type;
  std::string value;
  friend bool operator<(const TagValue& a, const TagValue& b) {
    return a.type != b.type ? a.type < b.type : a.value < b.value;
  }
  friend bool operator==(const TagValue& a, const TagValue& b) { return a.type == b.type && a.value == b.value; }
};

struct ScanFilter;

class SpanStore {
 public:
  static std::vector<kv::ColumnFamilySpec> ColumnFamilies();
  static Result<std::unique_ptr<SpanStore>> Open(kv::RocksStore& kv, const std::string& wal_dir,
                                                 SpanStoreOptions options);
  ~SpanStore();

  class Appender {
   public:
    // The message must stay valid until Commit() returns.
    void Add(const otlp::trace::v1::ResourceSpans& rs) { batches_.push_back(&rs); }
    size_t NumResourceSpans() const { return batches_.size(); }
    // kIOError if the WAL write failed (nothing is acknowledged then).
    Result<AppendStats> Commit();

   private:
    friend class SpanStore;
    Appender(SpanStore* s, std::string tenant) : store_(s), tenant_(std::move(tenant)) {}
    SpanStore* store_;
    std::string tenant_;
    std::vector<const otlp::trace::v1::ResourceSpans*> batches_;
  };
  std::unique_ptr<Appender> NewAppender(std::string_view tenant);

  // The trace's spans from the head, frozen heads and blocks, merged (resources and scopes
  // grouped, spans de-duplicated by id and kind). found = false when no span is stored.
  Result<TraceResult> FindTraceByID(std::string_view tenant, const TraceId& id, const TraceQuery& q = {});

  // Streams matching spans block by block (head first, then blocks newest first). `fn` returns
  // false to stop. Blocks whose metadata rules the predicates out are not read. Past the first
  // persisted block, a helper thread reads the next blocks ahead (at most two, which may be
  // held beyond the block cache budget until delivered); `fn` always runs on the calling
  // thread, in order.
  Status Scan(std::string_view tenant, const ScanRequest& req,
              const std::function<bool(const SpanBatch&)>& fn, ScanStats* stats = nullptr);

  // Legacy tag search; see TagSearchRequest.
  Result<SearchResult> SearchTags(std::string_view tenant, const TagSearchRequest& req);

  // Attribute names of `scope` (kResource, kSpan, kEvent, kLink, kInstrumentation; kNone = all
  // of them) seen in [start, end] (0, 0 = all time), sorted, at most `limit` (0 = no limit).
  Result<std::vector<std::string>> TagNames(std::string_view tenant, Scope scope, int64_t start_ns,
                                            int64_t end_ns, size_t limit);
  // Distinct values of an attribute (scope kNone: span or resource) or of an intrinsic
  // (name, status, kind, statusMessage, service name, root service/name, event name,
  // instrumentation name/version), sorted, at most `limit`.
  Result<std::vector<TagValue>> TagValues(std::string_view tenant, Scope scope, std::string_view key,
                                          Intrinsic intrinsic, int64_t start_ns, int64_t end_ns,
                                          size_t limit);

  // Cuts every tenant's head and persists it now.
  Status FlushHeads();
  Status ApplyRetention();
  SpanStoreStats Stats() const;
  // Stops the background thread and syncs the WALs. Idempotent.
  Status Close();

 private:
  struct Tenant;
  struct Frozen;
  SpanStore(kv::RocksStore& kv, std::string wal_dir, SpanStoreOptions options);
  Status Load();
  Status Replay(Tenant* t);
  Tenant* FindTenant(std::string_view name);
  Result<Tenant*> GetOrCreateTenant(std::string_view name);
  std::vector<Tenant*> AllTenants();
  Status CutTenant(Tenant* t, bool force);
  Status PersistFrozen(Tenant* t, const std::shared_ptr<Frozen>& f);
  bool NeedsCut(const Tenant& t, int64_t now) const;
  Status DropOldestBlocks(Tenant* t, uint64_t first_kept_id);
  std::shared_ptr<PersistedBlock> OpenBlock(uint32_t tenant, const std::shared_ptr<const BlockMeta>& m);
  void EvictBlocks(uint32_t tenant, uint64_t below_id);
  // Drops least recently used decoded blocks while the cache holds more than its budget.
  void TrimCache();
  Status ScanWith(std::string_view tenant, const ScanFilter& f, const ScanRequest& req,
                  const std::function<bool(const SpanBatch&)>& fn, ScanStats* stats);
  // `matched` (optional): the predicates' result for src, computed ahead by ScanWith.
  Status ScanSource(BlockSource& src, const ScanFilter& f, const ScanRequest& req,
                    const std::function<bool(const SpanBatch&)>& fn, ScanStats* stats, size_t* handed,
                    bool* stop, std::vector<uint8_t>* matched = nullptr);
  void BackgroundLoop();

  kv::RocksStore& kv_;
  std::string wal_dir_;
  SpanStoreOptions options_;
  kv::ColumnFamilyId traces_cf_ = 0, index_cf_ = 0, meta_cf_ = 0;

  std::mutex tenants_mu_;
  std::map<std::string, std::unique_ptr<Tenant>, std::less<>> tenants_;
  std::vector<Tenant*> tenants_by_id_;

  // Decoded blocks, least recently used first out.
  std::mutex cache_mu_;
  std::map<std::pair<uint32_t, uint64_t>, std::pair<std::shared_ptr<PersistedBlock>, uint64_t>> cache_;
  uint64_t cache_tick_ = 0;

  std::mutex bg_mu_;
  std::condition_variable bg_cv_;
  bool stopping_ = false;
  std::thread bg_;

  std::atomic<uint64_t> spans_accepted_{0};
  std::atomic<uint64_t> discarded_[static_cast<int>(DiscardReason::kCount)] = {};
  std::atomic<uint64_t> cuts_{0};
  std::atomic<uint64_t> wal_corruptions_{0};
  std::atomic<uint64_t> wal_replayed_records_{0};
  std::atomic<uint64_t> corrupt_reads_{0};
  std::atomic<uint64_t> corrupt_block_metas_{0};
  std::atomic<uint64_t> retention_deleted_blocks_{0};
  int64_t replay_ms_ = 0;
};

}  // namespace loupe::storage::spanstore
