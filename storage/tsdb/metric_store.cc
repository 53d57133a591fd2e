#include "storage/tsdb/metric_store.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <bit>
#include <chrono>

#include "storage/base/coding.h"
#include "storage/tsdb/keys.h"
#include "storage/tsdb/wal_record.h"

namespace loupe::storage::tsdb {
namespace {

constexpr char kTenantMetaPrefix[] = "tenant/";
constexpr char kMetadataMetaPrefix[] = "md/";

std::string EncodeChunkValue(const ChunkData& c) {
  std::string v;
  PutSignedVarint64(&v, c.maxt);
  v.append(c.bytes);
  return v;
}

std::string EncodeSeriesValue(const model::Labels& labels, int64_t min_t) {
  std::string v;
  PutVarint64(&v, labels.size());
  for (const auto& l : labels) {
    PutLengthPrefixed(&v, l.name);
    PutLengthPrefixed(&v, l.value);
  }
  PutSignedVarint64(&v, min_t);
  return v;
}

// Label views point into `in`. The writer stored them sorted.
bool DecodeSeriesValue(std::string_view in, std::vector<model::LabelRef>* labels, int64_t* min_t) {
  uint64_t n;
  if (!GetVarint64(&in, &n) || n > in.size()) return false;
  labels->resize(n);
  for (uint64_t i = 0; i < n; ++i) {
    if (!GetLengthPrefixed(&in, &(*labels)[i].name) || !GetLengthPrefixed(&in, &(*labels)[i].value)) return false;
  }
  return GetSignedVarint64(&in, min_t);
}

std::string EncodeHeadValue(const SeriesCheckpoint& c) {
  std::string v;
  PutSignedVarint64(&v, c.head_mint);
  PutLengthPrefixed(&v, c.head_bytes);
  PutVarint64(&v, c.ooo.size());
  for (const auto& s : c.ooo) {
    PutSignedVarint64(&v, s.t);
    PutFixed64(&v, std::bit_cast<uint64_t>(s.v));
  }
  return v;
}

bool DecodeHeadValue(std::string_view in, int64_t* mint, std::string* bytes, std::vector<model::Sample>* ooo) {
  std::string_view b;
  uint64_t n;
  if (!GetSignedVarint64(&in, mint) || !GetLengthPrefixed(&in, &b) || !GetVarint64(&in, &n) ||
      n > in.size()) {
    return false;
  }
  bytes->assign(b);
  for (uint64_t i = 0; i < n; ++i) {
    model::Sample s;
    uint64_t bits;
    if (!GetSignedVarint64(&in, &s.t) || !GetFixed64(&in, &bits)) return false;
    s.v = std::bit_cast<double>(bits);
    ooo->push_back(s);
  }
  return in.empty();
}

std::string MetadataKey(uint32_t tenant, std::string_view family) {
  std::string k = kMetadataMetaPrefix;
  PutBigEndian32(&k, tenant);
  k.append(family);
  return k;
}

std::string EncodeMetadataValue(const model::MetricMetadata& md) {
  std::string v;
  v.push_back(static_cast<char>(md.type));
  PutLengthPrefixed(&v, md.help);
  PutLengthPrefixed(&v, md.unit);
  return v;
}

std::string SeriesString(const model::LabelRef* labels, size_t n) {
  std::vector<model::Label> ls;
  for (size_t i = 0; i < n; ++i) ls.push_back({std::string(labels[i].name), std::string(labels[i].value)});
  return model::Labels::FromSorted(std::move(ls)).ToString();
}

int64_t NowMs(Clock* c) { return c->NowMillis(); }

}  // namespace

uint64_t AppendStats::rejected() const {
  uint64_t n = 0;
  for (auto r : samples_rejected) n += r;
  return n;
}

size_t DecodeChunks(const std::vector<ChunkData>& chunks, int64_t mint, int64_t maxt,
                    std::vector<model::Sample>* out) {
  out->clear();
  size_t corrupt = 0;
  bool overlapping = false;
  int64_t prev_maxt = INT64_MIN;
  size_t expected = 0;
  for (const auto& c : chunks) {
    if (c.bytes.size() >= 2) expected += (static_cast<uint8_t>(c.bytes[0]) << 8) | static_cast<uint8_t>(c.bytes[1]);
  }
  out->reserve(expected);
  for (const auto& c : chunks) {
    if (c.mint <= prev_maxt) overlapping = true;
    prev_maxt = std::max(prev_maxt, c.maxt);
    if (!DecodeXorSamples(c.bytes, mint, maxt, out).ok()) ++corrupt;
  }
  if (overlapping) {
    // OOO chunks overlap in-order ones: sort and keep the first sample per timestamp.
    std::stable_sort(out->begin(), out->end(), [](const auto& a, const auto& b) { return a.t < b.t; });
    out->erase(std::unique(out->begin(), out->end(), [](const auto& a, const auto& b) { return a.t == b.t; }),
               out->end());
  }
  return corrupt;
}

std::vector<kv::ColumnFamilySpec> MetricStore::ColumnFamilies() {
  // Block compression (LZ4, zstd at the bottom level) still pays on XOR chunks: the keys share
  // long prefixes and constant series leave runs of zero bits (measured: 1.58 -> 0.91 bytes per
  // sample on scripts/bench's node-exporter-like load).
  return {{kChunksFamily, true}, {kHeadFamily, false}, {kSeriesFamily, true}, {kMetaFamily, true}};
}

Result<std::unique_ptr<MetricStore>> MetricStore::Open(kv::RocksStore& kv, const std::string& wal_dir,
                                                       MetricStoreOptions options) {
  std::unique_ptr<MetricStore> s(new MetricStore(kv, std::move(options)));
  LOUPE_ASSIGN_OR_RETURN(s->chunks_cf_, kv.Family(kChunksFamily));
  LOUPE_ASSIGN_OR_RETURN(s->head_cf_, kv.Family(kHeadFamily));
  LOUPE_ASSIGN_OR_RETURN(s->series_cf_, kv.Family(kSeriesFamily));
  LOUPE_ASSIGN_OR_RETURN(s->meta_cf_, kv.Family(kMetaFamily));
  LOUPE_ASSIGN_OR_RETURN(s->wal_, wal::Wal::Open(wal_dir, s->options_.wal));
  const auto t0 = std::chrono::steady_clock::now();
  LOUPE_RETURN_IF_ERROR(s->Load());
  LOUPE_RETURN_IF_ERROR(s->Replay());
  // The WAL may still hold series that retention removed before the restart.
  LOUPE_RETURN_IF_ERROR(s->ApplyRetention());
  s->replay_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  s->last_checkpoint_ms_ = NowMs(s->options_.clock);
  if (s->options_.maintenance_interval_ms > 0) s->bg_ = std::thread([p = s.get()] { p->BackgroundLoop(); });
  return s;
}

MetricStore::~MetricStore() { (void)Close(); }

MetricStore::Tenant* MetricStore::FindTenant(std::string_view name) {
  std::lock_guard lock(tenants_mu_);
  auto it = tenants_.find(name);
  return it == tenants_.end() ? nullptr : it->second.get();
}

MetricStore::Tenant* MetricStore::TenantById(uint32_t id) {
  std::lock_guard lock(tenants_mu_);
  return id < tenants_by_id_.size() ? tenants_by_id_[id] : nullptr;
}

Result<MetricStore::Tenant*> MetricStore::GetOrCreateTenant(std::string_view name) {
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

Status MetricStore::Load() {
  // Tenants.
  {
    auto it = kv_.NewIterator(meta_cf_);
    for (it->Seek(kTenantMetaPrefix); it->Valid(); it->Next()) {
      const auto k = it->key();
      if (k.substr(0, sizeof(kTenantMetaPrefix) - 1) != kTenantMetaPrefix) break;
      if (it->value().size() != 4) return Status::Corruption("metric store: bad tenant record");
      const uint32_t id = DecodeBigEndian32(it->value().data());
      auto t = std::make_unique<Tenant>(options_.head);
      t->id = id;
      t->name = std::string(k.substr(sizeof(kTenantMetaPrefix) - 1));
      if (tenants_by_id_.size() <= id) tenants_by_id_.resize(id + 1, nullptr);
      tenants_by_id_[id] = t.get();
      tenants_.emplace(t->name, std::move(t));
    }
    LOUPE_RETURN_IF_ERROR(it->status());
    for (size_t i = 0; i < tenants_by_id_.size(); ++i) {
      if (!tenants_by_id_[i]) return Status::Corruption("metric store: tenant ids are not contiguous");
    }
    for (it->Seek(kMetadataMetaPrefix); it->Valid(); it->Next()) {
      const auto k = it->key();
      if (k.substr(0, sizeof(kMetadataMetaPrefix) - 1) != kMetadataMetaPrefix) break;
      if (k.size() < sizeof(kMetadataMetaPrefix) - 1 + 4) continue;
      Tenant* t = TenantById(DecodeBigEndian32(k.data() + sizeof(kMetadataMetaPrefix) - 1));
      std::string_view v = it->value();
      if (!t || v.empty()) continue;
      model::MetricMetadata md;
      md.family = std::string(k.substr(sizeof(kMetadataMetaPrefix) - 1 + 4));
      md.type = static_cast<model::MetricType>(static_cast<uint8_t>(v[0]));
      v.remove_prefix(1);
      std::string_view help, unit;
      if (!GetLengthPrefixed(&v, &help) || !GetLengthPrefixed(&v, &unit)) continue;
      md.help = std::string(help);
      md.unit = std::string(unit);
      t->head.SetMetadata(md);
    }
  }
  // Series, then their checkpointed head chunks.
  {
    kv::IteratorOptions io;
    io.fill_cache = false;
    auto it = kv_.NewIterator(series_cf_, io);
    std::vector<model::LabelRef> labels;
    uint64_t bad = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const auto k = it->key();
      Tenant* t = k.size() == 12 ? TenantById(DecodeBigEndian32(k.data())) : nullptr;
      int64_t min_t;
      if (!t || !DecodeSeriesValue(it->value(), &labels, &min_t)) {
        ++bad;
        continue;
      }
      t->head.Restore(DecodeBigEndian64(k.data() + 4), labels.data(), labels.size(), min_t, /*persisted=*/true);
    }
    if (bad) {
      spdlog::warn("metric store: {} undecodable series records skipped", bad);
      corrupt_series_ += bad;
    }
    LOUPE_RETURN_IF_ERROR(it->status());
  }
  {
    kv::IteratorOptions io;
    io.fill_cache = false;
    auto it = kv_.NewIterator(head_cf_, io);
    uint64_t bad = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const auto k = it->key();
      if (k.size() != 12) continue;
      Tenant* t = TenantById(DecodeBigEndian32(k.data()));
      SeriesId id;
      if (!t || !t->head.FindRef(DecodeBigEndian64(k.data() + 4), &id)) continue;
      int64_t mint;
      std::string bytes;
      std::vector<model::Sample> ooo;
      if (!DecodeHeadValue(it->value(), &mint, &bytes, &ooo) ||
          !t->head.RestoreHead(id, mint, std::move(bytes), std::move(ooo)).ok()) {
        ++bad;
      }
    }
    LOUPE_RETURN_IF_ERROR(it->status());
    if (bad) {
      spdlog::warn("metric store: {} checkpointed head chunks were corrupt and are skipped", bad);
      corrupt_chunks_ += bad;
    }
  }
  return Status::OK();
}

Status MetricStore::Replay() {
  wal::ReplayStats st;
  std::vector<CompletedChunk> done;
  uint32_t done_tenant = 0;
  auto flush = [&]() -> Status {
    if (done.empty()) return Status::OK();
    LOUPE_RETURN_IF_ERROR(PersistChunks(done_tenant, done));
    done.clear();
    return Status::OK();
  };
  DecodedWalRecord rec;
  auto s = wal_->Replay(0, [&](std::string_view payload) -> Status {
    rec = DecodedWalRecord();
    if (!DecodeWalRecord(payload, &rec).ok()) {
      wal_corruptions_++;
      return Status::OK();  // a record that checksummed but does not decode: skip it
    }
    Tenant* t = TenantById(rec.tenant);
    if (!t) {
      wal_corruptions_++;
      return Status::OK();
    }
    if (t->id != done_tenant) {
      LOUPE_RETURN_IF_ERROR(flush());
      done_tenant = t->id;
    }
    switch (rec.type) {
      case WalRecordType::kSeries:
        for (const auto& ser : rec.series) {
          t->head.Restore(ser.ref, ser.labels.data(), ser.labels.size(), INT64_MAX, /*persisted=*/false);
        }
        break;
      case WalRecordType::kSamples:
      case WalRecordType::kOooSamples:
        for (const auto& smp : rec.samples) {
          SeriesId id;
          if (!t->head.FindRef(smp.ref, &id)) {
            wal_replay_dropped_++;
            continue;
          }
          if (rec.type == WalRecordType::kSamples) {
            t->head.ReplayInOrder(id, smp.t, smp.v, &done);
          } else {
            t->head.ReplayOutOfOrder(id, smp.t, smp.v, &done);
          }
        }
        break;
      case WalRecordType::kExemplars:
        for (const auto& e : rec.exemplars) {
          SeriesId id;
          if (t->head.FindRef(e.ref, &id)) t->head.AddExemplar(id, e.exemplar);
        }
        break;
      case WalRecordType::kMetadata:
        for (const auto& md : rec.metadata) t->head.SetMetadata(md);
        break;
    }
    wal_replayed_records_++;
    if (done.size() >= 4096) return flush();
    return Status::OK();
  }, &st);
  LOUPE_RETURN_IF_ERROR(s);
  LOUPE_RETURN_IF_ERROR(flush());
  wal_corruptions_ += st.torn_tails + st.corrupt_segments;
  if (st.torn_tails || st.corrupt_segments) {
    spdlog::warn("metric WAL: {} torn tail(s) truncated, {} corrupt segment(s) skipped, {} bytes dropped",
                 st.torn_tails, st.corrupt_segments, st.dropped_bytes);
  }
  return Status::OK();
}

Status MetricStore::PersistChunks(uint32_t tenant, const std::vector<CompletedChunk>& chunks) {
  kv::WriteBatch batch;
  for (const auto& c : chunks) {
    batch.Put(chunks_cf_,
              ChunkKey(tenant, BlockStart(c.chunk.mint, options_.head.block_ms), c.ref, c.chunk.mint, c.chunk.kind),
              EncodeChunkValue(c.chunk));
  }
  LOUPE_RETURN_IF_ERROR(kv_.Write(batch));
  chunks_persisted_ += chunks.size();
  return Status::OK();
}

// --- Appender ---------------------------------------------------------------------------------

std::unique_ptr<MetricStore::Appender> MetricStore::NewAppender(std::string_view tenant) {
  return std::unique_ptr<Appender>(new Appender(this, std::string(tenant)));
}

void MetricStore::Appender::AddSeries(const model::LabelRef* labels, size_t n) {
  series_.push_back({static_cast<uint32_t>(labels_.size()), static_cast<uint32_t>(n),
                     static_cast<uint32_t>(samples_.size()), 0, static_cast<uint32_t>(exemplars_.size()), 0});
  labels_.insert(labels_.end(), labels, labels + n);
}

void MetricStore::Appender::AddSeries(const model::Labels& labels) {
  std::vector<model::LabelRef> refs;
  refs.reserve(labels.size());
  for (const auto& l : labels) {
    owned_.push_back(std::make_unique<std::string>(l.name));
    const std::string& name = *owned_.back();
    owned_.push_back(std::make_unique<std::string>(l.value));
    refs.push_back({name, *owned_.back()});
  }
  AddSeries(refs.data(), refs.size());
}

void MetricStore::Appender::AddSample(int64_t t, double v) {
  if (series_.empty()) return;
  samples_.push_back({t, v});
  series_.back().sample_count++;
}

void MetricStore::Appender::AddExemplar(const model::Exemplar& e) {
  if (series_.empty()) return;
  exemplars_.push_back(e);
  series_.back().exemplar_count++;
}

void MetricStore::Appender::AddMetadata(model::MetricMetadata md) { metadata_.push_back(std::move(md)); }

Result<AppendStats> MetricStore::Appender::Commit() {
  AppendStats stats;
  if (series_.empty() && metadata_.empty()) return stats;
  MetricStore& st = *store_;
  LOUPE_ASSIGN_OR_RETURN(Tenant * t, st.GetOrCreateTenant(tenant_));

  // Hash outside the lock.
  std::vector<uint64_t> hashes(series_.size());
  for (size_t i = 0; i < series_.size(); ++i) {
    hashes[i] = model::HashLabelRefs(labels_.data() + series_[i].label_begin, series_[i].label_count);
  }

  std::vector<uint64_t> new_refs;
  std::vector<model::LabelRef> new_labels;
  std::vector<uint32_t> new_offsets = {0};
  std::vector<WalSample> in_order, ooo;
  std::vector<WalExemplar> exemplars;
  std::vector<model::MetricMetadata> changed_md;
  std::vector<CompletedChunk> done;
  in_order.reserve(samples_.size());

  std::unique_lock lock(t->mu);
  for (size_t i = 0; i < series_.size(); ++i) {
    const PendingSeries& ps = series_[i];
    const model::LabelRef* labels = labels_.data() + ps.label_begin;
    bool created = false;
    const SeriesId id = t->head.GetOrCreate(labels, ps.label_count, hashes[i], &created);
    const uint64_t ref = t->head.Ref(id);
    if (created) {
      ++stats.series_created;
      new_refs.push_back(ref);
      new_labels.insert(new_labels.end(), labels, labels + ps.label_count);
      new_offsets.push_back(static_cast<uint32_t>(new_labels.size()));
    }
    for (uint32_t k = 0; k < ps.sample_count; ++k) {
      const model::Sample& smp = samples_[ps.sample_begin + k];
      const AppendResult r = t->head.Append(id, smp.t, smp.v, &done);
      switch (r.kind) {
        case AppendKind::kInOrder:
          in_order.push_back({ref, smp.t, smp.v});
          ++stats.samples_appended;
          break;
        case AppendKind::kOutOfOrder:
          ooo.push_back({ref, smp.t, smp.v});
          ++stats.samples_appended;
          ++stats.samples_ooo;
          break;
        case AppendKind::kResend:
          ++stats.samples_resent;
          break;
        case AppendKind::kRejected:
          ++stats.samples_rejected[static_cast<int>(r.reject)];
          if (stats.first_error.empty()) {
            stats.first_error = std::string(RejectMessage(r.reject)) + ": series " +
                                SeriesString(labels, ps.label_count) + ", timestamp " + std::to_string(smp.t);
          }
          break;
      }
    }
    for (uint32_t k = 0; k < ps.exemplar_count; ++k) {
      const model::Exemplar& e = exemplars_[ps.exemplar_begin + k];
      if (t->head.AddExemplar(id, e)) {
        exemplars.push_back({ref, e});
        ++stats.exemplars_appended;
      } else {
        ++stats.exemplars_rejected;
      }
    }
  }
  for (auto& md : metadata_) {
    if (t->head.SetMetadata(md)) changed_md.push_back(md);
  }

  std::string series_rec, samples_rec, ooo_rec, exemplar_rec, md_rec;
  std::vector<std::string_view> records;
  if (!new_refs.empty()) {
    EncodeSeriesRecord(t->id, new_refs, new_labels, new_offsets, &series_rec);
    records.push_back(series_rec);
  }
  if (!in_order.empty()) {
    EncodeSamplesRecord(t->id, in_order, &samples_rec);
    records.push_back(samples_rec);
  }
  if (!ooo.empty()) {
    EncodeSamplesRecord(t->id, ooo, &ooo_rec, WalRecordType::kOooSamples);
    records.push_back(ooo_rec);
  }
  if (!exemplars.empty()) {
    EncodeExemplarsRecord(t->id, exemplars, &exemplar_rec);
    records.push_back(exemplar_rec);
  }
  if (!changed_md.empty()) {
    EncodeMetadataRecord(t->id, changed_md, &md_rec);
    records.push_back(md_rec);
  }
  if (!records.empty()) LOUPE_RETURN_IF_ERROR(st.wal_->Append(records));
  if (!done.empty()) LOUPE_RETURN_IF_ERROR(st.PersistChunks(t->id, done));
  if (!changed_md.empty()) {
    kv::WriteBatch batch;
    for (const auto& md : changed_md) batch.Put(st.meta_cf_, MetadataKey(t->id, md.family), EncodeMetadataValue(md));
    LOUPE_RETURN_IF_ERROR(st.kv_.Write(batch));
  }
  lock.unlock();

  st.samples_appended_ += stats.samples_appended;
  for (int r = 0; r < static_cast<int>(Reject::kCount); ++r) {
    if (stats.samples_rejected[r]) st.rejected_[r] += stats.samples_rejected[r];
  }
  if (st.wal_->TotalBytes() > st.options_.checkpoint_wal_bytes) {
    std::lock_guard bg(st.bg_mu_);
    st.bg_cv_.notify_all();
  }
  return stats;
}

// --- Reads ------------------------------------------------------------------------------------

void MetricStore::LoadPersistedChunks(const Tenant& t, uint64_t ref, int64_t mint, int64_t maxt,
                                      kv::Iterator* it, std::vector<ChunkData>* out) {
  const int64_t block_ms = options_.head.block_ms;
  if (mint > maxt) return;
  for (int64_t block = BlockStart(mint, block_ms); block <= maxt; block += block_ms) {
    const std::string prefix = ChunkSeriesPrefix(t.id, block, ref);
    for (it->Seek(prefix); it->Valid(); it->Next()) {
      const auto k = it->key();
      if (k.substr(0, prefix.size()) != prefix) break;
      ParsedChunkKey pk;
      std::string_view v = it->value();
      int64_t chunk_maxt;
      if (!ParseChunkKey(k, &pk) || !GetSignedVarint64(&v, &chunk_maxt)) {
        corrupt_chunks_++;
        continue;
      }
      if (pk.mint > maxt) break;
      if (chunk_maxt < mint) continue;
      out->push_back({pk.mint, chunk_maxt, pk.kind, std::string(v)});
    }
    if (block > INT64_MAX - block_ms) break;
  }
}

Result<std::vector<SelectedSeries>> MetricStore::Select(std::string_view tenant,
                                                        const std::vector<model::Matcher>& matchers,
                                                        int64_t mint, int64_t maxt, bool with_chunks) {
  std::vector<SelectedSeries> out;
  std::vector<std::pair<int64_t, int64_t>> ranges;
  Tenant* t = FindTenant(tenant);
  if (!t || mint > maxt) return out;
  {
    std::shared_lock lock(t->mu);
    const PostingsList ids = t->head.FilterByTime(t->head.Select(matchers), mint, maxt);
    out.reserve(ids.size());
    for (SeriesId id : ids) {
      SelectedSeries s;
      s.labels = t->head.LabelsOf(id);
      s.ref = t->head.Ref(id);
      // Reads of persisted chunks walk blocks: clamp to where the series has data.
      const auto [first, last] = t->head.TimeRange(id);
      ranges.emplace_back(std::max(mint, first), std::min(maxt, last));
      if (with_chunks) s.chunks = t->head.MemChunks(id, mint, maxt);
      out.push_back(std::move(s));
    }
  }
  if (with_chunks) {
    auto it = kv_.NewIterator(chunks_cf_);
    for (size_t i = 0; i < out.size(); ++i) {
      auto& s = out[i];
      std::vector<ChunkData> persisted;
      LoadPersistedChunks(*t, s.ref, ranges[i].first, ranges[i].second, it.get(), &persisted);
      LOUPE_RETURN_IF_ERROR(it->status());
      // Persisted chunks are older than the in-memory ones (except OOO): put them first.
      persisted.insert(persisted.end(), std::make_move_iterator(s.chunks.begin()),
                       std::make_move_iterator(s.chunks.end()));
      std::stable_sort(persisted.begin(), persisted.end(),
                       [](const ChunkData& a, const ChunkData& b) { return a.mint < b.mint; });
      s.chunks = std::move(persisted);
    }
  }
  std::sort(out.begin(), out.end(), [](const SelectedSeries& a, const SelectedSeries& b) { return a.labels < b.labels; });
  return out;
}

PostingsList MetricStore::SelectIds(const Tenant& t, const std::vector<std::vector<model::Matcher>>& selectors,
                                    int64_t mint, int64_t maxt) const {
  PostingsList ids;
  if (selectors.empty()) {
    ids = t.head.Select({});
  } else {
    std::vector<PostingsList> parts;
    for (const auto& sel : selectors) parts.push_back(t.head.Select(sel));
    std::vector<const PostingsList*> ptrs;
    for (const auto& p : parts) ptrs.push_back(&p);
    ids = Merge(ptrs);
  }
  return t.head.FilterByTime(ids, mint, maxt);
}

Result<std::vector<model::Labels>> MetricStore::Series(std::string_view tenant,
                                                       const std::vector<std::vector<model::Matcher>>& selectors,
                                                       int64_t mint, int64_t maxt, size_t limit) {
  std::vector<model::Labels> out;
  Tenant* t = FindTenant(tenant);
  if (!t) return out;
  std::shared_lock lock(t->mu);
  for (SeriesId id : SelectIds(*t, selectors, mint, maxt)) {
    out.push_back(t->head.LabelsOf(id));
  }
  lock.unlock();
  std::sort(out.begin(), out.end());
  if (limit > 0 && out.size() > limit) out.resize(limit);
  return out;
}

Result<std::vector<std::string>> MetricStore::LabelNames(std::string_view tenant,
                                                         const std::vector<std::vector<model::Matcher>>& selectors,
                                                         int64_t mint, int64_t maxt) {
  Tenant* t = FindTenant(tenant);
  if (!t) return std::vector<std::string>{};
  std::shared_lock lock(t->mu);
  const PostingsList ids = SelectIds(*t, selectors, mint, maxt);
  return t->head.LabelNames(&ids);
}

Result<std::vector<std::string>> MetricStore::LabelValues(std::string_view tenant, std::string_view name,
                                                          const std::vector<std::vector<model::Matcher>>& selectors,
                                                          int64_t mint, int64_t maxt) {
  Tenant* t = FindTenant(tenant);
  if (!t) return std::vector<std::string>{};
  std::shared_lock lock(t->mu);
  const PostingsList ids = SelectIds(*t, selectors, mint, maxt);
  return t->head.LabelValues(name, &ids);
}

Result<std::vector<MetricStore::SeriesExemplars>> MetricStore::Exemplars(
    std::string_view tenant, const std::vector<model::Matcher>& matchers, int64_t mint, int64_t maxt) {
  std::vector<SeriesExemplars> out;
  Tenant* t = FindTenant(tenant);
  if (!t) return out;
  std::shared_lock lock(t->mu);
  const auto hits = t->head.Exemplars(t->head.Select(matchers), mint, maxt);
  SeriesId current = UINT32_MAX;
  for (const auto& h : hits) {
    if (h.id != current) {
      out.push_back({t->head.LabelsOf(h.id), {}});
      current = h.id;
    }
    out.back().exemplars.push_back(h.exemplar);
  }
  return out;
}

std::map<std::string, model::MetricMetadata> MetricStore::Metadata(std::string_view tenant) {
  Tenant* t = FindTenant(tenant);
  if (!t) return {};
  std::shared_lock lock(t->mu);
  return t->head.Metadata();
}

MetricStore::TsdbStatus MetricStore::GetTsdbStatus(std::string_view tenant, size_t top) {
  TsdbStatus s;
  Tenant* t = FindTenant(tenant);
  if (!t) return s;
  std::shared_lock lock(t->mu);
  s.num_series = t->head.NumSeries();
  s.min_time = s.num_series ? t->head.MinTime() : 0;
  s.max_time = s.num_series ? t->head.MaxTime() : 0;
  s.cardinality = t->head.Stats(top);
  return s;
}

// --- Maintenance ------------------------------------------------------------------------------

Status MetricStore::Checkpoint() {
  std::lock_guard cp(checkpoint_mu_);
  LOUPE_ASSIGN_OR_RETURN(const uint64_t segment, wal_->Rotate());
  std::vector<Tenant*> tenants;
  {
    std::lock_guard lock(tenants_mu_);
    tenants = tenants_by_id_;
  }
  for (Tenant* t : tenants) {
    SeriesId next = 0;
    while (true) {
      std::vector<SeriesCheckpoint> batch;
      bool more;
      {
        std::unique_lock lock(t->mu);
        next = t->head.CollectCheckpoint(next, 4096, &batch);
        more = next < t->head.IdLimit();
      }
      kv::WriteBatch wb;
      for (const auto& c : batch) {
        const std::string key = SeriesKey(t->id, c.ref);
        if (c.labels) wb.Put(series_cf_, key, EncodeSeriesValue(*c.labels, c.min_t));
        wb.Put(head_cf_, key, EncodeHeadValue(c));
      }
      if (wb.Count() > 0) LOUPE_RETURN_IF_ERROR(kv_.Write(wb));
      if (!more) break;
    }
  }
  // Everything the deleted segments held is now in RocksDB; make that durable first.
  LOUPE_RETURN_IF_ERROR(kv_.SyncWal());
  LOUPE_RETURN_IF_ERROR(wal_->TruncateBefore(segment));
  checkpoints_++;
  last_checkpoint_ms_ = NowMs(options_.clock);
  return Status::OK();
}

Status MetricStore::ApplyRetention() {
  const int64_t block_ms = options_.head.block_ms;
  std::vector<Tenant*> tenants;
  {
    std::lock_guard lock(tenants_mu_);
    tenants = tenants_by_id_;
  }
  if (options_.retention_ms > 0) {
    for (Tenant* t : tenants) {
      // As Prometheus: retention counts back from the tenant's newest sample, not from the
      // wall clock, so data with old timestamps (fixtures, backfills, replays) is kept as
      // long as it is recent relative to the rest.
      int64_t newest;
      {
        std::shared_lock lock(t->mu);
        newest = t->head.MaxTime();
      }
      if (newest == INT64_MIN) continue;
      const int64_t cutoff = BlockStart(newest - options_.retention_ms, block_ms);
      // Whole blocks strictly before the cutoff block go.
      const std::string begin = ChunkBlockPrefix(t->id, INT64_MIN);
      const std::string end = ChunkBlockPrefix(t->id, cutoff);
      auto it = kv_.NewIterator(chunks_cf_, {begin, end, false});
      it->SeekToFirst();
      const bool any = it->Valid();
      it.reset();
      if (any) {
        LOUPE_RETURN_IF_ERROR(kv_.DeleteRange(chunks_cf_, begin, end));
        retention_deleted_blocks_++;
      }
      std::vector<uint64_t> removed;
      {
        std::unique_lock lock(t->mu);
        removed = t->head.RemoveSeriesBefore(cutoff);
      }
      if (!removed.empty()) {
        kv::WriteBatch wb;
        for (uint64_t ref : removed) {
          wb.Delete(series_cf_, SeriesKey(t->id, ref));
          wb.Delete(head_cf_, SeriesKey(t->id, ref));
        }
        LOUPE_RETURN_IF_ERROR(kv_.Write(wb));
      }
    }
  }
  if (options_.retention_bytes > 0) {
    // Oldest blocks first until the chunk bytes fit (whole blocks, across tenants).
    for (int round = 0; round < 10000; ++round) {
      uint64_t bytes = 0;
      for (const auto& f : kv_.Stats()) {
        if (f.name == kChunksFamily) bytes = f.sst_bytes + f.memtable_bytes;
      }
      if (bytes <= options_.retention_bytes) break;
      int64_t oldest = INT64_MAX;
      auto it = kv_.NewIterator(chunks_cf_);
      for (Tenant* t : tenants) {
        it->Seek(TenantPrefix(t->id));
        ParsedChunkKey pk;
        if (it->Valid() && ParseChunkKey(it->key(), &pk) && pk.tenant == t->id) oldest = std::min(oldest, pk.block);
      }
      it.reset();
      if (oldest == INT64_MAX) break;
      for (Tenant* t : tenants) {
        LOUPE_RETURN_IF_ERROR(kv_.DeleteRange(chunks_cf_, ChunkBlockPrefix(t->id, oldest),
                                              ChunkBlockPrefix(t->id, oldest + block_ms)));
      }
      retention_deleted_blocks_++;
      LOUPE_RETURN_IF_ERROR(kv_.Flush());
    }
  }
  return Status::OK();
}

void MetricStore::BackgroundLoop() {
  int64_t last_retention = 0;
  std::unique_lock lock(bg_mu_);
  while (!stopping_) {
    bg_cv_.wait_for(lock, std::chrono::milliseconds(options_.maintenance_interval_ms));
    if (stopping_) break;
    lock.unlock();
    const int64_t now = NowMs(options_.clock);
    if (wal_->TotalBytes() > options_.checkpoint_wal_bytes ||
        (now - last_checkpoint_ms_ >= options_.checkpoint_interval_ms && wal_->TotalBytes() > 0)) {
      if (auto s = Checkpoint(); !s.ok()) spdlog::error("metric store checkpoint: {}", s.message());
    }
    if (now - last_retention >= options_.maintenance_interval_ms) {
      if (auto s = ApplyRetention(); !s.ok()) spdlog::error("metric store retention: {}", s.message());
      last_retention = now;
    }
    lock.lock();
  }
}

MetricStoreStats MetricStore::Stats() const {
  MetricStoreStats s;
  {
    std::lock_guard lock(const_cast<std::mutex&>(tenants_mu_));
    for (const auto* t : tenants_by_id_) {
      std::shared_lock tl(t->mu);
      s.series += t->head.NumSeries();
      s.head_memory_bytes += t->head.ApproxMemoryBytes();
    }
  }
  s.samples_appended = samples_appended_;
  for (int r = 0; r < static_cast<int>(Reject::kCount); ++r) s.samples_rejected[r] = rejected_[r];
  s.chunks_persisted = chunks_persisted_;
  s.checkpoints = checkpoints_;
  s.wal_bytes = wal_ ? wal_->TotalBytes() : 0;
  s.wal_corruptions = wal_corruptions_;
  s.wal_replayed_records = wal_replayed_records_;
  s.wal_replay_dropped_samples = wal_replay_dropped_;
  s.corrupt_chunks = corrupt_chunks_;
  s.corrupt_series = corrupt_series_;
  s.retention_deleted_blocks = retention_deleted_blocks_;
  s.replay_ms = replay_ms_;
  return s;
}

Status MetricStore::Close() {
  {
    std::lock_guard lock(bg_mu_);
    if (stopping_) return Status::OK();
    stopping_ = true;
    bg_cv_.notify_all();
  }
  if (bg_.joinable()) bg_.join();
  return wal_ ? wal_->Sync() : Status::OK();
}

}  // namespace loupe::storage::tsdb
