#include "storage/storage.h"

#include <filesystem>

namespace loupe::storage {

Result<std::unique_ptr<Storage>> Storage::Open(const StorageOptions& options) {
  if (options.data_dir.empty()) return Status::InvalidArgument("data directory must not be empty");
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) {
    return Status::IOError("cannot create data directory " + options.data_dir + ": " + ec.message());
  }
  std::unique_ptr<Storage> st(new Storage());
  st->data_dir_ = std::filesystem::absolute(options.data_dir, ec).lexically_normal().string();
  if (ec) st->data_dir_ = options.data_dir;
  while (st->data_dir_.size() > 1 && st->data_dir_.back() == '/') st->data_dir_.pop_back();

  LOUPE_ASSIGN_OR_RETURN(st->lock_,
                         FileLock::Acquire(st->data_dir_ + "/LOCK", "data directory " + st->data_dir_));
  LOUPE_ASSIGN_OR_RETURN(st->kv_,
                         kv::RocksStore::Open(st->data_dir_ + "/kv", options.rocks, options.column_families));
  LOUPE_ASSIGN_OR_RETURN(st->catalog_, catalog::Catalog::Open(st->data_dir_ + "/catalog.db"));
  return st;
}

Storage::~Storage() { (void)Close(); }

StorageSizes Storage::Sizes() const {
  StorageSizes out;
  if (kv_) {
    out.families = kv_->Stats();
    out.kv_dir_bytes = kv_->TotalBytes();
  }
  if (catalog_) out.catalog_bytes = catalog_->FileBytes();
  return out;
}

Status Storage::Close() {
  Status first;
  if (kv_) {
    first = kv_->Close();
    kv_.reset();
  }
  catalog_.reset();
  lock_.reset();
  return first;
}

}  // namespace loupe::storage
