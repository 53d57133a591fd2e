// SpanStore reads: trace by ID, scans, and the decoded-block cache.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "storage/spanstore/keys.h"
#include "storage/spanstore/span_store.h"
#include "storage/spanstore/span_store_internal.h"

namespace loupe::storage::spanstore {

// --- Decoded-block cache --------------------------------------------------------------------

std::shared_ptr<PersistedBlock> SpanStore::OpenBlock(uint32_t tenant, const std::shared_ptr<const BlockMeta>& m) {
  std::lock_guard lock(cache_mu_);
  const auto key = std::make_pair(tenant, m->id);
  if (auto it = cache_.find(key); it != cache_.end()) {
    it->second.second = ++cache_tick_;
    return it->second.first;
  }
  const uint64_t block = m->id;
  auto loader = [this, tenant, block](uint32_t unit, std::string* stored) -> Status {
    auto s = kv_.Get(index_cf_, UnitKey(tenant, block, unit), stored);
    if (s.code() == loupe::StatusCode::kNotFound) {
      return Status::Corruption("span block " + std::to_string(block) + ": unit " + std::to_string(unit) +
                                " is missing");
    }
    return s;
  };
  auto b = std::make_shared<PersistedBlock>(m, loader);
  cache_[key] = {b, ++cache_tick_};
  return b;
}

void SpanStore::TrimCache() {
  // Blocks grow as their units load, so the budget is enforced after use, not at insertion.
  // Evicted blocks in use live on in their users.
  std::lock_guard lock(cache_mu_);
  uint64_t total = 0;
  for (const auto& [k, v] : cache_) total += v.first->MemoryBytes();
  while (total > options_.block_cache_bytes && !cache_.empty()) {
    auto victim = cache_.begin();
    for (auto it = cache_.begin(); it != cache_.end(); ++it) {
      if (it->second.second < victim->second.second) victim = it;
    }
    total -= std::min<uint64_t>(total, victim->second.first->MemoryBytes());
    cache_.erase(victim);
  }
}

void SpanStore::EvictBlocks(uint32_t tenant, uint64_t below_id) {
  std::lock_guard lock(cache_mu_);
  for (auto it = cache_.begin(); it != cache_.end();) {
    if (it->first.first == tenant && it->first.second < below_id) {
      it = cache_.erase(it);
    } else {
      ++it;
    }
  }
}

// --- Trace by ID ----------------------------------------------------------------------------

Result<TraceResult> SpanStore::FindTraceByID(std::string_view tenant, const TraceId& id, const TraceQuery& q) {
  TraceResult out;
  Tenant* t = FindTenant(tenant);
  if (!t) return out;
  const uint64_t max_bytes = q.max_bytes ? q.max_bytes : options_.max_bytes_per_trace;
  TraceAssembler as(max_bytes);
  std::vector<std::string> mem_records;
  std::vector<std::shared_ptr<const BlockMeta>> candidates;
  {
    std::shared_lock lock(t->mu);
    TraceRecordWriter w;
    for (const auto& b : t->blocks) {
      if (Overlaps(b->min_start, b->max_end, q.start_ns, q.end_ns) && b->bloom.MayContain(id)) {
        candidates.push_back(b);
      }
    }
    for (const auto& f : t->frozen) {
      if (f->head->TraceRecord(id, &w)) mem_records.push_back(w.Finish());
    }
    if (t->head->TraceRecord(id, &w)) mem_records.push_back(w.Finish());
  }
  std::string stored, raw;
  uint64_t corrupt = 0;
  // Oldest first, so the first copy of a re-sent span wins.
  for (const auto& b : candidates) {
    auto s = kv_.Get(traces_cf_, TraceKey(t->id, b->id, id), &stored);
    if (s.code() == loupe::StatusCode::kNotFound) continue;
    LOUPE_RETURN_IF_ERROR(s);
    out.inspected_bytes += stored.size();
    const RecordDict* dict = nullptr;
    if (b->has_record_dict) {
      auto d = OpenBlock(t->id, b)->RecordDictionary();
      s = d.status();
      if (d.ok()) dict = *d;
    }
    if (s.ok()) s = UnpackValue(stored, &raw, dict);
    if (s.ok()) s = as.Add(raw);
    if (!s.ok()) {
      ++corrupt;
      spdlog::warn("span store: trace {} in block {}: {}", id.Hex(), b->id, s.message());
    }
  }
  for (const auto& r : mem_records) {
    out.inspected_bytes += r.size();
    LOUPE_RETURN_IF_ERROR(as.Add(r));
  }
  corrupt_reads_ += corrupt;
  if (!candidates.empty()) TrimCache();
  out.span_count = as.span_count();
  out.found = as.span_count() > 0;
  if (as.partial()) {
    out.partial = true;
    out.message = "trace exceeds max size (max bytes: " + std::to_string(max_bytes) + ")";
  } else if (corrupt > 0) {
    out.partial = true;
    out.message = "part of the trace could not be read: " + std::to_string(corrupt) + " corrupt record(s)";
  }
  as.Release(&out.resource_spans);
  return out;
}

// --- Scans ----------------------------------------------------------------------------------

Status SpanStore::Scan(std::string_view tenant, const ScanRequest& req,
                       const std::function<bool(const SpanBatch&)>& fn, ScanStats* stats) {
  ScanFilter f;
  if (!req.predicates.empty()) {
    const std::vector<Predicate>* preds = &req.predicates;
    const bool all = req.match_all;
    f.may_match = [preds, all](const BlockMeta& m) {
      for (const auto& p : *preds) {
        const bool may = p.MayMatch(m);
        if (all && !may) return false;
        if (!all && may) return true;
      }
      return all;
    };
    f.eval = [preds, all](BlockSource& b, std::vector<uint8_t>* matched) -> Status {
      const size_t n = matched->size();
      if (!all) {
        for (const auto& p : *preds) LOUPE_RETURN_IF_ERROR(p.Evaluate(b, matched));
        return Status::OK();
      }
      LOUPE_RETURN_IF_ERROR((*preds)[0].Evaluate(b, matched));
      std::vector<uint8_t> tmp;
      for (size_t i = 1; i < preds->size(); ++i) {
        if (std::find(matched->begin(), matched->end(), 1) == matched->end()) break;
        tmp.assign(n, 0);
        LOUPE_RETURN_IF_ERROR((*preds)[i].Evaluate(b, &tmp));
        for (size_t r = 0; r < n; ++r) (*matched)[r] &= tmp[r];
      }
      return Status::OK();
    };
  }
  return ScanWith(tenant, f, req, fn, stats);
}

Status SpanStore::ScanWith(std::string_view tenant, const ScanFilter& f, const ScanRequest& req,
                           const std::function<bool(const SpanBatch&)>& fn, ScanStats* stats) {
  ScanStats local;
  ScanStats& st = stats ? *stats : local;
  Tenant* t = FindTenant(tenant);
  if (!t) return Status::OK();
  std::vector<std::shared_ptr<Frozen>> frozen;
  std::vector<std::shared_ptr<const BlockMeta>> blocks;
  size_t handed = 0;
  bool stop = false;
  {
    // The live head is read under the tenant's shared lock (writers wait).
    std::shared_lock lock(t->mu);
    frozen = t->frozen;
    blocks = t->blocks;
    st.blocks_total = static_cast<uint32_t>(blocks.size() + frozen.size() + 1);
    HeadSource hs(t->head->columns(), UINT64_MAX);
    st.blocks_inspected++;
    LOUPE_RETURN_IF_ERROR(ScanSource(hs, f, req, fn, &st, &handed, &stop));
  }
  for (auto it = frozen.rbegin(); it != frozen.rend() && !stop; ++it) {
    HeadSource hs((*it)->head->columns(), (*it)->block_id);
    st.blocks_inspected++;
    LOUPE_RETURN_IF_ERROR(ScanSource(hs, f, req, fn, &st, &handed, &stop));
  }
  for (auto it = blocks.rbegin(); it != blocks.rend() && !stop; ++it) {
    const BlockMeta& m = **it;
    if (!Overlaps(m.min_start, m.max_end, req.start_ns, req.end_ns) || (f.may_match && !f.may_match(m))) {
      st.blocks_pruned++;
      continue;
    }
    auto block = OpenBlock(t->id, *it);
    st.blocks_inspected++;
    const uint64_t before = block->bytes_read();
    auto s = ScanSource(*block, f, req, fn, &st, &handed, &stop);
    st.bytes_read += block->bytes_read() - before;
    TrimCache();
    if (!s.ok()) {
      if (s.code() == loupe::StatusCode::kCorruption) corrupt_reads_++;
      return s;
    }
  }
  return Status::OK();
}

Status SpanStore::ScanSource(BlockSource& src, const ScanFilter& f, const ScanRequest& req,
                             const std::function<bool(const SpanBatch&)>& fn, ScanStats* st, size_t* handed,
                             bool* stop) {
  const BlockMeta* meta = src.meta();
  const uint32_t ns = meta ? meta->num_spans : src.cols().num_spans();
  if (ns == 0) return Status::OK();
  st->spans_inspected += ns;
  std::vector<uint8_t> matched(ns, f.eval ? 0 : 1);
  if (f.eval) LOUPE_RETURN_IF_ERROR(f.eval(src, &matched));
  if (std::find(matched.begin(), matched.end(), 1) == matched.end()) return Status::OK();
  LOUPE_RETURN_IF_ERROR(src.Ensure(kUnitTraces));
  const BlockColumns& c = src.cols();
  const uint32_t nt = c.num_traces();

  // Traces with a matching span (and inside the time range).
  std::vector<uint8_t> trace_hit(nt, 0);
  for (uint32_t r = 0; r < ns; ++r) {
    if (matched[r]) trace_hit[c.span_trace[r]] = 1;
  }
  std::vector<SpanBatch::Trace> traces;
  std::vector<uint32_t> rows;
  const size_t remaining = req.max_traces ? req.max_traces - *handed : SIZE_MAX;
  if (!c.trace_first_row.empty()) {
    // Persisted: a trace's spans are one row range.
    for (uint32_t t = 0; t < nt && traces.size() < remaining; ++t) {
      if (!trace_hit[t] || !Overlaps(c.trace_start[t], c.trace_end[t], req.start_ns, req.end_ns)) continue;
      SpanBatch::Trace tr{t, static_cast<uint32_t>(rows.size()), 0};
      for (uint32_t r = c.trace_first_row[t]; r < c.trace_first_row[t + 1]; ++r) {
        if (req.whole_traces || matched[r]) rows.push_back(r);
      }
      tr.end = static_cast<uint32_t>(rows.size());
      traces.push_back(tr);
    }
  } else {
    // Head: rows in arrival order; bucket them by trace.
    std::vector<uint32_t> slot(nt, UINT32_MAX);
    for (uint32_t t = 0; t < nt; ++t) {
      if (!trace_hit[t] || !Overlaps(c.trace_start[t], c.trace_end[t], req.start_ns, req.end_ns)) continue;
      if (traces.size() >= remaining) break;
      slot[t] = static_cast<uint32_t>(traces.size());
      traces.push_back({t, 0, 0});
    }
    std::vector<uint32_t> count(traces.size() + 1, 0);
    for (uint32_t r = 0; r < ns; ++r) {
      const uint32_t s = slot[c.span_trace[r]];
      if (s != UINT32_MAX && (req.whole_traces || matched[r])) count[s + 1]++;
    }
    for (size_t i = 0; i < traces.size(); ++i) {
      count[i + 1] += count[i];
      traces[i].begin = count[i];
      traces[i].end = count[i];
    }
    rows.resize(count.back());
    for (uint32_t r = 0; r < ns; ++r) {
      const uint32_t s = slot[c.span_trace[r]];
      if (s != UINT32_MAX && (req.whole_traces || matched[r])) rows[traces[s].end++] = r;
    }
  }
  if (traces.empty()) return Status::OK();
  for (uint32_t u : {kUnitSpanIds, kUnitParents, kUnitStart, kUnitDuration, kUnitName, kUnitKindStatus,
                     kUnitStatusMessage, kUnitResourceRef, kUnitScopeRef, kUnitResources}) {
    LOUPE_RETURN_IF_ERROR(src.Ensure(u));
  }
  st->traces_matched += traces.size();
  *handed += traces.size();
  SpanBatch batch(&src, std::move(traces), std::move(rows), std::move(matched));
  const bool more = fn(batch);
  LOUPE_RETURN_IF_ERROR(batch.status());
  if (!more || (req.max_traces && *handed >= req.max_traces)) *stop = true;
  return Status::OK();
}

}  // namespace loupe::storage::spanstore
