#include "storage/spanstore/head.h"

#include <algorithm>

namespace loupe::storage::spanstore {

Head::TraceState Head::Lookup(const TraceId& id, int64_t now_ns, int64_t idle_ns) const {
  TraceState s;
  auto it = trace_index_.find(id);
  if (it == trace_index_.end()) return s;
  s.exists = true;
  s.bytes = trace_bytes_[it->second];
  s.live = trace_last_append_[it->second] >= now_ns - idle_ns;
  return s;
}

size_t Head::LiveTraces(int64_t now_ns, int64_t idle_ns) {
  if (live_counted_at_ == INT64_MIN || now_ns < live_counted_at_ ||
      now_ns - live_counted_at_ >= 1'000'000'000) {
    size_t n = 0;
    const int64_t cutoff = now_ns - idle_ns;
    for (int64_t t : trace_last_append_) n += t >= cutoff;
    live_count_ = n;
    live_counted_at_ = now_ns;
  }
  return live_count_;
}

class Head::Indexer final : public BatchVisitor {
 public:
  Indexer(Head* h, int64_t now) : h_(h), now_(now) {}
  Status OnResource(std::string_view hdr) override {
    auto [it, inserted] = h_->resource_index_.try_emplace(hdr, h_->cols_.num_resources);
    if (inserted) {
      LOUPE_RETURN_IF_ERROR(ParseResourceHeader(hdr, &rv_));
      h_->cols_.AppendResource(rv_);
      h_->resource_hdr_.push_back(hdr);
    }
    res_ = it->second;
    return Status::OK();
  }
  Status OnScope(std::string_view hdr) override {
    auto [it, inserted] = h_->scope_index_.try_emplace(hdr, h_->cols_.num_scopes);
    if (inserted) {
      LOUPE_RETURN_IF_ERROR(ParseScopeHeader(hdr, &sv_));
      h_->cols_.AppendScope(sv_);
      h_->scope_hdr_.push_back(hdr);
    }
    scope_ = it->second;
    return Status::OK();
  }
  Status OnSpan(std::string_view blob) override {
    LOUPE_RETURN_IF_ERROR(ParseSpan(blob, {}, &span_));
    const TraceId id = TraceId::FromBytes(span_.trace_id);
    auto [it, inserted] = h_->trace_index_.try_emplace(id, h_->cols_.num_traces());
    if (inserted) {
      h_->cols_.AppendTrace(id);
      h_->trace_first_.push_back(UINT32_MAX);
      h_->trace_last_.push_back(UINT32_MAX);
      h_->trace_bytes_.push_back(0);
      h_->trace_last_append_.push_back(now_);
      h_->live_count_++;
    }
    const uint32_t t = it->second;
    const uint32_t row = h_->cols_.AppendSpan(t, res_, scope_, span_);
    h_->span_blob_.push_back(blob);
    h_->next_in_trace_.push_back(UINT32_MAX);
    if (h_->trace_last_[t] == UINT32_MAX) {
      h_->trace_first_[t] = row;
    } else {
      h_->next_in_trace_[h_->trace_last_[t]] = row;
    }
    h_->trace_last_[t] = row;
    h_->trace_bytes_[t] += blob.size();
    h_->trace_last_append_[t] = std::max(h_->trace_last_append_[t], now_);
    return Status::OK();
  }

 private:
  Head* h_;
  int64_t now_;
  uint32_t res_ = 0, scope_ = 0;
  ResourceView rv_;
  ScopeView sv_;
  SpanView span_;
};

Status Head::Append(std::string batch, int64_t now_ns, bool validate) {
  if (validate) {
    struct Check final : BatchVisitor {
      ResourceView rv;
      ScopeView sv;
      SpanView span;
      Status OnResource(std::string_view hdr) override { return ParseResourceHeader(hdr, &rv); }
      Status OnScope(std::string_view hdr) override { return ParseScopeHeader(hdr, &sv); }
      Status OnSpan(std::string_view blob) override { return ParseSpan(blob, {}, &span); }
    } check;
    std::string_view shared;
    LOUPE_RETURN_IF_ERROR(WalkBatch(batch, &check, &shared));
    if (!shared.empty()) return Status::Corruption("span batch: a logged batch has a shared trace id");
  }
  batches_.push_back(std::move(batch));
  bytes_ += batches_.back().size();
  Indexer ix(this, now_ns);
  return WalkBatch(batches_.back(), &ix);
}

void Head::TraceRecordAt(uint32_t t, TraceRecordWriter* w) const {
  std::vector<uint32_t> rows;
  for (uint32_t r = trace_first_[t]; r != UINT32_MAX; r = next_in_trace_[r]) rows.push_back(r);
  // Group by resource then scope so the writer merges each group once.
  std::stable_sort(rows.begin(), rows.end(), [&](uint32_t a, uint32_t b) {
    if (cols_.resource[a] != cols_.resource[b]) return cols_.resource[a] < cols_.resource[b];
    return cols_.scope[a] < cols_.scope[b];
  });
  w->Begin(cols_.trace_ids[t]);
  for (uint32_t r : rows) {
    w->Resource(resource_hdr_[cols_.resource[r]]);
    w->Scope(scope_hdr_[cols_.scope[r]]);
    w->Span(span_blob_[r]);
  }
}

bool Head::TraceRecord(const TraceId& id, TraceRecordWriter* w) const {
  auto it = trace_index_.find(id);
  if (it == trace_index_.end()) return false;
  TraceRecordAt(it->second, w);
  return true;
}

size_t Head::MemoryBytes() const {
  size_t n = bytes_ + cols_.MemoryBytes();
  n += trace_index_.capacity() * (sizeof(TraceId) + 8);
  n += (resource_index_.capacity() + scope_index_.capacity()) * 24;
  n += (resource_hdr_.capacity() + scope_hdr_.capacity() + span_blob_.capacity()) * 16;
  n += next_in_trace_.capacity() * 4 + (trace_first_.capacity() + trace_last_.capacity()) * 4;
  n += trace_bytes_.capacity() * 8 + trace_last_append_.capacity() * 8;
  return n;
}

}  // namespace loupe::storage::spanstore
