#include "storage/tsdb/head.h"

#include <gtest/gtest.h>

#include <cmath>

namespace loupe::storage::tsdb {
namespace {

using model::LabelRef;

class HeadTest : public ::testing::Test {
 protected:
  SeriesId Series(Head& h, std::vector<LabelRef> labels) {
    bool created;
    return h.GetOrCreate(labels.data(), labels.size(), model::HashLabelRefs(labels.data(), labels.size()), &created);
  }
  std::vector<CompletedChunk> done_;
};

TEST_F(HeadTest, SameLabelsSameSeries) {
  Head h({});
  const auto a = Series(h, {{"__name__", "up"}, {"job", "a"}});
  const auto b = Series(h, {{"__name__", "up"}, {"job", "b"}});
  const auto a2 = Series(h, {{"__name__", "up"}, {"job", "a"}});
  EXPECT_EQ(a, a2);
  EXPECT_NE(a, b);
  EXPECT_EQ(h.NumSeries(), 2u);
  EXPECT_EQ(h.LabelsOf(b).ToString(), "up{job=\"b\"}");
  EXPECT_NE(h.Ref(a), h.Ref(b));
}

TEST_F(HeadTest, PrometheusAppendRules) {
  Head h({});
  const auto s = Series(h, {{"__name__", "x"}});
  EXPECT_EQ(h.Append(s, 1000, 1, &done_).kind, AppendKind::kInOrder);
  EXPECT_EQ(h.Append(s, 2000, 2, &done_).kind, AppendKind::kInOrder);
  EXPECT_EQ(h.Append(s, 2000, 2, &done_).kind, AppendKind::kResend) << "exact resend ignored";
  auto dup = h.Append(s, 2000, 3, &done_);
  EXPECT_EQ(dup.kind, AppendKind::kRejected);
  EXPECT_EQ(dup.reject, Reject::kDuplicate);
  auto ooo = h.Append(s, 1500, 1, &done_);
  EXPECT_EQ(ooo.reject, Reject::kOutOfOrder);
  EXPECT_STREQ(RejectMessage(ooo.reject), "out of order sample");
  // A new series far behind the head's max time is out of bounds (half a block = 1 h).
  const auto late = Series(h, {{"__name__", "y"}});
  EXPECT_EQ(h.Append(s, 10'000'000, 1, &done_).kind, AppendKind::kInOrder);
  EXPECT_EQ(h.Append(late, 10'000'000 - 3'600'001, 1, &done_).reject, Reject::kOutOfBounds);
  EXPECT_EQ(h.Append(late, 10'000'000 - 3'600'000, 1, &done_).kind, AppendKind::kInOrder);
  // NaN resends compare by bits: the stale marker is a resend of itself.
  EXPECT_EQ(h.Append(s, 10'000'001, model::StaleNaN(), &done_).kind, AppendKind::kInOrder);
  EXPECT_EQ(h.Append(s, 10'000'001, model::StaleNaN(), &done_).kind, AppendKind::kResend);
}

TEST_F(HeadTest, ChunksCutAt120SamplesAndBlockBoundaries) {
  HeadOptions o;
  o.block_ms = 1'000'000;
  Head h(o);
  const auto s = Series(h, {{"__name__", "x"}});
  for (int i = 0; i < 250; ++i) ASSERT_EQ(h.Append(s, i * 1000, i, &done_).kind, AppendKind::kInOrder);
  ASSERT_EQ(done_.size(), 2u);
  EXPECT_EQ(done_[0].chunk.mint, 0);
  EXPECT_EQ(done_[0].chunk.maxt, 119'000);
  EXPECT_EQ(XorChunk::FromBytes(done_[0].chunk.bytes)->NumSamples(), 120);
  done_.clear();
  // Crossing into the next block cuts even a small chunk.
  ASSERT_EQ(h.Append(s, 999'000, 1, &done_).kind, AppendKind::kInOrder);
  ASSERT_EQ(h.Append(s, 1'000'000, 1, &done_).kind, AppendKind::kInOrder);
  ASSERT_EQ(done_.size(), 1u);
  EXPECT_EQ(done_[0].chunk.maxt, 999'000);
  auto mem = h.MemChunks(s, 0, INT64_MAX);
  ASSERT_EQ(mem.size(), 1u);
  EXPECT_EQ(mem[0].mint, 1'000'000);
}

TEST_F(HeadTest, OutOfOrderWindow) {
  HeadOptions o;
  o.ooo_window_ms = 60'000;
  o.ooo_chunk_samples = 4;
  Head h(o);
  const auto s = Series(h, {{"__name__", "x"}});
  ASSERT_EQ(h.Append(s, 100'000, 1, &done_).kind, AppendKind::kInOrder);
  EXPECT_EQ(h.Append(s, 50'000, 1, &done_).kind, AppendKind::kOutOfOrder);
  EXPECT_EQ(h.Append(s, 39'999, 1, &done_).reject, Reject::kTooOld);
  EXPECT_EQ(h.Append(s, 50'000, 1, &done_).kind, AppendKind::kResend);
  EXPECT_EQ(h.Append(s, 50'000, 2, &done_).reject, Reject::kDuplicate);
  for (int i = 1; i <= 3; ++i) EXPECT_EQ(h.Append(s, 50'000 + i, i, &done_).kind, AppendKind::kOutOfOrder);
  ASSERT_EQ(done_.size(), 1u) << "OOO buffer flushed at 4 samples";
  EXPECT_EQ(done_[0].chunk.kind, ChunkKind::kOutOfOrder);
  EXPECT_EQ(done_[0].chunk.mint, 50'000);
  EXPECT_EQ(done_[0].chunk.maxt, 50'003);
}

TEST_F(HeadTest, MatchersSelectLikePrometheus) {
  Head h({});
  const auto a = Series(h, {{"__name__", "http"}, {"code", "200"}, {"job", "api"}});
  const auto b = Series(h, {{"__name__", "http"}, {"code", "500"}, {"job", "api"}});
  const auto c = Series(h, {{"__name__", "http"}, {"job", "web"}});
  auto m = [](model::MatchType t, std::string n, std::string v) { return *model::Matcher::Create(t, n, v); };
  using T = model::MatchType;
  EXPECT_EQ(h.Select({m(T::kEqual, "__name__", "http")}), (PostingsList{a, b, c}));
  EXPECT_EQ(h.Select({m(T::kEqual, "__name__", "http"), m(T::kEqual, "code", "500")}), (PostingsList{b}));
  EXPECT_EQ(h.Select({m(T::kEqual, "__name__", "http"), m(T::kNotEqual, "code", "500")}), (PostingsList{a, c}))
      << "!= matches series without the label";
  EXPECT_EQ(h.Select({m(T::kEqual, "__name__", "http"), m(T::kEqual, "code", "")}), (PostingsList{c}));
  EXPECT_EQ(h.Select({m(T::kEqual, "__name__", "http"), m(T::kRegexMatch, "code", "2..|5..")}), (PostingsList{a, b}));
  EXPECT_EQ(h.Select({m(T::kEqual, "__name__", "http"), m(T::kRegexNoMatch, "job", "a.*")}), (PostingsList{c}));
  EXPECT_EQ(h.Select({m(T::kEqual, "__name__", "nope")}), PostingsList{});
  EXPECT_EQ(h.Select({m(T::kEqual, "missing", "x")}), PostingsList{});
  EXPECT_EQ(h.LabelNames(nullptr), (std::vector<std::string>{"__name__", "code", "job"}));
  EXPECT_EQ(h.LabelValues("job", nullptr), (std::vector<std::string>{"api", "web"}));
  const PostingsList only_c{c};
  EXPECT_EQ(h.LabelNames(&only_c), (std::vector<std::string>{"__name__", "job"}));
}

TEST_F(HeadTest, RemoveSeriesBeforeRebuildsIndex) {
  Head h({});
  const auto old = Series(h, {{"__name__", "old"}});
  const auto cur = Series(h, {{"__name__", "cur"}});
  ASSERT_EQ(h.Append(old, 1000, 1, &done_).kind, AppendKind::kInOrder);
  ASSERT_EQ(h.Append(cur, 5000, 1, &done_).kind, AppendKind::kInOrder);
  auto removed = h.RemoveSeriesBefore(2000);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0], h.Ref(old));
  EXPECT_EQ(h.NumSeries(), 1u);
  EXPECT_EQ(h.LabelValues("__name__", nullptr), (std::vector<std::string>{"cur"}));
  // The same labels come back as a new series.
  const auto again = Series(h, {{"__name__", "old"}});
  EXPECT_NE(again, old);
  EXPECT_EQ(h.NumSeries(), 2u);
}

TEST_F(HeadTest, CheckpointAndRestoreRoundTrip) {
  HeadOptions o;
  o.ooo_window_ms = 10'000;
  Head h(o);
  const auto s = Series(h, {{"__name__", "x"}, {"a", "b"}});
  for (int i = 1; i <= 50; ++i) ASSERT_NE(h.Append(s, i * 1000, i * 1.5, &done_).kind, AppendKind::kRejected);
  ASSERT_EQ(h.Append(s, 45'500, 7, &done_).kind, AppendKind::kOutOfOrder);
  std::vector<SeriesCheckpoint> cps;
  EXPECT_EQ(h.CollectCheckpoint(0, 10, &cps), 1u);
  ASSERT_EQ(cps.size(), 1u);
  ASSERT_TRUE(cps[0].labels.has_value());

  Head r(o);
  const auto id = r.Restore(cps[0].ref, *cps[0].labels, cps[0].min_t, true);
  ASSERT_TRUE(r.RestoreHead(id, cps[0].head_mint, cps[0].head_bytes, cps[0].ooo).ok());
  // The restored head continues exactly where the original left off.
  EXPECT_EQ(r.Append(id, 50'000, 75, &done_).kind, AppendKind::kResend);
  EXPECT_EQ(r.Append(id, 39'000, 1, &done_).reject, Reject::kTooOld) << "max time restored";
  EXPECT_EQ(r.Append(id, 45'500, 7, &done_).kind, AppendKind::kResend) << "OOO buffer restored";
  EXPECT_EQ(r.Append(id, 51'000, 1, &done_).kind, AppendKind::kInOrder);
  auto chunks = r.MemChunks(id, 0, INT64_MAX);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[1].kind, ChunkKind::kOutOfOrder);
  // A corrupt head chunk is reported, and the series still takes samples.
  Head bad(o);
  const auto bid = bad.Restore(7, *cps[0].labels, 0, true);
  EXPECT_FALSE(bad.RestoreHead(bid, 0, "\x00\x05garbage", {}).ok());
  EXPECT_EQ(bad.Append(bid, 1, 1, &done_).kind, AppendKind::kInOrder);
}

}  // namespace
}  // namespace loupe::storage::tsdb
