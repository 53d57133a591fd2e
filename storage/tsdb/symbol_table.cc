#include "storage/tsdb/symbol_table.h"


namespace loupe::storage::tsdb {

SymbolId SymbolTable::Intern(std::string_view s) {
  auto it = ids_.find(s);
  if (it != ids_.end()) return it->second;
  strings_.emplace_back(s);
  const auto id = static_cast<SymbolId>(strings_.size() - 1);
  ids_.emplace(strings_.back(), id);
  bytes_ += s.size() + sizeof(std::string) + 32;
  return id;
}

bool SymbolTable::Find(std::string_view s, SymbolId* id) const {
  auto it = ids_.find(s);
  if (it == ids_.end()) return false;
  *id = it->second;
  return true;
}

std::string_view SymbolTable::Lookup(SymbolId id) const {
  return id < strings_.size() ? std::string_view(strings_[id]) : std::string_view();
}

size_t SymbolTable::size() const {
  return strings_.size();
}

uint64_t SymbolTable::bytes() const {
  return bytes_;
}

}  // namespace loupe::storage::tsdb
