// RecordDict: zstd with a dictionary trained on a block's own trace records. A trace record is
// small (a few KB) and shares most of its bytes — attribute keys, resource attributes, common
// values — with every other record, which per-record compression cannot see; a dictionary
// holds those shared bytes once per block (measured: ~106 -> see bench_spanstore, bytes/span).
//
// zstd's dictionary API is used here directly because storage/base/compression.h has no
// dictionary support yet; no zstd type leaves record_dict.cc.
// Thread-safety: a RecordDict is immutable; Compress/Decompress may run concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "storage/base/result.h"

namespace loupe::storage::spanstore {

class RecordDict {
 public:
  // Trains a dictionary of at most `capacity` bytes from `samples`; "" when training fails
  // (too little or too uniform data) — then records are compressed without one.
  static std::string Train(const std::vector<std::string_view>& samples, size_t capacity);

  // `dict` is the trained dictionary (kept by the object); `level` the compression level.
  RecordDict(std::string dict, int level);
  ~RecordDict();
  RecordDict(const RecordDict&) = delete;
  RecordDict& operator=(const RecordDict&) = delete;

  const std::string& bytes() const { return dict_; }
  // Replaces *out with `raw` compressed with the dictionary.
  Status Compress(std::string_view raw, std::string* out) const;
  // Replaces *out with the `raw_len` bytes `in` decompresses to; kCorruption on any error.
  Status Decompress(std::string_view in, size_t raw_len, std::string* out) const;

 private:
  struct Rep;
  std::string dict_;
  int level_;
  std::unique_ptr<Rep> rep_;
};

}  // namespace loupe::storage::spanstore
