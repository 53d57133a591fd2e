// RocksStore: loupe's adapter over one RocksDB database with named column families.
//
// Every bulky store (metric chunks and index, log chunks and index, spans and span index) lives
// in its own column family of this one database, so one WAL orders writes across all of them and
// one data directory holds everything. RocksDB types never leave this folder: callers use
// string_view keys and values, WriteBatch, Iterator and column-family ids.
//
// Durability: Write() returns once the batch is in RocksDB's WAL in the OS page cache; a
// process crash (kill -9) after it returns loses nothing. With `sync = true` the WAL is also
// fsync'ed, which survives power loss. Recovery tolerates a torn WAL tail (RocksDB's point-in-time
// recovery): a crash mid-write drops at most the unacknowledged tail.
//
// Thread-safety: a RocksStore is safe for concurrent use from multiple threads. Iterators and
// WriteBatches are not: use each from one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/base/result.h"

namespace loupe::storage::kv {

using ColumnFamilyId = uint32_t;

struct RocksOptions {
  // Shared LRU block cache across all column families (allocated lazily as blocks are read).
  uint64_t block_cache_bytes = 32ull << 20;
  // Per-family memtable size, and the cap over all memtables.
  uint64_t write_buffer_bytes = 16ull << 20;
  uint64_t total_write_buffer_bytes = 64ull << 20;
  int max_background_jobs = 2;
  // fsync the WAL on every write (power-loss durability; costs throughput).
  bool sync_writes = false;
};

// Per-family description used when opening; families not listed but present on disk are opened
// too (so a downgrade never fails to open), and listed ones missing on disk are created.
struct ColumnFamilySpec {
  std::string name;
  // Compress the bottommost level with zstd (cold data) and upper levels with lz4.
  bool compress = true;
};

class WriteBatch {
 public:
  WriteBatch();
  ~WriteBatch();
  WriteBatch(WriteBatch&&) noexcept;
  WriteBatch& operator=(WriteBatch&&) noexcept;

  void Put(ColumnFamilyId cf, std::string_view key, std::string_view value);
  void Delete(ColumnFamilyId cf, std::string_view key);
  // Deletes [begin, end).
  void DeleteRange(ColumnFamilyId cf, std::string_view begin, std::string_view end);
  size_t Count() const;
  size_t ByteSize() const;
  void Clear();

 private:
  friend class RocksStore;
  struct Rep;
  std::unique_ptr<Rep> rep_;
};

// Iterates keys in byte order within optional bounds [lower, upper).
// Usage: for (it->Seek(k); it->Valid(); it->Next()) {...}; then check it->status().
class Iterator {
 public:
  virtual ~Iterator() = default;
  virtual void SeekToFirst() = 0;
  virtual void Seek(std::string_view target) = 0;
  virtual void SeekToLast() = 0;
  virtual void SeekForPrev(std::string_view target) = 0;
  virtual bool Valid() const = 0;
  virtual void Next() = 0;
  virtual void Prev() = 0;
  // Valid until the next move of the iterator.
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  // Sticky: the first error seen while iterating (Valid() turns false on error).
  virtual Status status() const = 0;
};

struct IteratorOptions {
  std::optional<std::string> lower_bound;  // inclusive
  std::optional<std::string> upper_bound;  // exclusive
  bool fill_cache = true;                  // false for one-off scans (retention, export)
};

struct ColumnFamilyStats {
  std::string name;
  uint64_t sst_bytes = 0;       // on-disk SST files
  uint64_t memtable_bytes = 0;  // active + immutable memtables
  uint64_t estimated_keys = 0;
};

class RocksStore {
 public:
  // Opens (creating if needed) the database in `dir`.
  // kIOError/kCorruption from RocksDB carry its message; kInvalidArgument for bad specs.
  static Result<std::unique_ptr<RocksStore>> Open(const std::string& dir,
                                                  const RocksOptions& options,
                                                  const std::vector<ColumnFamilySpec>& families);
  ~RocksStore();  // flushes nothing; the WAL makes that unnecessary. Call Close() to see errors.
  RocksStore(const RocksStore&) = delete;
  RocksStore& operator=(const RocksStore&) = delete;

  // kNotFound if the family was neither requested nor present on disk.
  Result<ColumnFamilyId> Family(std::string_view name) const;
  std::vector<std::string> FamilyNames() const;

  Status Put(ColumnFamilyId cf, std::string_view key, std::string_view value);
  Status Delete(ColumnFamilyId cf, std::string_view key);
  // kNotFound when absent.
  Status Get(ColumnFamilyId cf, std::string_view key, std::string* value) const;
  // As Get, but calls `use` with a view of the value pinned in RocksDB's block cache (or read
  // buffer) instead of copying it; the view is valid only during the call. Returns use's
  // status, or kNotFound / RocksDB's error without calling it.
  Status GetPinned(ColumnFamilyId cf, std::string_view key,
                   const std::function<Status(std::string_view value)>& use) const;
  Status Write(WriteBatch& batch);
  // Deletes [begin, end) with one range tombstone and asks compaction to reclaim the space.
  Status DeleteRange(ColumnFamilyId cf, std::string_view begin, std::string_view end);

  std::unique_ptr<Iterator> NewIterator(ColumnFamilyId cf, const IteratorOptions& options = {}) const;

  // Flushes every memtable to SST files (used before export and in tests).
  Status Flush();
  // Compacts the whole family into its last level, so overwritten values and deleted keys stop
  // taking space now rather than whenever size-triggered compaction reaches them.
  Status CompactFamily(ColumnFamilyId cf);
  // Fsyncs the WAL.
  Status SyncWal();

  std::vector<ColumnFamilyStats> Stats() const;
  // Bytes of the whole database directory as RocksDB accounts them (SSTs + WAL + blob files).
  uint64_t TotalBytes() const;

  // Releases column families and closes the DB; returns the first error. Idempotent.
  Status Close();

 private:
  struct Rep;
  explicit RocksStore(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace loupe::storage::kv
