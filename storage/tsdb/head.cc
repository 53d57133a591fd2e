#include "storage/tsdb/head.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace loupe::storage::tsdb {

namespace {
inline uint64_t PairKey(SymbolId name, SymbolId value) {
  return (static_cast<uint64_t>(name) << 32) | value;
}
}  // namespace


const char* RejectMessage(Reject r) {
  switch (r) {
    case Reject::kOutOfOrder: return "out of order sample";
    case Reject::kOutOfBounds: return "out of bounds";
    case Reject::kDuplicate: return "duplicate sample for timestamp";
    case Reject::kTooOld: return "too old sample";
    case Reject::kCount: break;
  }
  return "rejected";
}

const char* RejectReason(Reject r) {
  switch (r) {
    case Reject::kOutOfOrder: return "out_of_order";
    case Reject::kOutOfBounds: return "out_of_bounds";
    case Reject::kDuplicate: return "duplicate";
    case Reject::kTooOld: return "too_old";
    case Reject::kCount: break;
  }
  return "other";
}

Head::Head(HeadOptions options) : options_(options) {}
Head::~Head() = default;

MemSeries* Head::Get(SeriesId id) const {
  return const_cast<MemSeries*>(&series_[id]);
}

bool Head::Equal(const MemSeries& s, const model::LabelRef* labels, size_t n) const {
  if (s.labels.size() != 2 * n) return false;
  for (size_t i = 0; i < n; ++i) {
    if (symbols_.Lookup(s.labels[2 * i]) != labels[i].name ||
        symbols_.Lookup(s.labels[2 * i + 1]) != labels[i].value) {
      return false;
    }
  }
  return true;
}

SeriesId Head::Insert(uint64_t ref, std::vector<SymbolId> labels, uint64_t hash) {
  const auto id = static_cast<SeriesId>(series_.size());
  series_.emplace_back();
  MemSeries& s = series_.back();
  s.ref = ref;
  s.labels = std::move(labels);
  s.hash = hash;
  s.app = s.chunk.Appender().value();
  auto [it, inserted] = by_hash_.emplace(hash, id);
  if (!inserted) {
    s.next_same_hash = it->second;
    it->second = id;
  }
  if (ref >= by_ref_.size()) by_ref_.resize(std::max<uint64_t>(ref + 1, by_ref_.size() * 3 / 2 + 16), kNoSeries);
  by_ref_[ref] = id;
  next_ref_ = std::max(next_ref_, ref + 1);
  ++live_series_;
  IndexSeries(id);
  return id;
}

void Head::IndexSeries(SeriesId id) {
  const MemSeries& s = series_[id];
  for (size_t i = 0; i + 1 < s.labels.size(); i += 2) {
    auto& list = postings_[PairKey(s.labels[i], s.labels[i + 1])];
    if (list.empty()) values_of_[s.labels[i]].push_back(s.labels[i + 1]);
    // Ids are handed out in increasing order, so appending keeps lists sorted, except when
    // restoring out of order; then insert in place.
    if (list.empty() || list.back() < id) {
      list.push_back(id);
    } else {
      list.insert(std::lower_bound(list.begin(), list.end(), id), id);
    }
  }
  if (all_.empty() || all_.back() < id) {
    all_.push_back(id);
  } else {
    all_.insert(std::lower_bound(all_.begin(), all_.end(), id), id);
  }
}

SeriesId Head::GetOrCreate(const model::LabelRef* labels, size_t n, uint64_t hash, bool* created) {
  *created = false;
  if (auto it = by_hash_.find(hash); it != by_hash_.end()) {
    for (SeriesId id = it->second; id != kNoSeries; id = series_[id].next_same_hash) {
      if (!series_[id].dead && Equal(series_[id], labels, n)) return id;
    }
  }
  std::vector<SymbolId> syms;
  syms.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    syms.push_back(symbols_.Intern(labels[i].name));
    syms.push_back(symbols_.Intern(labels[i].value));
  }
  *created = true;
  return Insert(next_ref_, std::move(syms), hash);
}

SeriesId Head::Restore(uint64_t ref, const model::Labels& labels, int64_t min_t, bool persisted) {
  std::vector<model::LabelRef> refs;
  refs.reserve(labels.size());
  for (const auto& l : labels) refs.push_back({l.name, l.value});
  return Restore(ref, refs.data(), refs.size(), min_t, persisted);
}

SeriesId Head::Restore(uint64_t ref, const model::LabelRef* labels, size_t n, int64_t min_t, bool persisted) {
  if (SeriesId existing; FindRef(ref, &existing)) {
    MemSeries& s = series_[existing];
    s.min_t = std::min(s.min_t, min_t);
    s.persisted = s.persisted || persisted;
    return existing;
  }
  std::vector<SymbolId> syms;
  syms.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    syms.push_back(symbols_.Intern(labels[i].name));
    syms.push_back(symbols_.Intern(labels[i].value));
  }
  const SeriesId id = Insert(ref, std::move(syms), model::HashLabelRefs(labels, n));
  series_[id].min_t = min_t;
  series_[id].persisted = persisted;
  return id;
}

Status Head::RestoreHead(SeriesId id, int64_t head_mint, std::string bytes, std::vector<model::Sample> ooo) {
  MemSeries& s = series_[id];
  s.ooo = std::move(ooo);
  for (const auto& o : s.ooo) {
    s.max_t = std::max(s.max_t, o.t);
    max_t_ = std::max(max_t_, o.t);
  }
  auto chunk = XorChunk::FromBytes(std::move(bytes));
  if (!chunk.ok()) return chunk.status();
  s.chunk = std::move(*chunk);
  auto app = s.chunk.Appender();
  if (!app.ok()) {
    s.chunk = XorChunk();
    s.app = s.chunk.Appender().value();
    return app.status();
  }
  s.app = std::move(*app);
  s.head_mint = head_mint;
  if (s.chunk.NumSamples() > 0) {
    // Resuming the appender decoded the chunk once already; it knows the last sample.
    s.last_t = s.app->LastT();
    s.last_v = s.app->LastV();
    s.max_t = std::max(s.max_t, s.last_t);
    s.min_t = std::min(s.min_t, head_mint);
    max_t_ = std::max(max_t_, s.last_t);
  }
  return Status::OK();
}

bool Head::FindRef(uint64_t ref, SeriesId* id) const {
  if (ref >= by_ref_.size() || by_ref_[ref] == kNoSeries) return false;
  *id = by_ref_[ref];
  return true;
}

uint64_t Head::Ref(SeriesId id) const { return series_[id].ref; }

model::Labels Head::LabelsOf(SeriesId id) const {
  const MemSeries& s = series_[id];
  std::vector<model::Label> out;
  out.reserve(s.labels.size() / 2);
  for (size_t i = 0; i + 1 < s.labels.size(); i += 2) {
    out.push_back({std::string(symbols_.Lookup(s.labels[i])), std::string(symbols_.Lookup(s.labels[i + 1]))});
  }
  return model::Labels::FromSorted(std::move(out));
}

void Head::CutHead(MemSeries& s, std::vector<CompletedChunk>* done) {
  if (s.chunk.NumSamples() > 0) {
    CompletedChunk c;
    c.ref = s.ref;
    c.chunk.mint = s.head_mint;
    c.chunk.maxt = s.last_t;
    c.chunk.kind = ChunkKind::kInOrder;
    c.chunk.bytes = std::string(s.chunk.Bytes());
    done->push_back(std::move(c));
  }
  s.chunk = XorChunk();
  s.app = s.chunk.Appender().value();
}

void Head::FlushOoo(MemSeries& s, std::vector<CompletedChunk>* done) {
  // One chunk per block: chunks never span a block boundary.
  size_t i = 0;
  while (i < s.ooo.size()) {
    const int64_t block = BlockStart(s.ooo[i].t, options_.block_ms);
    XorChunk chunk;
    auto app = chunk.Appender().value();
    CompletedChunk c;
    c.ref = s.ref;
    c.chunk.kind = ChunkKind::kOutOfOrder;
    c.chunk.mint = s.ooo[i].t;
    while (i < s.ooo.size() && BlockStart(s.ooo[i].t, options_.block_ms) == block) {
      (void)app.Append(s.ooo[i].t, s.ooo[i].v);
      c.chunk.maxt = s.ooo[i].t;
      ++i;
    }
    c.chunk.bytes = std::string(chunk.Bytes());
    done->push_back(std::move(c));
  }
  s.ooo.clear();
}

void Head::AppendInOrder(MemSeries& s, int64_t t, double v, std::vector<CompletedChunk>* done) {
  const int n = s.chunk.NumSamples();
  if (n > 0 && (n >= options_.max_samples_per_chunk ||
                BlockStart(t, options_.block_ms) != BlockStart(s.head_mint, options_.block_ms))) {
    CutHead(s, done);
  }
  if (s.chunk.NumSamples() == 0) s.head_mint = t;
  if (!s.app->Append(t, v).ok()) {
    // The chunk is at its hard sample limit (only reachable with absurd options): cut and retry.
    CutHead(s, done);
    s.head_mint = t;
    (void)s.app->Append(t, v);
  }
  s.last_t = t;
  s.last_v = v;
  s.min_t = std::min(s.min_t, t);
  s.max_t = std::max(s.max_t, t);
  max_t_ = std::max(max_t_, t);
}

AppendResult Head::InsertOoo(MemSeries& s, int64_t t, double v, std::vector<CompletedChunk>* done) {
  auto it = std::lower_bound(s.ooo.begin(), s.ooo.end(), t,
                             [](const model::Sample& a, int64_t b) { return a.t < b; });
  if (it != s.ooo.end() && it->t == t) {
    if (std::bit_cast<uint64_t>(it->v) == std::bit_cast<uint64_t>(v)) return {AppendKind::kResend};
    return {AppendKind::kRejected, Reject::kDuplicate};
  }
  s.ooo.insert(it, model::Sample{t, v});
  s.min_t = std::min(s.min_t, t);
  s.max_t = std::max(s.max_t, t);
  max_t_ = std::max(max_t_, t);
  if (s.ooo.size() >= options_.ooo_chunk_samples) FlushOoo(s, done);
  return {AppendKind::kOutOfOrder};
}

AppendResult Head::Append(SeriesId id, int64_t t, double v, std::vector<CompletedChunk>* done) {
  MemSeries& s = series_[id];
  const bool empty = s.last_t == INT64_MIN;
  if (!empty && t == s.last_t) {
    if (std::bit_cast<uint64_t>(v) == std::bit_cast<uint64_t>(s.last_v)) return {AppendKind::kResend};
    return {AppendKind::kRejected, Reject::kDuplicate};
  }
  const bool in_order = empty || t > s.last_t;
  if (in_order && (max_t_ == INT64_MIN || t >= max_t_ - options_.block_ms / 2)) {
    AppendInOrder(s, t, v, done);
    return {AppendKind::kInOrder};
  }
  if (options_.ooo_window_ms <= 0) {
    return {AppendKind::kRejected, in_order ? Reject::kOutOfBounds : Reject::kOutOfOrder};
  }
  if (t < max_t_ - options_.ooo_window_ms) return {AppendKind::kRejected, Reject::kTooOld};
  return InsertOoo(s, t, v, done);
}

void Head::ReplayInOrder(SeriesId id, int64_t t, double v, std::vector<CompletedChunk>* done) {
  MemSeries& s = series_[id];
  // Samples at or before the last one are already in the checkpointed head or in persisted
  // chunks (the WAL is replayed on top of a checkpoint taken after it rotated).
  if (s.last_t != INT64_MIN && t <= s.last_t) return;
  AppendInOrder(s, t, v, done);
}

void Head::ReplayOutOfOrder(SeriesId id, int64_t t, double v, std::vector<CompletedChunk>* done) {
  (void)InsertOoo(series_[id], t, v, done);
}

bool Head::AddExemplar(SeriesId id, const model::Exemplar& e) {
  MemSeries& s = series_[id];
  if (e.t < s.last_exemplar_t) return false;
  if (options_.max_exemplars == 0) return true;
  s.last_exemplar_t = e.t;
  ExemplarHit hit{id, e};
  if (exemplars_.size() < options_.max_exemplars) {
    exemplars_.push_back(std::move(hit));
  } else {
    exemplars_[exemplar_next_] = std::move(hit);
    exemplar_next_ = (exemplar_next_ + 1) % options_.max_exemplars;
  }
  return true;
}

bool Head::SetMetadata(const model::MetricMetadata& md) {
  auto it = metadata_.find(md.family);
  if (it != metadata_.end() && it->second.type == md.type && it->second.help == md.help &&
      it->second.unit == md.unit) {
    return false;
  }
  metadata_[md.family] = md;
  return true;
}

const PostingsList* Head::PostingsFor(SymbolId name, SymbolId value) const {
  auto it = postings_.find(PairKey(name, value));
  return it == postings_.end() ? nullptr : &it->second;
}

PostingsList Head::MatcherPostings(const model::Matcher& m) const {
  SymbolId name;
  const bool has_name = symbols_.Find(m.name(), &name);
  if (m.type() == model::MatchType::kEqual && !m.value().empty()) {
    SymbolId value;
    if (!has_name || !symbols_.Find(m.value(), &value)) return {};
    const auto* p = PostingsFor(name, value);
    return p ? *p : PostingsList{};
  }
  const std::vector<SymbolId>* values = nullptr;
  if (has_name) {
    auto it = values_of_.find(name);
    if (it != values_of_.end()) values = &it->second;
  }
  std::vector<const PostingsList*> lists;
  if (m.MatchesEmpty()) {
    // Series without the label match; so do those whose value matches. Subtract the rest.
    if (!values) return all_;
    for (SymbolId v : *values) {
      if (!m.Matches(symbols_.Lookup(v))) {
        if (const auto* p = PostingsFor(name, v)) lists.push_back(p);
      }
    }
    return lists.empty() ? all_ : Without(all_, Merge(lists));
  }
  if (!values) return {};
  for (SymbolId v : *values) {
    if (m.Matches(symbols_.Lookup(v))) {
      if (const auto* p = PostingsFor(name, v)) lists.push_back(p);
    }
  }
  return Merge(lists);
}

PostingsList Head::Select(const std::vector<model::Matcher>& matchers) const {
  if (matchers.empty()) return all_;
  // Equality matchers first: they are the cheapest and usually the most selective.
  std::vector<const model::Matcher*> order;
  for (const auto& m : matchers) order.push_back(&m);
  std::stable_sort(order.begin(), order.end(), [](const model::Matcher* a, const model::Matcher* b) {
    auto rank = [](const model::Matcher* m) {
      if (m->type() == model::MatchType::kEqual && !m->value().empty()) return 0;
      return m->MatchesEmpty() ? 2 : 1;
    };
    return rank(a) < rank(b);
  });
  PostingsList result = MatcherPostings(*order[0]);
  for (size_t i = 1; i < order.size() && !result.empty(); ++i) {
    result = Intersect(result, MatcherPostings(*order[i]));
  }
  return result;
}

PostingsList Head::FilterByTime(const PostingsList& ids, int64_t mint, int64_t maxt) const {
  PostingsList out;
  out.reserve(ids.size());
  for (SeriesId id : ids) {
    const MemSeries& s = series_[id];
    if (!s.dead && s.min_t <= maxt && s.max_t >= mint) out.push_back(id);
  }
  return out;
}

std::vector<ChunkData> Head::MemChunks(SeriesId id, int64_t mint, int64_t maxt) const {
  const MemSeries& s = series_[id];
  std::vector<ChunkData> out;
  if (s.chunk.NumSamples() > 0 && s.head_mint <= maxt && s.last_t >= mint) {
    out.push_back({s.head_mint, s.last_t, ChunkKind::kInOrder, std::string(s.chunk.Bytes())});
  }
  if (!s.ooo.empty() && s.ooo.front().t <= maxt && s.ooo.back().t >= mint) {
    XorChunk chunk;
    auto app = chunk.Appender().value();
    for (const auto& o : s.ooo) (void)app.Append(o.t, o.v);
    out.push_back({s.ooo.front().t, s.ooo.back().t, ChunkKind::kOutOfOrder, std::string(chunk.Bytes())});
  }
  return out;
}

std::vector<std::string> Head::LabelNames(const PostingsList* ids) const {
  std::vector<std::string> out;
  if (!ids) {
    for (const auto& [name, values] : values_of_) {
      // A name whose postings all belong to removed series has an empty list.
      for (SymbolId v : values) {
        const auto* p = PostingsFor(name, v);
        if (p && !p->empty()) {
          out.emplace_back(symbols_.Lookup(name));
          break;
        }
      }
    }
  } else {
    std::vector<SymbolId> names;
    for (SeriesId id : *ids) {
      const MemSeries& s = series_[id];
      for (size_t i = 0; i < s.labels.size(); i += 2) names.push_back(s.labels[i]);
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    for (SymbolId n : names) out.emplace_back(symbols_.Lookup(n));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> Head::LabelValues(std::string_view name, const PostingsList* ids) const {
  std::vector<std::string> out;
  SymbolId n;
  if (!symbols_.Find(name, &n)) return out;
  if (!ids) {
    auto it = values_of_.find(n);
    if (it == values_of_.end()) return out;
    for (SymbolId v : it->second) {
      const auto* p = PostingsFor(n, v);
      if (p && !p->empty()) out.emplace_back(symbols_.Lookup(v));
    }
  } else {
    std::vector<SymbolId> values;
    for (SeriesId id : *ids) {
      const MemSeries& s = series_[id];
      for (size_t i = 0; i + 1 < s.labels.size(); i += 2) {
        if (s.labels[i] == n) values.push_back(s.labels[i + 1]);
      }
    }
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    for (SymbolId v : values) out.emplace_back(symbols_.Lookup(v));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<ExemplarHit> Head::Exemplars(const PostingsList& ids, int64_t mint, int64_t maxt) const {
  std::vector<ExemplarHit> out;
  for (const auto& e : exemplars_) {
    if (e.exemplar.t < mint || e.exemplar.t > maxt) continue;
    if (std::binary_search(ids.begin(), ids.end(), e.id)) out.push_back(e);
  }
  std::sort(out.begin(), out.end(), [](const ExemplarHit& a, const ExemplarHit& b) {
    return a.id != b.id ? a.id < b.id : a.exemplar.t < b.exemplar.t;
  });
  return out;
}

SeriesId Head::CollectCheckpoint(SeriesId from, size_t max, std::vector<SeriesCheckpoint>* out) {
  SeriesId id = from;
  for (; id < series_.size() && out->size() < max; ++id) {
    MemSeries& s = series_[id];
    if (s.dead) continue;
    SeriesCheckpoint c;
    c.ref = s.ref;
    if (!s.persisted) {
      c.labels = LabelsOf(id);
      s.persisted = true;
    }
    c.min_t = s.min_t;
    c.head_mint = s.head_mint;
    c.head_bytes = std::string(s.chunk.Bytes());
    c.ooo = s.ooo;
    out->push_back(std::move(c));
  }
  return id;
}

std::vector<uint64_t> Head::RemoveSeriesBefore(int64_t cutoff) {
  std::vector<uint64_t> removed;
  for (SeriesId id = 0; id < series_.size(); ++id) {
    MemSeries& s = series_[id];
    if (s.dead || s.max_t >= cutoff) continue;
    removed.push_back(s.ref);
    s.dead = true;
    s.chunk = XorChunk();
    s.app.reset();
    s.ooo.clear();
    s.ooo.shrink_to_fit();
    if (s.ref < by_ref_.size()) by_ref_[s.ref] = kNoSeries;
    --live_series_;
  }
  if (!removed.empty()) RebuildIndex();
  return removed;
}

void Head::RebuildIndex() {
  postings_.clear();
  values_of_.clear();
  all_.clear();
  by_hash_.clear();
  for (SeriesId id = 0; id < series_.size(); ++id) {
    MemSeries& s = series_[id];
    s.next_same_hash = kNoSeries;
    if (s.dead) continue;
    auto [it, inserted] = by_hash_.emplace(s.hash, id);
    if (!inserted) {
      s.next_same_hash = it->second;
      it->second = id;
    }
    IndexSeries(id);
  }
}

int64_t Head::MinTime() const {
  int64_t m = INT64_MAX;
  for (const auto& s : series_) {
    if (!s.dead) m = std::min(m, s.min_t);
  }
  return m;
}

uint64_t Head::ApproxMemoryBytes() const {
  uint64_t bytes = symbols_.bytes();
  for (const auto& s : series_) {
    bytes += sizeof(MemSeries) + s.labels.capacity() * sizeof(SymbolId) + s.chunk.Bytes().size() +
             s.ooo.capacity() * sizeof(model::Sample);
  }
  for (const auto& [k, list] : postings_) bytes += 48 + list.capacity() * sizeof(SeriesId);
  bytes += by_hash_.size() * 16 + by_ref_.capacity() * sizeof(SeriesId);
  return bytes;
}

Head::Cardinality Head::Stats(size_t top) const {
  Cardinality c;
  auto top_n = [top](std::vector<std::pair<std::string, uint64_t>> v) {
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (v.size() > top) v.resize(top);
    return v;
  };
  std::vector<std::pair<std::string, uint64_t>> by_metric, values_by_label, bytes_by_label, by_pair;
  SymbolId name_sym;
  const bool has_name = symbols_.Find(model::kMetricNameLabel, &name_sym);
  for (const auto& [name, values] : values_of_) {
    uint64_t live_values = 0, bytes = 0;
    for (SymbolId v : values) {
      const auto* p = PostingsFor(name, v);
      if (!p || p->empty()) continue;
      ++live_values;
      ++c.num_label_pairs;
      const auto value = symbols_.Lookup(v);
      bytes += value.size() * p->size();
      by_pair.emplace_back(std::string(symbols_.Lookup(name)) + "=" + std::string(value), p->size());
      if (has_name && name == name_sym) by_metric.emplace_back(std::string(value), p->size());
    }
    if (live_values == 0) continue;
    values_by_label.emplace_back(std::string(symbols_.Lookup(name)), live_values);
    bytes_by_label.emplace_back(std::string(symbols_.Lookup(name)), bytes);
  }
  for (const auto& s : series_) {
    if (!s.dead && s.chunk.NumSamples() > 0) ++c.chunks;
  }
  c.series_by_metric = top_n(std::move(by_metric));
  c.values_by_label = top_n(std::move(values_by_label));
  c.bytes_by_label = top_n(std::move(bytes_by_label));
  c.series_by_label_pair = top_n(std::move(by_pair));
  return c;
}

}  // namespace loupe::storage::tsdb
