// LogStore::DeleteEntries: physical deletion from persisted chunks and open chunks.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <map>
#include <thread>

#include "storage/logstore/keys.h"
#include "storage/logstore/log_store.h"
#include "storage/logstore/log_store_test_util.h"

namespace loupe::storage::logstore {
namespace {

class LogstoreDeleteTest : public LogStoreFixture {
 protected:
  DeleteEntriesStats Delete(const std::string& tenant, std::vector<model::Matcher> matchers,
                            int64_t start, int64_t end, EntryPredicate pred = nullptr) {
    DeleteEntriesRequest req;
    req.matchers = std::move(matchers);
    req.start_ns = start;
    req.end_ns = end;
    if (pred) {
      req.predicate_for_stream = [pred](const model::Labels&) -> Result<EntryPredicate> {
        return pred;
      };
    }
    auto r = store_->DeleteEntries(tenant, req);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : DeleteEntriesStats{};
  }

  // Every chunk in logs_chunks: key -> bytes.
  std::map<std::string, std::string> Chunks() {
    std::map<std::string, std::string> out;
    auto cf = kv_->Family(kChunksFamily);
    EXPECT_TRUE(cf.ok());
    auto it = kv_->NewIterator(*cf);
    for (it->SeekToFirst(); it->Valid(); it->Next())
      out.emplace(std::string(it->key()), std::string(it->value()));
    return out;
  }

  static Entries Range(int64_t from, int n, const std::string& prefix, int64_t step = kSec) {
    Entries e;
    for (int i = 0; i < n; ++i) e.emplace_back(from + i * step, prefix + std::to_string(i));
    return e;
  }

  static Entries Without(const Entries& all, int64_t start, int64_t end) {
    Entries out;
    for (const auto& e : all) {
      if (e.first < start || e.first > end) out.push_back(e);
    }
    return out;
  }

  const model::Labels api_{{"app", "api"}};
  const model::Labels web_{{"app", "web"}};
  std::deque<std::string> lines_;  // lines an Appender refers to until Commit
};

TEST_F(LogstoreDeleteTest, DeletesFromFlushedChunks) {
  const Entries a = Range(kNow - 100 * kSec, 50, "a");
  const Entries w = Range(kNow - 100 * kSec, 50, "w");
  Push("t", api_, a);
  Push("t", web_, w);
  ASSERT_TRUE(store_->FlushIdle(true).ok());
  ASSERT_EQ(store_->GetStats().head_entries, 0u);

  const int64_t start = kNow - 90 * kSec, end = kNow - 80 * kSec;
  DeleteEntriesStats st = Delete("t", {M("app", "api")}, start, end);
  EXPECT_EQ(st.entries_deleted, 11u);  // both ends inclusive
  EXPECT_EQ(st.head_entries_deleted, 0u);
  EXPECT_EQ(st.chunks_rewritten, 1u);
  EXPECT_EQ(st.chunks_removed, 0u);
  EXPECT_EQ(Read("t", {M("app", "api")}), Without(a, start, end));
  EXPECT_EQ(Read("t", {M("app", "web")}), w);
  // A second run finds nothing left to delete and rewrites nothing.
  st = Delete("t", {M("app", "api")}, start, end);
  EXPECT_EQ(st.entries_deleted, 0u);
  EXPECT_EQ(st.chunks_rewritten, 0u);
  // Other tenants and unknown tenants are untouched.
  EXPECT_EQ(Delete("other", {}, INT64_MIN, INT64_MAX).entries_deleted, 0u);
}

TEST_F(LogstoreDeleteTest, WholeChunkIsRemovedWithItsIndexEntry) {
  const Entries a = Range(kNow - 100 * kSec, 20, "a");
  Push("t", api_, a);
  ASSERT_TRUE(store_->FlushIdle(true).ok());
  const uint64_t stored_before = store_->GetStats().chunk_bytes_stored;
  ASSERT_GT(stored_before, 0u);
  DeleteEntriesStats st = Delete("t", {M("app", "api")}, kNow - 200 * kSec, kNow);
  EXPECT_EQ(st.entries_deleted, 20u);
  EXPECT_EQ(st.chunks_removed, 1u);
  EXPECT_EQ(st.chunks_rewritten, 0u);
  EXPECT_TRUE(Read("t", {}).empty());
  EXPECT_TRUE(Chunks().empty());
  EXPECT_EQ(store_->GetStats().chunk_bytes_stored, 0u);
  EXPECT_EQ(store_->GetStats().chunk_bytes_raw, 0u);
  auto stats = store_->Stats("t", {M("app", "api")}, INT64_MIN, INT64_MAX);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->entries, 0u);
  EXPECT_EQ(stats->chunks, 0u);
}

TEST_F(LogstoreDeleteTest, DeletesFromTheHead) {
  opts_.head.block_bytes = 200;  // several cut blocks plus an open block
  Reopen();
  const Entries a = Range(kNow - 100 * kSec, 60, "line-");
  Push("t", api_, a);
  ASSERT_EQ(store_->GetStats().chunks_flushed, 0u);
  const int64_t start = kNow - 70 * kSec, end = kNow - 45 * kSec;
  DeleteEntriesStats st = Delete("t", {M("app", "api")}, start, end);
  EXPECT_EQ(st.entries_deleted, 26u);
  EXPECT_EQ(st.head_entries_deleted, 26u);
  EXPECT_EQ(st.chunks_rewritten + st.chunks_removed, 0u);
  EXPECT_EQ(Read("t", {}), Without(a, start, end));
  EXPECT_EQ(store_->GetStats().head_entries, 34u);
  // Appending still works, and a flush persists only what is left.
  Push("t", api_, {{kNow, "after"}});
  ASSERT_TRUE(store_->FlushIdle(true).ok());
  Entries want = Without(a, start, end);
  want.emplace_back(kNow, "after");
  EXPECT_EQ(Read("t", {}), want);
}

TEST_F(LogstoreDeleteTest, DeletedLastEntryIsNotADuplicateAnyMore) {
  Push("t", api_, {{kNow - kSec, "x"}, {kNow, "last"}});
  EXPECT_EQ(Delete("t", {}, kNow, kNow).entries_deleted, 1u);
  // The resend detection forgot the deleted entry: pushing it again stores it again.
  EXPECT_EQ(Push("t", api_, {{kNow, "last"}}).entries_accepted, 1u);
  EXPECT_EQ(Read("t", {}), (Entries{{kNow - kSec, "x"}, {kNow, "last"}}));
}

class LogstoreDeleteRestartTest : public LogstoreDeleteTest,
                                  public ::testing::WithParamInterface<bool> {};

TEST_P(LogstoreDeleteRestartTest, DeletionSurvivesRestart) {
  opts_.checkpoint_on_close = GetParam();  // false: a crash, the WAL is replayed
  opts_.head.block_bytes = 200;
  Reopen();
  const Entries old = Range(kNow - 300 * kSec, 40, "old");
  Push("t", api_, old);
  ASSERT_TRUE(store_->FlushIdle(true).ok());
  const Entries a = Range(kNow - 100 * kSec, 40, "a");
  Push("t", api_, a);
  Push("t", web_, a);
  ASSERT_TRUE(store_->Checkpoint().ok());  // a checkpoint from before the deletion
  const Entries more = Range(kNow - 50 * kSec, 20, "more");
  Push("t", api_, more);

  const int64_t start = kNow - 290 * kSec, end = kNow - 40 * kSec;
  DeleteEntriesStats st = Delete("t", {M("app", "api")}, start, end);
  EXPECT_GT(st.head_entries_deleted, 0u);
  EXPECT_EQ(st.chunks_rewritten, 1u);
  // Pushed after the deletion: only in the WAL when the store "crashes".
  Push("t", api_, {{kNow, "late"}});

  Entries want = Without(old, start, end);
  Entries rest = Without(a, start, end);
  want.insert(want.end(), rest.begin(), rest.end());
  rest = Without(more, start, end);
  want.insert(want.end(), rest.begin(), rest.end());
  std::sort(want.begin(), want.end());
  want.emplace_back(kNow, "late");
  EXPECT_EQ(Read("t", {M("app", "api")}), want);
  const uint64_t stored = store_->GetStats().chunk_bytes_stored;
  const uint64_t raw = store_->GetStats().chunk_bytes_raw;

  Reopen();
  EXPECT_EQ(Read("t", {M("app", "api")}), want);
  EXPECT_EQ(Read("t", {M("app", "web")}), a);
  if (!GetParam()) {
    // Nothing was flushed at the "crash": the accounting loaded from the index is the same.
    EXPECT_EQ(store_->GetStats().chunk_bytes_stored, stored);
    EXPECT_EQ(store_->GetStats().chunk_bytes_raw, raw);
  }
  // Deleting the same range again finds nothing (the WAL brought nothing back).
  EXPECT_EQ(Delete("t", {M("app", "api")}, start, end).entries_deleted, 0u);
  Reopen();
  EXPECT_EQ(Read("t", {M("app", "api")}), want);
}

INSTANTIATE_TEST_SUITE_P(CheckpointOnClose, LogstoreDeleteRestartTest, ::testing::Bool());

TEST_F(LogstoreDeleteTest, PartialRewriteKeepsOtherBlocksByteForByte) {
  opts_.head.block_bytes = 300;
  Reopen();
  const std::vector<model::LabelRef> md = {{"trace_id", "abc"}};
  const Entries a = Range(kNow - 100 * kSec, 80, "entry-with-some-text-");
  Push("t", api_, a, md);
  ASSERT_TRUE(store_->FlushIdle(true).ok());
  const auto before = Chunks();
  ASSERT_EQ(before.size(), 1u);
  const std::string& old_bytes = before.begin()->second;
  auto old_reader = ChunkReader::Open(old_bytes);
  ASSERT_TRUE(old_reader.ok());
  ASSERT_GE(old_reader->num_blocks(), 4u);
  // Delete one entry inside the second block.
  const BlockMeta b1 = old_reader->block(1);
  const int64_t victim = b1.mint + kSec;
  ASSERT_LE(victim, b1.maxt);
  DeleteEntriesStats st = Delete("t", {}, victim, victim);
  EXPECT_EQ(st.entries_deleted, 1u);
  EXPECT_EQ(st.chunks_rewritten, 1u);

  const auto after = Chunks();
  ASSERT_EQ(after.size(), 1u);
  EXPECT_NE(after.begin()->first, before.begin()->first);  // a new key replaced the old one
  const std::string& new_bytes = after.begin()->second;
  auto new_reader = ChunkReader::Open(new_bytes);
  ASSERT_TRUE(new_reader.ok());
  ASSERT_EQ(new_reader->num_blocks(), old_reader->num_blocks());
  auto block_data = [](const std::string& bytes, const ChunkReader& r, size_t i) {
    size_t off = bytes.size();
    for (size_t k = 0; k < r.num_blocks(); ++k) off -= r.block(k).comp_len;
    for (size_t k = 0; k < i; ++k) off += r.block(k).comp_len;
    return bytes.substr(off, r.block(i).comp_len);
  };
  for (size_t i = 0; i < old_reader->num_blocks(); ++i) {
    if (i == 1) {
      EXPECT_EQ(new_reader->block(i).entries + 1, old_reader->block(i).entries);
      continue;
    }
    EXPECT_EQ(block_data(new_bytes, *new_reader, i), block_data(old_bytes, *old_reader, i))
        << "block " << i;
    EXPECT_EQ(new_reader->block(i).crc, old_reader->block(i).crc);
  }
  // Every other entry is there, with its metadata.
  EXPECT_EQ(Read("t", {}), Without(a, victim, victim));
  SelectRequest req;
  auto streams = store_->Select("t", req);
  ASSERT_TRUE(streams.ok());
  ASSERT_EQ(streams->size(), 1u);
  size_t n = 0;
  while ((*streams)[0].entries->Next()) {
    EXPECT_EQ((*streams)[0].entries->MetadataLabels(), (model::Labels{{"trace_id", "abc"}}));
    ++n;
  }
  EXPECT_EQ(n, a.size() - 1);
}

TEST_F(LogstoreDeleteTest, PredicateOnLineAndMetadata) {
  opts_.head.block_bytes = 200;
  Reopen();
  auto app = store_->NewAppender("t");
  app->AddStream(api_);
  const std::vector<model::LabelRef> bob = {{"user", "bob"}};
  const std::vector<model::LabelRef> amy = {{"user", "amy"}};
  Entries want;
  for (int i = 0; i < 60; ++i) {
    const int64_t ts = kNow - 100 * kSec + i * kSec;
    const std::string line = (i % 3 == 0 ? "secret " : "public ") + std::to_string(i);
    lines_.push_back(line);
    const auto& md = i % 5 == 0 ? bob : amy;
    app->AddEntry(ts, lines_.back(), md.data(), md.size());
    if (line.rfind("secret", 0) != 0 && i % 5 != 0) want.emplace_back(ts, line);
  }
  ASSERT_TRUE(app->Commit().ok());
  ASSERT_TRUE(store_->FlushIdle(true).ok());
  Push("t", api_, {{kNow - kSec, "secret in the head"}, {kNow, "public in the head"}});
  want.emplace_back(kNow, "public in the head");

  DeleteEntriesStats st =
      Delete("t", {M("app", "api")}, INT64_MIN, INT64_MAX,
             [](int64_t, std::string_view line, const std::vector<model::LabelRef>& md) {
               if (line.find("secret") != std::string_view::npos) return true;
               for (const auto& l : md) {
                 if (l.name == "user" && l.value == "bob") return true;
               }
               return false;
             });
  EXPECT_EQ(st.head_entries_deleted, 1u);
  EXPECT_EQ(st.entries_deleted, 62u - want.size());  // 28 of the 60, one in the head
  EXPECT_EQ(Read("t", {}), want);
}

TEST_F(LogstoreDeleteTest, TimeRangeEdgesAreInclusive) {
  const Entries a = Range(kNow - 10, 10, "e", 1);  // one entry per nanosecond
  Push("t", api_, a);
  ASSERT_TRUE(store_->FlushIdle(true).ok());
  Push("t", web_, a);  // stays in the head
  const int64_t start = kNow - 7, end = kNow - 4;
  EXPECT_EQ(Delete("t", {}, start, end).entries_deleted, 8u);
  const Entries want = Without(a, start, end);
  ASSERT_EQ(want.size(), 6u);
  EXPECT_EQ(Read("t", {M("app", "api")}), want);
  EXPECT_EQ(Read("t", {M("app", "web")}), want);
  // An empty range (end before start) deletes nothing.
  EXPECT_EQ(Delete("t", {}, kNow, kNow - 1).entries_deleted, 0u);
}

TEST_F(LogstoreDeleteTest, IndexStatsAndAccountingFollow) {
  opts_.head.block_bytes = 200;
  Reopen();
  Push("t", api_, Range(kNow - 100 * kSec, 50, "aaaaaaaa"));
  Push("t", web_, Range(kNow - 100 * kSec, 50, "wwwwwwww"));
  ASSERT_TRUE(store_->FlushIdle(true).ok());
  auto before = store_->Stats("t", {M("app", "api")}, INT64_MIN, INT64_MAX);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->entries, 50u);
  const uint64_t raw_before = store_->GetStats().chunk_bytes_raw;

  // Every entry of the first 20 seconds of api.
  const DeleteEntriesStats st = Delete("t", {M("app", "api")}, kNow - 100 * kSec, kNow - 81 * kSec);
  EXPECT_EQ(st.entries_deleted, 20u);
  auto after = store_->Stats("t", {M("app", "api")}, INT64_MIN, INT64_MAX);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->entries, 30u);
  uint64_t deleted_bytes = 0;
  for (int i = 0; i < 20; ++i) deleted_bytes += ("aaaaaaaa" + std::to_string(i)).size();
  EXPECT_EQ(after->bytes, before->bytes - deleted_bytes);
  EXPECT_EQ(store_->GetStats().chunk_bytes_raw, raw_before - deleted_bytes);
  auto web = store_->Stats("t", {M("app", "web")}, INT64_MIN, INT64_MAX);
  ASSERT_TRUE(web.ok());
  EXPECT_EQ(web->entries, 50u);
  auto vol = store_->Volume("t", {M("app", "api")}, INT64_MIN, INT64_MAX, {},
                            VolumeAggregation::kSeries, 0);
  ASSERT_TRUE(vol.ok());
  ASSERT_EQ(vol->size(), 1u);
  EXPECT_EQ((*vol)[0].entries, 30u);

  // The accounting loaded from the index after a restart matches the one kept in memory.
  const LogStoreStats mem = store_->GetStats();
  Reopen();
  EXPECT_EQ(store_->GetStats().chunk_bytes_stored, mem.chunk_bytes_stored);
  EXPECT_EQ(store_->GetStats().chunk_bytes_raw, mem.chunk_bytes_raw);
  EXPECT_EQ(store_->Stats("t", {M("app", "api")}, INT64_MIN, INT64_MAX)->entries, 30u);
}

TEST_F(LogstoreDeleteTest, PredicateFactoryErrorIsReturned) {
  Push("t", api_, {{kNow, "x"}});
  DeleteEntriesRequest req;
  req.predicate_for_stream = [](const model::Labels&) -> Result<EntryPredicate> {
    return Status::InvalidArgument("bad pipeline");
  };
  auto r = store_->DeleteEntries("t", req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Read("t", {}).size(), 1u);
}

TEST_F(LogstoreDeleteTest, ConcurrentPushesQueriesAndFlushesLoseNothing) {
  opts_.head.block_bytes = 400;
  opts_.head.chunk_target_bytes = 600;
  Reopen();
  // Entries to delete: "del" lines in the past, in both streams.
  Entries dels;
  for (int i = 0; i < 200; ++i)
    dels.emplace_back(kNow - 1000 * kSec + i * kSec, "del " + std::to_string(i));
  Push("t", api_, dels);
  Push("t", web_, dels);
  std::atomic<bool> stop{false};
  std::atomic<int> pushed{0};
  std::thread pusher([&] {
    for (int i = 0; !stop || i < 300; ++i) {
      const model::Labels& ls = i % 2 ? api_ : web_;
      // Newer than the deletion range, and some inside it (kept: not "del" lines).
      Push("t", ls, {{kNow - 500 * kSec + i * 1000, "keep " + std::to_string(i)}});
      pushed = i + 1;
      if (i >= 2000) break;
    }
  });
  std::thread reader([&] {
    while (!stop) {
      SelectRequest req;
      auto streams = store_->Select("t", req);
      ASSERT_TRUE(streams.ok());
      for (auto& s : *streams) {
        while (s.entries->Next()) {
        }
        EXPECT_TRUE(s.entries->status().ok());
      }
      ASSERT_TRUE(store_->FlushIdle(true).ok());
    }
  });
  uint64_t deleted = 0;
  for (int round = 0; round < 20; ++round) {
    deleted += Delete("t", {}, kNow - 1000 * kSec, kNow,
                      [](int64_t, std::string_view line, const std::vector<model::LabelRef>&) {
                        return line.rfind("del", 0) == 0;
                      })
                   .entries_deleted;
  }
  stop = true;
  pusher.join();
  reader.join();
  EXPECT_EQ(deleted, 400u);
  const Entries all = Read("t", {});
  size_t keeps = 0;
  for (const auto& [ts, line] : all) {
    EXPECT_EQ(line.rfind("keep", 0), 0u) << line;
    ++keeps;
  }
  EXPECT_EQ(keeps, static_cast<size_t>(pushed.load()));
  EXPECT_EQ(store_->GetStats().corrupt_blocks, 0u);
  Reopen();
  EXPECT_EQ(Read("t", {}).size(), static_cast<size_t>(pushed.load()));
}

}  // namespace
}  // namespace loupe::storage::logstore
