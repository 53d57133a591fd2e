// Storage: everything loupe keeps in its data directory, opened and closed as one unit.
//
//   <data_dir>/LOCK         flock'ed by the owning process (pid inside)
//   <data_dir>/kv/          RocksDB: one column family per bulky concern
//   <data_dir>/catalog.db   SQLite: registry, settings (see catalog/)
//
// Open() takes the lock first, so a second loupe on the same directory fails with
// kFailedPrecondition naming the first one before it touches any file.
// Thread-safety: the accessors are safe for concurrent use; Close() must not race other calls.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "storage/base/file_lock.h"
#include "storage/base/result.h"
#include "storage/catalog/catalog.h"
#include "storage/kv/rocks_store.h"

namespace loupe::storage {

struct StorageOptions {
  std::string data_dir;
  kv::RocksOptions rocks;
  // Column families the stores of this build need (each store declares its own).
  std::vector<kv::ColumnFamilySpec> column_families;
};

struct StorageSizes {
  std::vector<kv::ColumnFamilyStats> families;
  uint64_t kv_dir_bytes = 0;
  uint64_t catalog_bytes = 0;
};

class Storage {
 public:
  static Result<std::unique_ptr<Storage>> Open(const StorageOptions& options);
  ~Storage();

  kv::RocksStore& kv() { return *kv_; }
  catalog::Catalog& catalog() { return *catalog_; }
  const std::string& data_dir() const { return data_dir_; }

  StorageSizes Sizes() const;

  // Closes RocksDB and SQLite, then releases the lock. Idempotent; returns the first error.
  Status Close();

 private:
  Storage() = default;
  std::string data_dir_;
  std::unique_ptr<FileLock> lock_;
  std::unique_ptr<kv::RocksStore> kv_;
  std::unique_ptr<catalog::Catalog> catalog_;
};

}  // namespace loupe::storage
