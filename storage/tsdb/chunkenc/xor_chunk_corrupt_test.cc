// Corrupt-input tests for the XOR chunk decoder: truncation at every length, every byte and bit
// flipped, arbitrary garbage. The decoder must never read out of bounds (run under ASan/UBSan
// with -DLOUPE_SANITIZE=address,undefined), must return at most the header's count of samples,
// and must report kCorruption where the damage is detectable.
//
// What is not detectable, by design: the format has no checksum (the store's chunk record carries
// one, as Prometheus's chunk files do), so a flip inside a value or timestamp field, or a header
// count changed by a few that padding bits happen to satisfy, decodes to different numbers.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "storage/model/sample.h"
#include "storage/tsdb/chunkenc/xor_chunk.h"
#include "storage/tsdb/chunkenc/xor_chunk_test_util.h"

namespace loupe::storage::tsdb {
namespace {

using testing::DecodeAll;
using testing::Decoded;
using testing::Encode;
using testing::SameBits;
using testing::ScrapeCounter;

struct RealChunk {
  const char* name;
  std::vector<Sample> samples;
  std::string bytes;
};

std::vector<RealChunk> RealChunks() {
  std::mt19937_64 rng(11);
  std::vector<RealChunk> out;
  out.push_back({"scrape", ScrapeCounter(rng, 120, 1'700'000'000'000, 15'000, 20, 9), ""});
  std::vector<Sample> wild;
  int64_t t = -5'000'000;
  for (int i = 0; i < 40; ++i) {
    wild.push_back({t, std::bit_cast<double>(rng())});
    t += static_cast<int64_t>(rng() % (int64_t{1} << (rng() % 44)));
  }
  out.push_back({"random", wild, ""});
  out.push_back({"specials",
                 {{0, model::StaleNaN()},
                  {15'000, 1.0},
                  {30'000, -0.0},
                  {45'001, HUGE_VAL},
                  {59'999, -HUGE_VAL},
                  {75'000, 0.1},
                  {90'000, 0.1}},
                 ""});
  for (RealChunk& c : out) c.bytes = std::string(Encode(c.samples).Bytes());
  return out;
}

bool IsPrefix(const std::vector<Sample>& prefix, const std::vector<Sample>& all) {
  if (prefix.size() > all.size()) return false;
  return SameBits(prefix, std::vector<Sample>(all.begin(), all.begin() + prefix.size()));
}

int HeaderCount(std::string_view b) {
  return b.size() < 2 ? 0
                      : (static_cast<unsigned char>(b[0]) << 8) | static_cast<unsigned char>(b[1]);
}

// The properties every input must satisfy, however damaged.
void CheckBounded(std::string_view bytes, const Decoded& d) {
  ASSERT_LE(d.samples.size(), static_cast<size_t>(HeaderCount(bytes)));
  ASSERT_TRUE(d.err.ok() || d.err.code() == StatusCode::kCorruption) << d.err;
  if (d.samples.size() < static_cast<size_t>(HeaderCount(bytes))) {
    ASSERT_EQ(d.err.code(), StatusCode::kCorruption);
  }
}

// Resuming a damaged chunk either is refused as corrupt, or continues it consistently: the
// samples decoded before plus the new one.
void CheckResume(std::string_view bytes, const Decoded& before) {
  auto chunk = XorChunk::FromBytes(std::string(bytes));
  if (!chunk.ok()) {
    ASSERT_EQ(chunk.status().code(), StatusCode::kCorruption);
    return;
  }
  auto app = chunk->Appender();
  if (!app.ok()) {
    ASSERT_EQ(app.status().code(), StatusCode::kCorruption);
    return;
  }
  ASSERT_TRUE(before.err.ok());
  if (chunk->NumSamples() == kXorChunkMaxSamples) return;
  const int64_t last = before.samples.empty() ? 0 : before.samples.back().t;
  const Sample next{static_cast<int64_t>(static_cast<uint64_t>(last) + 15'000), 2.5};
  ASSERT_TRUE(app->Append(next.t, next.v).ok());
  std::vector<Sample> want = before.samples;
  want.push_back(next);
  const auto after = DecodeAll(chunk->Bytes());
  ASSERT_TRUE(after.err.ok()) << after.err;
  ASSERT_TRUE(SameBits(after.samples, want));
  ASSERT_TRUE(chunk->Validate().ok());
}

TEST(XorChunkCorruptTest, TruncatedAtEveryLength) {
  for (const RealChunk& c : RealChunks()) {
    SCOPED_TRACE(c.name);
    const size_t n = c.bytes.size();
    size_t last_count = 0;
    for (size_t len = 0; len < n; ++len) {
      SCOPED_TRACE(len);
      const std::string cut = c.bytes.substr(0, len);
      auto chunk = XorChunk::FromBytes(cut);
      if (len < kXorChunkHeaderSize) {
        EXPECT_EQ(chunk.status().code(), StatusCode::kCorruption);
        XorIterator it(cut);
        EXPECT_FALSE(it.Next());
        EXPECT_EQ(it.Err().code(), StatusCode::kCorruption);
        continue;
      }
      const Decoded d = DecodeAll(cut);
      CheckBounded(cut, d);
      // Cutting never changes the bits before the cut: what decodes is the exact prefix.
      ASSERT_TRUE(IsPrefix(d.samples, c.samples));
      ASSERT_GE(d.samples.size(), last_count);
      last_count = d.samples.size();
      if (len + 2 <= n) {
        // At least one byte with meaningful bits is gone (only one pad byte can follow them).
        ASSERT_LT(d.samples.size(), c.samples.size());
        ASSERT_EQ(d.err.code(), StatusCode::kCorruption);
        if (chunk.ok()) {
          EXPECT_EQ(chunk->Validate().code(), StatusCode::kCorruption);
          EXPECT_EQ(chunk->Appender().status().code(), StatusCode::kCorruption);
        }
      } else if (d.samples.size() == c.samples.size()) {
        // Dropping the last byte is harmless only when it was the encoder's zero pad byte.
        ASSERT_EQ(c.bytes.back(), '\0');
        ASSERT_TRUE(chunk.ok());
        CheckResume(cut, d);
      }
    }
  }
}

TEST(XorChunkCorruptTest, EveryByteFlipped) {
  size_t detected = 0, total = 0;
  for (const RealChunk& c : RealChunks()) {
    SCOPED_TRACE(c.name);
    for (size_t i = 0; i < c.bytes.size(); ++i) {
      SCOPED_TRACE(i);
      std::string bad = c.bytes;
      bad[i] = static_cast<char>(bad[i] ^ 0xff);
      const Decoded d = DecodeAll(bad);
      CheckBounded(bad, d);
      CheckResume(bad, d);
      auto chunk = XorChunk::FromBytes(bad);
      const bool flagged = !chunk.ok() || !chunk->Validate().ok();
      // A flip either is flagged or changes what decodes; it never passes silently unchanged.
      ASSERT_TRUE(flagged || !SameBits(d.samples, c.samples));
      detected += flagged;
      ++total;
    }
  }
  RecordProperty("flagged", std::to_string(detected) + "/" + std::to_string(total));
}

TEST(XorChunkCorruptTest, EveryBitFlipped) {
  for (const RealChunk& c : RealChunks()) {
    SCOPED_TRACE(c.name);
    for (size_t bit = 0; bit < c.bytes.size() * 8; ++bit) {
      SCOPED_TRACE(bit);
      std::string bad = c.bytes;
      bad[bit / 8] = static_cast<char>(bad[bit / 8] ^ (0x80 >> (bit % 8)));
      const Decoded d = DecodeAll(bad);
      CheckBounded(bad, d);
      CheckResume(bad, d);
      auto chunk = XorChunk::FromBytes(bad);
      const bool flagged = !chunk.ok() || !chunk->Validate().ok();
      ASSERT_TRUE(flagged || !SameBits(d.samples, c.samples));
    }
  }
}

TEST(XorChunkCorruptTest, InflatedCountIsBoundedAndDetected) {
  for (const RealChunk& c : RealChunks()) {
    SCOPED_TRACE(c.name);
    std::string bad = c.bytes;
    bad[0] = '\xff';
    bad[1] = '\xff';
    const Decoded d = DecodeAll(bad);
    CheckBounded(bad, d);
    // The real samples come first; the padding can only pass for a handful more.
    ASSERT_GE(d.samples.size(), c.samples.size());
    ASSERT_LE(d.samples.size(), c.samples.size() + 8);
    ASSERT_TRUE(IsPrefix(c.samples, d.samples));
    EXPECT_EQ(d.err.code(), StatusCode::kCorruption);
  }
}

TEST(XorChunkCorruptTest, ImpossibleWindowIsCorruption) {
  // Second value with a window header of 31 leading zeros and 0 (= 64) significant bits.
  std::string bytes("\x00\x02", 2);
  BitWriter w(&bytes);
  w.WriteByte(0x00);
  w.WriteBits(0, 64);
  w.WriteByte(0x01);
  w.WriteBits(0b11, 2);
  w.WriteBits(31, 5);
  w.WriteBits(0, 6);
  w.WriteBits(~uint64_t{0}, 64);
  const Decoded d = DecodeAll(bytes);
  EXPECT_EQ(d.samples.size(), 1u);
  EXPECT_EQ(d.err.code(), StatusCode::kCorruption);
  EXPECT_NE(d.err.message().find("window"), std::string::npos) << d.err;
}

TEST(XorChunkCorruptTest, OverlongVarintIsCorruption) {
  // Eleven continuation bytes for the first timestamp: not a varint.
  std::string bytes("\x00\x01", 2);
  bytes.append(11, '\xff');
  bytes.append(8, '\0');
  Decoded d = DecodeAll(bytes);
  EXPECT_TRUE(d.samples.empty());
  EXPECT_EQ(d.err.code(), StatusCode::kCorruption);
  // Ten bytes whose last carries more than the 64th bit: overflow.
  std::string overflow("\x00\x01", 2);
  overflow.append(9, '\xff');
  overflow.push_back('\x02');
  overflow.append(8, '\0');
  d = DecodeAll(overflow);
  EXPECT_TRUE(d.samples.empty());
  EXPECT_EQ(d.err.code(), StatusCode::kCorruption);
  // The largest valid one decodes.
  std::string max("\x00\x01", 2);
  max.append(9, '\xff');
  max.push_back('\x01');
  max.append(8, '\0');
  d = DecodeAll(max);
  ASSERT_EQ(d.samples.size(), 1u);
  EXPECT_EQ(d.samples[0].t, std::numeric_limits<int64_t>::min());
}

TEST(XorChunkCorruptTest, RandomGarbage) {
  std::mt19937_64 rng(12);
  for (int i = 0; i < 20'000; ++i) {
    std::string bytes(rng() % 80, '\0');
    for (char& ch : bytes) ch = static_cast<char>(rng());
    // Mostly small counts, so decoding gets past the header into the bit stream.
    if (bytes.size() >= 2 && rng() % 4 != 0) {
      bytes[0] = '\0';
      bytes[1] = static_cast<char>(rng() % 40);
    }
    const Decoded d = DecodeAll(bytes);
    CheckBounded(bytes, d);
    CheckResume(bytes, d);
    XorIterator it(bytes);
    it.Seek(static_cast<int64_t>(rng()));
    ASSERT_LE(it.NumRead(), HeaderCount(bytes));
  }
}

}  // namespace
}  // namespace loupe::storage::tsdb
