#include "storage/kv/rocks_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <filesystem>
#include <mutex>

namespace loupe::storage::kv {
namespace {

Status FromRocks(const rocksdb::Status& s) {
  if (s.ok()) return Status::OK();
  if (s.IsNotFound()) return Status::NotFound(s.ToString());
  if (s.IsCorruption()) return Status::Corruption("rocksdb: " + s.ToString());
  if (s.IsInvalidArgument()) return Status::InvalidArgument("rocksdb: " + s.ToString());
  if (s.IsNoSpace()) return Status::ResourceExhausted("rocksdb: no space left on device");
  if (s.IsBusy() || s.IsTryAgain()) return Status::Unavailable("rocksdb: " + s.ToString());
  if (s.IsIOError()) return Status::IOError("rocksdb: " + s.ToString());
  return Status::Internal("rocksdb: " + s.ToString());
}

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
std::string_view ToView(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

class RocksIterator final : public Iterator {
 public:
  RocksIterator(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, const IteratorOptions& opts)
      : lower_(opts.lower_bound), upper_(opts.upper_bound) {
    rocksdb::ReadOptions ro;
    ro.fill_cache = opts.fill_cache;
    if (lower_) {
      lower_slice_ = ToSlice(*lower_);
      ro.iterate_lower_bound = &lower_slice_;
    }
    if (upper_) {
      upper_slice_ = ToSlice(*upper_);
      ro.iterate_upper_bound = &upper_slice_;
    }
    it_.reset(db->NewIterator(ro, cf));
  }
  void SeekToFirst() override { it_->SeekToFirst(); }
  void Seek(std::string_view target) override { it_->Seek(ToSlice(target)); }
  void SeekToLast() override { it_->SeekToLast(); }
  void SeekForPrev(std::string_view target) override { it_->SeekForPrev(ToSlice(target)); }
  bool Valid() const override { return it_->Valid(); }
  void Next() override { it_->Next(); }
  void Prev() override { it_->Prev(); }
  std::string_view key() const override { return ToView(it_->key()); }
  std::string_view value() const override { return ToView(it_->value()); }
  Status status() const override { return FromRocks(it_->status()); }

 private:
  // Bounds must outlive the iterator: ReadOptions keeps pointers to these slices.
  std::optional<std::string> lower_, upper_;
  rocksdb::Slice lower_slice_, upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

}  // namespace

struct WriteBatch::Rep {
  rocksdb::WriteBatch batch;
  // Filled in by RocksStore::Write via the handle table; ids index into it.
};

struct RocksStore::Rep {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  std::vector<std::string> names;
  rocksdb::WriteOptions write_options;
  std::mutex close_mu;
  bool closed = false;

  std::vector<rocksdb::ColumnFamilyHandle*> by_id;  // indexed by RocksDB's column family id

  rocksdb::ColumnFamilyHandle* Handle(ColumnFamilyId id) const {
    return id < by_id.size() ? by_id[id] : nullptr;
  }
};

// WriteBatch is built without access to the store's handles. RocksDB's WriteBatch only asks a
// handle for its id and comparator, so a stand-in handle carrying the id records exactly what
// the real handle would. Our ColumnFamilyId *is* RocksDB's column family id.
namespace {
class IdHandle final : public rocksdb::ColumnFamilyHandle {
 public:
  explicit IdHandle(uint32_t id) : id_(id) {}
  const std::string& GetName() const override { return name_; }
  uint32_t GetID() const override { return id_; }
  rocksdb::Status GetDescriptor(rocksdb::ColumnFamilyDescriptor*) override {
    return rocksdb::Status::NotSupported();
  }
  const rocksdb::Comparator* GetComparator() const override { return rocksdb::BytewiseComparator(); }

 private:
  uint32_t id_;
  std::string name_;
};
}  // namespace

WriteBatch::WriteBatch() : rep_(std::make_unique<Rep>()) {}
WriteBatch::~WriteBatch() = default;
WriteBatch::WriteBatch(WriteBatch&&) noexcept = default;
WriteBatch& WriteBatch::operator=(WriteBatch&&) noexcept = default;

void WriteBatch::Put(ColumnFamilyId cf, std::string_view key, std::string_view value) {
  IdHandle h(cf);
  rep_->batch.Put(&h, ToSlice(key), ToSlice(value));
}
void WriteBatch::Delete(ColumnFamilyId cf, std::string_view key) {
  IdHandle h(cf);
  rep_->batch.Delete(&h, ToSlice(key));
}
void WriteBatch::DeleteRange(ColumnFamilyId cf, std::string_view begin, std::string_view end) {
  IdHandle h(cf);
  rep_->batch.DeleteRange(&h, ToSlice(begin), ToSlice(end));
}
size_t WriteBatch::Count() const { return static_cast<size_t>(rep_->batch.Count()); }
size_t WriteBatch::ByteSize() const { return rep_->batch.GetDataSize(); }
void WriteBatch::Clear() { rep_->batch.Clear(); }

RocksStore::RocksStore(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}

RocksStore::~RocksStore() { (void)Close(); }

Result<std::unique_ptr<RocksStore>> RocksStore::Open(const std::string& dir,
                                                     const RocksOptions& options,
                                                     const std::vector<ColumnFamilySpec>& families) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());

  rocksdb::Options db_opts;
  db_opts.create_if_missing = true;
  db_opts.create_missing_column_families = true;
  db_opts.max_background_jobs = options.max_background_jobs;
  db_opts.db_write_buffer_size = options.total_write_buffer_bytes;
  db_opts.keep_log_file_num = 3;
  db_opts.max_log_file_size = 8 << 20;
  db_opts.max_manifest_file_size = 64 << 20;
  db_opts.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  db_opts.avoid_unnecessary_blocking_io = true;
  db_opts.skip_stats_update_on_db_open = true;
  db_opts.max_open_files = 512;

  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  auto family_options = [&](const ColumnFamilySpec& spec) {
    rocksdb::ColumnFamilyOptions cf;
    cf.write_buffer_size = options.write_buffer_bytes;
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = cache;
    table.block_size = 16 << 10;
    table.format_version = 5;
    cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    if (spec.compress) {
      cf.compression = rocksdb::kLZ4Compression;
      cf.bottommost_compression = rocksdb::kZSTD;
    } else {
      cf.compression = rocksdb::kNoCompression;
    }
    cf.level_compaction_dynamic_level_bytes = true;
    return cf;
  };

  // Open every family on disk plus the requested ones.
  std::vector<std::string> on_disk;
  (void)rocksdb::DB::ListColumnFamilies(db_opts, dir, &on_disk);
  std::vector<ColumnFamilySpec> specs;
  specs.push_back({rocksdb::kDefaultColumnFamilyName, true});
  for (const auto& f : families) {
    if (f.name.empty()) return Status::InvalidArgument("empty column family name");
    if (f.name != rocksdb::kDefaultColumnFamilyName) specs.push_back(f);
  }
  for (const auto& name : on_disk) {
    if (std::none_of(specs.begin(), specs.end(), [&](auto& s) { return s.name == name; })) {
      specs.push_back({name, true});
    }
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& s : specs) descriptors.emplace_back(s.name, family_options(s));

  auto rep = std::make_unique<Rep>();
  rocksdb::DB* raw = nullptr;
  rocksdb::DBOptions dbo(db_opts);
  if (on_disk.empty()) {
    // A new database: open it with the default family, then create the others in one call,
    // which writes the OPTIONS file once instead of once per family (two fsyncs each: most of
    // a fresh start's time on a busy disk).
    std::vector<rocksdb::ColumnFamilyDescriptor> rest(descriptors.begin() + 1, descriptors.end());
    descriptors.resize(1);
    auto s = rocksdb::DB::Open(dbo, dir, descriptors, &rep->handles, &raw);
    if (!s.ok()) return FromRocks(s).WithContext("opening " + dir);
    rep->db.reset(raw);
    if (!rest.empty()) {
      std::vector<rocksdb::ColumnFamilyHandle*> created;
      s = rep->db->CreateColumnFamilies(rest, &created);
      rep->handles.insert(rep->handles.end(), created.begin(), created.end());
      if (!s.ok()) {
        for (auto* h : rep->handles) (void)rep->db->DestroyColumnFamilyHandle(h);
        rep->handles.clear();
        return FromRocks(s).WithContext("creating column families in " + dir);
      }
    }
  } else {
    auto s = rocksdb::DB::Open(dbo, dir, descriptors, &rep->handles, &raw);
    if (!s.ok()) return FromRocks(s).WithContext("opening " + dir);
    rep->db.reset(raw);
  }
  for (const auto& spec : specs) rep->names.push_back(spec.name);
  for (auto* h : rep->handles) {
    if (h->GetID() >= rep->by_id.size()) rep->by_id.resize(h->GetID() + 1, nullptr);
    rep->by_id[h->GetID()] = h;
  }
  rep->write_options.sync = options.sync_writes;
  return std::unique_ptr<RocksStore>(new RocksStore(std::move(rep)));
}

Result<ColumnFamilyId> RocksStore::Family(std::string_view name) const {
  for (size_t i = 0; i < rep_->names.size(); ++i) {
    if (rep_->names[i] == name) return rep_->handles[i]->GetID();
  }
  return Status::NotFound("column family " + std::string(name) + " not open");
}

std::vector<std::string> RocksStore::FamilyNames() const { return rep_->names; }

Status RocksStore::Put(ColumnFamilyId cf, std::string_view key, std::string_view value) {
  auto* h = rep_->Handle(cf);
  if (!h) return Status::InvalidArgument("bad column family id");
  return FromRocks(rep_->db->Put(rep_->write_options, h, ToSlice(key), ToSlice(value)));
}

Status RocksStore::Delete(ColumnFamilyId cf, std::string_view key) {
  auto* h = rep_->Handle(cf);
  if (!h) return Status::InvalidArgument("bad column family id");
  return FromRocks(rep_->db->Delete(rep_->write_options, h, ToSlice(key)));
}

Status RocksStore::Get(ColumnFamilyId cf, std::string_view key, std::string* value) const {
  auto* h = rep_->Handle(cf);
  if (!h) return Status::InvalidArgument("bad column family id");
  auto s = rep_->db->Get(rocksdb::ReadOptions(), h, ToSlice(key), value);
  if (s.IsNotFound()) return Status::NotFound("key not found");
  return FromRocks(s);
}

Status RocksStore::GetPinned(ColumnFamilyId cf, std::string_view key,
                             const std::function<Status(std::string_view value)>& use) const {
  auto* h = rep_->Handle(cf);
  if (!h) return Status::InvalidArgument("bad column family id");
  rocksdb::PinnableSlice value;
  auto s = rep_->db->Get(rocksdb::ReadOptions(), h, ToSlice(key), &value);
  if (s.IsNotFound()) return Status::NotFound("key not found");
  if (!s.ok()) return FromRocks(s);
  return use(std::string_view(value.data(), value.size()));
}

Status RocksStore::Write(WriteBatch& batch) {
  return FromRocks(rep_->db->Write(rep_->write_options, &batch.rep_->batch));
}

Status RocksStore::DeleteRange(ColumnFamilyId cf, std::string_view begin, std::string_view end) {
  auto* h = rep_->Handle(cf);
  if (!h) return Status::InvalidArgument("bad column family id");
  auto s = rep_->db->DeleteRange(rep_->write_options, h, ToSlice(begin), ToSlice(end));
  if (!s.ok()) return FromRocks(s);
  rocksdb::Slice b = ToSlice(begin), e = ToSlice(end);
  rocksdb::CompactRangeOptions cro;
  cro.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kIfHaveCompactionFilter;
  return FromRocks(rep_->db->CompactRange(cro, h, &b, &e));
}

std::unique_ptr<Iterator> RocksStore::NewIterator(ColumnFamilyId cf,
                                                  const IteratorOptions& options) const {
  auto* h = rep_->Handle(cf);
  if (!h) h = rep_->db->DefaultColumnFamily();
  return std::make_unique<RocksIterator>(rep_->db.get(), h, options);
}

Status RocksStore::Flush() {
  rocksdb::FlushOptions fo;
  fo.wait = true;
  return FromRocks(rep_->db->Flush(fo, rep_->handles));
}

Status RocksStore::CompactFamily(ColumnFamilyId cf) {
  auto* h = rep_->Handle(cf);
  if (!h) return Status::InvalidArgument("bad column family id");
  rocksdb::CompactRangeOptions co;
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForceOptimized;
  return FromRocks(rep_->db->CompactRange(co, h, nullptr, nullptr));
}

Status RocksStore::SyncWal() { return FromRocks(rep_->db->SyncWAL()); }

std::vector<ColumnFamilyStats> RocksStore::Stats() const {
  std::vector<ColumnFamilyStats> out;
  for (size_t i = 0; i < rep_->handles.size(); ++i) {
    ColumnFamilyStats st;
    st.name = rep_->names[i];
    uint64_t v = 0;
    if (rep_->db->GetIntProperty(rep_->handles[i], "rocksdb.total-sst-files-size", &v)) st.sst_bytes = v;
    if (rep_->db->GetIntProperty(rep_->handles[i], "rocksdb.size-all-mem-tables", &v)) st.memtable_bytes = v;
    if (rep_->db->GetIntProperty(rep_->handles[i], "rocksdb.estimate-num-keys", &v)) st.estimated_keys = v;
    out.push_back(std::move(st));
  }
  return out;
}

uint64_t RocksStore::TotalBytes() const {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(rep_->db->GetName(), ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

Status RocksStore::Close() {
  std::lock_guard<std::mutex> lock(rep_->close_mu);
  if (rep_->closed || !rep_->db) return Status::OK();
  rep_->closed = true;
  Status first;
  // Flushing memtables on a clean close keeps restarts from replaying RocksDB's own log and
  // makes on-disk sizes reflect the data. A failure here loses nothing (the WAL has it).
  {
    rocksdb::FlushOptions fo;
    fo.wait = true;
    auto s = rep_->db->Flush(fo, rep_->handles);
    if (!s.ok()) first = FromRocks(s);
  }
  for (auto* h : rep_->handles) {
    auto s = rep_->db->DestroyColumnFamilyHandle(h);
    if (!s.ok() && first.ok()) first = FromRocks(s);
  }
  rep_->handles.clear();
  rep_->by_id.clear();
  auto s = rep_->db->Close();
  if (!s.ok() && first.ok()) first = FromRocks(s);
  rep_->db.reset();
  return first;
}

}  // namespace loupe::storage::kv
