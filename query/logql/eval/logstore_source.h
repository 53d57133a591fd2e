// LogStoreSource: the LogQL engine's LogSource over the embedded log store
// (storage::logstore::LogStore). Pushed-down line filters run inside the store's block scans.
//
// Thread-safety: as LogStore::Select (safe for concurrent use); the store must outlive the
// source and every stream it returned.
#pragma once

#include "query/logql/eval/log_source.h"
#include "storage/logstore/log_store.h"

namespace loupe::query::logql {

class LogStoreSource : public LogSource {
 public:
  explicit LogStoreSource(storage::logstore::LogStore* store) : store_(store) {}
  // Errors: the store's (e.g. kIOError from RocksDB). A malformed metadata encoding of an entry
  // is skipped (the entry is returned without metadata).
  Result<std::vector<SourceStream>> Select(std::string_view tenant,
                                           const SelectParams& params) override;

 private:
  storage::logstore::LogStore* store_;
};

}  // namespace loupe::query::logql
