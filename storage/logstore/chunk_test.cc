#include "storage/logstore/chunk.h"

#include <gtest/gtest.h>

#include <random>

#include "storage/logstore/json_log_generator.h"

namespace loupe::storage::logstore {
namespace {

std::string Md(std::initializer_list<model::LabelRef> labels) {
  std::vector<model::LabelRef> v(labels);
  std::string out;
  EncodeMetadata(v.data(), v.size(), &out);
  return out;
}

TEST(LogstoreMetadataTest, RoundTripAndMalformed) {
  const std::string md = Md({{"trace_id", "abc"}, {"user", "42"}});
  EXPECT_TRUE(ValidMetadata(md));
  EXPECT_EQ(MetadataToLabels(md), (model::Labels{{"trace_id", "abc"}, {"user", "42"}}));
  EXPECT_TRUE(ValidMetadata(""));
  EXPECT_TRUE(MetadataToLabels("").empty());
  EXPECT_FALSE(ValidMetadata(md.substr(0, md.size() - 1)));
  EXPECT_FALSE(ValidMetadata(md + "x"));
  EXPECT_FALSE(ValidMetadata("\x05"));
}

TEST(LogstoreHeadBlockTest, EncodeRawSortsStablyAndFiltersRange) {
  HeadBlock h;
  h.Append(30, "c", "");
  h.Append(10, "a1", Md({{"k", "v"}}));
  h.Append(20, "b", "");
  h.Append(10, "a2", "");
  EXPECT_FALSE(h.sorted());
  EXPECT_EQ(h.mint(), 10);
  EXPECT_EQ(h.maxt(), 30);
  EXPECT_EQ(h.bytes(), 1u + 2 + 1 + 2 + Md({{"k", "v"}}).size());
  std::string raw;
  uint32_t n;
  h.EncodeRaw(true, INT64_MIN, INT64_MAX, &raw, &n);
  ASSERT_EQ(n, 4u);
  DecodedBlock b;
  ASSERT_TRUE(b.Parse(raw, true).ok());
  ASSERT_EQ(b.size(), 4u);
  EXPECT_EQ(b.line(0), "a1");  // equal timestamps keep arrival order
  EXPECT_EQ(b.line(1), "a2");
  EXPECT_EQ(b.line(2), "b");
  EXPECT_EQ(b.line(3), "c");
  EXPECT_EQ(MetadataToLabels(b.metadata(0)), (model::Labels{{"k", "v"}}));
  EXPECT_EQ(b.metadata(1), "");
  EXPECT_EQ(b.LowerBound(20), 2u);
  EXPECT_EQ(b.UpperBound(20), 3u);
  EXPECT_EQ(b.lines(), "a1a2bc");

  h.EncodeRaw(true, 15, 25, &raw, &n);
  ASSERT_EQ(n, 1u);
  ASSERT_TRUE(b.Parse(raw, true).ok());
  EXPECT_EQ(b.line(0), "b");

  // Unsorted encoding round-trips through DecodeRaw in arrival order.
  h.EncodeRaw(false, INT64_MIN, INT64_MAX, &raw, &n);
  HeadBlock back;
  ASSERT_TRUE(back.DecodeRaw(raw).ok());
  ASSERT_EQ(back.size(), 4u);
  EXPECT_EQ(back.ts(0), 30);
  EXPECT_EQ(back.line(1), "a1");
  EXPECT_EQ(back.metadata(1), Md({{"k", "v"}}));
  EXPECT_FALSE(b.Parse(raw, /*require_sorted=*/true).ok())
      << "unsorted raw is refused where order is required";
}

class LogstoreChunkRoundTripTest : public ::testing::TestWithParam<BlockCodec> {};

TEST_P(LogstoreChunkRoundTripTest, BlocksRoundTrip) {
  JsonLogGenerator gen(7);
  std::vector<CompressedBlock> blocks(3);
  std::vector<std::vector<std::pair<int64_t, std::string>>> want(3);
  int64_t ts = 1'700'000'000'000'000'000;
  for (int b = 0; b < 3; ++b) {
    HeadBlock h;
    for (int i = 0; i < 500; ++i) {
      ts += 1000 + static_cast<int64_t>(gen.Rand() % 1000);
      const std::string& line = gen.Next(ts);
      h.Append(ts, line, i % 10 == 0 ? Md({{"trace_id", std::to_string(i)}}) : "");
      want[b].emplace_back(ts, line);
    }
    h.Append(ts, "", "");  // empty line, same timestamp
    want[b].emplace_back(ts, "");
    ASSERT_TRUE(CompressBlock(h, GetParam(), 3, &blocks[b]).ok());
    EXPECT_EQ(blocks[b].meta.entries, 501u);
    EXPECT_EQ(blocks[b].meta.bytes, h.bytes());
    if (GetParam() == BlockCodec::kZstd) {
      EXPECT_LT(blocks[b].meta.comp_len, blocks[b].meta.raw_len / 3);
    }
  }
  const std::string chunk = EncodeChunk(GetParam(), {&blocks[0], &blocks[1], &blocks[2]});
  auto r = ChunkReader::Open(chunk);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->codec(), GetParam());
  ASSERT_EQ(r->num_blocks(), 3u);
  EXPECT_EQ(r->entries(), 1503u);
  EXPECT_EQ(r->mint(), want[0].front().first);
  EXPECT_EQ(r->maxt(), want[2].back().first);
  for (size_t b = 0; b < 3; ++b) {
    EXPECT_EQ(r->block(b).mint, want[b].front().first);
    EXPECT_EQ(r->block(b).maxt, want[b].back().first);
    DecodedBlock d;
    ASSERT_TRUE(r->ReadBlock(b, &d).ok());
    ASSERT_EQ(d.size(), want[b].size());
    for (size_t i = 0; i < d.size(); ++i) {
      ASSERT_EQ(d.ts(i), want[b][i].first);
      ASSERT_EQ(d.line(i), want[b][i].second);
    }
    EXPECT_EQ(MetadataToLabels(d.metadata(10)), (model::Labels{{"trace_id", "10"}}));
    // The same block decompresses from its CompressedBlock directly.
    DecodedBlock d2;
    ASSERT_TRUE(DecompressBlock(GetParam(), blocks[b].meta, blocks[b].data, &d2).ok());
    EXPECT_EQ(d2.lines(), d.lines());
  }
  DecodedBlock d;
  EXPECT_EQ(r->ReadBlock(3, &d).code(), StatusCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Codecs, LogstoreChunkRoundTripTest,
                         ::testing::Values(BlockCodec::kZstd, BlockCodec::kNone));

TEST(LogstoreChunkTest, RandomOrderAndExtremeTimestamps) {
  std::mt19937_64 rng(3);
  HeadBlock h;
  std::vector<int64_t> ts = {INT64_MIN, INT64_MAX, 0, -1, 1};
  for (int i = 0; i < 200; ++i) ts.push_back(static_cast<int64_t>(rng()));
  for (int64_t t : ts) h.Append(t, std::to_string(t), "");
  CompressedBlock c;
  ASSERT_TRUE(CompressBlock(h, BlockCodec::kZstd, 1, &c).ok());
  EXPECT_EQ(c.meta.mint, INT64_MIN);
  EXPECT_EQ(c.meta.maxt, INT64_MAX);
  const std::string chunk = EncodeChunk(BlockCodec::kZstd, {&c});
  auto r = ChunkReader::Open(chunk);
  ASSERT_TRUE(r.ok()) << r.status();
  DecodedBlock d;
  ASSERT_TRUE(r->ReadBlock(0, &d).ok());
  std::sort(ts.begin(), ts.end());
  ASSERT_EQ(d.size(), ts.size());
  for (size_t i = 0; i < ts.size(); ++i) {
    EXPECT_EQ(d.ts(i), ts[i]);
    EXPECT_EQ(d.line(i), std::to_string(ts[i]));
  }
}

TEST(LogstoreChunkTest, EmptyBlockIsRefused) {
  HeadBlock h;
  CompressedBlock c;
  EXPECT_EQ(CompressBlock(h, BlockCodec::kZstd, 1, &c).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace loupe::storage::logstore
