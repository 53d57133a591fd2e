#include "storage/logstore/line_filter.h"

#include <string.h>

#include <algorithm>

#include "storage/logstore/chunk.h"

namespace loupe::storage::logstore {
namespace {

class FunctionPredicate final : public LinePredicate {
 public:
  explicit FunctionPredicate(std::function<bool(std::string_view)> fn) : fn_(std::move(fn)) {}
  bool Matches(std::string_view line) const override { return fn_(line); }

 private:
  std::function<bool(std::string_view)> fn_;
};

}  // namespace

bool ContainsBytes(std::string_view hay, std::string_view needle) {
  if (needle.empty()) return true;
  if (needle.size() > hay.size()) return false;
  return ::memmem(hay.data(), hay.size(), needle.data(), needle.size()) != nullptr;
}

LineFilter& LineFilter::Contains(std::string needle) {
  stages_.push_back({Kind::kContains, std::move(needle), nullptr});
  return *this;
}

LineFilter& LineFilter::NotContains(std::string needle) {
  stages_.push_back({Kind::kNotContains, std::move(needle), nullptr});
  return *this;
}

LineFilter& LineFilter::Where(std::shared_ptr<const LinePredicate> predicate) {
  stages_.push_back({Kind::kPredicate, {}, std::move(predicate)});
  return *this;
}

LineFilter& LineFilter::Where(std::function<bool(std::string_view)> predicate) {
  return Where(std::make_shared<FunctionPredicate>(std::move(predicate)));
}

bool LineFilter::StageMatches(const Stage& s, std::string_view line) const {
  switch (s.kind) {
    case Kind::kContains:
      return ContainsBytes(line, s.needle);
    case Kind::kNotContains:
      return !ContainsBytes(line, s.needle);
    case Kind::kPredicate:
      return s.predicate->Matches(line);
  }
  return false;
}

bool LineFilter::Matches(std::string_view line) const {
  for (const auto& s : stages_) {
    if (!StageMatches(s, line)) return false;
  }
  return true;
}

void LineFilter::Select(const DecodedBlock& block, size_t lo, size_t hi,
                        std::vector<uint32_t>* sel) const {
  sel->clear();
  hi = std::min(hi, block.size());
  if (lo >= hi) return;
  size_t first_stage = 0;
  if (!stages_.empty() && stages_[0].kind == Kind::kContains && !stages_[0].needle.empty()) {
    // Search all lines of [lo, hi) as one buffer; a hit inside entry i selects i and resumes at
    // entry i + 1. A hit straddling two lines is no match: resume one byte later.
    const std::string_view needle = stages_[0].needle;
    const std::string_view all = block.lines();
    const size_t end = block.line_offset(hi);
    size_t pos = block.line_offset(lo);
    size_t i = lo;
    while (pos + needle.size() <= end) {
      const void* hit = ::memmem(all.data() + pos, end - pos, needle.data(), needle.size());
      if (!hit) break;
      const size_t at = static_cast<size_t>(static_cast<const char*>(hit) - all.data());
      // Entry containing `at`: the first j in [i, hi) whose line ends after `at`.
      size_t a = i, b = hi - 1;
      while (a < b) {
        const size_t mid = a + (b - a) / 2;
        if (block.line_offset(mid + 1) <= at) {
          a = mid + 1;
        } else {
          b = mid;
        }
      }
      i = a;
      if (at + needle.size() <= block.line_offset(i + 1)) {
        sel->push_back(static_cast<uint32_t>(i));
        ++i;
        pos = block.line_offset(i);
      } else {
        pos = at + 1;
      }
    }
    first_stage = 1;
  } else {
    sel->resize(hi - lo);
    for (size_t k = 0; k < sel->size(); ++k) (*sel)[k] = static_cast<uint32_t>(lo + k);
  }
  for (size_t s = first_stage; s < stages_.size() && !sel->empty(); ++s) {
    const Stage& st = stages_[s];
    size_t out = 0;
    for (uint32_t idx : *sel) {
      if (StageMatches(st, block.line(idx))) (*sel)[out++] = idx;
    }
    sel->resize(out);
  }
}

}  // namespace loupe::storage::logstore
