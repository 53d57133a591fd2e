// LogStore: opening, recovery, the write path and maintenance. Reads are in log_store_read.cc.
#include "storage/logstore/log_store.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "storage/base/coding.h"
#include "storage/logstore/keys.h"
#include "storage/logstore/record_codec.h"
#include "storage/logstore/wal_record.h"

namespace loupe::storage::logstore {
namespace {

constexpr char kTenantMetaPrefix[] = "tenant/";
constexpr char kFloorMetaPrefix[] = "floor/";

// {a="b", c="d"} from sorted label views, as Loki prints a stream in its messages.
std::string StreamString(const model::LabelRef* labels, size_t n) {
  std::string out = "{";
  for (size_t i = 0; i < n; ++i) {
    if (i) out += ", ";
    out.append(labels[i].name);
    out += "=\"";
    out += model::EscapeLabelValue(labels[i].value);
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace

uint64_t PushStats::num_rejected() const {
  uint64_t n = 0;
  for (auto r : rejected) n += r;
  return n;
}

bool PushStats::rate_limited() const {
  for (int r = 0; r < kNumRejectReasons; ++r) {
    if (rejected[r] && RejectIsRateLimit(static_cast<RejectReason>(r))) return true;
  }
  return false;
}

std::vector<kv::ColumnFamilySpec> LogStore::ColumnFamilies() {
  // Chunk bytes are zstd-compressed already; RocksDB's block compression would only burn CPU.
  return {{kChunksFamily, false},
          {kIndexFamily, true},
          {kStreamsFamily, true},
          {kHeadFamily, false},
          {kMetaFamily, true}};
}

Result<std::unique_ptr<LogStore>> LogStore::Open(kv::RocksStore& kv, const std::string& wal_dir,
                                                 LogStoreOptions options) {
  if (options.bucket_ns <= 0) return Status::InvalidArgument("log store: bucket must be positive");
  std::unique_ptr<LogStore> s(new LogStore(kv, std::move(options)));
  LOUPE_ASSIGN_OR_RETURN(s->chunks_cf_, kv.Family(kChunksFamily));
  LOUPE_ASSIGN_OR_RETURN(s->index_cf_, kv.Family(kIndexFamily));
  LOUPE_ASSIGN_OR_RETURN(s->streams_cf_, kv.Family(kStreamsFamily));
  LOUPE_ASSIGN_OR_RETURN(s->head_cf_, kv.Family(kHeadFamily));
  LOUPE_ASSIGN_OR_RETURN(s->meta_cf_, kv.Family(kMetaFamily));
  LOUPE_ASSIGN_OR_RETURN(s->wal_, wal::Wal::Open(wal_dir, s->options_.wal));
  const auto t0 = std::chrono::steady_clock::now();
  LOUPE_RETURN_IF_ERROR(s->Load());
  LOUPE_RETURN_IF_ERROR(s->Replay());
  LOUPE_RETURN_IF_ERROR(s->ApplyRetention());
  s->replay_ms_ =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  s->last_checkpoint_ns_ = s->options_.clock->NowNanos();
  if (s->options_.maintenance_interval_ms > 0)
    s->bg_ = std::thread([p = s.get()] { p->BackgroundLoop(); });
  return s;
}

LogStore::~LogStore() { (void)Close(); }

// --- Tenants ------------------------------------------------------------------------------

LogStore::Tenant* LogStore::FindTenant(std::string_view name) {
  std::lock_guard lock(tenants_mu_);
  auto it = tenants_.find(name);
  return it == tenants_.end() ? nullptr : it->second.get();
}

LogStore::Tenant* LogStore::TenantById(uint32_t id) {
  std::lock_guard lock(tenants_mu_);
  return id < tenants_by_id_.size() ? tenants_by_id_[id] : nullptr;
}

std::vector<LogStore::Tenant*> LogStore::AllTenants() {
  std::lock_guard lock(tenants_mu_);
  return tenants_by_id_;
}

Result<LogStore::Tenant*> LogStore::GetOrCreateTenant(std::string_view name) {
  std::lock_guard lock(tenants_mu_);
  if (auto it = tenants_.find(name); it != tenants_.end()) return it->second.get();
  auto t = std::make_unique<Tenant>(options_.head);
  t->id = static_cast<uint32_t>(tenants_by_id_.size());
  t->name = std::string(name);
  std::string id;
  PutBigEndian32(&id, t->id);
  // Written before any WAL record names the tenant id, so replay can always resolve it.
  LOUPE_RETURN_IF_ERROR(kv_.Put(meta_cf_, std::string(kTenantMetaPrefix) + t->name, id));
  Tenant* raw = t.get();
  tenants_by_id_.push_back(raw);
  tenants_.emplace(t->name, std::move(t));
  return raw;
}

// --- Recovery -----------------------------------------------------------------------------

Status LogStore::Load() {
  {
    auto it = kv_.NewIterator(meta_cf_);
    for (it->Seek(kTenantMetaPrefix); it->Valid(); it->Next()) {
      const auto k = it->key();
      if (k.substr(0, sizeof(kTenantMetaPrefix) - 1) != kTenantMetaPrefix) break;
      if (it->value().size() != 4) return Status::Corruption("log store: bad tenant record");
      const uint32_t id = DecodeBigEndian32(it->value().data());
      if (id > (1u << 24)) return Status::Corruption("log store: bad tenant id");
      auto t = std::make_unique<Tenant>(options_.head);
      t->id = id;
      t->name = std::string(k.substr(sizeof(kTenantMetaPrefix) - 1));
      if (tenants_by_id_.size() <= id) tenants_by_id_.resize(id + 1, nullptr);
      tenants_by_id_[id] = t.get();
      tenants_.emplace(t->name, std::move(t));
    }
    LOUPE_RETURN_IF_ERROR(it->status());
    for (size_t i = 0; i < tenants_by_id_.size(); ++i) {
      if (!tenants_by_id_[i]) return Status::Corruption("log store: tenant ids are not contiguous");
    }
    for (it->Seek(kFloorMetaPrefix); it->Valid(); it->Next()) {
      const auto k = it->key();
      if (k.substr(0, sizeof(kFloorMetaPrefix) - 1) != kFloorMetaPrefix) break;
      if (k.size() != sizeof(kFloorMetaPrefix) - 1 + 4 || it->value().size() != 8) continue;
      if (Tenant* t = TenantById(DecodeBigEndian32(k.data() + sizeof(kFloorMetaPrefix) - 1))) {
        t->floor = DecodeOrderedInt64(it->value().data());
      }
    }
    LOUPE_RETURN_IF_ERROR(it->status());
  }
  {
    auto it = kv_.NewIterator(streams_cf_);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const auto k = it->key();
      Tenant* t = k.size() == 12 ? TenantById(DecodeBigEndian32(k.data())) : nullptr;
      model::Labels labels;
      if (!t || !DecodeLabels(it->value(), &labels)) {
        spdlog::warn("log store: skipping undecodable stream record");
        continue;
      }
      t->head.Restore(DecodeBigEndian64(k.data() + 4), labels, /*persisted=*/true);
    }
    LOUPE_RETURN_IF_ERROR(it->status());
  }
  // Flushed sequence numbers, then the chunk index (time extents, bucket sizes).
  {
    auto it = kv_.NewIterator(head_cf_);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const auto k = it->key();
      if (k.size() != 13 || k[12] != kHeadFlushed) continue;
      Tenant* t = TenantById(DecodeBigEndian32(k.data()));
      StreamId id;
      std::string_view v = it->value();
      uint64_t flushed;
      if (!t || !t->head.FindRef(DecodeBigEndian64(k.data() + 4), &id) ||
          !GetVarint64(&v, &flushed))
        continue;
      t->head.NotePersisted(id, flushed, INT64_MAX, INT64_MIN);
    }
    LOUPE_RETURN_IF_ERROR(it->status());
  }
  {
    auto it = kv_.NewIterator(index_cf_, {std::nullopt, std::nullopt, false});
    uint64_t bad = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ParsedChunkKey pk;
      ChunkIndexValue v;
      if (!ParseChunkKey(it->key(), &pk) || !DecodeChunkIndexValue(it->value(), &v)) {
        ++bad;
        continue;
      }
      Tenant* t = TenantById(pk.tenant);
      if (!t) continue;
      StreamId id;
      if (t->head.FindRef(pk.stream, &id))
        t->head.NotePersisted(id, pk.seq + v.entries, pk.mint, v.maxt);
      t->bucket_bytes[pk.bucket] += v.stored;
      t->bucket_raw[pk.bucket] += v.bytes;
      t->max_span = std::max<int64_t>(t->max_span, v.maxt - pk.mint);
    }
    LOUPE_RETURN_IF_ERROR(it->status());
    if (bad) {
      spdlog::warn("log store: {} undecodable chunk index entries skipped", bad);
      corrupt_blocks_ += bad;
    }
  }
  {
    auto it = kv_.NewIterator(head_cf_);
    uint64_t bad = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const auto k = it->key();
      if (k.size() != 13 || k[12] != kHeadCheckpoint) continue;
      Tenant* t = TenantById(DecodeBigEndian32(k.data()));
      StreamId id;
      if (!t || !t->head.FindRef(DecodeBigEndian64(k.data() + 4), &id)) continue;
      StreamCheckpoint c;
      if (!DecodeCheckpoint(it->value(), &c) || !t->head.RestoreCheckpoint(id, c).ok()) ++bad;
    }
    LOUPE_RETURN_IF_ERROR(it->status());
    if (bad) {
      spdlog::warn("log store: {} checkpointed open chunks were corrupt and are skipped", bad);
      corrupt_blocks_ += bad;
    }
  }
  return Status::OK();
}

Status LogStore::Replay() {
  wal::ReplayStats st;
  std::vector<FlushedChunk> done;
  Tenant* done_tenant = nullptr;
  auto flush = [&]() -> Status {
    if (done.empty()) return Status::OK();
    LOUPE_RETURN_IF_ERROR(PersistChunks(*done_tenant, done));
    done.clear();
    return Status::OK();
  };
  const int64_t now = options_.clock->NowNanos();
  uint64_t gaps = 0;
  DecodedWalRecord rec;
  auto s = wal_->Replay(
      0,
      [&](std::string_view payload) -> Status {
        if (!DecodeWalRecord(payload, &rec).ok()) {
          wal_corruptions_++;
          return Status::OK();  // checksummed but does not decode: skip it
        }
        Tenant* t = TenantById(rec.tenant);
        if (!t) {
          wal_corruptions_++;
          return Status::OK();
        }
        if (t != done_tenant) {
          LOUPE_RETURN_IF_ERROR(flush());
          done_tenant = t;
        }
        if (rec.type == WalRecordType::kStreams) {
          for (const auto& sv : rec.streams) {
            if (!sv.labels.empty())
              t->head.Restore(sv.ref, sv.labels.data(), sv.labels.size(), /*persisted=*/false);
          }
        } else {
          for (const auto& g : rec.groups) {
            StreamId id;
            if (!t->head.FindRef(g.ref, &id)) {
              wal_replay_dropped_ += g.count;
              continue;
            }
            const int64_t floor = t->floor;
            for (uint32_t k = 0; k < g.count; ++k) {
              const WalEntryView& e = rec.entries[g.begin + k];
              if (e.ts < floor) {
                t->head.Skip(id, g.first_seq + k);  // retention deleted its time range meanwhile
                wal_replay_dropped_++;
                continue;
              }
              t->head.Replay(id, g.first_seq + k, e.ts, e.line, e.metadata, now, &done, &gaps);
            }
          }
        }
        wal_replayed_records_++;
        if (done.size() >= 256) return flush();
        return Status::OK();
      },
      &st);
  LOUPE_RETURN_IF_ERROR(s);
  LOUPE_RETURN_IF_ERROR(flush());
  wal_replay_gaps_ += gaps;
  wal_corruptions_ += st.torn_tails + st.corrupt_segments;
  if (st.torn_tails || st.corrupt_segments) {
    spdlog::warn(
        "log WAL: {} torn tail(s) truncated, {} corrupt segment(s) skipped, {} bytes dropped",
        st.torn_tails, st.corrupt_segments, st.dropped_bytes);
  }
  return Status::OK();
}

Status LogStore::RaiseFloor(Tenant& t, int64_t floor) {
  if (floor <= t.floor) return Status::OK();
  std::string k = kFloorMetaPrefix, v;
  PutBigEndian32(&k, t.id);
  PutOrderedInt64(&v, floor);
  LOUPE_RETURN_IF_ERROR(kv_.Put(meta_cf_, k, v));
  t.floor = floor;
  return Status::OK();
}

Status LogStore::PersistChunks(Tenant& t, const std::vector<FlushedChunk>& chunks) {
  kv::WriteBatch batch;
  for (const auto& c : chunks) {
    const int64_t bucket = BucketStart(c.mint, options_.bucket_ns);
    const std::string key = ChunkKey(t.id, bucket, c.ref, c.mint, c.first_seq);
    ChunkIndexValue v;
    v.maxt = c.maxt;
    v.entries = c.entries;
    v.bytes = c.bytes;
    v.stored = c.data.size();
    for (const auto& b : c.blocks) v.blocks.push_back({b.mint, b.maxt, b.entries, b.bytes});
    batch.Put(chunks_cf_, key, c.data);
    batch.Put(index_cf_, key, EncodeChunkIndexValue(v));
    std::string flushed;
    PutVarint64(&flushed, c.end_seq);
    batch.Put(head_cf_, HeadKey(t.id, c.ref, kHeadFlushed), flushed);
    // The chunk holds everything the stream's checkpoint held (a flush takes the whole open
    // chunk), so the checkpoint is stale now; deleting it keeps dead open chunks from piling
    // up in logs_head. Head::FlushStream marked the stream dirty, so the next checkpoint writes
    // its small record (the last entry, for resend detection) again.
    batch.Delete(head_cf_, HeadKey(t.id, c.ref, kHeadCheckpoint));
    if (c.labels) batch.Put(streams_cf_, StreamKey(t.id, c.ref), EncodeLabels(*c.labels));
  }
  LOUPE_RETURN_IF_ERROR(kv_.Write(batch));
  {
    std::lock_guard lock(index_mu_);
    for (const auto& c : chunks) {
      const int64_t bucket = BucketStart(c.mint, options_.bucket_ns);
      t.bucket_bytes[bucket] += c.data.size();
      t.bucket_raw[bucket] += c.bytes;
      t.max_span = std::max<int64_t>(t.max_span, c.maxt - c.mint);
    }
  }
  chunks_flushed_ += chunks.size();
  return Status::OK();
}

// --- Appender -----------------------------------------------------------------------------

std::unique_ptr<LogStore::Appender> LogStore::NewAppender(std::string_view tenant) {
  return std::unique_ptr<Appender>(new Appender(this, std::string(tenant)));
}

void LogStore::Appender::AddStream(const model::LabelRef* labels, size_t n) {
  streams_.push_back({static_cast<uint32_t>(labels_.size()), static_cast<uint32_t>(n),
                      static_cast<uint32_t>(entries_.size()), 0});
  labels_.insert(labels_.end(), labels, labels + n);
}

void LogStore::Appender::AddStream(const model::Labels& labels) {
  std::vector<model::LabelRef> refs;
  refs.reserve(labels.size());
  for (const auto& l : labels) {
    owned_.push_back(std::make_unique<std::string>(l.name));
    const std::string& name = *owned_.back();
    owned_.push_back(std::make_unique<std::string>(l.value));
    refs.push_back({name, *owned_.back()});
  }
  AddStream(refs.data(), refs.size());
}

void LogStore::Appender::AddEntry(int64_t ts_ns, std::string_view line,
                                  const model::LabelRef* metadata, size_t metadata_n) {
  if (streams_.empty()) return;
  const auto begin = static_cast<uint32_t>(md_.size());
  EncodeMetadata(metadata, metadata_n, &md_);
  entries_.push_back({ts_ns, line, begin, static_cast<uint32_t>(md_.size() - begin),
                      static_cast<uint32_t>(metadata_n)});
  streams_.back().entry_count++;
}

Result<PushStats> LogStore::Appender::Commit() {
  PushStats stats;
  struct Reset {
    Appender* a;
    ~Reset() {
      a->labels_.clear();
      a->owned_.clear();
      a->streams_.clear();
      a->entries_.clear();
      a->md_.clear();
    }
  } reset{this};
  if (streams_.empty()) return stats;
  LogStore& st = *store_;
  const Limits& lim = st.options_.limits;
  const int64_t now = st.options_.clock->NowNanos();
  LOUPE_ASSIGN_OR_RETURN(Tenant * t, st.GetOrCreateTenant(tenant_));
  // Oldest acceptable timestamp: the age limit, and never below what retention deleted.
  int64_t oldest = t->floor;
  if (lim.reject_old_samples) oldest = std::max(oldest, now - lim.reject_old_samples_max_age_ns);

  // Outside the lock: sort and validate labels, and check every entry against the limits.
  std::vector<model::LabelRef> sorted;
  sorted.reserve(labels_.size());
  std::vector<uint32_t> sorted_begin(streams_.size() + 1, 0);
  std::vector<uint64_t> hashes(streams_.size());
  std::vector<RejectReason> stream_reject(streams_.size(), RejectReason::kCount);
  std::vector<std::string> stream_msg(streams_.size());
  std::vector<std::string> stream_str(streams_.size());
  std::vector<RejectReason> entry_reject(entries_.size(), RejectReason::kCount);
  for (size_t i = 0; i < streams_.size(); ++i) {
    const PendingStream& ps = streams_[i];
    sorted_begin[i] = static_cast<uint32_t>(sorted.size());
    for (uint32_t k = 0; k < ps.label_count; ++k) {
      const auto& l = labels_[ps.label_begin + k];
      if (!l.value.empty()) sorted.push_back(l);
    }
    auto* b = sorted.data() + sorted_begin[i];
    auto* e = sorted.data() + sorted.size();
    std::stable_sort(
        b, e, [](const model::LabelRef& x, const model::LabelRef& y) { return x.name < y.name; });
    const size_t n = static_cast<size_t>(e - b);
    stream_str[i] = StreamString(b, n);
    hashes[i] = model::HashLabelRefs(b, n);
    auto reject = [&](RejectReason r, std::string msg) {
      if (stream_reject[i] == RejectReason::kCount) {
        stream_reject[i] = r;
        stream_msg[i] = std::move(msg);
      }
    };
    if (n == 0) reject(RejectReason::kMissingLabels, MissingLabelsMessage());
    if (lim.max_label_names_per_series > 0 && n > lim.max_label_names_per_series) {
      reject(RejectReason::kMaxLabelNames,
             MaxLabelNamesMessage(stream_str[i], n, lim.max_label_names_per_series));
    }
    for (size_t k = 0; k < n; ++k) {
      if (k > 0 && b[k].name == b[k - 1].name) {
        reject(RejectReason::kDuplicateLabelNames,
               DuplicateLabelNamesMessage(stream_str[i], b[k].name));
      }
      if (lim.max_label_name_length > 0 && b[k].name.size() > lim.max_label_name_length) {
        reject(RejectReason::kLabelNameTooLong, LabelNameTooLongMessage(stream_str[i], b[k].name));
      }
      if (lim.max_label_value_length > 0 && b[k].value.size() > lim.max_label_value_length) {
        reject(RejectReason::kLabelValueTooLong,
               LabelValueTooLongMessage(stream_str[i], b[k].value));
      }
    }
    for (uint32_t k = 0; k < ps.entry_count; ++k) {
      PendingEntry& pe = entries_[ps.entry_begin + k];
      RejectReason& r = entry_reject[ps.entry_begin + k];
      if (lim.max_line_size > 0 && pe.line.size() > lim.max_line_size) {
        if (lim.max_line_size_truncate) {
          pe.line = pe.line.substr(0, lim.max_line_size);
          ++stats.lines_truncated;
        } else {
          r = RejectReason::kLineTooLong;
          continue;
        }
      }
      if (pe.ts < oldest) {
        r = RejectReason::kTooOld;
      } else if (pe.ts > now + lim.creation_grace_period_ns) {
        r = RejectReason::kTooNew;
      } else if (lim.max_structured_metadata_entries > 0 &&
                 pe.md_count > lim.max_structured_metadata_entries) {
        r = RejectReason::kMetadataTooMany;
      } else if (lim.max_structured_metadata_size > 0 && pe.md_len > 0) {
        uint64_t size = 0;
        ForEachMetadata(
            std::string_view(md_).substr(pe.md_begin, pe.md_len),
            [&](std::string_view a, std::string_view v) { size += a.size() + v.size(); });
        if (size > lim.max_structured_metadata_size) r = RejectReason::kMetadataTooLarge;
      }
    }
    sorted_begin[i + 1] = static_cast<uint32_t>(sorted.size());
  }

  auto add_reject = [&](uint32_t si, uint32_t ei, RejectReason r, std::string msg) {
    const PendingEntry& pe = entries_[streams_[si].entry_begin + ei];
    stats.rejected[static_cast<int>(r)]++;
    stats.rejected_bytes[static_cast<int>(r)] += pe.line.size() + pe.md_len;
    stats.rejects.push_back({si, ei, r, std::move(msg)});
  };
  auto entry_message = [&](uint32_t si, const PendingEntry& pe, RejectReason r) -> std::string {
    switch (r) {
      case RejectReason::kLineTooLong:
        return LineTooLongMessage(lim.max_line_size, stream_str[si], pe.line.size());
      case RejectReason::kTooOld:
        return TooOldMessage(stream_str[si], pe.ts, oldest);
      case RejectReason::kTooNew:
        return TooNewMessage(stream_str[si], pe.ts);
      case RejectReason::kMetadataTooMany:
        return MetadataTooManyMessage(stream_str[si], pe.md_count,
                                      lim.max_structured_metadata_entries);
      case RejectReason::kMetadataTooLarge: {
        uint64_t size = 0;
        ForEachMetadata(
            std::string_view(md_).substr(pe.md_begin, pe.md_len),
            [&](std::string_view a, std::string_view v) { size += a.size() + v.size(); });
        return MetadataTooLargeMessage(stream_str[si], size, lim.max_structured_metadata_size);
      }
      default:
        return RejectReasonName(r);
    }
  };

  std::vector<FlushedChunk> done;
  std::vector<uint64_t> new_refs;
  std::vector<model::LabelRef> new_labels;
  std::vector<uint32_t> new_offsets = {0};
  std::vector<WalEntryView> accepted;
  std::string entries_rec;
  EncodeWalHeader(WalRecordType::kEntries, t->id, &entries_rec);
  const size_t header_len = entries_rec.size();

  std::unique_lock lock(t->mu);
  for (uint32_t i = 0; i < streams_.size(); ++i) {
    const PendingStream& ps = streams_[i];
    if (stream_reject[i] != RejectReason::kCount) {
      for (uint32_t k = 0; k < ps.entry_count; ++k)
        add_reject(i, k, stream_reject[i], stream_msg[i]);
      continue;
    }
    const model::LabelRef* labels = sorted.data() + sorted_begin[i];
    const size_t n = sorted_begin[i + 1] - sorted_begin[i];
    StreamId id = t->head.Find(labels, n, hashes[i]);
    bool any_valid = false;
    for (uint32_t k = 0; k < ps.entry_count && !any_valid; ++k) {
      any_valid = entry_reject[ps.entry_begin + k] == RejectReason::kCount;
    }
    if (id == kNoStream && !any_valid) {
      // Nothing would be stored: do not create (and count as active) an empty stream.
      for (uint32_t k = 0; k < ps.entry_count; ++k) {
        const PendingEntry& pe = entries_[ps.entry_begin + k];
        add_reject(i, k, entry_reject[ps.entry_begin + k],
                   entry_message(i, pe, entry_reject[ps.entry_begin + k]));
      }
      continue;
    }
    if (id == kNoStream) {
      if (lim.max_active_streams_per_tenant > 0 &&
          t->active_streams >= lim.max_active_streams_per_tenant) {
        t->active_streams = t->head.CountActive(now, lim.active_stream_window_ns);
      }
      if (lim.max_active_streams_per_tenant > 0 &&
          t->active_streams >= lim.max_active_streams_per_tenant) {
        const std::string msg = StreamLimitMessage(stream_str[i], tenant_);
        for (uint32_t k = 0; k < ps.entry_count; ++k)
          add_reject(i, k, RejectReason::kStreamLimit, msg);
        continue;
      }
      bool created;
      id = t->head.GetOrCreate(labels, n, hashes[i], now, &created);
      ++t->active_streams;
      ++stats.streams_created;
      new_refs.push_back(t->head.Ref(id));
      new_labels.insert(new_labels.end(), labels, labels + n);
      new_offsets.push_back(static_cast<uint32_t>(new_labels.size()));
    }
    const uint64_t first_seq = t->head.stream(id).next_seq;
    accepted.clear();
    for (uint32_t k = 0; k < ps.entry_count; ++k) {
      const PendingEntry& pe = entries_[ps.entry_begin + k];
      const RejectReason pre = entry_reject[ps.entry_begin + k];
      if (pre != RejectReason::kCount) {
        add_reject(i, k, pre, entry_message(i, pe, pre));
        continue;
      }
      const std::string_view md = std::string_view(md_).substr(pe.md_begin, pe.md_len);
      const AppendResult r = t->head.Append(id, pe.ts, pe.line, md, now, &done);
      switch (r.kind) {
        case AppendKind::kAccepted:
          accepted.push_back({pe.ts, pe.line, md});
          ++stats.entries_accepted;
          stats.bytes_accepted += pe.line.size() + md.size();
          break;
        case AppendKind::kDuplicate:
          ++stats.entries_duplicate;
          break;
        case AppendKind::kTooFarBehind:
          add_reject(i, k, RejectReason::kTooFarBehind, TooFarBehindMessage(pe.ts, r.cutoff));
          break;
      }
    }
    if (!accepted.empty())
      EncodeWalGroup(t->head.Ref(id), first_seq, accepted.data(), accepted.size(), &entries_rec);
  }

  std::string streams_rec;
  std::vector<std::string_view> records;
  if (!new_refs.empty()) {
    EncodeWalHeader(WalRecordType::kStreams, t->id, &streams_rec);
    EncodeWalStreams(new_refs, new_labels, new_offsets, &streams_rec);
    records.push_back(streams_rec);
  }
  if (entries_rec.size() > header_len) records.push_back(entries_rec);
  if (!records.empty()) LOUPE_RETURN_IF_ERROR(st.wal_->Append(records));
  if (!done.empty()) LOUPE_RETURN_IF_ERROR(st.PersistChunks(*t, done));
  lock.unlock();

  st.entries_appended_ += stats.entries_accepted;
  st.bytes_appended_ += stats.bytes_accepted;
  st.entries_duplicate_ += stats.entries_duplicate;
  for (int r = 0; r < kNumRejectReasons; ++r) {
    if (stats.rejected[r]) st.rejected_[r] += stats.rejected[r];
  }
  if (st.wal_->TotalBytes() > st.options_.checkpoint_wal_bytes) {
    std::lock_guard bg(st.bg_mu_);
    st.bg_cv_.notify_all();
  }
  return stats;
}

}  // namespace loupe::storage::logstore
