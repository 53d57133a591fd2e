// SpanStore reads: trace by ID, scans, and the decoded-block cache.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "storage/spanstore/compact_record.h"
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
  auto loader = [this, tenant, block](uint32_t unit,
                                      const std::function<Status(std::string_view)>& use) -> Status {
    auto s = kv_.GetPinned(index_cf_, UnitKey(tenant, block, unit), use);
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
  std::string stored, raw, expanded;
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
    if (s.ok() && IsCompactTraceRecord(raw)) {
      // Span ids come from the block's index (compact_record.h).
      auto block = OpenBlock(t->id, b);
      s = block->Ensure(kUnitSpanIds);
      if (s.ok()) s = ExpandTraceRecord(raw, id, block->cols().span_id, &expanded);
      if (s.ok()) raw.swap(expanded);
    }
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

// Units a scan loads for every block that has a matching span (besides kUnitTraces). Parents,
// kinds/statuses, status messages and scope refs load on first access (SpanBatch).
static constexpr uint32_t kScanUnits[] = {kUnitTraces, kUnitSpanIds, kUnitStart, kUnitDuration,
                                          kUnitName, kUnitResourceRef, kUnitResources};

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
  std::vector<std::shared_ptr<const BlockMeta>> todo;  // newest first
  for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) {
    const BlockMeta& m = **it;
    if (!Overlaps(m.min_start, m.max_end, req.start_ns, req.end_ns) || (f.may_match && !f.may_match(m))) {
      st.blocks_pruned++;
      continue;
    }
    todo.push_back(*it);
  }
  // Reading a block (loading and decoding its units, evaluating the predicates) dominates a
  // scan, so once the scan goes past its first persisted block a helper thread prepares later
  // blocks while this thread prepares and delivers in order: both take the next unclaimed
  // block, at most kAhead blocks past the last delivered one (this thread, while the block it
  // must deliver next is still being prepared by the helper, prepares a later one rather than
  // wait). Callbacks always run on this thread, newest block first.
  struct Prepared {
    std::shared_ptr<PersistedBlock> block;
    std::vector<uint8_t> matched;
    uint64_t bytes_before = 0;
    Status status;
  };
  auto prepare = [this, t, &f](const std::shared_ptr<const BlockMeta>& m) {
    Prepared p;
    p.block = OpenBlock(t->id, m);
    p.bytes_before = p.block->bytes_read();
    p.matched.assign(m->num_spans, f.eval ? 0 : 1);
    if (f.eval) p.status = f.eval(*p.block, &p.matched);
    if (p.status.ok() && std::find(p.matched.begin(), p.matched.end(), 1) != p.matched.end()) {
      for (uint32_t u : kScanUnits) {
        p.status = p.block->Ensure(u);
        if (!p.status.ok()) break;
      }
    }
    return p;
  };
  constexpr size_t kAhead = 3;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::optional<Prepared>> slots(todo.size());
  size_t claimed = 0, delivered = 0;
  bool quit = false;
  std::thread helper;
  auto helper_loop = [&] {
    for (;;) {
      size_t idx;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return quit || claimed >= todo.size() || claimed < delivered + kAhead; });
        if (quit || claimed >= todo.size()) return;
        idx = claimed++;
      }
      Prepared p = prepare(todo[idx]);
      std::lock_guard lock(mu);
      slots[idx] = std::move(p);
      cv.notify_all();
    }
  };
  Status result;
  for (size_t i = 0; i < todo.size() && !stop; ++i) {
    Prepared cur;
    {
      std::unique_lock lock(mu);
      while (true) {
        if (slots[i].has_value()) {
          cur = std::move(*slots[i]);
          slots[i].reset();
          break;
        }
        if (claimed <= i) {  // nobody has it: prepare it here
          claimed = i + 1;
          lock.unlock();
          cur = prepare(todo[i]);
          break;
        }
        if (claimed < todo.size() && claimed < delivered + kAhead) {
          // The helper is on block i: prepare a later one meanwhile.
          const size_t idx = claimed++;
          lock.unlock();
          Prepared p = prepare(todo[idx]);
          lock.lock();
          slots[idx] = std::move(p);
          cv.notify_all();
          continue;
        }
        cv.wait(lock, [&] { return slots[i].has_value(); });
      }
    }
    st.blocks_inspected++;
    Status s = cur.status;
    if (s.ok()) s = ScanSource(*cur.block, f, req, fn, &st, &handed, &stop, &cur.matched);
    st.bytes_read += cur.block->bytes_read() - cur.bytes_before;
    cur.block.reset();
    TrimCache();
    if (!s.ok()) {
      if (s.code() == loupe::StatusCode::kCorruption) corrupt_reads_++;
      result = s;
      break;
    }
    {
      std::lock_guard lock(mu);
      delivered = i + 1;
    }
    cv.notify_all();
    if (!stop && !helper.joinable() && i + 1 < todo.size()) helper = std::thread(helper_loop);
  }
  {
    std::lock_guard lock(mu);
    quit = true;
  }
  cv.notify_all();
  if (helper.joinable()) helper.join();
  return result;
}

Status SpanStore::ScanSource(BlockSource& src, const ScanFilter& f, const ScanRequest& req,
                             const std::function<bool(const SpanBatch&)>& fn, ScanStats* st, size_t* handed,
                             bool* stop, std::vector<uint8_t>* prepared) {
  const BlockMeta* meta = src.meta();
  const uint32_t ns = meta ? meta->num_spans : src.cols().num_spans();
  if (ns == 0) return Status::OK();
  st->spans_inspected += ns;
  std::vector<uint8_t> matched;
  if (prepared) {
    matched = std::move(*prepared);
  } else {
    matched.assign(ns, f.eval ? 0 : 1);
    if (f.eval) LOUPE_RETURN_IF_ERROR(f.eval(src, &matched));
  }
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
  for (uint32_t u : kScanUnits) {
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
