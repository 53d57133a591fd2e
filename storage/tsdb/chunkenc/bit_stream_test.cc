#include "storage/tsdb/chunkenc/bit_stream.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

namespace loupe::storage::tsdb {
namespace {

TEST(BitStreamTest, WritesMostSignificantBitFirst) {
  std::string out;
  BitWriter w(&out);
  w.WriteBit(true);
  w.WriteBits(0b010, 3);
  w.WriteBits(0xF, 4);  // completes the first byte: 1010 1111
  w.WriteBits(0b1, 1);  // 1000 0000 in the second
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(out[0]), 0xAF);
  EXPECT_EQ(static_cast<unsigned char>(out[1]), 0x80);
  EXPECT_EQ(w.free_bits(), 7);
}

TEST(BitStreamTest, IgnoresBitsAboveWidth) {
  std::string out;
  BitWriter w(&out);
  w.WriteBits(0xFFFF'FFFF'FFFF'FF05, 4);  // only 0101
  w.WriteBits(0, 4);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(static_cast<unsigned char>(out[0]), 0x50);
}

// Prometheus's bstream leaves a zero byte after a whole-byte write that ends on a byte boundary;
// the chunk bytes only match if we do the same.
TEST(BitStreamTest, PadByteAfterAlignedWholeByteWrite) {
  std::string out;
  BitWriter w(&out);
  w.WriteByte(0xAB);
  EXPECT_EQ(out, std::string("\xAB\x00", 2));
  EXPECT_EQ(w.free_bits(), 8);
  w.WriteBits(0x1234, 16);  // fills the pad byte, leaves a new one
  EXPECT_EQ(out, std::string("\xAB\x12\x34\x00", 4));
  w.WriteBits(0b101, 3);  // a bit-granular write uses the pad byte, adds none
  EXPECT_EQ(out, std::string("\xAB\x12\x34\xA0", 4));
  EXPECT_EQ(w.free_bits(), 5);
  w.WriteBits(0b10101, 5);  // ends aligned, but not a whole-byte write: no pad
  EXPECT_EQ(out, std::string("\xAB\x12\x34\xB5", 4));
  EXPECT_EQ(w.free_bits(), 0);
  w.WriteBits(0b1, 1);
  w.WriteBits(0xFF, 8);  // unaligned whole-byte write: no pad
  EXPECT_EQ(out, std::string("\xAB\x12\x34\xB5\xFF\x80", 6));
  EXPECT_EQ(w.free_bits(), 7);
  w.WriteBits(0, 0);  // no-op
  EXPECT_EQ(out.size(), 6u);
}

TEST(BitStreamTest, ResumesIntoPartialByte) {
  std::string out("\xC0", 1);  // 11 written, 6 bits free
  BitWriter w(&out, 6);
  w.WriteBits(0b111111, 6);
  EXPECT_EQ(out, "\xFF");
  EXPECT_EQ(w.free_bits(), 0);
}

TEST(BitStreamTest, RandomRoundTrip) {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::pair<uint64_t, int>> writes;
    std::string out;
    BitWriter w(&out);
    uint64_t total = 0;
    for (int i = 0; i < 500; ++i) {
      const int n = 1 + static_cast<int>(rng() % 64);
      const uint64_t v = rng() & (n == 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1);
      writes.emplace_back(v, n);
      w.WriteBits(v, n);
      total += static_cast<uint64_t>(n);
    }
    ASSERT_GE(out.size() * 8, total);
    ASSERT_LE(out.size() * 8, total + 15);
    BitReader r(out.data(), out.size(), total);
    for (const auto& [v, n] : writes) {
      uint64_t got;
      ASSERT_TRUE(r.ReadBits(n, &got));
      ASSERT_EQ(got, v) << n;
    }
    uint64_t dummy;
    EXPECT_FALSE(r.ReadBits(1, &dummy));
    bool bit;
    EXPECT_FALSE(r.ReadBit(&bit));
  }
}

TEST(BitStreamTest, ReaderNeverReadsPastEnd) {
  const std::string data("\xFF\x00\xFF", 3);
  BitReader r(data.data(), data.size());
  uint64_t v;
  EXPECT_FALSE(r.ReadBits(25, &v));
  EXPECT_EQ(r.position(), 0u);  // nothing consumed on failure
  ASSERT_TRUE(r.ReadBits(20, &v));
  EXPECT_EQ(v, 0xFF00Fu);
  EXPECT_EQ(r.bits_left(), 4u);
  EXPECT_FALSE(r.ReadBits(5, &v));
  ASSERT_TRUE(r.ReadBits(4, &v));
  EXPECT_EQ(v, 0xFu);
  EXPECT_EQ(r.bits_left(), 0u);
}

TEST(BitStreamTest, ReadsAtEveryOffsetNearEnd) {
  // Exercises both the 9-byte fast path and the tail path of the 64-bit peek.
  std::mt19937_64 rng(7);
  std::string data;
  for (int i = 0; i < 24; ++i) data.push_back(static_cast<char>(rng()));
  const auto bit_at = [&](uint64_t i) {
    return (static_cast<unsigned char>(data[i / 8]) >> (7 - i % 8)) & 1;
  };
  for (uint64_t start = 0; start < data.size() * 8; ++start) {
    for (int n = 1; n <= 64 && start + n <= data.size() * 8; ++n) {
      BitReader r(data.data(), data.size());
      uint64_t skip;
      for (uint64_t s = start; s > 0;) {
        const int k = s > 64 ? 64 : static_cast<int>(s);
        ASSERT_TRUE(r.ReadBits(k, &skip));
        s -= static_cast<uint64_t>(k);
      }
      uint64_t got;
      ASSERT_TRUE(r.ReadBits(n, &got));
      uint64_t want = 0;
      for (int b = 0; b < n; ++b) want = (want << 1) | bit_at(start + static_cast<uint64_t>(b));
      ASSERT_EQ(got, want) << "start " << start << " n " << n;
    }
  }
}

TEST(BitStreamTest, UnaryPrefix) {
  // 0 | 10 | 110 | 1110 | 1111 | 1111 (then the stream ends after 3 more ones)
  std::string out;
  BitWriter w(&out);
  w.WriteBits(0b0'10'110'1110'1111'1111'111, 21);
  BitReader r(out.data(), out.size(), 21);
  EXPECT_EQ(r.ReadUnaryPrefix(4), 0);
  EXPECT_EQ(r.ReadUnaryPrefix(4), 1);
  EXPECT_EQ(r.ReadUnaryPrefix(4), 2);
  EXPECT_EQ(r.ReadUnaryPrefix(4), 3);
  EXPECT_EQ(r.ReadUnaryPrefix(4), 4);
  EXPECT_EQ(r.ReadUnaryPrefix(4), 4);
  EXPECT_EQ(r.position(), 18u);
  EXPECT_EQ(r.ReadUnaryPrefix(4), -1);  // 111 then end: neither a zero nor four ones
  EXPECT_EQ(r.position(), 18u);
}

}  // namespace
}  // namespace loupe::storage::tsdb
