// LogStore: the read side — stream selection, entry iterators, series/label queries, index
// stats and volume.
#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <map>

#include "storage/logstore/keys.h"
#include "storage/logstore/log_store.h"
#include "storage/logstore/log_store_scan.h"

namespace loupe::storage::logstore {
namespace {

// [start, end) to an inclusive [mint, maxt]; false when empty.
bool InclusiveRange(int64_t start, int64_t end, int64_t* mint, int64_t* maxt) {
  if (end <= start) return false;
  *mint = start;
  *maxt = end - 1;
  return true;
}

}  // namespace

int64_t LogStore::Lookback(const Tenant& t) const {
  return std::max<int64_t>(t.max_span.load(), options_.head.max_chunk_age_ns);
}

PostingsList LogStore::SelectIds(const Tenant& t,
                                 const std::vector<std::vector<model::Matcher>>& selectors,
                                 int64_t mint, int64_t maxt) const {
  PostingsList ids;
  if (selectors.empty()) {
    ids = t.head.Select({});
  } else {
    std::vector<PostingsList> parts;
    for (const auto& sel : selectors) parts.push_back(t.head.Select(sel));
    std::vector<const PostingsList*> ptrs;
    for (const auto& p : parts) ptrs.push_back(&p);
    ids = tsdb::Merge(ptrs);
  }
  return t.head.FilterByTime(ids, mint, maxt);
}

Result<std::vector<SelectedStream>> LogStore::Select(std::string_view tenant,
                                                     const SelectRequest& req) {
  std::vector<SelectedStream> out;
  int64_t mint, maxt;
  Tenant* t = FindTenant(tenant);
  if (!t || !InclusiveRange(req.start_ns, req.end_ns, &mint, &maxt)) return out;
  struct Pending {
    model::Labels labels;
    uint64_t ref;
    HeadSnapshot head;
    std::vector<BlockSource> sources;
  };
  std::vector<Pending> pending;
  {
    std::shared_lock lock(t->mu);
    for (StreamId id : t->head.FilterByTime(t->head.Select(req.matchers), mint, maxt)) {
      pending.push_back(
          {t->head.LabelsOf(id), t->head.Ref(id), t->head.Snapshot(id, mint, maxt), {}});
    }
  }
  if (pending.empty()) return out;
  absl::flat_hash_map<uint64_t, size_t> by_ref;
  for (size_t i = 0; i < pending.size(); ++i) by_ref.emplace(pending[i].ref, i);
  // Persisted chunks first: their keys come from the index, their bytes only when read.
  LOUPE_RETURN_IF_ERROR(
      ScanIndex(*t, mint, maxt,
                [&](std::string_view key, const ParsedChunkKey& pk, const ChunkIndexValue& v) {
                  auto it = by_ref.find(pk.stream);
                  if (it == by_ref.end()) return;
                  Pending& p = pending[it->second];
                  // Chunks flushed after the head snapshot hold entries the snapshot still has.
                  if (pk.seq >= p.head.flushed_seq) return;
                  std::shared_ptr<ChunkHandle> h;
                  for (uint32_t b = 0; b < v.blocks.size(); ++b) {
                    const IndexBlock& ib = v.blocks[b];
                    if (ib.mint > maxt || ib.maxt < mint) continue;
                    if (!h) {
                      h = std::make_shared<ChunkHandle>();
                      h->key = std::string(key);
                      h->num_blocks = static_cast<uint32_t>(v.blocks.size());
                    }
                    h->pending_sources++;
                    BlockSource s;
                    s.mint = ib.mint;
                    s.maxt = ib.maxt;
                    s.chunk = h;
                    s.block_index = b;
                    p.sources.push_back(std::move(s));
                  }
                }));
  for (auto& p : pending) {
    for (auto& b : p.head.blocks) {
      BlockSource s;
      s.mint = b->meta.mint;
      s.maxt = b->meta.maxt;
      s.mem = std::move(b);
      s.mem_codec = options_.head.codec;
      p.sources.push_back(std::move(s));
    }
    if (p.head.open_entries > 0) {
      BlockSource s;
      s.mint = p.head.open_mint;
      s.maxt = p.head.open_maxt;
      s.raw = std::make_shared<const std::string>(std::move(p.head.open_raw));
      p.sources.push_back(std::move(s));
    }
    if (p.sources.empty()) continue;
    SelectedStream ss;
    ss.labels = std::move(p.labels);
    ss.ref = p.ref;
    ss.entries = std::make_unique<EntryIterator>(&kv_, chunks_cf_, std::move(p.sources), mint, maxt,
                                                 req.direction, req.filter, &corrupt_blocks_);
    out.push_back(std::move(ss));
  }
  std::sort(out.begin(), out.end(),
            [](const SelectedStream& a, const SelectedStream& b) { return a.labels < b.labels; });
  return out;
}

Result<std::vector<model::Labels>> LogStore::Series(
    std::string_view tenant, const std::vector<std::vector<model::Matcher>>& selectors,
    int64_t start_ns, int64_t end_ns, size_t limit) {
  std::vector<model::Labels> out;
  int64_t mint, maxt;
  Tenant* t = FindTenant(tenant);
  if (!t || !InclusiveRange(start_ns, end_ns, &mint, &maxt)) return out;
  {
    std::shared_lock lock(t->mu);
    for (StreamId id : SelectIds(*t, selectors, mint, maxt)) out.push_back(t->head.LabelsOf(id));
  }
  std::sort(out.begin(), out.end());
  if (limit > 0 && out.size() > limit) out.resize(limit);
  return out;
}

Result<std::vector<std::string>> LogStore::LabelNames(
    std::string_view tenant, const std::vector<std::vector<model::Matcher>>& selectors,
    int64_t start_ns, int64_t end_ns) {
  int64_t mint, maxt;
  Tenant* t = FindTenant(tenant);
  if (!t || !InclusiveRange(start_ns, end_ns, &mint, &maxt)) return std::vector<std::string>{};
  std::shared_lock lock(t->mu);
  const PostingsList ids = SelectIds(*t, selectors, mint, maxt);
  return t->head.LabelNames(&ids);
}

Result<std::vector<std::string>> LogStore::LabelValues(
    std::string_view tenant, std::string_view name,
    const std::vector<std::vector<model::Matcher>>& selectors, int64_t start_ns, int64_t end_ns) {
  int64_t mint, maxt;
  Tenant* t = FindTenant(tenant);
  if (!t || !InclusiveRange(start_ns, end_ns, &mint, &maxt)) return std::vector<std::string>{};
  std::shared_lock lock(t->mu);
  const PostingsList ids = SelectIds(*t, selectors, mint, maxt);
  return t->head.LabelValues(name, &ids);
}

// Per-stream usage (head + persisted blocks overlapping the range), for Stats and Volume.
struct LogStore::ChunkScan {
  struct PerStream {
    model::Labels labels;
    uint64_t flushed_seq = 0;
    HeadUsage usage;
  };
  std::vector<PerStream> streams;
};

Result<IndexStats> LogStore::Stats(std::string_view tenant,
                                   const std::vector<model::Matcher>& matchers, int64_t start_ns,
                                   int64_t end_ns) {
  IndexStats st;
  int64_t mint, maxt;
  Tenant* t = FindTenant(tenant);
  if (!t || !InclusiveRange(start_ns, end_ns, &mint, &maxt)) return st;
  ChunkScan scan;
  absl::flat_hash_map<uint64_t, size_t> by_ref;
  {
    std::shared_lock lock(t->mu);
    for (StreamId id : t->head.FilterByTime(t->head.Select(matchers), mint, maxt)) {
      by_ref.emplace(t->head.Ref(id), scan.streams.size());
      scan.streams.push_back({{}, t->head.stream(id).flushed_seq, t->head.Usage(id, mint, maxt)});
    }
  }
  LOUPE_RETURN_IF_ERROR(ScanIndex(
      *t, mint, maxt, [&](std::string_view, const ParsedChunkKey& pk, const ChunkIndexValue& v) {
        auto it = by_ref.find(pk.stream);
        if (it == by_ref.end() || pk.seq >= scan.streams[it->second].flushed_seq) return;
        HeadUsage& u = scan.streams[it->second].usage;
        bool any = false;
        for (const auto& b : v.blocks) {
          if (b.mint > maxt || b.maxt < mint) continue;
          any = true;
          u.entries += b.entries;
          u.bytes += b.bytes;
        }
        if (any) u.chunks++;
      }));
  for (const auto& s : scan.streams) {
    if (s.usage.entries == 0) continue;
    st.streams++;
    st.chunks += s.usage.chunks;
    st.entries += s.usage.entries;
    st.bytes += s.usage.bytes;
  }
  return st;
}

Result<std::vector<VolumeEntry>> LogStore::Volume(std::string_view tenant,
                                                  const std::vector<model::Matcher>& matchers,
                                                  int64_t start_ns, int64_t end_ns,
                                                  const std::vector<std::string>& target_labels,
                                                  VolumeAggregation aggregation, size_t limit) {
  std::vector<VolumeEntry> out;
  int64_t mint, maxt;
  Tenant* t = FindTenant(tenant);
  if (!t || !InclusiveRange(start_ns, end_ns, &mint, &maxt)) return out;
  ChunkScan scan;
  absl::flat_hash_map<uint64_t, size_t> by_ref;
  {
    std::shared_lock lock(t->mu);
    for (StreamId id : t->head.FilterByTime(t->head.Select(matchers), mint, maxt)) {
      by_ref.emplace(t->head.Ref(id), scan.streams.size());
      scan.streams.push_back(
          {t->head.LabelsOf(id), t->head.stream(id).flushed_seq, t->head.Usage(id, mint, maxt)});
    }
  }
  LOUPE_RETURN_IF_ERROR(ScanIndex(
      *t, mint, maxt, [&](std::string_view, const ParsedChunkKey& pk, const ChunkIndexValue& v) {
        auto it = by_ref.find(pk.stream);
        if (it == by_ref.end() || pk.seq >= scan.streams[it->second].flushed_seq) return;
        HeadUsage& u = scan.streams[it->second].usage;
        for (const auto& b : v.blocks) {
          if (b.mint > maxt || b.maxt < mint) continue;
          u.entries += b.entries;
          u.bytes += b.bytes;
        }
      }));
  if (aggregation == VolumeAggregation::kSeries) {
    std::vector<std::string> group = target_labels;
    if (group.empty()) {
      for (const auto& m : matchers) group.push_back(m.name());
    }
    std::map<model::Labels, std::pair<uint64_t, uint64_t>> groups;
    for (const auto& s : scan.streams) {
      if (s.usage.entries == 0) continue;
      auto& g = groups[group.empty() ? s.labels : s.labels.Keep(group)];
      g.first += s.usage.bytes;
      g.second += s.usage.entries;
    }
    for (auto& [labels, v] : groups) out.push_back({labels, {}, v.first, v.second});
  } else {
    std::map<std::string, std::pair<uint64_t, uint64_t>> groups;
    for (const auto& s : scan.streams) {
      if (s.usage.entries == 0) continue;
      for (const auto& l : s.labels) {
        if (!target_labels.empty() &&
            std::find(target_labels.begin(), target_labels.end(), l.name) == target_labels.end()) {
          continue;
        }
        auto& g = groups[l.name];
        g.first += s.usage.bytes;
        g.second += s.usage.entries;
      }
    }
    for (auto& [name, v] : groups) out.push_back({{}, name, v.first, v.second});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const VolumeEntry& a, const VolumeEntry& b) { return a.bytes > b.bytes; });
  if (limit > 0 && out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace loupe::storage::logstore
