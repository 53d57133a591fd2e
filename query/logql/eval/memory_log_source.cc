#include "query/logql/eval/memory_log_source.h"

#include <algorithm>

namespace loupe::query::logql {

namespace {

class MemoryEntryStream : public EntryStream {
 public:
  MemoryEntryStream(const std::vector<MemoryLogSource::Entry>* entries, size_t lo, size_t hi,
                    bool forward, std::shared_ptr<const storage::logstore::LineFilter> filter)
      : entries_(entries), lo_(lo), hi_(hi), forward_(forward), filter_(std::move(filter)) {
    pos_ = forward ? lo : hi;
  }

  bool Next() override {
    while (true) {
      if (forward_) {
        if (pos_ >= hi_) return false;
        cur_ = &(*entries_)[pos_++];
      } else {
        if (pos_ <= lo_) return false;
        cur_ = &(*entries_)[--pos_];
      }
      if (filter_ && !filter_->Matches(cur_->line)) continue;
      md_.clear();
      for (const auto& l : cur_->metadata) md_.push_back({l.name, l.value});
      return true;
    }
  }
  int64_t ts() const override { return cur_->ts; }
  std::string_view line() const override { return cur_->line; }
  const std::vector<storage::model::LabelRef>& metadata() const override { return md_; }

 private:
  const std::vector<MemoryLogSource::Entry>* entries_;
  size_t lo_, hi_, pos_;
  bool forward_;
  std::shared_ptr<const storage::logstore::LineFilter> filter_;
  const MemoryLogSource::Entry* cur_ = nullptr;
  std::vector<storage::model::LabelRef> md_;
};

}  // namespace

void MemoryLogSource::Append(std::string_view tenant, const storage::model::Labels& labels,
                             Entry entry) {
  auto& streams = tenants_[std::string(tenant)];
  Stream& s = streams[labels];
  s.labels = labels;
  std::sort(entry.metadata.begin(), entry.metadata.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  if (!s.entries.empty() && s.entries.back().ts > entry.ts) s.sorted = false;
  s.entries.push_back(std::move(entry));
}

size_t MemoryLogSource::NumEntries() const {
  size_t n = 0;
  for (const auto& [t, streams] : tenants_) {
    for (const auto& [l, s] : streams) n += s.entries.size();
  }
  return n;
}

Result<std::vector<SourceStream>> MemoryLogSource::Select(std::string_view tenant,
                                                          const SelectParams& p) {
  std::vector<SourceStream> out;
  auto it = tenants_.find(tenant);
  if (it == tenants_.end()) return out;
  for (auto& [labels, s] : it->second) {
    bool match = true;
    for (const auto& m : p.matchers) {
      if (!m.Matches(labels)) {
        match = false;
        break;
      }
    }
    if (!match) continue;
    if (!s.sorted) {
      std::stable_sort(s.entries.begin(), s.entries.end(),
                       [](const Entry& a, const Entry& b) { return a.ts < b.ts; });
      s.sorted = true;
    }
    const auto lo = std::lower_bound(s.entries.begin(), s.entries.end(), p.start_ns,
                                     [](const Entry& e, int64_t t) { return e.ts < t; });
    const auto hi = std::lower_bound(s.entries.begin(), s.entries.end(), p.end_ns,
                                     [](const Entry& e, int64_t t) { return e.ts < t; });
    if (lo >= hi) continue;
    SourceStream ss;
    ss.labels = labels.items();
    ss.entries = std::make_unique<MemoryEntryStream>(
        &s.entries, lo - s.entries.begin(), hi - s.entries.begin(),
        p.direction == Direction::kForward, p.filter);
    out.push_back(std::move(ss));
  }
  return out;
}

}  // namespace loupe::query::logql
