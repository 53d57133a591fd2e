#include "storage/tsdb/symbol_table.h"

#include <cstring>

namespace loupe::storage::tsdb {

SymbolId SymbolTable::Intern(std::string_view s) {
  auto it = ids_.find(s);
  if (it != ids_.end()) return it->second;
  constexpr size_t kBlock = 64 << 10;
  if (s.size() > kBlock / 4) {
    // Large strings get an allocation of their own (and do not waste the current block).
    large_.push_back(std::make_unique<char[]>(s.size()));
    char* dst = large_.back().get();
    std::memcpy(dst, s.data(), s.size());
    strings_.emplace_back(dst, s.size());
  } else {
    if (blocks_.empty() || block_used_ + s.size() > block_size_) {
      blocks_.push_back(std::make_unique<char[]>(kBlock));
      block_used_ = 0;
      block_size_ = kBlock;
    }
    char* dst = blocks_.back().get() + block_used_;
    std::memcpy(dst, s.data(), s.size());
    block_used_ += s.size();
    strings_.emplace_back(dst, s.size());
  }
  const auto id = static_cast<SymbolId>(strings_.size() - 1);
  ids_.emplace(strings_.back(), id);
  bytes_ += s.size() + sizeof(std::string_view) + 24;
  return id;
}

bool SymbolTable::Find(std::string_view s, SymbolId* id) const {
  auto it = ids_.find(s);
  if (it == ids_.end()) return false;
  *id = it->second;
  return true;
}

std::string_view SymbolTable::Lookup(SymbolId id) const {
  return id < strings_.size() ? strings_[id] : std::string_view();
}

size_t SymbolTable::size() const {
  return strings_.size();
}

uint64_t SymbolTable::bytes() const {
  return bytes_;
}

}  // namespace loupe::storage::tsdb
