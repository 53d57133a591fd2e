// BlockSource: read access to one block's columns. The head has every column in memory; a
// persisted block loads each unit (fixed columns, attribute columns) from RocksDB on first use,
// so a query touches only the columns it reads.
//
// Thread-safety: Ensure() may be called concurrently; once it returned OK for a unit, that
// unit's columns are immutable and readable from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/base/result.h"
#include "storage/spanstore/block_codec.h"
#include "storage/spanstore/columns.h"
#include "storage/spanstore/record_dict.h"

namespace loupe::storage::spanstore {

class BlockSource {
 public:
  virtual ~BlockSource() = default;
  virtual const BlockColumns& cols() const = 0;
  // Makes a unit readable (kUnit* or kAttrUnitBase + attribute index). kCorruption / kIOError
  // when its stored bytes cannot be read.
  virtual Status Ensure(uint32_t unit) = 0;
  // The persisted block's metadata; nullptr for a head.
  virtual const BlockMeta* meta() const { return nullptr; }
  virtual uint64_t block_id() const = 0;
  bool is_head() const { return meta() == nullptr; }
  // Bytes read from storage so far (0 for a head).
  virtual uint64_t bytes_read() const { return 0; }
};

class HeadSource final : public BlockSource {
 public:
  HeadSource(const BlockColumns& c, uint64_t id) : c_(c), id_(id) {}
  const BlockColumns& cols() const override { return c_; }
  Status Ensure(uint32_t) override { return Status::OK(); }
  uint64_t block_id() const override { return id_; }

 private:
  const BlockColumns& c_;
  uint64_t id_;
};

// A persisted block. `load(unit, use)` fetches a unit's stored (packed) bytes and calls `use`
// with them (a view valid during the call: the store passes RocksDB's pinned value, no copy).
class PersistedBlock final : public BlockSource {
 public:
  using Loader = std::function<Status(uint32_t unit,
                                      const std::function<Status(std::string_view stored)>& use)>;
  PersistedBlock(std::shared_ptr<const BlockMeta> meta, Loader load);

  const BlockColumns& cols() const override { return c_; }
  Status Ensure(uint32_t unit) override;
  const BlockMeta* meta() const override { return meta_.get(); }
  uint64_t block_id() const override { return meta_->id; }
  uint64_t bytes_read() const override { return bytes_read_.load(std::memory_order_relaxed); }
  // The dictionary of the block's trace records (meta().has_record_dict), loaded once.
  Result<const RecordDict*> RecordDictionary();
  // Decoded bytes held (for the block cache).
  size_t MemoryBytes() const { return memory_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool>* Flag(uint32_t unit);
  Status LoadLocked(uint32_t unit);

  std::shared_ptr<const BlockMeta> meta_;
  Loader load_;
  BlockColumns c_;
  std::mutex mu_;
  std::unique_ptr<std::atomic<bool>[]> loaded_;  // fixed units then attribute columns
  std::atomic<uint64_t> bytes_read_{0};
  std::atomic<size_t> memory_{0};
  std::once_flag dict_once_;
  std::unique_ptr<RecordDict> dict_;
};

}  // namespace loupe::storage::spanstore
