// Head: one tenant's log streams in memory: labels (interned), the inverted index (label pair ->
// postings), and per stream the open chunk: compressed blocks already cut plus the open
// (uncompressed) block. It decides which entries are accepted, as Loki's ingester does with
// unordered writes:
//
//   ts == last accepted ts and same line and metadata   ignored (a resend; kDuplicate)
//   ts <  newest ts of the stream - ooo_window           rejected (kTooFarBehind, with the cutoff)
//   otherwise                                            appended to the open block
//
// The open block is cut (sorted by timestamp, compressed) once it holds `block_bytes`; the
// chunk is flushed (handed back as a FlushedChunk for the store to persist) once its blocks
// hold `chunk_target_bytes`, when an entry would stretch it over `max_chunk_age_ns`, or when the
// store flushes idle or old chunks. Blocks of one chunk may overlap in time (out-of-order
// entries); readers merge.
//
// Every accepted entry gets the next sequence number of its stream; a chunk holds exactly the
// entries with seq in [flushed_seq before the flush, flushed_seq after). WAL replay and
// checkpoints use these numbers to apply each entry exactly once.
//
// Thread-safety: none of its own; LogStore's per-tenant shared_mutex guards every call
// (mutations under the exclusive lock, reads under the shared one).
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/logstore/chunk.h"
#include "storage/model/labels.h"
#include "storage/model/matcher.h"
#include "storage/tsdb/postings.h"
#include "storage/tsdb/symbol_table.h"

namespace loupe::storage::logstore {

using StreamId = tsdb::SeriesId;  // dense per-tenant id of a stream in memory
using tsdb::PostingsList;
using tsdb::SymbolId;
inline constexpr StreamId kNoStream = UINT32_MAX;

struct HeadOptions {
  uint32_t block_bytes = 512u << 10;          // raw bytes of the open block before it is cut
  uint64_t chunk_target_bytes = 1536u << 10;  // compressed bytes of a chunk before it is flushed
  int64_t max_chunk_age_ns = 2LL * 3600 * 1000000000;  // newest - oldest entry of one chunk
  int64_t ooo_window_ns = 3600LL * 1000000000;         // Loki: max_chunk_age / 2
  BlockCodec codec = BlockCodec::kZstd;
  int codec_level = 6;  // see FORMAT.md for the measurements behind it
};

// A chunk the head has finished with; the store persists it.
struct FlushedChunk {
  uint64_t ref = 0;
  uint64_t first_seq = 0;  // the chunk holds entries with seq in [first_seq, end_seq)
  uint64_t end_seq = 0;    // (with holes where replay skipped entries)
  int64_t mint = 0;
  int64_t maxt = 0;
  uint64_t entries = 0;
  uint64_t bytes = 0;  // lines + metadata
  std::vector<BlockMeta> blocks;
  std::string data;                     // chunk bytes (FORMAT.md)
  std::optional<model::Labels> labels;  // set when the stream's labels are not persisted yet
};

// Decides whether one entry is deleted (LogStore::DeleteEntries). `metadata` is the entry's
// structured metadata as views that are valid only during the call; `line` likewise.
using EntryPredicate = std::function<bool(int64_t ts, std::string_view line,
                                          const std::vector<model::LabelRef>& metadata)>;

// Calls pred for the entries of `block` with ts in [mint, maxt] and appends every entry it does
// not delete to *keep (in block order); returns how many were deleted. A null pred deletes every
// entry in the range.
uint64_t FilterBlock(const DecodedBlock& block, int64_t mint, int64_t maxt,
                     const EntryPredicate& pred, HeadBlock* keep);
// pred applied to one entry with encoded metadata (null pred: true).
bool EntryMatches(const EntryPredicate& pred, int64_t ts, std::string_view line,
                  std::string_view md, std::vector<model::LabelRef>* scratch);

enum class AppendKind : uint8_t { kAccepted, kDuplicate, kTooFarBehind };
struct AppendResult {
  AppendKind kind;
  int64_t cutoff = 0;  // for kTooFarBehind: the oldest acceptable timestamp
};

// What a reader copies out of the head under the lock.
struct HeadSnapshot {
  uint64_t flushed_seq = 0;  // persisted chunks with first_seq >= this are in `blocks`/`open`
  std::vector<std::shared_ptr<const CompressedBlock>> blocks;  // overlapping the range
  std::string open_raw;  // raw block (sorted) of open-block entries in the range
  uint32_t open_entries = 0;
  int64_t open_mint = 0;  // time range of those entries
  int64_t open_maxt = 0;
};

// What a checkpoint persists per stream.
struct StreamCheckpoint {
  uint64_t ref = 0;
  std::optional<model::Labels> labels;  // set when not persisted yet
  uint64_t base_seq = 0;                // flushed_seq at the time
  uint64_t next_seq = 0;
  int64_t max_t = INT64_MIN;
  std::string chunk;  // cut blocks as chunk bytes; empty if none
  std::string open;   // raw block of the open block, arrival order; empty if none
  // The last accepted entry (ts, line, encoded metadata), so that a resend of it after a
  // restart is still recognised as a duplicate. last_ts == INT64_MIN: none recorded.
  int64_t last_ts = INT64_MIN;
  std::string last_line;
  std::string last_md;
};

// Head-resident data of a stream within a range (index stats and volume).
struct HeadUsage {
  uint64_t chunks = 0;
  uint64_t entries = 0;
  uint64_t bytes = 0;
};

// One stream in memory (internal to Head; in the header only because containers need it whole).
struct MemStream {
  uint64_t ref = 0;
  std::vector<SymbolId> labels;  // name, value, ... sorted by name
  uint64_t hash = 0;
  StreamId next_same_hash = kNoStream;
  int64_t min_t = INT64_MAX;  // over everything the stream holds, persisted or not
  int64_t max_t = INT64_MIN;
  uint64_t next_seq = 0;
  uint64_t flushed_seq = 0;
  uint64_t checkpointed_seq = UINT64_MAX;  // next_seq at the last checkpoint write
  std::vector<std::shared_ptr<const CompressedBlock>> blocks;  // cut blocks of the open chunk
  uint64_t blocks_comp_bytes = 0;
  HeadBlock open;
  int64_t chunk_mint = INT64_MAX;
  int64_t chunk_maxt = INT64_MIN;
  int64_t chunk_created_wall = 0;
  int64_t last_append_wall = 0;
  int64_t last_ts = INT64_MIN;  // last accepted entry, for resend detection
  std::string last_line;
  std::string last_md;
  bool persisted = false;  // labels are in RocksDB
  bool dead = false;
  bool has_head_data() const { return !blocks.empty() || !open.empty(); }
};

class Head {
 public:
  explicit Head(HeadOptions options);
  ~Head();

  // Finds the stream with exactly these labels (sorted by name, unique, non-empty values),
  // creating it if needed. `hash` must be model::HashLabelRefs(labels, n).
  StreamId GetOrCreate(const model::LabelRef* labels, size_t n, uint64_t hash, int64_t now_wall,
                       bool* created);
  // The live stream with exactly these labels, or kNoStream.
  StreamId Find(const model::LabelRef* labels, size_t n, uint64_t hash) const;
  // Creates (or finds) a stream with a known ref (loading, WAL replay).
  StreamId Restore(uint64_t ref, const model::LabelRef* labels, size_t n, bool persisted);
  StreamId Restore(uint64_t ref, const model::Labels& labels, bool persisted);
  // Records persisted chunks' extent and the flushed sequence number (loading).
  void NotePersisted(StreamId id, uint64_t flushed_seq, int64_t mint, int64_t maxt);
  // Restores a checkpointed open chunk. Ignored (returns OK) when its base is not the stream's
  // flushed_seq (a flush happened after the checkpoint). kCorruption if it does not decode.
  Status RestoreCheckpoint(StreamId id, const StreamCheckpoint& c);
  bool FindRef(uint64_t ref, StreamId* id) const;

  uint64_t Ref(StreamId id) const { return streams_[id].ref; }
  model::Labels LabelsOf(StreamId id) const;
  std::string LabelsString(StreamId id) const;  // {a="b", c="d"}
  const MemStream& stream(StreamId id) const { return streams_[id]; }

  // Applies one entry by the rules above; chunks flushed on the way go to *done.
  AppendResult Append(StreamId id, int64_t ts, std::string_view line, std::string_view md,
                      int64_t now_wall, std::vector<FlushedChunk>* done);
  // WAL replay: applies the entry with sequence number `seq` unless the stream already has it
  // (seq < next_seq). A gap (seq > next_seq: records were lost) is counted in *gaps.
  // Skip() consumes `seq` without applying it (the entry is older than retention).
  bool Replay(StreamId id, uint64_t seq, int64_t ts, std::string_view line, std::string_view md,
              int64_t now_wall, std::vector<FlushedChunk>* done, uint64_t* gaps);
  void Skip(StreamId id, uint64_t seq);
  // Deletion: removes the entries of the stream's open chunk (cut blocks and open block) with ts
  // in [mint, maxt] for which pred returns true. Cut blocks that lose entries are recompressed
  // (dropped when empty), the open block keeps its arrival order; sequence numbers are not
  // reused (the flushed chunk then has holes, as after a WAL gap). A deleted last entry is also
  // forgotten by resend detection, so its text is not written to the next checkpoint. Marks the
  // stream for the next checkpoint. Returns the number deleted; kCorruption (nothing changed)
  // if a cut block does not decode.
  Result<uint64_t> DeleteEntries(StreamId id, int64_t mint, int64_t maxt,
                                 const EntryPredicate& pred);
  // Flushes the stream's open chunk if it has data.
  void Flush(StreamId id, std::vector<FlushedChunk>* done);
  // Flushes chunks idle for `idle_ns` or open for `max_age_ns` (wall clock); returns how many.
  size_t FlushIdle(int64_t now_wall, int64_t idle_ns, int64_t max_age_ns,
                   std::vector<FlushedChunk>* done);

  // Streams matching every matcher (an empty list matches all).
  PostingsList Select(const std::vector<model::Matcher>& matchers) const;
  // Keeps streams whose data range [min_t, max_t] intersects [mint, maxt].
  PostingsList FilterByTime(const PostingsList& ids, int64_t mint, int64_t maxt) const;
  std::vector<std::string> LabelNames(const PostingsList* ids) const;
  std::vector<std::string> LabelValues(std::string_view name, const PostingsList* ids) const;

  HeadSnapshot Snapshot(StreamId id, int64_t mint, int64_t maxt) const;
  HeadUsage Usage(StreamId id, int64_t mint, int64_t maxt) const;

  // Checkpointing: streams changed since their last checkpoint, from id `from`, at most `max`;
  // returns the id to continue from (== IdLimit() when done).
  StreamId CollectCheckpoint(StreamId from, size_t max, std::vector<StreamCheckpoint>* out);
  // Makes the next checkpoint write the stream again (its last checkpoint write failed).
  void MarkDirty(uint64_t ref);

  // Drops streams whose newest entry is older than `cutoff` (their head data too); returns refs.
  std::vector<uint64_t> RemoveStreamsBefore(int64_t cutoff);

  size_t NumStreams() const { return live_streams_; }
  StreamId IdLimit() const { return static_cast<StreamId>(streams_.size()); }
  size_t CountActive(int64_t now_wall, int64_t window_ns) const;
  uint64_t NextRef() const { return next_ref_; }
  uint64_t MemoryBytes() const;
  uint64_t HeadEntries() const;

 private:
  StreamId Insert(uint64_t ref, std::vector<SymbolId> labels, uint64_t hash);
  bool Equal(const MemStream& s, const model::LabelRef* labels, size_t n) const;
  void IndexStream(StreamId id);
  void RebuildIndex();
  const PostingsList* PostingsFor(SymbolId name, SymbolId value) const;
  PostingsList MatcherPostings(const model::Matcher& m) const;
  void AppendUnchecked(MemStream& s, int64_t ts, std::string_view line, std::string_view md,
                       int64_t now_wall, std::vector<FlushedChunk>* done);
  void CutBlock(MemStream& s);
  void FlushStream(MemStream& s, std::vector<FlushedChunk>* done);

  HeadOptions options_;
  tsdb::SymbolTable symbols_;
  std::deque<MemStream> streams_;
  size_t live_streams_ = 0;
  absl::flat_hash_map<uint64_t, StreamId> by_hash_;
  std::vector<StreamId> by_ref_;
  absl::flat_hash_map<uint64_t, PostingsList> postings_;
  absl::flat_hash_map<SymbolId, std::vector<SymbolId>> values_of_;
  PostingsList all_;
  uint64_t next_ref_ = 1;
};

}  // namespace loupe::storage::logstore
