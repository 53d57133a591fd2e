// Fuzz target: the remote-write decoder over arbitrary bytes (after snappy), appending into a
// store on a temporary directory. Oracles: no crash; a decode error leaves nothing committed.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "ingest/prom/remote_write.h"

using namespace loupe;

namespace {
struct Env {
  std::string dir;
  std::unique_ptr<storage::kv::RocksStore> kv;
  std::unique_ptr<storage::tsdb::MetricStore> store;
  Env() {
    dir = (std::filesystem::temp_directory_path() / ("loupe-fuzz-rw-" + std::to_string(::getpid()))).string();
    std::filesystem::remove_all(dir);
    kv = std::move(*storage::kv::RocksStore::Open(dir + "/kv", {}, storage::tsdb::MetricStore::ColumnFamilies()));
    storage::tsdb::MetricStoreOptions o;
    o.maintenance_interval_ms = 0;
    o.retention_ms = 0;
    o.retention_bytes = 0;
    store = std::move(*storage::tsdb::MetricStore::Open(*kv, dir + "/wal", o));
  }
  ~Env() {
    store.reset();
    kv.reset();
    std::filesystem::remove_all(dir);
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Env env;
  ingest::prom::RemoteWriteResult res;
  auto app = env.store->NewAppender("fuzz");
  const auto s = ingest::prom::DecodeWriteRequest(
      std::string_view(reinterpret_cast<const char*>(data), size), {}, app.get(), &res);
  if (!s.ok()) return 0;
  auto r = app->Commit();
  if (!r.ok()) std::abort();
  return 0;
}
