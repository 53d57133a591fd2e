#include "storage/logstore/line_filter.h"

#include <gtest/gtest.h>

#include <random>

#include "storage/logstore/chunk.h"

namespace loupe::storage::logstore {
namespace {

DecodedBlock Block(const std::vector<std::string>& lines) {
  HeadBlock h;
  for (size_t i = 0; i < lines.size(); ++i) h.Append(static_cast<int64_t>(i), lines[i], "");
  std::string raw;
  uint32_t n;
  h.EncodeRaw(true, INT64_MIN, INT64_MAX, &raw, &n);
  DecodedBlock b;
  EXPECT_TRUE(b.Parse(raw, true).ok());
  return b;
}

std::vector<uint32_t> Sel(const LineFilter& f, const DecodedBlock& b, size_t lo = 0,
                          size_t hi = SIZE_MAX) {
  std::vector<uint32_t> out;
  f.Select(b, lo, std::min(hi, b.size()), &out);
  return out;
}

TEST(LogstoreLineFilterTest, ContainsSelectsWholeLinesOnly) {
  // "ab" straddles lines 0/1 and 2/3 but lies inside no line there.
  const auto b = Block({"xa", "by", "needle here", "a", "b", "", "ab", "abab"});
  LineFilter f;
  f.Contains("ab");
  EXPECT_EQ(Sel(f, b), (std::vector<uint32_t>{6, 7}));
  EXPECT_EQ(Sel(f, b, 0, 6), (std::vector<uint32_t>{}));
  EXPECT_EQ(Sel(f, b, 7), (std::vector<uint32_t>{7}));
  LineFilter g;
  g.Contains("needle");
  EXPECT_EQ(Sel(g, b), (std::vector<uint32_t>{2}));
  LineFilter all;
  all.Contains("");
  EXPECT_EQ(Sel(all, b).size(), b.size()) << "an empty needle matches every line, empty lines too";
}

TEST(LogstoreLineFilterTest, StagesCombine) {
  const auto b = Block({"GET /a 200", "GET /b 500", "POST /a 500", "GET /a 500"});
  LineFilter f;
  f.Contains("GET").NotContains("/b").Where([](std::string_view l) { return l.ends_with("500"); });
  EXPECT_EQ(Sel(f, b), (std::vector<uint32_t>{3}));
  EXPECT_TRUE(f.Matches("GET /a 500"));
  EXPECT_FALSE(f.Matches("GET /b 500"));
  LineFilter n;
  n.NotContains("500");
  EXPECT_EQ(Sel(n, b), (std::vector<uint32_t>{0}));
  LineFilter empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(Sel(empty, b, 1, 3), (std::vector<uint32_t>{1, 2}));
}

// Select over a block must agree with Matches line by line, for random lines and needles.
TEST(LogstoreLineFilterTest, SelectAgreesWithMatches) {
  std::mt19937_64 rng(5);
  const std::string alphabet = "aab";
  for (int round = 0; round < 300; ++round) {
    std::vector<std::string> lines(1 + rng() % 30);
    for (auto& l : lines) {
      l.resize(rng() % 8);
      for (auto& c : l) c = alphabet[rng() % alphabet.size()];
    }
    std::string needle(1 + rng() % 3, 'a');
    for (auto& c : needle) c = alphabet[rng() % alphabet.size()];
    const auto b = Block(lines);
    LineFilter f;
    f.Contains(needle);
    if (round % 3 == 0) f.NotContains("bb");
    const size_t lo = rng() % (lines.size() + 1);
    const size_t hi = lo + rng() % (lines.size() + 1 - lo);
    std::vector<uint32_t> want;
    for (size_t i = lo; i < hi; ++i) {
      if (f.Matches(b.line(i))) want.push_back(static_cast<uint32_t>(i));
    }
    ASSERT_EQ(Sel(f, b, lo, hi), want) << "needle " << needle << " round " << round;
  }
}

}  // namespace
}  // namespace loupe::storage::logstore
