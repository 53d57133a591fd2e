// LineFilter: a line filter pushed down into the log store's read path, so filtering runs over
// decompressed blocks before any entry is handed out. It is a conjunction of stages:
//
//   Contains(s)     the line contains s         (LogQL `|= "s"`)
//   NotContains(s)  the line does not contain s (LogQL `!= "s"`)
//   Where(p)        p(line) is true             (regex, case-insensitive or anything else the
//                                                 query engine compiles; called once per line)
//
// When the first stage is Contains, Select() searches the block's concatenated lines at once
// and maps hits back to entries, so lines without the needle cost no call and no allocation.
// Every stage sees the line as a std::string_view into the block; nothing is copied.
// An empty needle matches every line, as in LogQL.
//
// Thread-safety: immutable once built; Matches/Select may run concurrently (predicates must be
// safe for concurrent calls).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace loupe::storage::logstore {

class DecodedBlock;

class LinePredicate {
 public:
  virtual ~LinePredicate() = default;
  virtual bool Matches(std::string_view line) const = 0;
};

class LineFilter {
 public:
  LineFilter& Contains(std::string needle);
  LineFilter& NotContains(std::string needle);
  LineFilter& Where(std::shared_ptr<const LinePredicate> predicate);
  LineFilter& Where(std::function<bool(std::string_view)> predicate);

  bool empty() const { return stages_.empty(); }
  bool Matches(std::string_view line) const;
  // Clears *sel, then appends (ascending) the indices in [lo, hi) of `block` whose line passes.
  void Select(const DecodedBlock& block, size_t lo, size_t hi, std::vector<uint32_t>* sel) const;

 private:
  enum class Kind : uint8_t { kContains, kNotContains, kPredicate };
  struct Stage {
    Kind kind;
    std::string needle;
    std::shared_ptr<const LinePredicate> predicate;
  };
  bool StageMatches(const Stage& s, std::string_view line) const;
  std::vector<Stage> stages_;
};

// True if `hay` contains `needle` (memmem; empty needle matches).
bool ContainsBytes(std::string_view hay, std::string_view needle);

}  // namespace loupe::storage::logstore
