#include "storage/wal/wal.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/testing/temp_dir.h"

namespace loupe::storage::wal {
namespace {

std::vector<std::string> ReplayAll(Wal& w, ReplayStats* st = nullptr, uint64_t from = 0) {
  std::vector<std::string> out;
  EXPECT_TRUE(w.Replay(from, [&](std::string_view r) {
    out.emplace_back(r);
    return Status::OK();
  }, st).ok());
  return out;
}

std::vector<std::string> Segments(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(WalTest, AppendReplayAcrossReopenAndRotation) {
  testing::TempDir dir("wal");
  WalOptions opts;
  opts.segment_bytes = 100;
  {
    auto w = *Wal::Open(dir.path(), opts);
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(w->Append("record-" + std::to_string(i)).ok());
    ASSERT_TRUE(w->Append({"a", "", "c"}).ok());
    EXPECT_GT(w->CurrentSegment(), 1u) << "small segments rotate";
  }
  auto w = *Wal::Open(dir.path(), opts);
  ReplayStats st;
  auto recs = ReplayAll(*w, &st);
  ASSERT_EQ(recs.size(), 23u);
  EXPECT_EQ(recs[0], "record-0");
  EXPECT_EQ(recs[19], "record-19");
  EXPECT_EQ(recs[21], "");
  EXPECT_EQ(st.torn_tails, 0u);
  // New appends after reopen go to a new segment and replay after the old ones.
  ASSERT_TRUE(w->Append("after").ok());
  auto again = ReplayAll(*w);
  EXPECT_EQ(again.back(), "after");
}

TEST(WalTest, TornTailIsTruncatedAndCounted) {
  testing::TempDir dir("wal");
  {
    auto w = *Wal::Open(dir.path(), {});
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(w->Append("r" + std::to_string(i)).ok());
  }
  const auto seg = Segments(dir.path()).back();
  const auto size = std::filesystem::file_size(seg);
  std::filesystem::resize_file(seg, size - 1);  // crash mid-record
  auto w = *Wal::Open(dir.path(), {});
  ReplayStats st;
  auto recs = ReplayAll(*w, &st);
  EXPECT_EQ(recs.size(), 4u) << "every intact record survives";
  EXPECT_EQ(st.torn_tails, 1u);
  EXPECT_GT(st.dropped_bytes, 0u);
  // The file now ends at the last good record; a second replay is clean.
  ReplayStats st2;
  EXPECT_EQ(ReplayAll(*w, &st2).size(), 4u);
  EXPECT_EQ(st2.torn_tails, 0u);
}

TEST(WalTest, CorruptByteEndsItsSegmentOnly) {
  testing::TempDir dir("wal");
  WalOptions opts;
  opts.segment_bytes = 60;
  {
    auto w = *Wal::Open(dir.path(), opts);
    for (int i = 0; i < 12; ++i) ASSERT_TRUE(w->Append("payload-" + std::to_string(i)).ok());
  }
  auto segs = Segments(dir.path());
  ASSERT_GE(segs.size(), 3u);
  // Corrupt the payload of the second record of the first segment.
  {
    std::fstream f(segs[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(8 + 9 + 8 + 2);
    f.put('X');
  }
  auto w = *Wal::Open(dir.path(), opts);
  ReplayStats st;
  auto recs = ReplayAll(*w, &st);
  EXPECT_EQ(st.corrupt_segments, 1u);
  EXPECT_EQ(st.torn_tails, 0u);
  EXPECT_EQ(recs.front(), "payload-0");
  EXPECT_EQ(recs.back(), "payload-11") << "later segments still replay";
  EXPECT_EQ(std::count(recs.begin(), recs.end(), "payload-1"), 0);
}

TEST(WalTest, GarbageFileDoesNotPreventOpening) {
  testing::TempDir dir("wal");
  std::ofstream(dir.Sub("00000000000000000000"), std::ios::binary) << std::string("\xff\xff\xff\x7f garbage", 12);
  auto w = Wal::Open(dir.path(), {});
  ASSERT_TRUE(w.ok());
  ReplayStats st;
  EXPECT_TRUE(ReplayAll(**w, &st).empty());
  EXPECT_EQ(st.torn_tails, 1u);
  ASSERT_TRUE((*w)->Append("ok").ok());
  EXPECT_EQ(ReplayAll(**w).back(), "ok");
}

TEST(WalTest, TruncateBeforeDropsOldSegments) {
  testing::TempDir dir("wal");
  auto w = *Wal::Open(dir.path(), {});
  ASSERT_TRUE(w->Append("old").ok());
  auto seg = *w->Rotate();
  ASSERT_TRUE(w->Append("new").ok());
  ASSERT_TRUE(w->TruncateBefore(seg).ok());
  EXPECT_EQ(w->FirstSegment(), seg);
  auto recs = ReplayAll(*w);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0], "new");
  EXPECT_GT(w->TotalBytes(), 0u);
}

TEST(WalTest, RecordLargerThanSegment) {
  testing::TempDir dir("wal");
  WalOptions opts;
  opts.segment_bytes = 16;
  auto w = *Wal::Open(dir.path(), opts);
  const std::string big(1000, 'b');
  ASSERT_TRUE(w->Append("x").ok());
  ASSERT_TRUE(w->Append(big).ok());
  ASSERT_TRUE(w->Append("y").ok());
  auto recs = ReplayAll(*w);
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[1], big);
}

}  // namespace
}  // namespace loupe::storage::wal
