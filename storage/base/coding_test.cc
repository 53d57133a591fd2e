#include "storage/base/coding.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>

namespace loupe {
namespace {

TEST(CodingTest, VarintRoundTripAtBoundaries) {
  std::vector<uint64_t> values = {0, 1, 127, 128, 255, 16383, 16384, UINT32_MAX,
                                  uint64_t{1} << 63, UINT64_MAX};
  std::mt19937_64 rng(7);
  for (int i = 0; i < 1000; ++i) values.push_back(rng() >> (rng() % 64));
  std::string buf;
  for (auto v : values) PutVarint64(&buf, v);
  std::string_view in(buf);
  for (auto v : values) {
    uint64_t got;
    ASSERT_TRUE(GetVarint64(&in, &got));
    EXPECT_EQ(got, v);
  }
  EXPECT_TRUE(in.empty());
}

TEST(CodingTest, VarintLengthMatchesEncoding) {
  for (uint64_t v : {uint64_t{0}, uint64_t{127}, uint64_t{128}, UINT64_MAX}) {
    std::string buf;
    PutVarint64(&buf, v);
    EXPECT_EQ(static_cast<int>(buf.size()), VarintLength(v));
  }
}

TEST(CodingTest, TruncatedAndOverlongVarintsFail) {
  std::string buf;
  PutVarint64(&buf, UINT64_MAX);
  for (size_t n = 0; n < buf.size(); ++n) {
    std::string_view in(buf.data(), n);
    uint64_t v;
    EXPECT_FALSE(GetVarint64(&in, &v)) << n;
  }
  // 10th byte may only carry one bit.
  std::string overlong(9, '\xff');
  overlong.push_back('\x02');
  std::string_view in(overlong);
  uint64_t v;
  EXPECT_FALSE(GetVarint64(&in, &v));
  // Eleven continuation bytes never terminate within the limit.
  std::string endless(11, '\x80');
  std::string_view in2(endless);
  EXPECT_FALSE(GetVarint64(&in2, &v));
}

TEST(CodingTest, Varint32RejectsLargeValues) {
  std::string buf;
  PutVarint64(&buf, uint64_t{UINT32_MAX} + 1);
  std::string_view in(buf);
  uint32_t v;
  EXPECT_FALSE(GetVarint32(&in, &v));
}

TEST(CodingTest, ZigZag) {
  for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1}, std::numeric_limits<int64_t>::min(),
                    std::numeric_limits<int64_t>::max()}) {
    EXPECT_EQ(ZigZagDecode64(ZigZagEncode64(v)), v);
  }
  EXPECT_EQ(ZigZagEncode64(-1), 1u);
  EXPECT_EQ(ZigZagEncode64(1), 2u);
}

TEST(CodingTest, FixedAndBigEndian) {
  std::string buf;
  PutFixed32(&buf, 0x01020304);
  PutFixed64(&buf, 0x0102030405060708ull);
  EXPECT_EQ(buf.substr(0, 4), std::string("\x04\x03\x02\x01", 4));
  EXPECT_EQ(DecodeFixed64(buf.data() + 4), 0x0102030405060708ull);
  std::string be;
  PutBigEndian64(&be, 0x0102030405060708ull);
  EXPECT_EQ(be, std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  EXPECT_EQ(DecodeBigEndian64(be.data()), 0x0102030405060708ull);
}

TEST(CodingTest, OrderedInt64SortsNumerically) {
  std::vector<int64_t> values = {std::numeric_limits<int64_t>::min(), -1000, -1, 0, 1, 1000,
                                 std::numeric_limits<int64_t>::max()};
  std::string prev;
  for (auto v : values) {
    std::string k;
    PutOrderedInt64(&k, v);
    EXPECT_EQ(DecodeOrderedInt64(k.data()), v);
    if (!prev.empty()) {
      EXPECT_LT(prev, k);
    }
    prev = k;
  }
}

TEST(CodingTest, LengthPrefixedRejectsShortBody) {
  std::string buf;
  PutLengthPrefixed(&buf, "hello");
  std::string_view in(buf);
  std::string_view out;
  ASSERT_TRUE(GetLengthPrefixed(&in, &out));
  EXPECT_EQ(out, "hello");
  std::string_view cut(buf.data(), buf.size() - 1);
  EXPECT_FALSE(GetLengthPrefixed(&cut, &out));
}

}  // namespace
}  // namespace loupe
