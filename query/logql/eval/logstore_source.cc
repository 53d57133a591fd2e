#include "query/logql/eval/logstore_source.h"

namespace loupe::query::logql {

namespace {

class StoreEntryStream : public EntryStream {
 public:
  explicit StoreEntryStream(std::unique_ptr<storage::logstore::EntryIterator> it)
      : it_(std::move(it)) {}
  bool Next() override {
    if (!it_->Next()) return false;
    md_.clear();
    if (!storage::logstore::ForEachMetadata(it_->metadata(),
                                            [&](std::string_view n, std::string_view v) {
                                              md_.push_back({n, v});
                                            })) {
      md_.clear();
    }
    return true;
  }
  int64_t ts() const override { return it_->ts(); }
  std::string_view line() const override { return it_->line(); }
  const std::vector<storage::model::LabelRef>& metadata() const override { return md_; }
  Status status() const override { return it_->status(); }

 private:
  std::unique_ptr<storage::logstore::EntryIterator> it_;
  std::vector<storage::model::LabelRef> md_;
};

}  // namespace

Result<std::vector<SourceStream>> LogStoreSource::Select(std::string_view tenant,
                                                         const SelectParams& p) {
  storage::logstore::SelectRequest req;
  req.matchers = p.matchers;
  req.start_ns = p.start_ns;
  req.end_ns = p.end_ns;
  req.direction = p.direction == Direction::kForward ? storage::logstore::Direction::kForward
                                                     : storage::logstore::Direction::kBackward;
  req.filter = p.filter;
  LOUPE_ASSIGN_OR_RETURN(auto selected, store_->Select(tenant, req));
  std::vector<SourceStream> out;
  out.reserve(selected.size());
  for (auto& s : selected) {
    SourceStream ss;
    ss.labels = s.labels.items();
    ss.entries = std::make_unique<StoreEntryStream>(std::move(s.entries));
    out.push_back(std::move(ss));
  }
  return out;
}

}  // namespace loupe::query::logql
