#include "storage/kv/rocks_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/testing/temp_dir.h"

namespace loupe::storage::kv {
namespace {

std::vector<ColumnFamilySpec> Families() { return {{"metrics"}, {"logs"}, {"raw", false}}; }

TEST(RocksStoreTest, FamiliesAreSeparateKeySpaces) {
  testing::TempDir dir("kv");
  auto db = RocksStore::Open(dir.path(), RocksOptions{}, Families());
  ASSERT_TRUE(db.ok()) << db.status();
  auto m = (*db)->Family("metrics");
  auto l = (*db)->Family("logs");
  ASSERT_TRUE(m.ok() && l.ok());
  ASSERT_TRUE((*db)->Put(*m, "k", "metric").ok());
  ASSERT_TRUE((*db)->Put(*l, "k", "log").ok());
  std::string v;
  ASSERT_TRUE((*db)->Get(*m, "k", &v).ok());
  EXPECT_EQ(v, "metric");
  ASSERT_TRUE((*db)->Get(*l, "k", &v).ok());
  EXPECT_EQ(v, "log");
  EXPECT_EQ((*db)->Get(*l, "missing", &v).code(), StatusCode::kNotFound);
  EXPECT_EQ((*db)->Family("nope").status().code(), StatusCode::kNotFound);
}

TEST(RocksStoreTest, BatchIteratorAndBounds) {
  testing::TempDir dir("kv");
  auto db = *RocksStore::Open(dir.path(), RocksOptions{}, Families());
  const auto cf = *db->Family("logs");
  const auto other = *db->Family("metrics");
  WriteBatch batch;
  for (int i = 0; i < 10; ++i) batch.Put(cf, "key" + std::to_string(i), "v" + std::to_string(i));
  batch.Put(other, "key5", "other");
  EXPECT_EQ(batch.Count(), 11u);
  ASSERT_TRUE(db->Write(batch).ok());

  IteratorOptions opts;
  opts.lower_bound = "key3";
  opts.upper_bound = "key6";
  auto it = db->NewIterator(cf, opts);
  std::vector<std::string> seen;
  for (it->SeekToFirst(); it->Valid(); it->Next()) seen.emplace_back(it->key());
  ASSERT_TRUE(it->status().ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"key3", "key4", "key5"}));

  ASSERT_TRUE(db->DeleteRange(cf, "key0", "key5").ok());
  auto all = db->NewIterator(cf);
  int n = 0;
  for (all->SeekToFirst(); all->Valid(); all->Next()) ++n;
  EXPECT_EQ(n, 5);
  std::string v;
  EXPECT_TRUE(db->Get(other, "key5", &v).ok()) << "range delete must not cross families";
}

TEST(RocksStoreTest, DataSurvivesReopenAndUnknownFamiliesStayOpen) {
  testing::TempDir dir("kv");
  {
    auto db = *RocksStore::Open(dir.path(), RocksOptions{}, Families());
    ASSERT_TRUE(db->Put(*db->Family("raw"), "a", "1").ok());
    ASSERT_TRUE(db->Close().ok());
  }
  // Reopen asking only for a subset: "raw" is still opened since it exists on disk.
  auto db = *RocksStore::Open(dir.path(), RocksOptions{}, {{"metrics"}});
  auto raw = db->Family("raw");
  ASSERT_TRUE(raw.ok());
  std::string v;
  ASSERT_TRUE(db->Get(*raw, "a", &v).ok());
  EXPECT_EQ(v, "1");
  auto names = db->FamilyNames();
  EXPECT_EQ(names.size(), 4u);  // default, metrics, logs, raw
}

TEST(RocksStoreTest, UnflushedWritesSurviveWithoutClose) {
  testing::TempDir dir("kv");
  {
    auto db = *RocksStore::Open(dir.path(), RocksOptions{}, Families());
    ASSERT_TRUE(db->Put(*db->Family("logs"), "k", "v").ok());
    // No Close/Flush: the destructor path must not be needed for durability. Simulate by
    // leaking the memtable (Close does not flush either): reopen reads the WAL.
  }
  auto db = *RocksStore::Open(dir.path(), RocksOptions{}, Families());
  std::string v;
  ASSERT_TRUE(db->Get(*db->Family("logs"), "k", &v).ok());
  EXPECT_EQ(v, "v");
}

TEST(RocksStoreTest, StatsReportSizes) {
  testing::TempDir dir("kv");
  auto db = *RocksStore::Open(dir.path(), RocksOptions{}, Families());
  const auto cf = *db->Family("metrics");
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(db->Put(cf, "k" + std::to_string(i), std::string(100, 'x')).ok());
  ASSERT_TRUE(db->Flush().ok());
  bool found = false;
  for (const auto& st : db->Stats()) {
    if (st.name == "metrics") {
      found = true;
      EXPECT_GT(st.sst_bytes, 0u);
    }
  }
  EXPECT_TRUE(found);
  EXPECT_GT(db->TotalBytes(), 0u);
}

TEST(RocksStoreTest, CorruptSstIsReportedNotCrash) {
  testing::TempDir dir("kv");
  {
    auto db = *RocksStore::Open(dir.path(), RocksOptions{}, {{"raw", false}});
    const auto cf = *db->Family("raw");
    for (int i = 0; i < 2000; ++i) {
      ASSERT_TRUE(db->Put(cf, "key" + std::to_string(i), std::string(200, 'a' + i % 26)).ok());
    }
    ASSERT_TRUE(db->Flush().ok());
    ASSERT_TRUE(db->Close().ok());
  }
  // Flip bytes in the middle of every SST's data blocks.
  int corrupted = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    if (e.path().extension() != ".sst") continue;
    std::fstream f(e.path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(e.file_size() / 4));
    f.write("\xde\xad\xbe\xef\xde\xad\xbe\xef", 8);
    ++corrupted;
  }
  ASSERT_GT(corrupted, 0);
  auto db = RocksStore::Open(dir.path(), RocksOptions{}, {{"raw", false}});
  if (!db.ok()) {
    EXPECT_EQ(db.status().code(), StatusCode::kCorruption) << db.status();
    return;
  }
  // Reads through the corrupt block fail with kCorruption; the iterator stops with an error.
  auto it = (*db)->NewIterator(*(*db)->Family("raw"));
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  EXPECT_LT(n, 2000);
  EXPECT_EQ(it->status().code(), StatusCode::kCorruption) << it->status();
}

}  // namespace
}  // namespace loupe::storage::kv
