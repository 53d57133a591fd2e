#include "storage/logstore/head.h"

#include <gtest/gtest.h>

namespace loupe::storage::logstore {
namespace {

constexpr int64_t kSec = 1000000000;

struct Fixture {
  explicit Fixture(HeadOptions o = {}) : head(o) {}
  StreamId Stream(std::vector<model::LabelRef> labels) {
    bool created;
    return head.GetOrCreate(labels.data(), labels.size(),
                            model::HashLabelRefs(labels.data(), labels.size()), 0, &created);
  }
  Head head;
  std::vector<FlushedChunk> done;
};

TEST(LogstoreHeadTest, DuplicatesAndTooFarBehind) {
  Fixture f;
  const StreamId s = f.Stream({{"app", "api"}});
  EXPECT_EQ(f.head.Append(s, 100 * kSec, "a", "", 0, &f.done).kind, AppendKind::kAccepted);
  EXPECT_EQ(f.head.Append(s, 100 * kSec, "a", "", 0, &f.done).kind, AppendKind::kDuplicate);
  EXPECT_EQ(f.head.Append(s, 100 * kSec, "b", "", 0, &f.done).kind, AppendKind::kAccepted)
      << "same timestamp, other line";
  EXPECT_EQ(f.head.Append(s, 5000 * kSec, "new", "", 0, &f.done).kind, AppendKind::kAccepted);
  // Within the 1 h window behind the newest entry: accepted out of order.
  EXPECT_EQ(f.head.Append(s, 5000 * kSec - 3600 * kSec, "edge", "", 0, &f.done).kind,
            AppendKind::kAccepted);
  const AppendResult r = f.head.Append(s, 5000 * kSec - 3600 * kSec - 1, "old", "", 0, &f.done);
  EXPECT_EQ(r.kind, AppendKind::kTooFarBehind);
  EXPECT_EQ(r.cutoff, 5000 * kSec - 3600 * kSec);
  EXPECT_EQ(f.head.stream(s).next_seq, 4u);
  EXPECT_TRUE(f.done.empty());
}

TEST(LogstoreHeadTest, BlocksCutAndChunksFlushBySizeAndSpan) {
  HeadOptions o;
  o.block_bytes = 1000;
  o.chunk_target_bytes = 1;  // flush at every cut
  Fixture f(o);
  const StreamId s = f.Stream({{"app", "api"}});
  const std::string line(100, 'x');
  for (int i = 0; i < 25; ++i) f.head.Append(s, i * kSec, line + std::to_string(i), "", 0, &f.done);
  ASSERT_EQ(f.done.size(), 2u);  // at 1000 and 2000 bytes
  EXPECT_EQ(f.done[0].first_seq, 0u);
  EXPECT_EQ(f.done[0].entries, 10u);
  EXPECT_EQ(f.done[1].first_seq, 10u);
  EXPECT_EQ(f.done[0].mint, 0);
  EXPECT_EQ(f.done[0].maxt, 9 * kSec);
  ASSERT_TRUE(f.done[0].labels.has_value()) << "the first flush carries the labels";
  EXPECT_FALSE(f.done[1].labels.has_value());
  EXPECT_EQ(f.head.stream(s).flushed_seq, 20u);
  // An entry 2 h + 1 ns after the open chunk's first entry starts a new chunk.
  f.done.clear();
  f.head.Append(s, 20 * kSec + 2 * 3600 * kSec + 1, "late", "", 0, &f.done);
  ASSERT_EQ(f.done.size(), 1u);
  EXPECT_EQ(f.done[0].entries, 5u);
  auto r = ChunkReader::Open(f.done[0].data);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->entries(), 5u);
}

TEST(LogstoreHeadTest, SelectLabelNamesValuesAndTime) {
  Fixture f;
  const StreamId a = f.Stream({{"app", "api"}, {"env", "prod"}});
  const StreamId b = f.Stream({{"app", "web"}, {"env", "prod"}});
  const StreamId c = f.Stream({{"app", "web"}, {"env", "dev"}, {"team", "x"}});
  f.head.Append(a, 10, "l", "", 0, &f.done);
  f.head.Append(b, 20, "l", "", 0, &f.done);
  f.head.Append(c, 30, "l", "", 0, &f.done);
  auto m = [](model::MatchType t, std::string n, std::string v) {
    return *model::Matcher::Create(t, n, v);
  };
  EXPECT_EQ(f.head.Select({m(model::MatchType::kEqual, "app", "web")}), (PostingsList{b, c}));
  EXPECT_EQ(f.head.Select({m(model::MatchType::kRegexMatch, "app", "a.*|w.*"),
                           m(model::MatchType::kNotEqual, "env", "dev")}),
            (PostingsList{a, b}));
  EXPECT_EQ(f.head.Select({m(model::MatchType::kEqual, "team", "")}), (PostingsList{a, b}));
  EXPECT_EQ(f.head.Select({m(model::MatchType::kEqual, "app", "nope")}), PostingsList{});
  EXPECT_EQ(f.head.FilterByTime(f.head.Select({}), 15, 25), (PostingsList{b}));
  EXPECT_EQ(f.head.LabelNames(nullptr), (std::vector<std::string>{"app", "env", "team"}));
  const PostingsList ab = {a, b};
  EXPECT_EQ(f.head.LabelNames(&ab), (std::vector<std::string>{"app", "env"}));
  EXPECT_EQ(f.head.LabelValues("env", nullptr), (std::vector<std::string>{"dev", "prod"}));
  EXPECT_EQ(f.head.LabelValues("app", &ab), (std::vector<std::string>{"api", "web"}));
  EXPECT_EQ(f.head.LabelsString(c), "{app=\"web\", env=\"dev\", team=\"x\"}");

  const auto removed = f.head.RemoveStreamsBefore(25);
  EXPECT_EQ(removed.size(), 2u);
  EXPECT_EQ(f.head.NumStreams(), 1u);
  EXPECT_EQ(f.head.Select({}), (PostingsList{c}));
  EXPECT_EQ(f.head.LabelValues("app", nullptr), (std::vector<std::string>{"web"}));
}

TEST(LogstoreHeadTest, CheckpointRestoreAndReplayAreExactlyOnce) {
  HeadOptions o;
  o.block_bytes = 200;
  Fixture f(o);
  const StreamId s = f.Stream({{"app", "api"}});
  for (int i = 0; i < 12; ++i)
    f.head.Append(s, (100 - i) * kSec, "line " + std::to_string(i) + std::string(20, 'y'), "", 0,
                  &f.done);
  ASSERT_FALSE(f.head.stream(s).blocks.empty());
  ASSERT_FALSE(f.head.stream(s).open.empty());
  std::vector<StreamCheckpoint> cps;
  EXPECT_EQ(f.head.CollectCheckpoint(0, 10, &cps), f.head.IdLimit());
  ASSERT_EQ(cps.size(), 1u);
  EXPECT_EQ(cps[0].next_seq, 12u);
  EXPECT_TRUE(cps[0].labels.has_value());
  std::vector<StreamCheckpoint> again;
  f.head.CollectCheckpoint(0, 10, &again);
  EXPECT_TRUE(again.empty()) << "unchanged streams are not rewritten";

  Fixture g(o);
  const StreamId r = g.head.Restore(f.head.Ref(s), *cps[0].labels, true);
  ASSERT_TRUE(g.head.RestoreCheckpoint(r, cps[0]).ok());
  EXPECT_EQ(g.head.stream(r).next_seq, 12u);
  EXPECT_EQ(g.head.HeadEntries(), 12u);
  uint64_t gaps = 0;
  // Seq 11 is already there; 12 is new; 14 skips 13 (a gap).
  EXPECT_FALSE(g.head.Replay(r, 11, 1, "dup", "", 0, &g.done, &gaps));
  EXPECT_TRUE(g.head.Replay(r, 12, 200 * kSec, "new", "", 0, &g.done, &gaps));
  EXPECT_EQ(gaps, 0u);
  EXPECT_TRUE(g.head.Replay(r, 14, 201 * kSec, "after gap", "", 0, &g.done, &gaps));
  EXPECT_EQ(gaps, 1u);
  g.head.Skip(r, 15);
  EXPECT_FALSE(g.head.Replay(r, 15, 202 * kSec, "skipped", "", 0, &g.done, &gaps));
  g.head.Flush(r, &g.done);
  ASSERT_EQ(g.done.size(), 1u);
  EXPECT_EQ(g.done[0].first_seq, 0u);
  EXPECT_EQ(g.done[0].end_seq, 16u);
  EXPECT_EQ(g.done[0].entries, 14u);
  EXPECT_EQ(g.head.stream(r).flushed_seq, 16u);

  // A checkpoint older than the stream's last flush is ignored.
  Fixture h(o);
  const StreamId q = h.head.Restore(f.head.Ref(s), *cps[0].labels, true);
  h.head.NotePersisted(q, 13, 0, 0);
  ASSERT_TRUE(h.head.RestoreCheckpoint(q, cps[0]).ok());
  EXPECT_EQ(h.head.HeadEntries(), 0u);
  EXPECT_EQ(h.head.stream(q).next_seq, 13u);

  StreamCheckpoint bad = cps[0];
  bad.chunk[bad.chunk.size() - 1] ^= 1;
  Fixture k(o);
  const StreamId z = k.head.Restore(f.head.Ref(s), *cps[0].labels, true);
  EXPECT_EQ(k.head.RestoreCheckpoint(z, bad).code(), StatusCode::kCorruption);
}

TEST(LogstoreHeadTest, SnapshotAndUsage) {
  HeadOptions o;
  o.block_bytes = 50;
  Fixture f(o);
  const StreamId s = f.Stream({{"app", "api"}});
  for (int i = 0; i < 10; ++i) f.head.Append(s, i, std::string(20, 'a' + i), "", 0, &f.done);
  const HeadSnapshot snap = f.head.Snapshot(s, 3, 8);
  EXPECT_EQ(snap.flushed_seq, 0u);
  uint64_t n = snap.open_entries;
  for (const auto& b : snap.blocks) n += b->meta.entries;
  EXPECT_GE(n, 6u);
  const HeadUsage u = f.head.Usage(s, 0, 100);
  EXPECT_EQ(u.entries, 10u);
  EXPECT_EQ(u.bytes, 200u);
  EXPECT_EQ(u.chunks, 1u);
  EXPECT_EQ(f.head.Usage(s, 100, 200).entries, 0u);
}

}  // namespace
}  // namespace loupe::storage::logstore
