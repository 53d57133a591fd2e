// Fuzz target: Loki push decoding (JSON when the first byte is even, protobuf otherwise) into a
// log store on a temporary directory. Oracle: no crash; committing what decoded never fails.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>

#include "ingest/loki/push_decoder.h"

using namespace loupe;

namespace {
struct Env {
  std::string dir;
  std::unique_ptr<storage::kv::RocksStore> kv;
  std::unique_ptr<storage::logstore::LogStore> store;
  Env() {
    dir = (std::filesystem::temp_directory_path() / ("loupe-fuzz-push-" + std::to_string(::getpid()))).string();
    std::filesystem::remove_all(dir);
    kv = std::move(*storage::kv::RocksStore::Open(dir + "/kv", {}, storage::logstore::LogStore::ColumnFamilies()));
    storage::logstore::LogStoreOptions o;
    o.maintenance_interval_ms = 0;
    store = std::move(*storage::logstore::LogStore::Open(*kv, dir + "/wal", o));
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
  if (size < 1) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  ingest::loki::PushDecoder d;
  auto app = env.store->NewAppender("fuzz");
  ingest::loki::PushDecodeStats stats;
  const Status s = (data[0] % 2 == 0) ? d.DecodeJson(body, app.get(), &stats) : d.DecodeProto(body, app.get(), &stats);
  if (!s.ok()) return 0;
  if (!app->Commit().ok()) std::abort();
  return 0;
}
