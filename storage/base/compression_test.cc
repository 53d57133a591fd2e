#include "storage/base/compression.h"

#include <gtest/gtest.h>

#include <random>

namespace loupe {
namespace {

std::string SampleText(size_t n) {
  std::string s;
  std::mt19937 rng(1);
  const char* words[] = {"level=info ", "msg=\"request done\" ", "status=200 ", "dur=12ms\n"};
  while (s.size() < n) s += words[rng() % 4];
  s.resize(n);
  return s;
}

class CodecTest : public ::testing::TestWithParam<Codec> {};

TEST_P(CodecTest, RoundTrip) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{1000}, size_t{1} << 20}) {
    const std::string in = SampleText(n);
    std::string packed, unpacked;
    ASSERT_TRUE(Compress(GetParam(), in, &packed).ok());
    auto s = Decompress(GetParam(), packed, in.size(), &unpacked);
    ASSERT_TRUE(s.ok()) << s << " n=" << n;
    EXPECT_EQ(unpacked, in);
  }
}

TEST_P(CodecTest, CapIsEnforced) {
  const std::string in(1 << 20, 'a');
  std::string packed, out;
  ASSERT_TRUE(Compress(GetParam(), in, &packed).ok());
  EXPECT_TRUE(Decompress(GetParam(), packed, in.size(), &out).ok());
  auto s = Decompress(GetParam(), packed, in.size() - 1, &out);
  EXPECT_EQ(s.code(), StatusCode::kTooLarge) << s;
  // Never holds (much) more than the cap while failing.
  EXPECT_LE(out.capacity(), in.size() + 64);
}

// Codecs with framing that can be corrupted (identity has none).
class CorruptCodecTest : public ::testing::TestWithParam<Codec> {};

TEST_P(CorruptCodecTest, CorruptInputIsInvalidArgumentNotCrash) {
  const std::string in = SampleText(50000);
  std::string packed, out;
  ASSERT_TRUE(Compress(GetParam(), in, &packed).ok());
  int rejected = 0;
  // Flip each of several bytes; decoding must either fail cleanly or (for codecs without a
  // checksum) produce some output within the cap, never crash or exceed the cap.
  for (size_t pos = 0; pos < packed.size(); pos += packed.size() / 37 + 1) {
    std::string bad = packed;
    bad[pos] = static_cast<char>(bad[pos] ^ 0x5a);
    auto s = Decompress(GetParam(), bad, in.size(), &out);
    if (!s.ok()) {
      ++rejected;
      EXPECT_TRUE(s.code() == StatusCode::kInvalidArgument || s.code() == StatusCode::kTooLarge) << s;
    } else {
      EXPECT_LE(out.size(), in.size());
    }
  }
  EXPECT_GT(rejected, 0);
  // Truncation is always detected.
  auto s = Decompress(GetParam(), std::string_view(packed).substr(0, packed.size() / 2), in.size(), &out);
  EXPECT_FALSE(s.ok());
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, CodecTest,
                         ::testing::Values(Codec::kIdentity, Codec::kGzip, Codec::kDeflate,
                                           Codec::kSnappy, Codec::kZstd),
                         [](const auto& info) { return std::string(CodecName(info.param)); });

INSTANTIATE_TEST_SUITE_P(FramedCodecs, CorruptCodecTest,
                         ::testing::Values(Codec::kGzip, Codec::kDeflate, Codec::kSnappy,
                                           Codec::kZstd),
                         [](const auto& info) { return std::string(CodecName(info.param)); });

TEST(CompressionTest, GzipBombStopsAtCap) {
  // 64 MiB of zeros compress to ~64 KiB; a 1 MiB cap must stop it early.
  const std::string zeros(64 << 20, '\0');
  std::string packed, out;
  ASSERT_TRUE(Compress(Codec::kGzip, zeros, &packed, 9).ok());
  ASSERT_LT(packed.size(), size_t{1} << 20);
  auto s = Decompress(Codec::kGzip, packed, 1 << 20, &out);
  EXPECT_EQ(s.code(), StatusCode::kTooLarge);
  EXPECT_LE(out.capacity(), (size_t{1} << 20) + 64);
}

TEST(CompressionTest, SnappyDeclaredLengthCheckedBeforeAllocating) {
  // A varint preamble claiming 3 GiB followed by nothing.
  std::string bomb;
  uint64_t len = uint64_t{3} << 30;
  while (len >= 0x80) {
    bomb.push_back(static_cast<char>((len & 0x7f) | 0x80));
    len >>= 7;
  }
  bomb.push_back(static_cast<char>(len));
  std::string out;
  auto s = Decompress(Codec::kSnappy, bomb, 32 << 20, &out);
  EXPECT_EQ(s.code(), StatusCode::kTooLarge);
  EXPECT_EQ(out.capacity() < (size_t{1} << 20), true);
}

TEST(CompressionTest, GzipMultiMember) {
  std::string a, b, out;
  ASSERT_TRUE(Compress(Codec::kGzip, "hello ", &a).ok());
  ASSERT_TRUE(Compress(Codec::kGzip, "world", &b).ok());
  ASSERT_TRUE(Decompress(Codec::kGzip, a + b, 100, &out).ok());
  EXPECT_EQ(out, "hello world");
}

TEST(CompressionTest, RawDeflateAccepted) {
  // Some clients send raw deflate for "Content-Encoding: deflate".
  std::string zlib_stream, out;
  ASSERT_TRUE(Compress(Codec::kDeflate, "payload", &zlib_stream).ok());
  const std::string raw = zlib_stream.substr(2, zlib_stream.size() - 6);  // strip header/adler
  ASSERT_TRUE(Decompress(Codec::kDeflate, raw, 100, &out).ok());
  EXPECT_EQ(out, "payload");
}

TEST(CompressionTest, ParseContentEncoding) {
  EXPECT_EQ(*ParseContentEncoding(""), Codec::kIdentity);
  EXPECT_EQ(*ParseContentEncoding("GZIP"), Codec::kGzip);
  EXPECT_EQ(*ParseContentEncoding(" x-gzip "), Codec::kGzip);
  EXPECT_EQ(*ParseContentEncoding("snappy"), Codec::kSnappy);
  EXPECT_EQ(*ParseContentEncoding("zstd"), Codec::kZstd);
  EXPECT_EQ(ParseContentEncoding("br").status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(ParseContentEncoding("gzip, zstd").status().code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace loupe
