// Corrupt-input tests of the chunk decoder: every flipped byte and every truncation of a valid
// chunk must be reported as kCorruption (header and block data are both checksummed), and no
// input may crash the decoder.
#include <gtest/gtest.h>

#include <random>

#include "storage/base/coding.h"
#include "storage/base/crc32c.h"
#include "storage/logstore/chunk.h"

namespace loupe::storage::logstore {
namespace {

std::string ValidChunk(BlockCodec codec) {
  std::vector<CompressedBlock> blocks(2);
  for (int b = 0; b < 2; ++b) {
    HeadBlock h;
    for (int i = 0; i < 40; ++i) {
      h.Append(1000 * b + i, "level=info msg=\"request " + std::to_string(i) + "\"",
               i % 7 ? "" : "\x01\x01k\x01v");
    }
    EXPECT_TRUE(CompressBlock(h, codec, 1, &blocks[b]).ok());
  }
  return EncodeChunk(codec, {&blocks[0], &blocks[1]});
}

// OK only if the chunk opens and every block reads.
Status ReadAll(std::string_view bytes, uint64_t* entries) {
  auto r = ChunkReader::Open(bytes);
  if (!r.ok()) return r.status();
  *entries = 0;
  for (size_t i = 0; i < r->num_blocks(); ++i) {
    DecodedBlock d;
    LOUPE_RETURN_IF_ERROR(r->ReadBlock(i, &d));
    for (size_t k = 0; k < d.size(); ++k) {
      (void)d.line(k);
      (void)ValidMetadata(d.metadata(k));
    }
    *entries += d.size();
  }
  return Status::OK();
}

class LogstoreChunkCorruptTest : public ::testing::TestWithParam<BlockCodec> {};

TEST_P(LogstoreChunkCorruptTest, EveryFlippedByteIsDetected) {
  const std::string good = ValidChunk(GetParam());
  uint64_t n = 0;
  ASSERT_TRUE(ReadAll(good, &n).ok());
  EXPECT_EQ(n, 80u);
  for (size_t pos = 0; pos < good.size(); ++pos) {
    for (uint8_t mask : {0x01, 0x80, 0xff}) {
      std::string bad = good;
      bad[pos] = static_cast<char>(bad[pos] ^ mask);
      const Status s = ReadAll(bad, &n);
      ASSERT_EQ(s.code(), StatusCode::kCorruption)
          << "byte " << pos << " mask " << int(mask) << ": " << s;
    }
  }
}

TEST_P(LogstoreChunkCorruptTest, EveryTruncationIsDetected) {
  const std::string good = ValidChunk(GetParam());
  uint64_t n;
  for (size_t len = 0; len < good.size(); ++len) {
    const Status s = ReadAll(std::string_view(good).substr(0, len), &n);
    ASSERT_EQ(s.code(), StatusCode::kCorruption) << "length " << len;
  }
  EXPECT_EQ(ReadAll(good + "x", &n).code(), StatusCode::kCorruption) << "trailing garbage";
}

INSTANTIATE_TEST_SUITE_P(Codecs, LogstoreChunkCorruptTest,
                         ::testing::Values(BlockCodec::kZstd, BlockCodec::kNone));

// A header with a correct checksum but lying sizes (as a buggy writer or a crafted input could
// produce) is still refused before anything large is allocated.
TEST(LogstoreChunkCorruptTest, ValidChecksumButImpossibleSizes) {
  auto make = [](uint64_t entries, uint64_t raw_len, uint64_t comp_len, std::string data) {
    std::string out = "LGC1";
    out.push_back(static_cast<char>(BlockCodec::kNone));
    PutVarint64(&out, 1);
    PutSignedVarint64(&out, 5);
    PutVarint64(&out, 0);
    PutVarint64(&out, entries);
    PutVarint64(&out, raw_len);
    PutVarint64(&out, comp_len);
    PutFixed32(&out, Crc32c(data));
    PutFixed32(&out, Crc32c(out));
    return out + data;
  };
  uint64_t n;
  // raw_len beyond the cap.
  EXPECT_EQ(ReadAll(make(1, uint64_t{1} << 40, 3, "abc"), &n).code(), StatusCode::kCorruption);
  // zero entries.
  EXPECT_EQ(ReadAll(make(0, 3, 3, "abc"), &n).code(), StatusCode::kCorruption);
  // data parses but has more entries than declared / a huge entry count.
  std::string raw;
  PutVarint64(&raw, 1000000);
  EXPECT_EQ(ReadAll(make(1, raw.size(), raw.size(), raw), &n).code(), StatusCode::kCorruption);
  // A well-formed raw block with a timestamp outside the header's [mint, maxt].
  raw.clear();
  PutVarint64(&raw, 1);
  PutSignedVarint64(&raw, 6);
  PutVarint64(&raw, 1);
  PutVarint64(&raw, 0);
  raw += "x";
  EXPECT_EQ(ReadAll(make(1, raw.size(), raw.size(), raw), &n).code(), StatusCode::kCorruption);
  // ...and the same block at ts 5 is fine.
  raw[1] = 10;  // zig-zag 5
  EXPECT_TRUE(ReadAll(make(1, raw.size(), raw.size(), raw), &n).ok());
}

TEST(LogstoreChunkCorruptTest, RandomGarbageNeverCrashes) {
  std::mt19937_64 rng(11);
  const std::string good = ValidChunk(BlockCodec::kZstd);
  uint64_t n;
  for (int i = 0; i < 2000; ++i) {
    std::string s = good.substr(0, rng() % (good.size() + 1));
    for (int k = 0; k < 4 && !s.empty(); ++k) s[rng() % s.size()] = static_cast<char>(rng());
    (void)ReadAll(s, &n);
    DecodedBlock d;
    (void)d.Parse(s, (i & 1) != 0);
    HeadBlock h;
    (void)h.DecodeRaw(s);
  }
}

}  // namespace
}  // namespace loupe::storage::logstore
