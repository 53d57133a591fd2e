// MemoryLogSource: an in-memory LogSource for tests, golden files and benchmarks. Streams are
// kept per tenant; entries of a stream are kept sorted by timestamp (insertion order among
// equal timestamps).
//
// Thread-safety: Append and Select must not run concurrently; Select alone may.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "query/logql/eval/log_source.h"

namespace loupe::query::logql {

class MemoryLogSource : public LogSource {
 public:
  struct Entry {
    int64_t ts = 0;
    std::string line;
    std::vector<storage::model::Label> metadata;
  };

  // Appends to the stream with these labels (created on first use; empty values dropped).
  void Append(std::string_view tenant, const storage::model::Labels& labels, Entry entry);
  void Clear() { tenants_.clear(); }
  size_t NumEntries() const;

  Result<std::vector<SourceStream>> Select(std::string_view tenant,
                                           const SelectParams& params) override;

 private:
  struct Stream {
    storage::model::Labels labels;
    std::vector<Entry> entries;
    bool sorted = true;
  };
  std::map<std::string, std::map<storage::model::Labels, Stream>, std::less<>> tenants_;
};

}  // namespace loupe::query::logql
