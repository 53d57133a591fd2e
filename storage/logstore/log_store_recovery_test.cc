// Recovery: WAL replay, checkpoints, torn tails, kill -9 and corrupt chunks.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "storage/logstore/keys.h"
#include "storage/logstore/log_store.h"
#include "storage/logstore/log_store_test_util.h"
#include "storage/logstore/record_codec.h"

namespace loupe::storage::logstore {
namespace {

using LogstoreRecoveryTest = LogStoreFixture;

Entries Numbered(int from, int to, int64_t base = kNow) {
  Entries e;
  for (int i = from; i < to; ++i) e.emplace_back(base + i * kSec, "line " + std::to_string(i));
  return e;
}

TEST_F(LogstoreRecoveryTest, ReopenReplaysTheWal) {
  opts_.checkpoint_on_close = false;  // a crash: everything is in the WAL
  Reopen();
  Push("t", {{"app", "a"}}, Numbered(0, 50), {{"trace_id", "x"}});
  Push("u", {{"app", "b"}}, Numbered(0, 5));
  Reopen();
  EXPECT_EQ(Read("t", {}), Numbered(0, 50));
  EXPECT_EQ(Read("u", {}), Numbered(0, 5));
  EXPECT_GE(store_->GetStats().wal_replayed_records, 4u);
  SelectRequest req;
  auto s = store_->Select("t", req);
  ASSERT_TRUE((*s)[0].entries->Next());
  EXPECT_EQ((*s)[0].entries->MetadataLabels(), (model::Labels{{"trace_id", "x"}}));
  // The duplicate check survives a restart: the last entry resent is ignored.
  EXPECT_EQ(Push("t", {{"app", "a"}}, {Numbered(49, 50)}, {{"trace_id", "x"}}).entries_duplicate,
            1u);
  EXPECT_EQ(Push("t", {{"app", "a"}}, {Numbered(49, 50)}).entries_accepted, 1u) << "other metadata";
}

TEST(LogstoreCheckpointRecordTest, LastEntryTailIsOptionalAndChecked) {
  StreamCheckpoint c;
  c.base_seq = 3;
  c.next_seq = 9;
  c.max_t = 42;
  c.open = "raw";
  StreamCheckpoint old;
  ASSERT_TRUE(DecodeCheckpoint(EncodeCheckpoint(c), &old));  // no tail: as written before it
  EXPECT_EQ(old.last_ts, INT64_MIN);
  EXPECT_EQ(old.open, "raw");
  c.last_ts = 41;
  c.last_line = "line";
  c.last_md = "md";
  const std::string bytes = EncodeCheckpoint(c);
  StreamCheckpoint got;
  ASSERT_TRUE(DecodeCheckpoint(bytes, &got));
  EXPECT_EQ(got.last_ts, 41);
  EXPECT_EQ(got.last_line, "line");
  EXPECT_EQ(got.last_md, "md");
  for (size_t n = bytes.size() - 1; n > EncodeCheckpoint(StreamCheckpoint{.base_seq = 3, .next_seq = 9, .max_t = 42, .open = "raw"}).size(); --n) {
    StreamCheckpoint bad;
    EXPECT_FALSE(DecodeCheckpoint(std::string_view(bytes).substr(0, n), &bad)) << n;
  }
}

TEST_F(LogstoreRecoveryTest, CleanCloseCheckpointsAndLeavesNothingToReplay) {
  opts_.head.block_bytes = 200;
  Reopen();
  Push("t", {{"app", "a"}}, Numbered(0, 40), {{"trace_id", "x"}});
  Reopen();  // Close() checkpoints
  EXPECT_EQ(store_->GetStats().wal_replayed_records, 0u);
  EXPECT_EQ(Read("t", {}), Numbered(0, 40));
  // Appending continues the checkpointed open chunk, and the duplicate check still holds.
  EXPECT_EQ(Push("t", {{"app", "a"}}, {Numbered(39, 40)}, {{"trace_id", "x"}}).entries_duplicate, 1u);
  Push("t", {{"app", "a"}}, Numbered(40, 45));
  Reopen();
  EXPECT_EQ(Read("t", {}), Numbered(0, 45));
}

// Checkpoints under load rewrite every open chunk into logs_head. A clean stop flushes the
// open chunks, so all of that is dead: it must not stay on disk (it was 2x the flushed data in
// a 15 s push benchmark before Close compacted logs_head).
TEST_F(LogstoreRecoveryTest, CleanCloseLeavesNoDeadOpenChunksInLogsHead) {
  opts_.head.block_bytes = 4096;
  Reopen();
  // Lines that do not compress much, so the open chunks have a size to measure.
  auto line = [](int s, int i) {
    std::string l;
    uint64_t x = static_cast<uint64_t>(s * 100000 + i) * 0x9E3779B97F4A7C15ull;
    for (int k = 0; k < 8; ++k) {
      x ^= x >> 29;
      x *= 0xBF58476D1CE4E5B9ull;
      l += std::to_string(x);
    }
    return l;
  };
  auto ts = [](int i) { return kNow - (1800 - i) * kSec; };
  for (int round = 0; round < 6; ++round) {
    for (int s = 0; s < 5; ++s) {
      Entries e;
      for (int i = round * 300; i < (round + 1) * 300; ++i) e.emplace_back(ts(i), line(s, i));
      Push("t", {{"app", std::to_string(s)}}, e);
    }
    ASSERT_TRUE(store_->Checkpoint().ok());
    ASSERT_TRUE(kv_->Flush().ok());  // each checkpoint in SST files of its own
  }
  auto head_sst = [&] {
    for (const auto& st : kv_->Stats()) {
      if (st.name == kHeadFamily) return st.sst_bytes;
    }
    return uint64_t{0};
  };
  const uint64_t before = head_sst();
  EXPECT_GT(before, 1u << 20) << "checkpoints should have written the open chunks";
  Reopen();  // Close(): flush, checkpoint, compact
  const uint64_t after = head_sst();
  EXPECT_LT(after, 4096u) << "before the stop: " << before;
  // What is left are the streams' flushed sequence numbers and last entries, no chunk data.
  auto it = kv_->NewIterator(*kv_->Family(kHeadFamily));
  int checkpoints = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().back() != kHeadCheckpoint) continue;
    StreamCheckpoint c;
    ASSERT_TRUE(DecodeCheckpoint(it->value(), &c));
    EXPECT_TRUE(c.chunk.empty());
    EXPECT_TRUE(c.open.empty());
    ++checkpoints;
  }
  EXPECT_EQ(checkpoints, 5);
  EXPECT_EQ(store_->GetStats().wal_replayed_records, 0u);
  for (int s = 0; s < 5; ++s) EXPECT_EQ(Read("t", {M("app", std::to_string(s))}).size(), 1800u);
  // The last entry survives as the duplicate check's reference.
  EXPECT_EQ(Push("t", {{"app", "0"}}, {{ts(1799), line(0, 1799)}}).entries_duplicate, 1u);
}

TEST_F(LogstoreRecoveryTest, CheckpointThenMoreEntriesIsExactlyOnce) {
  opts_.head.block_bytes = 200;
  Reopen();
  Push("t", {{"app", "a"}}, Numbered(0, 40));
  ASSERT_TRUE(store_->Checkpoint().ok());
  Push("t", {{"app", "a"}}, Numbered(40, 60));
  Push("t", {{"app", "new"}}, Numbered(0, 3));
  Reopen();
  EXPECT_EQ(Read("t", {M("app", "a")}), Numbered(0, 60));
  EXPECT_EQ(Read("t", {M("app", "new")}), Numbered(0, 3));
  // A second checkpoint + reopen with no new data.
  ASSERT_TRUE(store_->Checkpoint().ok());
  Reopen();
  EXPECT_EQ(Read("t", {M("app", "a")}), Numbered(0, 60));
  EXPECT_EQ(store_->GetStats().wal_replayed_records, 0u);
}

TEST_F(LogstoreRecoveryTest, FlushAfterCheckpointIsNotDuplicated) {
  Push("t", {{"app", "a"}}, Numbered(0, 10));
  ASSERT_TRUE(store_->Checkpoint().ok());     // the open chunk [0, 10) is checkpointed...
  ASSERT_TRUE(store_->FlushIdle(true).ok());  // ...and then flushed: the checkpoint is stale
  Push("t", {{"app", "a"}}, Numbered(10, 15));
  Reopen();
  EXPECT_EQ(Read("t", {}), Numbered(0, 15));
  ASSERT_TRUE(store_->Checkpoint().ok());
  Reopen();
  EXPECT_EQ(Read("t", {}), Numbered(0, 15));
}

TEST_F(LogstoreRecoveryTest, TornWalTailIsTruncatedAndCounted) {
  opts_.checkpoint_on_close = false;
  Reopen();
  Push("t", {{"app", "a"}}, Numbered(0, 10));
  Push("t", {{"app", "a"}}, Numbered(10, 20));
  store_.reset();
  kv_.reset();
  // Cut the last WAL segment in the middle of its last record.
  std::string last;
  for (const auto& e : std::filesystem::directory_iterator(dir_.Sub("wal"))) {
    if (std::filesystem::file_size(e.path()) > 0 && e.path().string() > last)
      last = e.path().string();
  }
  ASSERT_FALSE(last.empty());
  std::filesystem::resize_file(last, std::filesystem::file_size(last) - 7);
  Open();
  EXPECT_EQ(store_->GetStats().wal_corruptions, 1u);
  EXPECT_EQ(Read("t", {}), Numbered(0, 10)) << "the first, intact commit survives";
  Push("t", {{"app", "a"}}, Numbered(20, 25));
  Reopen();
  Entries want = Numbered(0, 10);
  for (auto& e : Numbered(20, 25)) want.push_back(e);
  EXPECT_EQ(Read("t", {}), want);
}

TEST_F(LogstoreRecoveryTest, CorruptChunkIsSkippedAndCounted) {
  Push("t", {{"app", "a"}}, Numbered(0, 10));
  Push("t", {{"app", "b"}}, Numbered(0, 10));
  ASSERT_TRUE(store_->FlushIdle(true).ok());
  // Flip one byte in the last chunk's data (stream b's chunk sorts last).
  auto cf = *kv_->Family(kChunksFamily);
  auto it = kv_->NewIterator(cf);
  it->SeekToLast();
  ASSERT_TRUE(it->Valid());
  const std::string key(it->key());
  std::string value(it->value());
  it.reset();
  value[value.size() - 3] ^= 0x40;
  ASSERT_TRUE(kv_->Put(cf, key, value).ok());
  EXPECT_EQ(Read("t", {M("app", "a")}), Numbered(0, 10));
  EXPECT_TRUE(Read("t", {M("app", "b")}).empty());
  EXPECT_EQ(store_->GetStats().corrupt_blocks, 1u);
  // Garbage instead of a chunk.
  ASSERT_TRUE(kv_->Put(cf, key, "not a chunk").ok());
  EXPECT_TRUE(Read("t", {M("app", "b")}).empty());
  EXPECT_EQ(store_->GetStats().corrupt_blocks, 2u);
}

// A child process pushes and reports each acknowledged commit through a pipe; the parent kills
// it with SIGKILL mid-stream, reopens the store and checks that every acknowledged entry is there.
TEST_F(LogstoreRecoveryTest, KillDashNineLosesNothingAcknowledged) {
  store_.reset();
  kv_.reset();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    auto kv = kv::RocksStore::Open(dir_.Sub("db"), {}, LogStore::ColumnFamilies());
    if (!kv.ok()) _exit(2);
    LogStoreOptions o = opts_;
    o.head.block_bytes = 4096;
    o.head.chunk_target_bytes = 8192;
    auto store = LogStore::Open(**kv, dir_.Sub("wal"), o);
    if (!store.ok()) _exit(3);
    for (int i = 0;; ++i) {
      auto app = (*store)->NewAppender("t");
      app->AddStream(model::Labels{{"app", "k"}});
      std::vector<std::string> lines;  // AddEntry keeps views until Commit
      for (int k = 0; k < 10; ++k) lines.push_back("entry " + std::to_string(i * 10 + k));
      for (int k = 0; k < 10; ++k) app->AddEntry(kNow + (i * 10 + k), lines[k]);
      if (!app->Commit().ok()) _exit(4);
      if (i % 50 == 25) (void)(*store)->Checkpoint();
      if (write(fds[1], &i, sizeof(i)) != sizeof(i)) _exit(5);
    }
  }
  close(fds[1]);
  int acked = -1, v;
  while (acked < 300 && read(fds[0], &v, sizeof(v)) == sizeof(v)) acked = v;
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  // Drain what the child acknowledged before it died.
  while (read(fds[0], &v, sizeof(v)) == sizeof(v)) acked = v;
  close(fds[0]);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  ASSERT_GE(acked, 300);
  Open();
  const Entries got = Read("t", {});
  ASSERT_GE(got.size(), static_cast<size_t>(acked + 1) * 10);
  for (int i = 0; i < (acked + 1) * 10; ++i) {
    ASSERT_EQ(got[i], (std::pair<int64_t, std::string>{kNow + i, "entry " + std::to_string(i)}))
        << i;
  }
  for (size_t i = 1; i < got.size(); ++i)
    ASSERT_LT(got[i - 1].first, got[i].first) << "no duplicates";
}

}  // namespace
}  // namespace loupe::storage::logstore
