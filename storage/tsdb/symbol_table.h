// SymbolTable: interns label names and values so each distinct string is stored once and series
// refer to them by 32-bit id (most series share most of their strings).
// Thread-safety: none of its own; the owner's lock guards it (Intern under the owner's exclusive
// lock, Find/Lookup under at least a shared one). Returned views stay valid for the table's
// lifetime (strings are never freed or moved).
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace loupe::storage::tsdb {

using SymbolId = uint32_t;

class SymbolTable {
 public:
  SymbolId Intern(std::string_view s);
  // Returns false if `s` was never interned.
  bool Find(std::string_view s, SymbolId* id) const;
  std::string_view Lookup(SymbolId id) const;
  size_t size() const;
  uint64_t bytes() const;

 private:
  // Bytes live in fixed arena blocks that never move, so views stay valid; one allocation per
  // block instead of one per string.
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::vector<std::unique_ptr<char[]>> large_;
  size_t block_used_ = 0;
  size_t block_size_ = 0;
  std::vector<std::string_view> strings_;
  absl::flat_hash_map<std::string_view, SymbolId> ids_;
  uint64_t bytes_ = 0;
};

}  // namespace loupe::storage::tsdb
