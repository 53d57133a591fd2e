// Head: one tenant's in-memory series — labels (interned), the open ("head") chunk of each
// series, out-of-order buffers, the inverted index (label pair -> postings), exemplars and
// metric metadata. It decides which samples are accepted, following Prometheus's head:
//
//   t >  last sample          appended (a chunk is cut at max_samples_per_chunk samples or when
//                             t enters a new block; the cut chunk is handed back for persisting)
//   t == last, same value     ignored silently (a resend)
//   t == last, other value    rejected: "duplicate sample for timestamp"
//   t <  last                 out-of-order window w > 0 and t >= max_t - w: kept in the series'
//                             OOO buffer, flushed as OOO chunks; otherwise "out of order sample"
//                             (w = 0) or "too old sample" (w > 0)
//   t <  max_t - block/2      (t after the series' last sample, w = 0) "out of bounds", as
//                             Prometheus's head refuses samples older than half a block behind
//                             its max time; with w > 0 such samples go to the OOO buffer
//
// Thread-safety: none of its own; MetricStore's per-tenant shared_mutex guards every call
// (mutations under the exclusive lock, reads under the shared one).
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "storage/model/labels.h"
#include "storage/model/matcher.h"
#include "storage/model/sample.h"
#include "storage/tsdb/chunkenc/xor_chunk.h"
#include "storage/tsdb/keys.h"
#include "storage/tsdb/postings.h"
#include "storage/tsdb/symbol_table.h"

namespace loupe::storage::tsdb {

struct HeadOptions {
  int64_t block_ms = 2 * 3600 * 1000;
  int max_samples_per_chunk = 120;
  int64_t ooo_window_ms = 0;  // 0 = out-of-order samples are rejected (Prometheus default)
  size_t ooo_chunk_samples = 32;
  size_t max_exemplars = 100000;
};

enum class Reject : uint8_t { kOutOfOrder = 0, kOutOfBounds, kDuplicate, kTooOld, kCount };
const char* RejectMessage(Reject r);  // Prometheus's error text
const char* RejectReason(Reject r);   // metric label: out_of_order, out_of_bounds, duplicate, too_old

enum class AppendKind : uint8_t { kInOrder, kOutOfOrder, kResend, kRejected };
struct AppendResult {
  AppendKind kind;
  Reject reject = Reject::kCount;  // set when kind == kRejected
};

struct ChunkData {
  int64_t mint = 0;
  int64_t maxt = 0;
  ChunkKind kind = ChunkKind::kInOrder;
  std::string bytes;  // encoded XOR chunk
};

// A chunk the head has finished with; the store persists it to metric_chunks.
struct CompletedChunk {
  uint64_t ref;
  ChunkData chunk;
};

// What checkpoints persist per series (metric_series + metric_head).
struct SeriesCheckpoint {
  uint64_t ref = 0;
  std::optional<model::Labels> labels;  // set when the series record is not persisted yet
  int64_t min_t = 0;
  int64_t head_mint = 0;
  std::string head_bytes;  // may be an empty chunk
  std::vector<model::Sample> ooo;
};

inline constexpr SeriesId kNoSeries = UINT32_MAX;

struct ExemplarHit {
  SeriesId id;
  model::Exemplar exemplar;
};

// One series in memory (internal to Head; in the header only because containers need it whole).
struct MemSeries {
  uint64_t ref = 0;
  std::vector<SymbolId> labels;  // name, value, name, value, ... sorted by name
  uint64_t hash = 0;
  SeriesId next_same_hash = kNoSeries;
  XorChunk chunk;
  std::optional<XorAppender> app;
  int64_t head_mint = 0;
  int64_t last_t = INT64_MIN;  // last in-order sample
  double last_v = 0;
  int64_t min_t = INT64_MAX;   // first sample ever (persisted with the series)
  int64_t max_t = INT64_MIN;   // newest sample, in-order or not
  int64_t last_exemplar_t = INT64_MIN;
  std::vector<model::Sample> ooo;  // sorted by t
  bool persisted = false;
  bool dead = false;
};

class Head {
 public:
  explicit Head(HeadOptions options);
  ~Head();

  // Finds the series with exactly these labels (sorted by name, unique), creating it if needed
  // (`*created` tells). `hash` must be model::HashLabelRefs(labels, n).
  SeriesId GetOrCreate(const model::LabelRef* labels, size_t n, uint64_t hash, bool* created);
  // Creates (or finds) a series with a known persistent ref (loading and WAL replay).
  SeriesId Restore(uint64_t ref, const model::Labels& labels, int64_t min_t, bool persisted);
  SeriesId Restore(uint64_t ref, const model::LabelRef* labels, size_t n, int64_t min_t, bool persisted);
  // Restores a series' open chunk and OOO buffer (loading a checkpoint). kCorruption when the
  // chunk bytes do not decode (the series then starts a fresh head chunk).
  Status RestoreHead(SeriesId id, int64_t head_mint, std::string bytes, std::vector<model::Sample> ooo);
  bool FindRef(uint64_t ref, SeriesId* id) const;

  uint64_t Ref(SeriesId id) const;
  model::Labels LabelsOf(SeriesId id) const;

  // Applies one sample by the rules above. Chunks cut on the way go to *done (the caller
  // persists them before anyone can read the head again).
  AppendResult Append(SeriesId id, int64_t t, double v, std::vector<CompletedChunk>* done);
  // WAL replay of samples accepted before: in-order ones at or before the series' last sample
  // are skipped (already checkpointed or persisted); head-time bounds do not apply.
  void ReplayInOrder(SeriesId id, int64_t t, double v, std::vector<CompletedChunk>* done);
  void ReplayOutOfOrder(SeriesId id, int64_t t, double v, std::vector<CompletedChunk>* done);
  // Adds an exemplar; false when out of order for its series (Prometheus: "out of order exemplar").
  bool AddExemplar(SeriesId id, const model::Exemplar& e);
  // Returns true if the metadata is new or changed.
  bool SetMetadata(const model::MetricMetadata& md);

  // Series ids matching every matcher (all must be satisfied; an empty list matches all series).
  PostingsList Select(const std::vector<model::Matcher>& matchers) const;
  // Keeps ids whose sample range [min_t, last_t] intersects [mint, maxt].
  PostingsList FilterByTime(const PostingsList& ids, int64_t mint, int64_t maxt) const;
  // [first sample, newest sample] of a series (INT64_MAX/INT64_MIN when it has none).
  std::pair<int64_t, int64_t> TimeRange(SeriesId id) const { return {series_[id].min_t, series_[id].max_t}; }
  // Copies the in-memory chunks (head + OOO) of a series that overlap [mint, maxt].
  std::vector<ChunkData> MemChunks(SeriesId id, int64_t mint, int64_t maxt) const;

  std::vector<std::string> LabelNames(const PostingsList* ids) const;
  std::vector<std::string> LabelValues(std::string_view name, const PostingsList* ids) const;
  std::vector<ExemplarHit> Exemplars(const PostingsList& ids, int64_t mint, int64_t maxt) const;
  std::map<std::string, model::MetricMetadata> Metadata() const { return metadata_; }

  // Checkpointing: fills up to `max` entries starting at series id `from`; returns the next id to
  // continue from (== NumSeries() when done). Marks returned series as persisted.
  SeriesId CollectCheckpoint(SeriesId from, size_t max, std::vector<SeriesCheckpoint>* out);

  // Drops every series whose last sample is older than `cutoff` (retention); returns their refs.
  std::vector<uint64_t> RemoveSeriesBefore(int64_t cutoff);

  size_t NumSeries() const { return live_series_; }
  SeriesId IdLimit() const { return static_cast<SeriesId>(series_.size()); }
  int64_t MinTime() const;
  int64_t MaxTime() const { return max_t_; }
  uint64_t NextRef() const { return next_ref_; }
  uint64_t ApproxMemoryBytes() const;

  struct Cardinality {
    std::vector<std::pair<std::string, uint64_t>> series_by_metric;      // top n
    std::vector<std::pair<std::string, uint64_t>> values_by_label;       // top n
    std::vector<std::pair<std::string, uint64_t>> bytes_by_label;        // top n
    std::vector<std::pair<std::string, uint64_t>> series_by_label_pair;  // top n
    uint64_t num_label_pairs = 0;
    uint64_t chunks = 0;
  };
  Cardinality Stats(size_t top) const;

 private:
  MemSeries* Get(SeriesId id) const;
  SeriesId Insert(uint64_t ref, std::vector<SymbolId> labels, uint64_t hash);
  bool Equal(const MemSeries& s, const model::LabelRef* labels, size_t n) const;
  void IndexSeries(SeriesId id);
  void RebuildIndex();
  const PostingsList* PostingsFor(SymbolId name, SymbolId value) const;
  PostingsList MatcherPostings(const model::Matcher& m) const;
  void CutHead(MemSeries& s, std::vector<CompletedChunk>* done);
  void AppendInOrder(MemSeries& s, int64_t t, double v, std::vector<CompletedChunk>* done);
  AppendResult InsertOoo(MemSeries& s, int64_t t, double v, std::vector<CompletedChunk>* done);
  void FlushOoo(MemSeries& s, std::vector<CompletedChunk>* done);

  HeadOptions options_;
  SymbolTable symbols_;
  std::deque<MemSeries> series_;  // indexed by SeriesId; deque keeps addresses stable
  size_t live_series_ = 0;
  absl::flat_hash_map<uint64_t, SeriesId> by_hash_;  // first series with this labels hash
  // Refs are handed out densely (1, 2, 3, ...), so ref -> id is a plain array (kNoSeries for
  // removed or unknown refs): WAL replay looks one up per sample.
  std::vector<SeriesId> by_ref_;
  absl::flat_hash_map<uint64_t, PostingsList> postings_;            // (name << 32 | value) -> ids
  absl::flat_hash_map<SymbolId, std::vector<SymbolId>> values_of_;  // name -> values
  PostingsList all_;
  uint64_t next_ref_ = 1;
  int64_t max_t_ = INT64_MIN;

  std::vector<ExemplarHit> exemplars_;  // ring buffer
  size_t exemplar_next_ = 0;
  std::map<std::string, model::MetricMetadata> metadata_;
};

}  // namespace loupe::storage::tsdb
