#include "storage/tsdb/chunkenc/xor_chunk.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "storage/model/sample.h"
#include "storage/tsdb/chunkenc/xor_chunk_test_util.h"

namespace loupe::storage::tsdb {
namespace {

using testing::DecodeAll;
using testing::Encode;
using testing::SameBits;
using testing::ScrapeCounter;

std::string Hex(std::string_view bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

double FromBits(uint64_t bits) { return std::bit_cast<double>(bits); }

// Asserts a full round trip: decode equals input bit for bit, the header counts the samples, and
// the chunk validates both as built and when read back from its bytes.
void ExpectRoundTrip(const std::vector<Sample>& samples) {
  XorChunk chunk = Encode(samples);
  ASSERT_EQ(chunk.NumSamples(), static_cast<int>(samples.size()));
  const auto decoded = DecodeAll(chunk.Bytes());
  ASSERT_TRUE(decoded.err.ok()) << decoded.err;
  ASSERT_TRUE(SameBits(decoded.samples, samples));
  ASSERT_TRUE(chunk.Validate().ok()) << chunk.Validate();
  auto reread = XorChunk::FromBytes(std::string(chunk.Bytes()));
  ASSERT_TRUE(reread.ok()) << reread.status();
  ASSERT_TRUE(reread->Validate().ok());
}

// --- Layout pinned byte for byte (see FORMAT.md) ----------------------------------------------

TEST(XorChunkTest, EmptyChunkIsTwoZeroBytes) {
  XorChunk chunk;
  EXPECT_EQ(chunk.Bytes(), std::string_view("\0\0", 2));
  EXPECT_EQ(chunk.NumSamples(), 0);
  XorIterator it = chunk.Iterator();
  EXPECT_FALSE(it.Next());
  EXPECT_FALSE(it.Seek(0));
  EXPECT_TRUE(it.Err().ok());
  EXPECT_TRUE(chunk.Validate().ok());
}

TEST(XorChunkTest, OneSampleLayout) {
  // count 1 | zigzag varint(0) | 64 bits of 1.0 | pad byte
  XorChunk chunk = Encode({{0, 1.0}});
  EXPECT_EQ(Hex(chunk.Bytes()),
            "0001"
            "00"
            "3ff0000000000000"
            "00");
}

TEST(XorChunkTest, ConstantRegularSeriesLayout) {
  // count 3 | varint zigzag(1000) = d0 0f | 1.0 | uvarint 1000 = e8 07 | then the bits
  // 0 (value unchanged), 0 (dod 0), 0 (value unchanged) in one byte, written into the pad byte.
  XorChunk chunk = Encode({{1000, 1.0}, {2000, 1.0}, {3000, 1.0}});
  EXPECT_EQ(Hex(chunk.Bytes()),
            "0003"
            "d00f"
            "3ff0000000000000"
            "e807"
            "00");
}

TEST(XorChunkTest, ValueWindowLayout) {
  // 1.0 ^ 2.0 = 0x7ff0000000000000: 1 leading zero, 52 trailing, 11 significant bits.
  // Bits: 1 1 | 00001 | 001011 | 11111111111 = 1100 0010 0101 1111 1111 1111.
  XorChunk chunk = Encode({{0, 1.0}, {1, 2.0}});
  EXPECT_EQ(Hex(chunk.Bytes()),
            "0002"
            "00"
            "3ff0000000000000"
            "01"
            "c25fff");
  // A third value whose meaningful bits fit the same window reuses it.
  // 2.0 ^ 0.5 = 0x4000000000000000 ^ 0x3fe0000000000000 = 0x7fe0000000000000: leading 1,
  // trailing 53 >= 52, so the window is reused: 0 (dod 0) | 10 | x >> 52 in 11 bits
  // (11111111110) = 0101 1111 1111 10(00).
  XorChunk reuse = Encode({{0, 1.0}, {1, 2.0}, {2, 0.5}});
  EXPECT_EQ(Hex(reuse.Bytes()),
            "0003"
            "00"
            "3ff0000000000000"
            "01"
            "c25fff"
            "5ff8");
}

// Pelkonen et al. use 7/9/12/32-bit buckets for seconds; Prometheus (and so we) use 14/17/20/64
// for milliseconds, each range being [-(2^(n-1) - 1), 2^(n-1)].
TEST(XorChunkTest, DeltaOfDeltaBuckets) {
  struct Case {
    int64_t dod;
    int prefix_ones;  // 0: "0", 1: "10" (14 bits), 2: "110" (17), 3: "1110" (20), 4: "1111" (64)
  };
  const Case cases[] = {
      {0, 0},
      {1, 1},
      {-1, 1},
      {8192, 1},
      {-8191, 1},
      {-8192, 2},
      {8193, 2},
      {65536, 2},
      {-65535, 2},
      {65537, 3},
      {-65536, 3},
      {524288, 3},
      {-524287, 3},
      {524289, 4},
      {-524288, 4},
      {int64_t{1} << 40, 4},
      {-(int64_t{1} << 40), 4},
  };
  for (const Case& c : cases) {
    const std::vector<Sample> samples = {
        {0, 5.0}, {1'000'000, 5.0}, {2'000'000 + c.dod, 5.0}, {3'000'000 + c.dod, 5.0}};
    XorChunk chunk = Encode(samples);
    // Skip header, first sample (1 varint byte + 8 value bytes), uvarint(1e6) (3 bytes) and the
    // second sample's 1 value bit: the third sample's prefix starts at bit 8 * 12 + 1.
    std::string_view stream = chunk.Bytes().substr(kXorChunkHeaderSize);
    BitReader r(stream.data(), stream.size());
    uint64_t skip;
    ASSERT_TRUE(r.ReadBits(64, &skip));
    ASSERT_TRUE(r.ReadBits(33, &skip));
    EXPECT_EQ(r.ReadUnaryPrefix(4), c.prefix_ones) << c.dod;
    const auto decoded = DecodeAll(chunk.Bytes());
    ASSERT_TRUE(decoded.err.ok());
    EXPECT_TRUE(SameBits(decoded.samples, samples)) << c.dod;
  }
}

// --- Compatibility with Prometheus ------------------------------------------------------------

struct GoldenSample {
  int64_t t;
  uint64_t bits;
};
struct GoldenChunk {
  const char* series;
  const char* hex;
  std::vector<GoldenSample> samples;
};
constexpr uint64_t kNaN = 0x7ff8000000000001ULL;  // Go's math.NaN(); see the .inc comment

const std::vector<GoldenChunk>& Golden() {
  static const auto* chunks = new std::vector<GoldenChunk>{
#include "storage/tsdb/chunkenc/testdata/prometheus_xor_chunks.inc"
  };
  return *chunks;
}

TEST(XorChunkTest, DecodesChunksWrittenByPrometheus) {
  ASSERT_EQ(Golden().size(), 4u);
  for (const GoldenChunk& g : Golden()) {
    SCOPED_TRACE(g.series);
    const std::string bytes = Unhex(g.hex);
    auto chunk = XorChunk::FromBytes(bytes);
    ASSERT_TRUE(chunk.ok()) << chunk.status();
    EXPECT_TRUE(chunk->Validate().ok()) << chunk->Validate();
    ASSERT_EQ(chunk->NumSamples(), static_cast<int>(g.samples.size()));
    const auto decoded = DecodeAll(bytes);
    ASSERT_TRUE(decoded.err.ok()) << decoded.err;
    ASSERT_EQ(decoded.samples.size(), g.samples.size());
    for (size_t i = 0; i < g.samples.size(); ++i) {
      EXPECT_EQ(decoded.samples[i].t, g.samples[i].t) << i;
      if (g.samples[i].bits == kNaN) {
        EXPECT_TRUE(std::isnan(decoded.samples[i].v)) << i;
      } else {
        EXPECT_EQ(std::bit_cast<uint64_t>(decoded.samples[i].v), g.samples[i].bits) << i;
      }
    }
  }
}

TEST(XorChunkTest, EncodesByteIdenticalToPrometheus) {
  for (const GoldenChunk& g : Golden()) {
    SCOPED_TRACE(g.series);
    const std::string bytes = Unhex(g.hex);
    const auto decoded = DecodeAll(bytes);
    ASSERT_TRUE(decoded.err.ok());
    EXPECT_EQ(Hex(Encode(decoded.samples).Bytes()), g.hex);
  }
}

TEST(XorChunkTest, ResumesChunksWrittenByPrometheus) {
  for (const GoldenChunk& g : Golden()) {
    SCOPED_TRACE(g.series);
    const std::string bytes = Unhex(g.hex);
    auto decoded = DecodeAll(bytes);
    auto chunk = XorChunk::FromBytes(bytes);
    ASSERT_TRUE(chunk.ok());
    auto app = chunk->Appender();
    ASSERT_TRUE(app.ok()) << app.status();
    const Sample next{decoded.samples.back().t + 15'000, 12345.678};
    ASSERT_TRUE(app->Append(next.t, next.v).ok());
    decoded.samples.push_back(next);
    EXPECT_TRUE(SameBits(DecodeAll(chunk->Bytes()).samples, decoded.samples));
    EXPECT_EQ(Hex(chunk->Bytes()), Hex(Encode(decoded.samples).Bytes()));
  }
}

// Prometheus's own appender, resumed on a chunk whose values never changed (e.g. one sample),
// starts with a zero-width window and writes the next changed value as "10" + 64 bits instead of
// a window header. Our encoder never does, but must decode it.
TEST(XorChunkTest, DecodesFullWidthXorWithoutWindowHeader) {
  std::string bytes("\x00\x02", 2);
  BitWriter w(&bytes);
  w.WriteByte(0x00);  // zigzag varint(0)
  w.WriteBits(std::bit_cast<uint64_t>(1.5), 64);
  w.WriteByte(0x0a);  // uvarint(10)
  w.WriteBits(0b10, 2);
  w.WriteBits(std::bit_cast<uint64_t>(1.5) ^ std::bit_cast<uint64_t>(-7.25), 64);
  const auto decoded = DecodeAll(bytes);
  ASSERT_TRUE(decoded.err.ok()) << decoded.err;
  EXPECT_TRUE(SameBits(decoded.samples, {{0, 1.5}, {10, -7.25}}));
  // Appending after it still works and stays decodable.
  auto chunk = XorChunk::FromBytes(bytes);
  ASSERT_TRUE(chunk.ok());
  ASSERT_TRUE(chunk->Validate().ok()) << chunk->Validate();
  auto app = chunk->Appender();
  ASSERT_TRUE(app.ok()) << app.status();
  ASSERT_TRUE(app->Append(20, 3.0).ok());
  EXPECT_TRUE(SameBits(DecodeAll(chunk->Bytes()).samples, {{0, 1.5}, {10, -7.25}, {20, 3.0}}));
}

// --- Round trips ------------------------------------------------------------------------------

TEST(XorChunkTest, RoundTripsScrapeCounters) {
  std::mt19937_64 rng(1);
  for (int n = 1; n <= 120; ++n) {
    for (int64_t interval : {1'000, 15'000, 60'000}) {
      const auto samples = ScrapeCounter(rng, n, 1'700'000'000'000 + n, interval, 50, 20);
      ExpectRoundTrip(samples);
    }
  }
}

TEST(XorChunkTest, RoundTripsConstantsAndGauges) {
  std::mt19937_64 rng(2);
  std::uniform_real_distribution<double> step(-1.0, 1.0);
  for (int n = 1; n <= 120; ++n) {
    std::vector<Sample> constant, gauge, integers;
    double g = 100.0;
    for (int i = 0; i < n; ++i) {
      const int64_t t = 1'000'000 + int64_t{i} * 10'000;
      constant.push_back({t, 42.5});
      g += step(rng);
      gauge.push_back({t, g});
      integers.push_back({t, static_cast<double>(static_cast<int>(rng() % 7) - 3)});
    }
    ExpectRoundTrip(constant);
    ExpectRoundTrip(gauge);
    ExpectRoundTrip(integers);
  }
}

TEST(XorChunkTest, RoundTripsRandomBitsAndIrregularIntervals) {
  std::mt19937_64 rng(3);
  for (int round = 0; round < 400; ++round) {
    const int n = 1 + static_cast<int>(rng() % 120);
    std::vector<Sample> samples;
    int64_t t = static_cast<int64_t>(rng() % 4'000'000'000'000ULL) - 2'000'000'000'000LL;
    for (int i = 0; i < n; ++i) {
      samples.push_back({t, FromBits(rng())});  // any bit pattern, NaNs included
      switch (rng() % 5) {
        case 0:
          t += 1;
          break;
        case 1:
          t += 15'000 + static_cast<int64_t>(rng() % 2000) - 1000;
          break;
        case 2:
          t += static_cast<int64_t>(rng() % 10'000'000);
          break;
        case 3:
          t += static_cast<int64_t>(rng() % (int64_t{1} << 40));
          break;
        default:
          t += 0;
          break;  // equal timestamps: not stored by the head, still encodable
      }
    }
    ExpectRoundTrip(samples);
  }
}

TEST(XorChunkTest, RoundTripsSpecialValues) {
  const double specials[] = {
      model::StaleNaN(),
      std::numeric_limits<double>::quiet_NaN(),
      FromBits(0x7ff8'dead'beef'0001ULL),  // NaN with a payload
      FromBits(0xfff8'0000'0000'0000ULL),  // negative NaN
      FromBits(0x7ff0'0000'0000'0001ULL),  // signalling NaN
      std::numeric_limits<double>::infinity(),
      -std::numeric_limits<double>::infinity(),
      -0.0,
      0.0,
      std::numeric_limits<double>::denorm_min(),
      -std::numeric_limits<double>::denorm_min(),
      std::numeric_limits<double>::max(),
      std::numeric_limits<double>::lowest(),
      std::numeric_limits<double>::epsilon(),
      1.0,
  };
  // Every ordered pair, so each value follows each other value (window changes in all directions).
  std::vector<Sample> samples;
  int64_t t = 0;
  for (double a : specials) {
    for (double b : specials) {
      samples.push_back({t += 15'000, a});
      samples.push_back({t += 15'000, b});
    }
  }
  ASSERT_LE(samples.size(), static_cast<size_t>(kXorChunkMaxSamples));
  ExpectRoundTrip(samples);
  // The stale marker keeps its exact bits (PromQL tells it from other NaNs by them).
  const auto decoded = DecodeAll(Encode({{1, 3.0}, {2, model::StaleNaN()}}).Bytes());
  ASSERT_EQ(decoded.samples.size(), 2u);
  EXPECT_TRUE(model::IsStaleNaN(decoded.samples[1].v));
}

TEST(XorChunkTest, RoundTripsExtremeAndUnorderedTimestamps) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const std::vector<std::vector<int64_t>> series = {
      {kMin},
      {kMax},
      {kMin, kMax},
      {kMax, kMin, kMax, kMin, 0, -1, 1},
      {-5, -4, -3, -2},
      {0, 0, 0, 0},
      {1000, 900, 800, 5000, 4999},
      {kMax - 2, kMax - 1, kMax},
      {kMin, kMin + 1, kMin + 3, kMin + 7},
      {0, int64_t{1} << 62, 0, -(int64_t{1} << 62)},
  };
  for (const auto& ts : series) {
    std::vector<Sample> samples;
    for (size_t i = 0; i < ts.size(); ++i) samples.push_back({ts[i], static_cast<double>(i)});
    ExpectRoundTrip(samples);
  }
}

// --- Resume after reload ----------------------------------------------------------------------

TEST(XorChunkTest, ResumeAfterReloadIsByteIdentical) {
  std::mt19937_64 rng(4);
  std::vector<std::vector<Sample>> series;
  for (int i = 0; i < 8; ++i) series.push_back(ScrapeCounter(rng, 120, 1'000 * i, 15'000, 30, 5));
  std::vector<Sample> constant;
  for (int i = 0; i < 60; ++i) constant.push_back({int64_t{i} * 1000, 7.0});
  series.push_back(constant);
  std::vector<Sample> wild;
  for (int i = 0; i < 60; ++i) wild.push_back({static_cast<int64_t>(rng()), FromBits(rng())});
  series.push_back(wild);
  std::vector<Sample> specials = {
      {0, model::StaleNaN()}, {1, model::StaleNaN()}, {2, -0.0}, {3, 0.0}, {4, HUGE_VAL}, {5, 1.0}};
  series.push_back(specials);

  for (const auto& samples : series) {
    const std::string want(Encode(samples).Bytes());
    for (size_t split = 0; split <= samples.size(); ++split) {
      XorChunk first;
      {
        XorAppender app = first.Appender().value();
        for (size_t i = 0; i < split; ++i) ASSERT_TRUE(app.Append(samples[i].t, samples[i].v).ok());
      }
      auto reloaded = XorChunk::FromBytes(std::string(first.Bytes()));
      ASSERT_TRUE(reloaded.ok()) << reloaded.status();
      auto app = reloaded->Appender();
      ASSERT_TRUE(app.ok()) << app.status();
      EXPECT_EQ(app->NumSamples(), static_cast<int>(split));
      for (size_t i = split; i < samples.size(); ++i) {
        ASSERT_TRUE(app->Append(samples[i].t, samples[i].v).ok());
      }
      ASSERT_EQ(Hex(reloaded->Bytes()), Hex(want)) << "split at " << split;
    }
  }
}

TEST(XorChunkTest, ResumeAfterEverySample) {
  std::mt19937_64 rng(5);
  const auto samples = ScrapeCounter(rng, 120, 0, 15'000, 100, 3);
  XorChunk chunk;
  for (const Sample& s : samples) {
    auto reloaded = XorChunk::FromBytes(std::string(chunk.Bytes()));
    ASSERT_TRUE(reloaded.ok());
    chunk = std::move(reloaded).value();
    auto app = chunk.Appender();
    ASSERT_TRUE(app.ok()) << app.status();
    ASSERT_TRUE(app->Append(s.t, s.v).ok());
  }
  EXPECT_EQ(Hex(chunk.Bytes()), Hex(Encode(samples).Bytes()));
}

TEST(XorChunkTest, CompactKeepsBytesAndAppender) {
  XorChunk chunk;
  XorAppender app = chunk.Appender().value();
  ASSERT_TRUE(app.Append(1000, 1.0).ok());
  ASSERT_TRUE(app.Append(2000, 2.0).ok());
  const std::string before(chunk.Bytes());
  chunk.Compact();
  EXPECT_EQ(chunk.Bytes(), before);
  ASSERT_TRUE(app.Append(3000, 4.0).ok());  // the appender refers to the chunk, not its buffer
  EXPECT_TRUE(SameBits(DecodeAll(chunk.Bytes()).samples, {{1000, 1.0}, {2000, 2.0}, {3000, 4.0}}));
}

TEST(XorChunkTest, ResumeRefusesTrailingGarbage) {
  // The last sample (dod 0, value unchanged) leaves the last byte with 6 padding bits.
  XorChunk good = Encode({{0, 1.0}, {15'000, 2.0}, {30'000, 3.5}, {45'000, 3.5}});
  ASSERT_TRUE(good.Validate().ok());
  ASSERT_EQ(good.Bytes().back() & 0x3f, 0);
  // An extra byte after an unaligned end, and a non-zero padding bit.
  std::string extra(good.Bytes());
  extra.push_back('\0');
  std::string dirty(good.Bytes());
  dirty.back() = static_cast<char>(dirty.back() | 1);
  for (const std::string& bad : {extra, dirty}) {
    auto chunk = XorChunk::FromBytes(bad);
    ASSERT_TRUE(chunk.ok());
    EXPECT_EQ(chunk->Validate().code(), StatusCode::kCorruption);
    EXPECT_EQ(chunk->Appender().status().code(), StatusCode::kCorruption);
  }
  // An aligned end may carry exactly one zero pad byte, not two.
  XorChunk aligned = Encode({{0, 1.0}});
  ASSERT_EQ(aligned.Bytes().size(), 12u);  // ends with the pad byte
  std::string two_pads(aligned.Bytes());
  two_pads.push_back('\0');
  EXPECT_EQ(XorChunk::FromBytes(two_pads)->Validate().code(), StatusCode::kCorruption);
  std::string no_pad(aligned.Bytes().substr(0, 11));
  auto no_pad_chunk = XorChunk::FromBytes(no_pad);
  ASSERT_TRUE(no_pad_chunk.ok());
  EXPECT_TRUE(no_pad_chunk->Validate().ok());
  auto app = no_pad_chunk->Appender();
  ASSERT_TRUE(app.ok());
  ASSERT_TRUE(app->Append(5, 1.0).ok());
  EXPECT_TRUE(SameBits(DecodeAll(no_pad_chunk->Bytes()).samples, {{0, 1.0}, {5, 1.0}}));
}

// --- Header validation and limits -------------------------------------------------------------

TEST(XorChunkTest, FromBytesChecksHeader) {
  EXPECT_EQ(XorChunk::FromBytes("").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(XorChunk::FromBytes(std::string("\x00", 1)).status().code(), StatusCode::kCorruption);
  EXPECT_TRUE(XorChunk::FromBytes(std::string("\x00\x00", 2)).ok());
  EXPECT_EQ(XorChunk::FromBytes(std::string("\x00\x00\x00", 3)).status().code(),
            StatusCode::kCorruption);
  // Count 1 needs at least 9 data bytes.
  EXPECT_EQ(XorChunk::FromBytes(std::string("\x00\x01\x00\x3f\xf0\x00\x00\x00\x00\x00", 10))
                .status()
                .code(),
            StatusCode::kCorruption);
  auto one = XorChunk::FromBytes(std::string("\x00\x01\x00\x3f\xf0\x00\x00\x00\x00\x00\x00", 11));
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->NumSamples(), 1);
  EXPECT_TRUE(SameBits(DecodeAll(one->Bytes()).samples, {{0, 1.0}}));
}

TEST(XorChunkTest, IteratorReportsShortHeader) {
  XorIterator it(std::string_view("\x01", 1));
  EXPECT_FALSE(it.Next());
  EXPECT_EQ(it.Err().code(), StatusCode::kCorruption);
  XorIterator none;
  EXPECT_FALSE(none.Next());
  EXPECT_TRUE(none.Err().ok());
}

TEST(XorChunkTest, AppendStopsAtCountLimit) {
  XorChunk chunk;
  XorAppender app = chunk.Appender().value();
  for (int i = 0; i < kXorChunkMaxSamples; ++i) ASSERT_TRUE(app.Append(i, i % 3).ok());
  const std::string before(chunk.Bytes());
  const Status s = app.Append(kXorChunkMaxSamples, 0);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(chunk.Bytes(), before);
  EXPECT_EQ(chunk.NumSamples(), kXorChunkMaxSamples);
  const auto decoded = DecodeAll(chunk.Bytes());
  ASSERT_TRUE(decoded.err.ok());
  ASSERT_EQ(decoded.samples.size(), static_cast<size_t>(kXorChunkMaxSamples));
  EXPECT_EQ(decoded.samples.back().t, kXorChunkMaxSamples - 1);
  EXPECT_TRUE(chunk.Validate().ok());
}

// --- Seek -------------------------------------------------------------------------------------

TEST(XorChunkTest, SeekSemantics) {
  // Samples at 1000, 2000, ..., 10000.
  std::vector<Sample> samples;
  for (int i = 1; i <= 10; ++i) samples.push_back({int64_t{i} * 1000, i * 1.5});
  XorChunk chunk = Encode(samples);

  XorIterator it = chunk.Iterator();
  ASSERT_TRUE(it.Seek(-100));  // before the first: lands on the first
  EXPECT_EQ(it.AtT(), 1000);
  EXPECT_EQ(it.At().v, 1.5);
  ASSERT_TRUE(it.Seek(1000));  // already there: stays
  EXPECT_EQ(it.AtT(), 1000);
  ASSERT_TRUE(it.Seek(3500));  // between: the next one at or after
  EXPECT_EQ(it.AtT(), 4000);
  ASSERT_TRUE(it.Seek(5000));  // exact
  EXPECT_EQ(it.AtT(), 5000);
  ASSERT_TRUE(it.Seek(2000));  // never moves backwards
  EXPECT_EQ(it.AtT(), 5000);
  ASSERT_TRUE(it.Next());  // Next continues after a Seek
  EXPECT_EQ(it.AtT(), 6000);
  ASSERT_TRUE(it.Seek(10000));
  EXPECT_EQ(it.AtT(), 10000);
  EXPECT_FALSE(it.Next());
  // Exhausted: as in Prometheus, a Seek the current (last) sample satisfies still succeeds.
  EXPECT_TRUE(it.Seek(9000));
  EXPECT_EQ(it.AtT(), 10000);
  EXPECT_FALSE(it.Seek(10001));
  EXPECT_TRUE(it.Err().ok());

  XorIterator past = chunk.Iterator();
  EXPECT_FALSE(past.Seek(10001));
  EXPECT_TRUE(past.Err().ok());
  EXPECT_EQ(past.NumRead(), 10);

  // Every target against a linear scan.
  for (int64_t target = 0; target <= 11000; target += 250) {
    XorIterator s = chunk.Iterator();
    const bool found = s.Seek(target);
    const auto want = std::find_if(samples.begin(), samples.end(),
                                   [&](const Sample& x) { return x.t >= target; });
    ASSERT_EQ(found, want != samples.end()) << target;
    if (found) {
      EXPECT_EQ(s.AtT(), want->t) << target;
    }
  }
}

TEST(XorChunkTest, SeekStopsOnCorruption) {
  XorChunk chunk = Encode({{1000, 1.0}, {2000, 2.0}, {3000, 3.0}});
  std::string truncated(chunk.Bytes());
  truncated.resize(truncated.size() - 1);
  XorIterator it(truncated);
  EXPECT_FALSE(it.Seek(3000));
  EXPECT_EQ(it.Err().code(), StatusCode::kCorruption);
  EXPECT_FALSE(it.Seek(0));  // sticky
  EXPECT_FALSE(it.Next());
}

TEST(XorChunkTest, IteratorsAreIndependent) {
  XorChunk chunk = Encode({{1, 1.0}, {2, 2.0}, {3, 3.0}});
  XorIterator a = chunk.Iterator();
  XorIterator b = chunk.Iterator();
  ASSERT_TRUE(a.Next());
  ASSERT_TRUE(a.Next());
  ASSERT_TRUE(b.Next());
  EXPECT_EQ(a.AtT(), 2);
  EXPECT_EQ(b.AtT(), 1);
  XorIterator c = a;  // copies carry the position
  ASSERT_TRUE(c.Next());
  EXPECT_EQ(c.AtT(), 3);
  EXPECT_EQ(a.AtT(), 2);
}

// --- Size ------------------------------------------------------------------------------------
// Exact sizes for the two extremes of a scrape series; the benchmark reports realistic mixes.

TEST(XorChunkTest, RegularConstantSeriesCostsTwoBitsPerSample) {
  // 2 header + 1 varint(0) + 8 value + 2 uvarint(15000) bytes, then 1 value bit for the second
  // sample and 2 bits (dod 0, value unchanged) for each of the other 118: 237 bits = 30 bytes.
  std::vector<Sample> samples;
  for (int i = 0; i < 120; ++i) samples.push_back({int64_t{i} * 15'000, 42.0});
  EXPECT_EQ(Encode(samples).Bytes().size(), 2u + 1 + 8 + 2 + 30);
}

TEST(XorChunkTest, JitteredTimestampsCostSeventeenBitsPerSample) {
  // Alternating +-3 ms around 15 s makes every delta-of-delta non-zero and within the 14-bit
  // bucket: 2 + 14 bits each, plus the unchanged-value bit.
  std::vector<Sample> samples;
  for (int i = 0; i < 120; ++i) samples.push_back({int64_t{i} * 15'000 + (i % 2 ? 3 : -3), 42.0});
  samples[0].t = 0;  // varint(0): one byte, as above
  const size_t bits = 1 + 118 * 17;
  EXPECT_EQ(Encode(samples).Bytes().size(), 2u + 1 + 8 + 2 + (bits + 7) / 8);
}


TEST(XorChunkTest, BulkDecodeSelectsTheRange) {
  std::vector<Sample> in;
  for (int i = 0; i < 120; ++i) in.push_back({1000 + i * 15000 + (i % 3) * 7, i * 1.5});
  const XorChunk chunk = Encode(in);
  const int64_t bounds[] = {INT64_MIN, 0, 1000, 1001, 16007, 300000, 1000 + 119 * 15000, INT64_MAX};
  for (int64_t mint : bounds) {
    for (int64_t maxt : bounds) {
      std::vector<Sample> want;
      for (const Sample& s : in) {
        if (s.t >= mint && s.t <= maxt) want.push_back(s);
      }
      std::vector<Sample> got = {{-1, -1}};  // appends after what is there
      ASSERT_TRUE(DecodeXorSamples(chunk.Bytes(), mint, maxt, &got).ok());
      ASSERT_EQ(got.size(), want.size() + 1) << mint << " " << maxt;
      for (size_t k = 0; k < want.size(); ++k) {
        EXPECT_EQ(got[k + 1].t, want[k].t);
        EXPECT_EQ(got[k + 1].v, want[k].v);
      }
    }
  }
}
}  // namespace
}  // namespace loupe::storage::tsdb
