#include "storage/spanstore/span_store.h"

#include <absl/container/flat_hash_map.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "storage/base/coding.h"
#include "storage/spanstore/compact_record.h"
#include "storage/spanstore/keys.h"
#include "storage/spanstore/span_store_internal.h"

namespace loupe::storage::spanstore {
namespace {

// Keep each RocksDB write batch of a block near this size (the meta goes last).
constexpr size_t kWriteChunkBytes = 8 << 20;

bool AllZero(std::string_view b) {
  for (char c : b) {
    if (c != 0) return false;
  }
  return true;
}

}  // namespace

uint64_t AppendStats::rejected() const {
  uint64_t n = 0;
  for (uint64_t r : spans_rejected) n += r;
  return n;
}

std::vector<kv::ColumnFamilySpec> SpanStore::ColumnFamilies() {
  // Units are zstd-compressed by the store; trace records too by default, but RocksDB's block
  // compression still helps when they are stored raw (compress_trace_records = false).
  return {{kTracesFamily, true}, {kIndexFamily, false}, {kMetaFamily, true}};
}

SpanStore::SpanStore(kv::RocksStore& kv, std::string wal_dir, SpanStoreOptions options)
    : kv_(kv), wal_dir_(std::move(wal_dir)), options_(std::move(options)) {}

SpanStore::~SpanStore() { (void)Close(); }

Result<std::unique_ptr<SpanStore>> SpanStore::Open(kv::RocksStore& kv, const std::string& wal_dir,
                                                   SpanStoreOptions options) {
  std::unique_ptr<SpanStore> s(new SpanStore(kv, wal_dir, std::move(options)));
  LOUPE_ASSIGN_OR_RETURN(s->traces_cf_, kv.Family(kTracesFamily));
  LOUPE_ASSIGN_OR_RETURN(s->index_cf_, kv.Family(kIndexFamily));
  LOUPE_ASSIGN_OR_RETURN(s->meta_cf_, kv.Family(kMetaFamily));
  const auto t0 = std::chrono::steady_clock::now();
  LOUPE_RETURN_IF_ERROR(s->Load());
  for (Tenant* t : s->AllTenants()) LOUPE_RETURN_IF_ERROR(s->Replay(t));
  s->replay_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  if (s->options_.maintenance_interval_ms > 0) s->bg_ = std::thread([p = s.get()] { p->BackgroundLoop(); });
  return s;
}

// --- Tenants and recovery -------------------------------------------------------------------

SpanStore::Tenant* SpanStore::FindTenant(std::string_view name) {
  std::lock_guard lock(tenants_mu_);
  auto it = tenants_.find(name);
  return it == tenants_.end() ? nullptr : it->second.get();
}

std::vector<SpanStore::Tenant*> SpanStore::AllTenants() {
  std::lock_guard lock(tenants_mu_);
  return tenants_by_id_;
}

Result<SpanStore::Tenant*> SpanStore::GetOrCreateTenant(std::string_view name) {
  std::lock_guard lock(tenants_mu_);
  if (auto it = tenants_.find(name); it != tenants_.end()) return it->second.get();
  auto t = std::make_unique<Tenant>();
  t->id = static_cast<uint32_t>(tenants_by_id_.size());
  t->name = std::string(name);
  std::string id;
  PutBigEndian32(&id, t->id);
  // Written before the tenant's WAL exists, so recovery can always name it.
  LOUPE_RETURN_IF_ERROR(kv_.Put(meta_cf_, std::string(kTenantMetaPrefix) + t->name, id));
  LOUPE_ASSIGN_OR_RETURN(t->wal, wal::Wal::Open(wal_dir_ + "/" + std::to_string(t->id), options_.wal));
  t->head = std::make_unique<Head>(t->wal->CurrentSegment(), options_.clock->NowNanos());
  Tenant* raw = t.get();
  tenants_by_id_.push_back(raw);
  tenants_.emplace(t->name, std::move(t));
  return raw;
}

Status SpanStore::Load() {
  auto it = kv_.NewIterator(meta_cf_);
  for (it->Seek(kTenantMetaPrefix); it->Valid(); it->Next()) {
    const auto k = it->key();
    if (!k.starts_with(kTenantMetaPrefix)) break;
    if (it->value().size() != 4) return Status::Corruption("span store: bad tenant record");
    auto t = std::make_unique<Tenant>();
    t->id = DecodeBigEndian32(it->value().data());
    t->name = std::string(k.substr(sizeof(kTenantMetaPrefix) - 1));
    if (tenants_by_id_.size() <= t->id) tenants_by_id_.resize(t->id + 1, nullptr);
    tenants_by_id_[t->id] = t.get();
    tenants_.emplace(t->name, std::move(t));
  }
  LOUPE_RETURN_IF_ERROR(it->status());
  for (size_t i = 0; i < tenants_by_id_.size(); ++i) {
    if (!tenants_by_id_[i]) return Status::Corruption("span store: tenant ids are not contiguous");
  }
  for (it->Seek(kBlockMetaPrefix); it->Valid(); it->Next()) {
    const auto k = it->key();
    if (!k.starts_with(kBlockMetaPrefix)) break;
    if (k.size() != sizeof(kBlockMetaPrefix) - 1 + 12) continue;
    const uint32_t tid = DecodeBigEndian32(k.data() + 2);
    const uint64_t bid = DecodeBigEndian64(k.data() + 6);
    if (tid >= tenants_by_id_.size()) continue;
    Tenant* t = tenants_by_id_[tid];
    auto meta = std::make_shared<BlockMeta>();
    if (auto s = DecodeBlockMeta(it->value(), meta.get()); !s.ok() || meta->id != bid) {
      spdlog::warn("span store: block {} of tenant {} has unreadable metadata and is skipped", bid, t->name);
      corrupt_block_metas_++;
      // Its id is still taken: a rebuilt block must not land on its keys' remains.
      t->next_block_id = std::max(t->next_block_id, bid + 1);
      continue;
    }
    t->next_block_id = std::max(t->next_block_id, bid + 1);
    t->blocks.push_back(std::move(meta));
  }
  return it->status();
}

Status SpanStore::Replay(Tenant* t) {
  uint64_t from = 0;
  for (const auto& b : t->blocks) from = std::max(from, b->wal_end);
  LOUPE_ASSIGN_OR_RETURN(t->wal, wal::Wal::Open(wal_dir_ + "/" + std::to_string(t->id), options_.wal));
  const int64_t now = options_.clock->NowNanos();
  t->head = std::make_unique<Head>(from, now);
  wal::ReplayStats st;
  LOUPE_RETURN_IF_ERROR(t->wal->Replay(
      from,
      [&](std::string_view rec) -> Status {
        if (auto s = t->head->Append(std::string(rec), now, /*validate=*/true); !s.ok()) {
          wal_corruptions_++;  // checksummed but undecodable: skip the record
          return Status::OK();
        }
        wal_replayed_records_++;
        return Status::OK();
      },
      &st));
  wal_corruptions_ += st.torn_tails + st.corrupt_segments;
  if (st.torn_tails || st.corrupt_segments) {
    spdlog::warn("span WAL of tenant {}: {} torn tail(s) truncated, {} corrupt segment(s) skipped, {} bytes dropped",
                 t->name, st.torn_tails, st.corrupt_segments, st.dropped_bytes);
  }
  // Segments before `from` are in blocks already (a crash may have left them behind).
  return t->wal->TruncateBefore(from);
}

// --- Appender -------------------------------------------------------------------------------

std::unique_ptr<SpanStore::Appender> SpanStore::NewAppender(std::string_view tenant) {
  return std::unique_ptr<Appender>(new Appender(this, std::string(tenant)));
}

Result<AppendStats> SpanStore::Appender::Commit() {
  AppendStats st;
  SpanStore& s = *store_;
  const SpanStoreOptions& o = s.options_;
  // 1. Validate and encode, outside any lock.
  BatchBuilder bb;
  std::vector<TraceId> span_trace;
  uint64_t total = 0;
  DiscardReason first_bad = DiscardReason::kCount;
  std::string bad_text;
  for (const auto* rs : batches_) {
    const uint32_t res = bb.AddResource(rs->resource(), rs->schema_url());
    for (const auto& ss : rs->scope_spans()) {
      const uint32_t scope = bb.AddScope(res, ss.scope(), ss.schema_url());
      for (const auto& span : ss.spans()) {
        ++total;
        const std::string& tid = span.trace_id();
        const std::string& sid = span.span_id();
        DiscardReason bad = DiscardReason::kCount;
        std::string text;
        if (tid.size() != 16) {
          bad = DiscardReason::kInvalidTraceId;
          text = "trace ids must be 128 bit, received " + std::to_string(tid.size() * 8) + " bits";
        } else if (AllZero(tid)) {
          bad = DiscardReason::kInvalidTraceId;
          text = "trace ids must be 128 bit and not all zero, received 128 bits";
        } else if (sid.size() != 8 || AllZero(sid)) {
          bad = DiscardReason::kInvalidSpanId;
          text = "span ids must be 64 bit and not all zero, received " + std::to_string(sid.size() * 8) + " bits";
        }
        if (bad != DiscardReason::kCount) {
          if (first_bad == DiscardReason::kCount) {
            first_bad = bad;
            bad_text = std::move(text);
          }
          if (!o.reject_batch_on_invalid_id) st.spans_rejected[static_cast<int>(bad)]++;
          continue;
        }
        bb.AddSpan(scope, span);
        span_trace.push_back(TraceId::FromBytes(tid));
      }
    }
  }
  if (first_bad != DiscardReason::kCount) {
    if (o.reject_batch_on_invalid_id) {
      // Tempo's distributor refuses the request and counts all its spans under the reason.
      st.batch_error = Status::InvalidArgument(bad_text);
      st.spans_rejected[static_cast<int>(first_bad)] = total;
      s.discarded_[static_cast<int>(first_bad)] += total;
      return st;
    }
    st.first_error = bad_text;
  }
  if (bb.NumSpans() == 0) {
    for (int r = 0; r < static_cast<int>(DiscardReason::kCount); ++r) s.discarded_[r] += st.spans_rejected[r];
    return st;
  }

  // Per-trace byte totals of this batch.
  struct PerTrace {
    uint64_t bytes = 0;
    bool accept = true;
    DiscardReason reason = DiscardReason::kCount;
  };
  // Limits are decided in the order traces first appear in the batch, so which traces a
  // limit refuses does not depend on hash-map iteration order.
  absl::flat_hash_map<TraceId, PerTrace> traces;
  std::vector<TraceId> trace_order;
  for (size_t i = 0; i < bb.NumSpans(); ++i) {
    auto [it, inserted] = traces.try_emplace(span_trace[i]);
    if (inserted) trace_order.push_back(span_trace[i]);
    it->second.bytes += bb.SpanBlob(static_cast<uint32_t>(i)).size();
  }

  LOUPE_ASSIGN_OR_RETURN(Tenant * t, s.GetOrCreateTenant(tenant_));
  std::string record;
  bool cut_now = false;
  {
    std::unique_lock lock(t->mu);
    const int64_t now = o.clock->NowNanos();
    // 2. Limits, decided per trace as Tempo's ingester does.
    bool any_rejected = false;
    size_t live = o.max_live_traces ? t->head->LiveTraces(now, o.live_trace_idle_ns) : 0;
    for (const TraceId& id : trace_order) {
      PerTrace& pt = traces[id];
      const Head::TraceState ts = t->head->Lookup(id, now, o.live_trace_idle_ns);
      if (o.max_live_traces && !ts.live && live >= o.max_live_traces) {
        pt.accept = false;
        pt.reason = DiscardReason::kLiveTracesExceeded;
        any_rejected = true;
        if (st.first_error.empty()) {
          st.first_error = "LIVE_TRACES_EXCEEDED: max live traces exceeded for tenant " + tenant_ +
                           ": per-user traces limit (local: " + std::to_string(o.max_live_traces) +
                           " global: 0 actual local: " + std::to_string(live) + ") exceeded";
        }
        continue;
      }
      if (o.max_bytes_per_trace && ts.bytes + pt.bytes > o.max_bytes_per_trace) {
        pt.accept = false;
        pt.reason = DiscardReason::kTraceTooLarge;
        any_rejected = true;
        if (st.first_error.empty()) {
          st.first_error = "TRACE_TOO_LARGE: max size of trace (" + std::to_string(o.max_bytes_per_trace) +
                           ") exceeded while adding " + std::to_string(pt.bytes) + " bytes to trace " + id.Hex() +
                           " for tenant " + tenant_;
        }
        continue;
      }
      if (!ts.live) ++live;
    }
    std::vector<bool> keep;
    if (any_rejected) {
      keep.resize(bb.NumSpans());
      for (size_t i = 0; i < bb.NumSpans(); ++i) {
        const PerTrace& pt = traces[span_trace[i]];
        keep[i] = pt.accept;
        if (!keep[i]) st.spans_rejected[static_cast<int>(pt.reason)]++;
      }
    }
    // 3. Log exactly what is accepted, then index it.
    const size_t n = bb.Assemble(keep, &record);
    if (n > 0) {
      LOUPE_RETURN_IF_ERROR(t->wal->Append(record));
      LOUPE_RETURN_IF_ERROR(t->head->Append(std::move(record), now, /*validate=*/false));
      st.spans_accepted = n;
    }
    cut_now = s.NeedsCut(*t, now);
  }
  s.spans_accepted_ += st.spans_accepted;
  for (int r = 0; r < static_cast<int>(DiscardReason::kCount); ++r) s.discarded_[r] += st.spans_rejected[r];
  if (cut_now) {
    if (o.maintenance_interval_ms > 0) {
      std::lock_guard bg(s.bg_mu_);
      s.bg_cv_.notify_all();
    }
    // Without a background thread, or when it lags far behind, the writer cuts.
    bool lagging;
    {
      std::shared_lock lock(t->mu);
      lagging = t->head->num_spans() >= 2ull * o.max_block_spans || t->head->bytes() >= 2 * o.max_block_bytes;
    }
    if (o.maintenance_interval_ms == 0 || lagging) LOUPE_RETURN_IF_ERROR(s.CutTenant(t, false));
  }
  return st;
}

// --- Cutting and persisting -----------------------------------------------------------------

bool SpanStore::NeedsCut(const Tenant& t, int64_t now) const {
  const Head& h = *t.head;
  if (h.num_spans() == 0) return false;
  return h.num_spans() >= options_.max_block_spans || h.bytes() >= options_.max_block_bytes ||
         now - h.created_ns() >= options_.max_block_duration_ns;
}

Status SpanStore::CutTenant(Tenant* t, bool force) {
  std::lock_guard cut(t->cut_mu);
  // Frozen heads left by a failed persist go first, in order: a block's wal_end promises
  // that every earlier segment is persisted.
  while (true) {
    std::shared_ptr<Frozen> f;
    {
      std::shared_lock lock(t->mu);
      if (t->frozen.empty()) break;
      f = t->frozen.front();
    }
    LOUPE_RETURN_IF_ERROR(PersistFrozen(t, f));
  }
  std::shared_ptr<Frozen> f;
  {
    std::unique_lock lock(t->mu);
    const int64_t now = options_.clock->NowNanos();
    if (t->head->num_spans() == 0 || (!force && !NeedsCut(*t, now))) return Status::OK();
    LOUPE_ASSIGN_OR_RETURN(const uint64_t segment, t->wal->Rotate());
    f = std::make_shared<Frozen>();
    f->head = std::move(t->head);
    f->block_id = t->next_block_id++;
    f->wal_end = segment;
    t->head = std::make_unique<Head>(segment, now);
    t->frozen.push_back(f);
  }
  return PersistFrozen(t, f);
}

Status SpanStore::PersistFrozen(Tenant* t, const std::shared_ptr<Frozen>& f) {
  const Head& h = *f->head;
  const BlockOrder order = ComputeBlockOrder(h.columns());
  auto meta = std::make_shared<BlockMeta>();
  meta->id = f->block_id;
  meta->cut_time_ns = options_.clock->NowNanos();
  meta->wal_end = f->wal_end;
  std::vector<EncodedUnit> units;
  LOUPE_RETURN_IF_ERROR(EncodeBlock(h.columns(), order, options_.zstd_level, meta.get(), &units));

  kv::WriteBatch wb;
  auto flush = [&](bool force) -> Status {
    if (wb.Count() == 0 || (!force && wb.ByteSize() < kWriteChunkBytes)) return Status::OK();
    LOUPE_RETURN_IF_ERROR(kv_.Write(wb));
    wb.Clear();
    return Status::OK();
  };
  TraceRecordWriter w;
  std::string packed, compact;
  meta->trace_bytes = 0;
  // Trace records are written compact (compact_record.h): span ids come from the index. The
  // trace at position i of the block has rows [first[i], first[i + 1]).
  const BlockColumns& hc = h.columns();
  const std::vector<uint32_t> first = TraceFirstRows(hc, order);
  std::vector<uint64_t> row_ids;
  auto record_at = [&](size_t i) -> Result<std::string_view> {
    h.TraceRecordAt(order.traces[i], &w);
    row_ids.clear();
    for (uint32_t r = first[i]; r < first[i + 1]; ++r) row_ids.push_back(hc.span_id[order.spans[r]]);
    LOUPE_RETURN_IF_ERROR(CompactTraceRecord(w.Finish(), first[i], row_ids, &compact));
    return std::string_view(compact);
  };
  // Train the block's record dictionary on a sample of its records.
  std::unique_ptr<RecordDict> dict;
  if (options_.compress_trace_records && options_.record_dict_bytes > 0) {
    std::vector<std::string> samples;
    size_t sampled = 0;
    const size_t step = std::max<size_t>(1, order.traces.size() / 1000);
    for (size_t i = 0; i < order.traces.size() && sampled < (8u << 20); i += step) {
      LOUPE_ASSIGN_OR_RETURN(std::string_view rec, record_at(i));
      samples.emplace_back(rec);
      sampled += samples.back().size();
    }
    std::vector<std::string_view> views(samples.begin(), samples.end());
    std::string trained = RecordDict::Train(views, std::min<size_t>(options_.record_dict_bytes, sampled / 16));
    if (!trained.empty()) {
      LOUPE_RETURN_IF_ERROR(PackValue(trained, false, 0, &packed));
      meta->index_bytes += packed.size();
      meta->unit_bytes[kUnitRecordDict] = static_cast<uint32_t>(packed.size());
      meta->has_record_dict = true;
      wb.Put(index_cf_, UnitKey(t->id, meta->id, kUnitRecordDict), packed);
      dict = std::make_unique<RecordDict>(std::move(trained), options_.zstd_level);
    }
  }
  for (size_t i = 0; i < order.traces.size(); ++i) {
    LOUPE_ASSIGN_OR_RETURN(std::string_view rec, record_at(i));
    LOUPE_RETURN_IF_ERROR(
        PackValue(rec, options_.compress_trace_records, options_.zstd_level, &packed, dict.get()));
    meta->trace_bytes += packed.size();
    wb.Put(traces_cf_, TraceKey(t->id, meta->id, hc.trace_ids[order.traces[i]]), packed);
    LOUPE_RETURN_IF_ERROR(flush(false));
  }
  for (const auto& u : units) {
    wb.Put(index_cf_, UnitKey(t->id, meta->id, u.id), u.value);
    LOUPE_RETURN_IF_ERROR(flush(false));
  }
  // The meta goes last: a block without one is invisible and its WAL is still there.
  std::string mv;
  EncodeBlockMeta(*meta, &mv);
  wb.Put(meta_cf_, BlockMetaKey(t->id, meta->id), mv);
  LOUPE_RETURN_IF_ERROR(flush(true));
  {
    std::unique_lock lock(t->mu);
    t->blocks.push_back(meta);
    t->frozen.erase(std::remove(t->frozen.begin(), t->frozen.end(), f), t->frozen.end());
  }
  // Everything the WAL segments before wal_end held is now in RocksDB; make that durable first.
  LOUPE_RETURN_IF_ERROR(kv_.SyncWal());
  LOUPE_RETURN_IF_ERROR(t->wal->TruncateBefore(f->wal_end));
  cuts_++;
  return Status::OK();
}

Status SpanStore::FlushHeads() {
  for (Tenant* t : AllTenants()) LOUPE_RETURN_IF_ERROR(CutTenant(t, /*force=*/true));
  return Status::OK();
}

// --- Retention ------------------------------------------------------------------------------

Status SpanStore::DropOldestBlocks(Tenant* t, uint64_t first_kept_id) {
  LOUPE_RETURN_IF_ERROR(kv_.DeleteRange(traces_cf_, BlockPrefix(t->id, 0), BlockPrefix(t->id, first_kept_id)));
  LOUPE_RETURN_IF_ERROR(kv_.DeleteRange(index_cf_, BlockPrefix(t->id, 0), BlockPrefix(t->id, first_kept_id)));
  LOUPE_RETURN_IF_ERROR(kv_.DeleteRange(meta_cf_, BlockMetaKey(t->id, 0), BlockMetaKey(t->id, first_kept_id)));
  size_t dropped = 0;
  {
    std::unique_lock lock(t->mu);
    auto keep = std::find_if(t->blocks.begin(), t->blocks.end(),
                             [&](const auto& b) { return b->id >= first_kept_id; });
    dropped = static_cast<size_t>(keep - t->blocks.begin());
    t->blocks.erase(t->blocks.begin(), keep);
  }
  retention_deleted_blocks_ += dropped;
  EvictBlocks(t->id, first_kept_id);
  return Status::OK();
}

Status SpanStore::ApplyRetention() {
  const std::vector<Tenant*> tenants = AllTenants();
  if (options_.retention_ns > 0) {
    const int64_t cutoff = options_.clock->NowNanos() - options_.retention_ns;
    for (Tenant* t : tenants) {
      std::lock_guard cut(t->cut_mu);
      uint64_t first_kept = 0;
      {
        std::shared_lock lock(t->mu);
        for (const auto& b : t->blocks) {
          if (b->cut_time_ns >= cutoff) break;
          first_kept = b->id + 1;
        }
      }
      if (first_kept > 0) LOUPE_RETURN_IF_ERROR(DropOldestBlocks(t, first_kept));
    }
  }
  if (options_.retention_bytes > 0) {
    // Oldest blocks first (by cut time, across tenants) until the stored bytes fit.
    while (true) {
      uint64_t total = 0;
      Tenant* oldest = nullptr;
      int64_t oldest_cut = INT64_MAX;
      uint64_t oldest_id = 0;
      for (Tenant* t : tenants) {
        std::shared_lock lock(t->mu);
        for (const auto& b : t->blocks) total += b->trace_bytes + b->index_bytes;
        if (!t->blocks.empty() && t->blocks.front()->cut_time_ns < oldest_cut) {
          oldest = t;
          oldest_cut = t->blocks.front()->cut_time_ns;
          oldest_id = t->blocks.front()->id;
        }
      }
      if (total <= options_.retention_bytes || !oldest) break;
      std::lock_guard cut(oldest->cut_mu);
      LOUPE_RETURN_IF_ERROR(DropOldestBlocks(oldest, oldest_id + 1));
    }
  }
  return Status::OK();
}

// --- Background, stats, close ---------------------------------------------------------------

void SpanStore::BackgroundLoop() {
  int64_t last_retention = 0;
  std::unique_lock lock(bg_mu_);
  while (!stopping_) {
    bg_cv_.wait_for(lock, std::chrono::milliseconds(options_.maintenance_interval_ms));
    if (stopping_) break;
    lock.unlock();
    for (Tenant* t : AllTenants()) {
      if (auto s = CutTenant(t, false); !s.ok()) spdlog::error("span store cut ({}): {}", t->name, s.message());
    }
    const int64_t now = options_.clock->NowMillis();
    if (now - last_retention >= 30'000) {
      if (auto s = ApplyRetention(); !s.ok()) spdlog::error("span store retention: {}", s.message());
      last_retention = now;
    }
    lock.lock();
  }
}

SpanStoreStats SpanStore::Stats() const {
  SpanStoreStats s;
  {
    std::lock_guard lock(const_cast<std::mutex&>(tenants_mu_));
    for (const Tenant* t : tenants_by_id_) {
      std::shared_lock tl(t->mu);
      if (t->head) {
        s.head_spans += t->head->num_spans();
        s.head_traces += t->head->num_traces();
        s.head_bytes += t->head->bytes();
        s.head_memory_bytes += t->head->MemoryBytes();
      }
      for (const auto& f : t->frozen) {
        s.head_spans += f->head->num_spans();
        s.head_memory_bytes += f->head->MemoryBytes();
      }
      for (const auto& b : t->blocks) {
        s.blocks++;
        s.block_spans += b->num_spans;
        s.trace_bytes += b->trace_bytes;
        s.index_bytes += b->index_bytes;
      }
      if (t->wal) s.wal_bytes += t->wal->TotalBytes();
    }
  }
  {
    std::lock_guard lock(const_cast<std::mutex&>(cache_mu_));
    for (const auto& [k, v] : cache_) s.block_cache_bytes += v.first->MemoryBytes();
  }
  s.spans_accepted = spans_accepted_;
  for (int r = 0; r < static_cast<int>(DiscardReason::kCount); ++r) s.spans_discarded[r] = discarded_[r];
  s.cuts = cuts_;
  s.wal_corruptions = wal_corruptions_;
  s.wal_replayed_records = wal_replayed_records_;
  s.corrupt_reads = corrupt_reads_;
  s.corrupt_block_metas = corrupt_block_metas_;
  s.retention_deleted_blocks = retention_deleted_blocks_;
  s.replay_ms = replay_ms_;
  return s;
}

Status SpanStore::Close() {
  {
    std::lock_guard lock(bg_mu_);
    if (stopping_) return Status::OK();
    stopping_ = true;
    bg_cv_.notify_all();
  }
  if (bg_.joinable()) bg_.join();
  Status first;
  for (Tenant* t : AllTenants()) {
    if (!t->wal) continue;
    if (auto s = t->wal->Sync(); !s.ok() && first.ok()) first = s;
  }
  return first;
}

}  // namespace loupe::storage::spanstore
