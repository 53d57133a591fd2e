// EntryIterator: the entries of one stream within a time range, in timestamp order (forward or
// backward), that pass an optional LineFilter. It walks the stream's blocks — persisted chunk
// blocks (read from RocksDB on first use, one chunk at a time), compressed blocks of the open
// chunk and a sorted copy of the open block — decompressing a block only when the merge reaches
// its time range. Blocks that overlap in time (out-of-order writes) are merged with a heap;
// disjoint ones are read one after the other without one.
//
// Filtering happens per block before entries are handed out (LineFilter::Select), and the views
// returned by line()/metadata() point into the decompressed block: valid until the next call to
// Next(). Entries with equal timestamps keep their arrival order within a block.
//
// Errors: a block or chunk that fails its checksum or does not decode is skipped and counted
// (corrupt_blocks(), and the store's counter); a chunk deleted by retention meanwhile is
// skipped; a RocksDB read error stops the iteration with a sticky status().
// Thread-safety: one thread at a time; the store must outlive the iterator.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "storage/base/result.h"
#include "storage/kv/rocks_store.h"
#include "storage/logstore/chunk.h"
#include "storage/logstore/line_filter.h"

namespace loupe::storage::logstore {

enum class Direction : uint8_t { kForward, kBackward };

// One persisted chunk, shared by the sources of its blocks; fetched once.
struct ChunkHandle {
  std::string key;
  std::string bytes;
  bool fetched = false;
  bool bad = false;              // missing or corrupt: its blocks are skipped
  uint32_t num_blocks = 0;       // as the index says
  uint32_t pending_sources = 0;  // sources not opened yet; the bytes are dropped at zero
  std::unique_ptr<ChunkReader> reader;
};

// A block of the stream, not yet decompressed.
struct BlockSource {
  int64_t mint = 0;
  int64_t maxt = 0;
  std::shared_ptr<ChunkHandle> chunk;  // persisted: block `block_index` of `chunk`
  uint32_t block_index = 0;
  std::shared_ptr<const CompressedBlock> mem;  // a cut block of the open chunk
  BlockCodec mem_codec = BlockCodec::kZstd;
  std::shared_ptr<const std::string> raw;  // the open block's sorted copy (raw block bytes)
};

class EntryIterator {
 public:
  // [mint, maxt] inclusive. `filter` may be null. `corrupt` (may be null) counts skipped blocks.
  EntryIterator(const kv::RocksStore* kv, kv::ColumnFamilyId chunks_cf,
                std::vector<BlockSource> sources, int64_t mint, int64_t maxt, Direction direction,
                std::shared_ptr<const LineFilter> filter, std::atomic<uint64_t>* corrupt);
  ~EntryIterator();
  EntryIterator(const EntryIterator&) = delete;
  EntryIterator& operator=(const EntryIterator&) = delete;

  // Advances to the next entry; false at the end or on error (see status()).
  bool Next();
  int64_t ts() const { return ts_; }
  std::string_view line() const { return line_; }
  // Encoded structured metadata (ForEachMetadata / MetadataToLabels).
  std::string_view metadata() const { return md_; }
  model::Labels MetadataLabels() const { return MetadataToLabels(md_); }

  const Status& status() const { return status_; }
  uint64_t corrupt_blocks() const { return corrupt_blocks_; }
  // Blocks decompressed so far (a measure of the work a query did).
  uint64_t blocks_read() const { return blocks_read_; }

 private:
  struct Cursor {
    DecodedBlock block;
    std::vector<uint32_t> sel;  // selected entry indices, ascending
    size_t pos = 0;             // next position in `sel` (counted from the end when backward)
    int64_t ts() const;
  };
  bool Before(int64_t a, int64_t b) const { return forward_ ? a < b : a > b; }
  // True if source `i` may hold an entry that comes before (or at) ts `t`.
  bool SourceReaches(size_t i, int64_t t) const;
  // Decompresses source `i` into a cursor; nullptr when it has no selected entry or failed.
  std::unique_ptr<Cursor> Open(size_t i);
  int64_t CursorTs(const Cursor& c) const;
  void Emit(Cursor& c);
  void PushHeap(std::unique_ptr<Cursor> c);
  std::unique_ptr<Cursor> PopHeap();

  const kv::RocksStore* kv_;
  kv::ColumnFamilyId chunks_cf_;
  std::vector<BlockSource> sources_;
  size_t next_source_ = 0;
  int64_t mint_, maxt_;
  bool forward_;
  std::shared_ptr<const LineFilter> filter_;
  std::atomic<uint64_t>* corrupt_;
  std::vector<std::unique_ptr<Cursor>> heap_;
  std::unique_ptr<Cursor> current_;
  int64_t ts_ = 0;
  std::string_view line_, md_;
  Status status_;
  uint64_t corrupt_blocks_ = 0;
  uint64_t blocks_read_ = 0;
};

}  // namespace loupe::storage::logstore
