// MetricStore: loupe's time-series database. Per tenant a Head (in-memory series, open chunks,
// index); cut chunks in RocksDB (metric_chunks, keyed by tenant and 2 h block so retention is a
// range delete); a write-ahead log (storage/wal) so an acknowledged append survives kill -9.
//
// Write path (Appender::Commit): under the tenant's lock, resolve or create series, apply every
// sample by the Head's rules, append WAL records of exactly what was accepted, persist chunks
// the head cut, release. Returns once the WAL write returned.
// Recovery (Open): load series and checkpointed head chunks from RocksDB, then replay the WAL.
// A torn WAL tail or corrupt segment is skipped and counted (Stats().wal_corruptions), never a
// refusal to open.
// Checkpoint (background, or Checkpoint()): rotate the WAL, persist new series and every open
// head chunk, then delete the WAL segments before the rotation. Replay is idempotent, so appends
// during a checkpoint are safe.
// Retention (background, or ApplyRetention()): drop blocks older than retention counted back
// from the tenant's newest sample (as Prometheus does; not the wall clock), then the oldest
// blocks while chunk bytes exceed the size limit; series with no data left are removed.
//
// Thread-safety: all methods are safe for concurrent use. An Appender is used by one thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
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
#include "storage/model/labels.h"
#include "storage/model/matcher.h"
#include "storage/model/sample.h"
#include "storage/tsdb/head.h"
#include "storage/wal/wal.h"

namespace loupe::storage::tsdb {

struct MetricStoreOptions {
  HeadOptions head;
  int64_t retention_ms = 7LL * 24 * 3600 * 1000;  // 7 days
  uint64_t retention_bytes = 2ull << 30;          // chunk bytes on disk; 0 = no size limit
  uint64_t checkpoint_wal_bytes = 256ull << 20;   // checkpoint once the WAL holds this much
  int64_t checkpoint_interval_ms = 15 * 60 * 1000;
  int64_t maintenance_interval_ms = 30 * 1000;    // background checks; 0 = no background thread
  wal::WalOptions wal;
  Clock* clock = &Clock::Real();
};

struct AppendStats {
  uint64_t samples_appended = 0;   // in order or into OOO buffers
  uint64_t samples_ooo = 0;
  uint64_t samples_resent = 0;     // exact duplicates, ignored
  uint64_t samples_rejected[static_cast<int>(Reject::kCount)] = {};
  uint64_t exemplars_appended = 0;
  uint64_t exemplars_rejected = 0;
  uint64_t series_created = 0;
  std::string first_error;         // e.g. "out of order sample: series {...} timestamp 123"

  uint64_t rejected() const;
};

struct MetricStoreStats {
  uint64_t series = 0;
  uint64_t samples_appended = 0;
  uint64_t samples_rejected[static_cast<int>(Reject::kCount)] = {};
  uint64_t chunks_persisted = 0;
  uint64_t checkpoints = 0;
  uint64_t wal_bytes = 0;
  uint64_t wal_corruptions = 0;       // torn tails + corrupt segments seen at replay
  uint64_t wal_replayed_records = 0;
  uint64_t wal_replay_dropped_samples = 0;  // samples whose series record was lost
  uint64_t corrupt_chunks = 0;        // persisted chunks that failed to decode on read
  uint64_t corrupt_series = 0;        // series records that failed to decode at load (skipped)
  uint64_t retention_deleted_blocks = 0;
  uint64_t head_memory_bytes = 0;
  int64_t replay_ms = 0;
};

// One series selected by a query, with its chunks overlapping the query range.
struct SelectedSeries {
  model::Labels labels;
  uint64_t ref = 0;
  std::vector<ChunkData> chunks;  // sorted by mint; OOO chunks may overlap others
};

// Decodes the chunks of a series into one sorted, de-duplicated sample list within [mint, maxt].
// Corrupt chunks are skipped; returns how many were.
size_t DecodeChunks(const std::vector<ChunkData>& chunks, int64_t mint, int64_t maxt,
                    std::vector<model::Sample>* out);

class MetricStore {
 public:
  // The RocksDB column families the store needs (open them with the RocksStore).
  static std::vector<kv::ColumnFamilySpec> ColumnFamilies();

  static Result<std::unique_ptr<MetricStore>> Open(kv::RocksStore& kv, const std::string& wal_dir,
                                                   MetricStoreOptions options);
  ~MetricStore();

  class Appender {
   public:
    // Starts a series. `labels` must be sorted by name, unique, with non-empty values (the ingest
    // layer validates); the views must stay valid until Commit() returns.
    void AddSeries(const model::LabelRef* labels, size_t n);
    void AddSeries(const model::Labels& labels);  // copies
    void AddSample(int64_t t, double v);          // to the current series
    void AddExemplar(const model::Exemplar& e);   // to the current series
    void AddMetadata(model::MetricMetadata md);
    size_t NumSamples() const { return samples_.size(); }
    // kIOError if the WAL write failed (nothing is acknowledged then).
    Result<AppendStats> Commit();

   private:
    friend class MetricStore;
    Appender(MetricStore* store, std::string tenant) : store_(store), tenant_(std::move(tenant)) {}
    struct PendingSeries {
      uint32_t label_begin, label_count;
      uint32_t sample_begin, sample_count;
      uint32_t exemplar_begin, exemplar_count;
    };
    MetricStore* store_;
    std::string tenant_;
    std::vector<model::LabelRef> labels_;
    std::vector<std::unique_ptr<std::string>> owned_;  // backing for AddSeries(const Labels&)
    std::vector<PendingSeries> series_;
    std::vector<model::Sample> samples_;
    std::vector<model::Exemplar> exemplars_;
    std::vector<model::MetricMetadata> metadata_;
  };
  std::unique_ptr<Appender> NewAppender(std::string_view tenant);

  // Series matching all `matchers` with samples in [mint, maxt] (ms), with their chunks when
  // `with_chunks`. An unknown tenant has no series.
  Result<std::vector<SelectedSeries>> Select(std::string_view tenant,
                                             const std::vector<model::Matcher>& matchers,
                                             int64_t mint, int64_t maxt, bool with_chunks);
  // For /api/v1/series, labels and label values: the union over `selectors` (each a list of
  // matchers; empty = every series), restricted to series with samples in [mint, maxt].
  Result<std::vector<model::Labels>> Series(std::string_view tenant,
                                            const std::vector<std::vector<model::Matcher>>& selectors,
                                            int64_t mint, int64_t maxt, size_t limit);
  Result<std::vector<std::string>> LabelNames(std::string_view tenant,
                                              const std::vector<std::vector<model::Matcher>>& selectors,
                                              int64_t mint, int64_t maxt);
  Result<std::vector<std::string>> LabelValues(std::string_view tenant, std::string_view name,
                                               const std::vector<std::vector<model::Matcher>>& selectors,
                                               int64_t mint, int64_t maxt);
  struct SeriesExemplars {
    model::Labels labels;
    std::vector<model::Exemplar> exemplars;
  };
  Result<std::vector<SeriesExemplars>> Exemplars(std::string_view tenant,
                                                 const std::vector<model::Matcher>& matchers,
                                                 int64_t mint, int64_t maxt);
  std::map<std::string, model::MetricMetadata> Metadata(std::string_view tenant);

  struct TsdbStatus {
    uint64_t num_series = 0;
    int64_t min_time = 0, max_time = 0;
    Head::Cardinality cardinality;
  };
  TsdbStatus GetTsdbStatus(std::string_view tenant, size_t top);

  Status Checkpoint();
  Status ApplyRetention();
  MetricStoreStats Stats() const;

  // Stops the background thread and syncs the WAL. Idempotent.
  Status Close();

 private:
  struct Tenant {
    uint32_t id = 0;
    std::string name;
    mutable std::shared_mutex mu;
    Head head;
    explicit Tenant(HeadOptions o) : head(o) {}
  };
  MetricStore(kv::RocksStore& kv, MetricStoreOptions options) : kv_(kv), options_(std::move(options)) {}
  Status Load();
  Status Replay();
  Tenant* FindTenant(std::string_view name);
  Result<Tenant*> GetOrCreateTenant(std::string_view name);
  Tenant* TenantById(uint32_t id);
  Status PersistChunks(uint32_t tenant, const std::vector<CompletedChunk>& chunks);
  void LoadPersistedChunks(const Tenant& t, uint64_t ref, int64_t mint, int64_t maxt,
                           kv::Iterator* it, std::vector<ChunkData>* out);
  PostingsList SelectIds(const Tenant& t, const std::vector<std::vector<model::Matcher>>& selectors,
                         int64_t mint, int64_t maxt) const;
  void BackgroundLoop();

  kv::RocksStore& kv_;
  MetricStoreOptions options_;
  kv::ColumnFamilyId chunks_cf_ = 0, head_cf_ = 0, series_cf_ = 0, meta_cf_ = 0;
  std::unique_ptr<wal::Wal> wal_;

  std::mutex tenants_mu_;
  std::map<std::string, std::unique_ptr<Tenant>, std::less<>> tenants_;
  std::vector<Tenant*> tenants_by_id_;

  std::mutex checkpoint_mu_;
  int64_t last_checkpoint_ms_ = 0;

  std::mutex bg_mu_;
  std::condition_variable bg_cv_;
  bool stopping_ = false;
  std::thread bg_;

  // Counters (relaxed atomics, read by Stats()).
  std::atomic<uint64_t> samples_appended_{0};
  std::atomic<uint64_t> rejected_[static_cast<int>(Reject::kCount)] = {};
  std::atomic<uint64_t> chunks_persisted_{0};
  std::atomic<uint64_t> checkpoints_{0};
  std::atomic<uint64_t> wal_corruptions_{0};
  std::atomic<uint64_t> wal_replayed_records_{0};
  std::atomic<uint64_t> wal_replay_dropped_{0};
  std::atomic<uint64_t> corrupt_chunks_{0};
  std::atomic<uint64_t> corrupt_series_{0};
  std::atomic<uint64_t> retention_deleted_blocks_{0};
  int64_t replay_ms_ = 0;
};

}  // namespace loupe::storage::tsdb
