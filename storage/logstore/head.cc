#include "storage/logstore/head.h"

#include <algorithm>
#include <string_view>

namespace loupe::storage::logstore {

namespace {

// The open chunk's time range from its cut blocks and open block (after a restore or a
// deletion changed them).
void RecomputeChunkRange(MemStream& s) {
  s.chunk_mint = INT64_MAX;
  s.chunk_maxt = INT64_MIN;
  for (const auto& b : s.blocks) {
    s.chunk_mint = std::min(s.chunk_mint, b->meta.mint);
    s.chunk_maxt = std::max(s.chunk_maxt, b->meta.maxt);
  }
  if (!s.open.empty()) {
    s.chunk_mint = std::min(s.chunk_mint, s.open.mint());
    s.chunk_maxt = std::max(s.chunk_maxt, s.open.maxt());
  }
}

inline uint64_t PairKey(SymbolId name, SymbolId value) {
  return (static_cast<uint64_t>(name) << 32) | value;
}

}  // namespace

bool EntryMatches(const EntryPredicate& pred, int64_t ts, std::string_view line,
                  std::string_view md, std::vector<model::LabelRef>* scratch) {
  if (!pred) return true;
  scratch->clear();
  ForEachMetadata(md, [&](std::string_view n, std::string_view v) { scratch->push_back({n, v}); });
  return pred(ts, line, *scratch);
}

uint64_t FilterBlock(const DecodedBlock& block, int64_t mint, int64_t maxt,
                     const EntryPredicate& pred, HeadBlock* keep) {
  uint64_t deleted = 0;
  std::vector<model::LabelRef> md;
  for (size_t i = 0; i < block.size(); ++i) {
    const int64_t ts = block.ts(i);
    if (ts >= mint && ts <= maxt && EntryMatches(pred, ts, block.line(i), block.metadata(i), &md)) {
      ++deleted;
    } else {
      keep->Append(ts, block.line(i), block.metadata(i));
    }
  }
  return deleted;
}

Head::Head(HeadOptions options) : options_(options) {}
Head::~Head() = default;

bool Head::Equal(const MemStream& s, const model::LabelRef* labels, size_t n) const {
  if (s.labels.size() != 2 * n) return false;
  for (size_t i = 0; i < n; ++i) {
    if (symbols_.Lookup(s.labels[2 * i]) != labels[i].name ||
        symbols_.Lookup(s.labels[2 * i + 1]) != labels[i].value) {
      return false;
    }
  }
  return true;
}

StreamId Head::Insert(uint64_t ref, std::vector<SymbolId> labels, uint64_t hash) {
  const auto id = static_cast<StreamId>(streams_.size());
  streams_.emplace_back();
  MemStream& s = streams_.back();
  s.ref = ref;
  s.labels = std::move(labels);
  s.hash = hash;
  auto [it, inserted] = by_hash_.emplace(hash, id);
  if (!inserted) {
    s.next_same_hash = it->second;
    it->second = id;
  }
  if (ref >= by_ref_.size())
    by_ref_.resize(std::max<uint64_t>(ref + 1, by_ref_.size() * 3 / 2 + 16), kNoStream);
  by_ref_[ref] = id;
  next_ref_ = std::max(next_ref_, ref + 1);
  ++live_streams_;
  IndexStream(id);
  return id;
}

void Head::IndexStream(StreamId id) {
  const MemStream& s = streams_[id];
  auto add = [id](PostingsList& list) {
    if (list.empty() || list.back() < id) {
      list.push_back(id);
    } else {
      list.insert(std::lower_bound(list.begin(), list.end(), id), id);
    }
  };
  for (size_t i = 0; i + 1 < s.labels.size(); i += 2) {
    auto& list = postings_[PairKey(s.labels[i], s.labels[i + 1])];
    if (list.empty()) {
      auto& values = values_of_[s.labels[i]];
      if (std::find(values.begin(), values.end(), s.labels[i + 1]) == values.end())
        values.push_back(s.labels[i + 1]);
    }
    add(list);
  }
  add(all_);
}

StreamId Head::Find(const model::LabelRef* labels, size_t n, uint64_t hash) const {
  if (auto it = by_hash_.find(hash); it != by_hash_.end()) {
    for (StreamId id = it->second; id != kNoStream; id = streams_[id].next_same_hash) {
      if (!streams_[id].dead && Equal(streams_[id], labels, n)) return id;
    }
  }
  return kNoStream;
}

StreamId Head::GetOrCreate(const model::LabelRef* labels, size_t n, uint64_t hash, int64_t now_wall,
                           bool* created) {
  *created = false;
  if (const StreamId id = Find(labels, n, hash); id != kNoStream) return id;
  std::vector<SymbolId> syms;
  syms.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    syms.push_back(symbols_.Intern(labels[i].name));
    syms.push_back(symbols_.Intern(labels[i].value));
  }
  *created = true;
  const StreamId id = Insert(next_ref_, std::move(syms), hash);
  streams_[id].last_append_wall = now_wall;
  return id;
}

StreamId Head::Restore(uint64_t ref, const model::LabelRef* labels, size_t n, bool persisted) {
  if (StreamId existing; FindRef(ref, &existing)) {
    streams_[existing].persisted = streams_[existing].persisted || persisted;
    return existing;
  }
  std::vector<SymbolId> syms;
  syms.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    syms.push_back(symbols_.Intern(labels[i].name));
    syms.push_back(symbols_.Intern(labels[i].value));
  }
  const StreamId id = Insert(ref, std::move(syms), model::HashLabelRefs(labels, n));
  streams_[id].persisted = persisted;
  return id;
}

StreamId Head::Restore(uint64_t ref, const model::Labels& labels, bool persisted) {
  std::vector<model::LabelRef> refs;
  refs.reserve(labels.size());
  for (const auto& l : labels) refs.push_back({l.name, l.value});
  return Restore(ref, refs.data(), refs.size(), persisted);
}

void Head::NotePersisted(StreamId id, uint64_t flushed_seq, int64_t mint, int64_t maxt) {
  MemStream& s = streams_[id];
  s.flushed_seq = std::max(s.flushed_seq, flushed_seq);
  s.next_seq = std::max(s.next_seq, s.flushed_seq);
  s.min_t = std::min(s.min_t, mint);
  s.max_t = std::max(s.max_t, maxt);
}

Status Head::RestoreCheckpoint(StreamId id, const StreamCheckpoint& c) {
  MemStream& s = streams_[id];
  s.max_t = std::max(s.max_t, c.max_t);
  if (c.base_seq < s.flushed_seq) return Status::OK();  // a flush after the checkpoint holds it
  std::vector<std::shared_ptr<const CompressedBlock>> blocks;
  uint64_t comp = 0;
  HeadBlock open;
  if (!c.open.empty()) LOUPE_RETURN_IF_ERROR(open.DecodeRaw(c.open));
  if (!c.chunk.empty()) {
    LOUPE_ASSIGN_OR_RETURN(ChunkReader r, ChunkReader::Open(c.chunk));
    size_t offset = c.chunk.size();
    for (size_t i = 0; i < r.num_blocks(); ++i) offset -= r.block(i).comp_len;
    for (size_t i = 0; i < r.num_blocks(); ++i) {
      auto b = std::make_shared<CompressedBlock>();
      b->meta = r.block(i);
      b->data.assign(c.chunk, offset, b->meta.comp_len);
      offset += b->meta.comp_len;
      // Verify now rather than fail every later read; also recovers the block's byte count.
      DecodedBlock d;
      LOUPE_RETURN_IF_ERROR(DecompressBlock(r.codec(), b->meta, b->data, &d));
      if (r.codec() != options_.codec) {
        // Written with another codec than the one configured now: re-cut it later.
        for (size_t k = 0; k < d.size(); ++k) open.Append(d.ts(k), d.line(k), d.metadata(k));
        continue;
      }
      b->meta.bytes = d.lines().size();
      for (size_t k = 0; k < d.size(); ++k) b->meta.bytes += d.metadata(k).size();
      comp += b->meta.comp_len;
      blocks.push_back(std::move(b));
    }
  }
  s.blocks = std::move(blocks);
  s.blocks_comp_bytes = comp;
  s.open = std::move(open);
  s.flushed_seq = c.base_seq;
  if (c.last_ts != INT64_MIN) {
    s.last_ts = c.last_ts;
    s.last_line = c.last_line;
    s.last_md = c.last_md;
  }
  s.next_seq = std::max(c.next_seq, c.base_seq);
  s.checkpointed_seq = s.next_seq;
  RecomputeChunkRange(s);
  if (s.has_head_data()) {
    s.min_t = std::min(s.min_t, s.chunk_mint);
    s.max_t = std::max(s.max_t, s.chunk_maxt);
  }
  return Status::OK();
}

bool Head::FindRef(uint64_t ref, StreamId* id) const {
  if (ref >= by_ref_.size() || by_ref_[ref] == kNoStream) return false;
  *id = by_ref_[ref];
  return true;
}

model::Labels Head::LabelsOf(StreamId id) const {
  const MemStream& s = streams_[id];
  std::vector<model::Label> out;
  out.reserve(s.labels.size() / 2);
  for (size_t i = 0; i + 1 < s.labels.size(); i += 2) {
    out.push_back(
        {std::string(symbols_.Lookup(s.labels[i])), std::string(symbols_.Lookup(s.labels[i + 1]))});
  }
  return model::Labels::FromSorted(std::move(out));
}

std::string Head::LabelsString(StreamId id) const { return LabelsOf(id).ToString(); }

// --- Appending ----------------------------------------------------------------------------

void Head::CutBlock(MemStream& s) {
  if (s.open.empty()) return;
  auto b = std::make_shared<CompressedBlock>();
  if (!CompressBlock(s.open, options_.codec, options_.codec_level, b.get()).ok()) {
    // Only a codec failure (out of memory) gets here: keep the entries in the open block.
    return;
  }
  s.blocks_comp_bytes += b->data.size();
  s.blocks.push_back(std::move(b));
  s.open.Clear();
}

void Head::FlushStream(MemStream& s, std::vector<FlushedChunk>* done) {
  CutBlock(s);
  if (s.blocks.empty()) return;
  FlushedChunk c;
  c.ref = s.ref;
  c.first_seq = s.flushed_seq;
  c.mint = INT64_MAX;
  c.maxt = INT64_MIN;
  std::vector<const CompressedBlock*> ptrs;
  for (const auto& b : s.blocks) {
    ptrs.push_back(b.get());
    c.blocks.push_back(b->meta);
    c.mint = std::min(c.mint, b->meta.mint);
    c.maxt = std::max(c.maxt, b->meta.maxt);
    c.entries += b->meta.entries;
    c.bytes += b->meta.bytes;
  }
  c.data = EncodeChunk(options_.codec, ptrs);
  if (!s.persisted) {
    c.labels = LabelsOf(static_cast<StreamId>(by_ref_[s.ref]));
    s.persisted = true;
  }
  c.end_seq = s.next_seq;
  done->push_back(std::move(c));
  s.blocks.clear();
  s.blocks_comp_bytes = 0;
  s.flushed_seq = s.next_seq;
  s.checkpointed_seq = UINT64_MAX;  // LogStore deletes the checkpoint record with the flush
  s.chunk_mint = INT64_MAX;
  s.chunk_maxt = INT64_MIN;
}

void Head::AppendUnchecked(MemStream& s, int64_t ts, std::string_view line, std::string_view md,
                           int64_t now_wall, std::vector<FlushedChunk>* done) {
  if (s.has_head_data() && static_cast<uint64_t>(std::max(s.chunk_maxt, ts)) -
                                   static_cast<uint64_t>(std::min(s.chunk_mint, ts)) >
                               static_cast<uint64_t>(options_.max_chunk_age_ns)) {
    FlushStream(s, done);
  }
  if (!s.has_head_data()) s.chunk_created_wall = now_wall;
  s.open.Append(ts, line, md);
  s.chunk_mint = std::min(s.chunk_mint, ts);
  s.chunk_maxt = std::max(s.chunk_maxt, ts);
  s.min_t = std::min(s.min_t, ts);
  s.max_t = std::max(s.max_t, ts);
  s.last_append_wall = now_wall;
  ++s.next_seq;
  if (s.open.bytes() >= options_.block_bytes) {
    CutBlock(s);
    if (s.blocks_comp_bytes >= options_.chunk_target_bytes) FlushStream(s, done);
  }
}

AppendResult Head::Append(StreamId id, int64_t ts, std::string_view line, std::string_view md,
                          int64_t now_wall, std::vector<FlushedChunk>* done) {
  MemStream& s = streams_[id];
  if (ts == s.last_ts && line == s.last_line && md == s.last_md) return {AppendKind::kDuplicate};
  if (s.max_t != INT64_MIN && ts < s.max_t - options_.ooo_window_ns) {
    return {AppendKind::kTooFarBehind, s.max_t - options_.ooo_window_ns};
  }
  AppendUnchecked(s, ts, line, md, now_wall, done);
  s.last_ts = ts;
  s.last_line.assign(line);
  s.last_md.assign(md);
  return {AppendKind::kAccepted};
}

bool Head::Replay(StreamId id, uint64_t seq, int64_t ts, std::string_view line, std::string_view md,
                  int64_t now_wall, std::vector<FlushedChunk>* done, uint64_t* gaps) {
  MemStream& s = streams_[id];
  if (seq < s.next_seq) return false;
  if (seq > s.next_seq) {
    ++*gaps;  // entries [next_seq, seq) were lost with a corrupt WAL segment
    s.next_seq = seq;
  }
  AppendUnchecked(s, ts, line, md, now_wall, done);
  s.last_ts = ts;
  s.last_line.assign(line);
  s.last_md.assign(md);
  return true;
}

void Head::Skip(StreamId id, uint64_t seq) {
  MemStream& s = streams_[id];
  s.next_seq = std::max(s.next_seq, seq + 1);
}

Result<uint64_t> Head::DeleteEntries(StreamId id, int64_t mint, int64_t maxt,
                                     const EntryPredicate& pred) {
  MemStream& s = streams_[id];
  uint64_t deleted = 0;
  // Built aside and swapped in at the end, so an error leaves the stream as it was.
  std::vector<std::shared_ptr<const CompressedBlock>> blocks;
  uint64_t comp = 0;
  for (const auto& b : s.blocks) {
    if (b->meta.mint > maxt || b->meta.maxt < mint) {
      comp += b->meta.comp_len;
      blocks.push_back(b);
      continue;
    }
    DecodedBlock d;
    LOUPE_RETURN_IF_ERROR(DecompressBlock(options_.codec, b->meta, b->data, &d));
    HeadBlock keep;
    const uint64_t n = FilterBlock(d, mint, maxt, pred, &keep);
    deleted += n;
    if (n == 0) {
      comp += b->meta.comp_len;
      blocks.push_back(b);
    } else if (!keep.empty()) {
      auto nb = std::make_shared<CompressedBlock>();
      LOUPE_RETURN_IF_ERROR(CompressBlock(keep, options_.codec, options_.codec_level, nb.get()));
      comp += nb->meta.comp_len;
      blocks.push_back(std::move(nb));
    }
  }
  HeadBlock open;
  uint64_t open_deleted = 0;
  std::vector<model::LabelRef> md;
  if (!s.open.empty() && s.open.mint() <= maxt && s.open.maxt() >= mint) {
    for (size_t i = 0; i < s.open.size(); ++i) {
      const int64_t ts = s.open.ts(i);
      if (ts >= mint && ts <= maxt &&
          EntryMatches(pred, ts, s.open.line(i), s.open.metadata(i), &md)) {
        ++open_deleted;
      } else {
        open.Append(ts, s.open.line(i), s.open.metadata(i));
      }
    }
  }
  deleted += open_deleted;
  if (s.last_ts != INT64_MIN && s.last_ts >= mint && s.last_ts <= maxt &&
      EntryMatches(pred, s.last_ts, s.last_line, s.last_md, &md)) {
    s.last_ts = INT64_MIN;
    std::string().swap(s.last_line);
    std::string().swap(s.last_md);
    s.checkpointed_seq = UINT64_MAX;
  }
  if (deleted == 0) return deleted;
  s.blocks = std::move(blocks);
  s.blocks_comp_bytes = comp;
  if (open_deleted > 0) s.open = std::move(open);
  RecomputeChunkRange(s);
  s.checkpointed_seq = UINT64_MAX;
  return deleted;
}

void Head::Flush(StreamId id, std::vector<FlushedChunk>* done) { FlushStream(streams_[id], done); }

size_t Head::FlushIdle(int64_t now_wall, int64_t idle_ns, int64_t max_age_ns,
                       std::vector<FlushedChunk>* done) {
  size_t n = 0;
  for (auto& s : streams_) {
    if (s.dead || !s.has_head_data()) continue;
    if (now_wall - s.last_append_wall >= idle_ns || now_wall - s.chunk_created_wall >= max_age_ns) {
      FlushStream(s, done);
      ++n;
    }
  }
  return n;
}

// --- Index --------------------------------------------------------------------------------

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
    // Streams without the label match; so do those whose value matches. Subtract the rest.
    if (!values) return all_;
    for (SymbolId v : *values) {
      if (!m.Matches(symbols_.Lookup(v))) {
        if (const auto* p = PostingsFor(name, v)) lists.push_back(p);
      }
    }
    return lists.empty() ? all_ : tsdb::Without(all_, tsdb::Merge(lists));
  }
  if (!values) return {};
  for (SymbolId v : *values) {
    if (m.Matches(symbols_.Lookup(v))) {
      if (const auto* p = PostingsFor(name, v)) lists.push_back(p);
    }
  }
  return tsdb::Merge(lists);
}

PostingsList Head::Select(const std::vector<model::Matcher>& matchers) const {
  if (matchers.empty()) return all_;
  std::vector<const model::Matcher*> order;
  for (const auto& m : matchers) order.push_back(&m);
  std::stable_sort(order.begin(), order.end(),
                   [](const model::Matcher* a, const model::Matcher* b) {
                     auto rank = [](const model::Matcher* m) {
                       if (m->type() == model::MatchType::kEqual && !m->value().empty()) return 0;
                       return m->MatchesEmpty() ? 2 : 1;
                     };
                     return rank(a) < rank(b);
                   });
  PostingsList result = MatcherPostings(*order[0]);
  for (size_t i = 1; i < order.size() && !result.empty(); ++i) {
    result = tsdb::Intersect(result, MatcherPostings(*order[i]));
  }
  return result;
}

PostingsList Head::FilterByTime(const PostingsList& ids, int64_t mint, int64_t maxt) const {
  PostingsList out;
  out.reserve(ids.size());
  for (StreamId id : ids) {
    const MemStream& s = streams_[id];
    if (!s.dead && s.min_t <= maxt && s.max_t >= mint) out.push_back(id);
  }
  return out;
}

std::vector<std::string> Head::LabelNames(const PostingsList* ids) const {
  std::vector<SymbolId> names;
  if (!ids) {
    for (const auto& [name, values] : values_of_) {
      for (SymbolId v : values) {
        const auto* p = PostingsFor(name, v);
        if (p && !p->empty()) {
          names.push_back(name);
          break;
        }
      }
    }
  } else {
    for (StreamId id : *ids) {
      const MemStream& s = streams_[id];
      for (size_t i = 0; i < s.labels.size(); i += 2) names.push_back(s.labels[i]);
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
  }
  std::vector<std::string> out;
  for (SymbolId n : names) out.emplace_back(symbols_.Lookup(n));
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> Head::LabelValues(std::string_view name, const PostingsList* ids) const {
  std::vector<std::string> out;
  SymbolId n;
  if (!symbols_.Find(name, &n)) return out;
  std::vector<SymbolId> values;
  if (!ids) {
    auto it = values_of_.find(n);
    if (it == values_of_.end()) return out;
    for (SymbolId v : it->second) {
      const auto* p = PostingsFor(n, v);
      if (p && !p->empty()) values.push_back(v);
    }
  } else {
    for (StreamId id : *ids) {
      const MemStream& s = streams_[id];
      for (size_t i = 0; i + 1 < s.labels.size(); i += 2) {
        if (s.labels[i] == n) values.push_back(s.labels[i + 1]);
      }
    }
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
  }
  for (SymbolId v : values) out.emplace_back(symbols_.Lookup(v));
  std::sort(out.begin(), out.end());
  return out;
}

// --- Reads, checkpoints, retention --------------------------------------------------------

HeadSnapshot Head::Snapshot(StreamId id, int64_t mint, int64_t maxt) const {
  const MemStream& s = streams_[id];
  HeadSnapshot snap;
  snap.flushed_seq = s.flushed_seq;
  for (const auto& b : s.blocks) {
    if (b->meta.mint <= maxt && b->meta.maxt >= mint) snap.blocks.push_back(b);
  }
  if (!s.open.empty() && s.open.mint() <= maxt && s.open.maxt() >= mint) {
    s.open.EncodeRaw(/*sort=*/true, mint, maxt, &snap.open_raw, &snap.open_entries);
    if (snap.open_entries == 0) snap.open_raw.clear();
    snap.open_mint = std::max(mint, s.open.mint());
    snap.open_maxt = std::min(maxt, s.open.maxt());
  }
  return snap;
}

HeadUsage Head::Usage(StreamId id, int64_t mint, int64_t maxt) const {
  const MemStream& s = streams_[id];
  HeadUsage u;
  for (const auto& b : s.blocks) {
    if (b->meta.mint <= maxt && b->meta.maxt >= mint) {
      u.entries += b->meta.entries;
      u.bytes += b->meta.bytes;
    }
  }
  for (size_t i = 0; i < s.open.size(); ++i) {
    const int64_t t = s.open.ts(i);
    if (t >= mint && t <= maxt) {
      ++u.entries;
      u.bytes += s.open.line(i).size() + s.open.metadata(i).size();
    }
  }
  u.chunks = u.entries > 0 ? 1 : 0;
  return u;
}

StreamId Head::CollectCheckpoint(StreamId from, size_t max, std::vector<StreamCheckpoint>* out) {
  StreamId id = from;
  for (; id < streams_.size() && out->size() < max; ++id) {
    MemStream& s = streams_[id];
    if (s.dead || (s.persisted && s.checkpointed_seq == s.next_seq)) continue;
    StreamCheckpoint c;
    c.ref = s.ref;
    if (!s.persisted) {
      c.labels = LabelsOf(id);
      s.persisted = true;
    }
    c.base_seq = s.flushed_seq;
    c.next_seq = s.next_seq;
    c.max_t = s.max_t;
    if (!s.blocks.empty()) {
      std::vector<const CompressedBlock*> ptrs;
      for (const auto& b : s.blocks) ptrs.push_back(b.get());
      c.chunk = EncodeChunk(options_.codec, ptrs);
    }
    if (!s.open.empty()) {
      uint32_t n;
      s.open.EncodeRaw(/*sort=*/false, INT64_MIN, INT64_MAX, &c.open, &n);
    }
    c.last_ts = s.last_ts;
    c.last_line = s.last_line;
    c.last_md = s.last_md;
    s.checkpointed_seq = s.next_seq;
    out->push_back(std::move(c));
  }
  return id;
}

void Head::MarkDirty(uint64_t ref) {
  StreamId id;
  if (!FindRef(ref, &id)) return;
  streams_[id].checkpointed_seq = UINT64_MAX;
  streams_[id].persisted = false;  // rewriting the labels is harmless; losing them is not
}

std::vector<uint64_t> Head::RemoveStreamsBefore(int64_t cutoff) {
  std::vector<uint64_t> removed;
  for (StreamId id = 0; id < streams_.size(); ++id) {
    MemStream& s = streams_[id];
    if (s.dead || s.max_t >= cutoff) continue;
    removed.push_back(s.ref);
    s.dead = true;
    s.blocks.clear();
    s.blocks.shrink_to_fit();
    s.open = HeadBlock();
    std::string().swap(s.last_line);
    std::string().swap(s.last_md);
    if (s.ref < by_ref_.size()) by_ref_[s.ref] = kNoStream;
    --live_streams_;
  }
  if (!removed.empty()) RebuildIndex();
  return removed;
}

void Head::RebuildIndex() {
  postings_.clear();
  values_of_.clear();
  all_.clear();
  by_hash_.clear();
  for (StreamId id = 0; id < streams_.size(); ++id) {
    MemStream& s = streams_[id];
    s.next_same_hash = kNoStream;
    if (s.dead) continue;
    auto [it, inserted] = by_hash_.emplace(s.hash, id);
    if (!inserted) {
      s.next_same_hash = it->second;
      it->second = id;
    }
    IndexStream(id);
  }
}

size_t Head::CountActive(int64_t now_wall, int64_t window_ns) const {
  size_t n = 0;
  for (const auto& s : streams_) {
    if (!s.dead && now_wall - s.last_append_wall < window_ns) ++n;
  }
  return n;
}

uint64_t Head::MemoryBytes() const {
  uint64_t bytes = symbols_.bytes();
  for (const auto& s : streams_) {
    bytes += sizeof(MemStream) + s.labels.capacity() * sizeof(SymbolId) + s.open.MemoryBytes() +
             s.last_line.capacity() + s.last_md.capacity();
    for (const auto& b : s.blocks) bytes += b->data.capacity() + sizeof(CompressedBlock);
  }
  for (const auto& [k, list] : postings_) bytes += 48 + list.capacity() * sizeof(StreamId);
  bytes += by_hash_.size() * 16 + by_ref_.capacity() * sizeof(StreamId);
  return bytes;
}

uint64_t Head::HeadEntries() const {
  uint64_t n = 0;
  for (const auto& s : streams_) {
    if (s.dead) continue;
    n += s.open.size();
    for (const auto& b : s.blocks) n += b->meta.entries;
  }
  return n;
}

}  // namespace loupe::storage::logstore
