// Field detection (detected_fields) and pattern detection (Drain) used by the Loki API.
#include <gtest/gtest.h>

#include "query/logql/eval/detected_fields.h"
#include "query/logql/eval/drain.h"

namespace loupe::query::logql {
namespace {

using storage::model::Label;
constexpr int64_t kSec = 1000000000;

TEST(DetectedFields, TypesFollowLokisOrder) {
  EXPECT_EQ(DetermineFieldType("42"), FieldType::kInt);
  EXPECT_EQ(DetermineFieldType("-7"), FieldType::kInt);
  EXPECT_EQ(DetermineFieldType("1"), FieldType::kInt);  // before boolean
  EXPECT_EQ(DetermineFieldType("4.5"), FieldType::kFloat);
  EXPECT_EQ(DetermineFieldType("1e3"), FieldType::kFloat);
  EXPECT_EQ(DetermineFieldType("NaN"), FieldType::kFloat);
  EXPECT_EQ(DetermineFieldType("true"), FieldType::kBoolean);
  EXPECT_EQ(DetermineFieldType("F"), FieldType::kBoolean);
  EXPECT_EQ(DetermineFieldType("250ms"), FieldType::kDuration);
  EXPECT_EQ(DetermineFieldType("1h30m"), FieldType::kDuration);
  EXPECT_EQ(DetermineFieldType("1.5s"), FieldType::kDuration);
  EXPECT_EQ(DetermineFieldType("10MB"), FieldType::kBytes);
  EXPECT_EQ(DetermineFieldType("3 KiB"), FieldType::kBytes);
  EXPECT_EQ(DetermineFieldType("hello"), FieldType::kString);
  EXPECT_EQ(DetermineFieldType(""), FieldType::kString);
  EXPECT_EQ(DetermineFieldType("1d"), FieldType::kString);  // Go durations have no days
  EXPECT_EQ(DetermineFieldType("12abc"), FieldType::kString);
  EXPECT_EQ(FieldTypeName(FieldType::kBoolean), "boolean");
}

TEST(DetectedFields, HumanBytesRoundTripAsGoHumanize) {
  uint64_t b = 0;
  ASSERT_TRUE(ParseHumanBytes("1.5 GB", &b));
  EXPECT_EQ(b, 1500000000u);
  ASSERT_TRUE(ParseHumanBytes("2KiB", &b));
  EXPECT_EQ(b, 2048u);
  EXPECT_FALSE(ParseHumanBytes("12 apples", &b));
  EXPECT_EQ(FormatHumanBytes(5), "5 B");
  EXPECT_EQ(FormatHumanBytes(1500), "1.5 kB");
  EXPECT_EQ(FormatHumanBytes(82854982), "83 MB");
}

TEST(DetectedFields, JsonThenLogfmtThenMetadata) {
  FieldDetector d(1000);
  const std::vector<Label> stream = {{"app", "web"}};
  d.Add(stream, R"({"status":200,"latency":"15ms","user":{"id":"u1"},"app":"x"})",
        {{"trace_id", "abc"}}, {});
  d.Add(stream, "level=info bytes=10KB msg=\"done\"", {{"trace_id", "def"}}, {});
  d.Add(stream, "plain text line", {}, {});
  const auto fields = d.Fields();
  std::vector<std::string> names;
  for (const auto& f : fields) names.push_back(f.label);
  EXPECT_EQ(names, (std::vector<std::string>{"app_extracted", "bytes", "latency", "level", "msg",
                                             "status", "trace_id", "user_id"}));
  auto find = [&](std::string_view n) {
    return *std::find_if(fields.begin(), fields.end(), [&](const auto& f) { return f.label == n; });
  };
  EXPECT_EQ(find("status").type, FieldType::kInt);
  EXPECT_EQ(find("status").parsers, std::vector<std::string>{"json"});
  EXPECT_EQ(find("latency").type, FieldType::kDuration);
  EXPECT_EQ(find("bytes").type, FieldType::kBytes);
  EXPECT_EQ(find("bytes").parsers, std::vector<std::string>{"logfmt"});
  EXPECT_TRUE(find("trace_id").parsers.empty());
  EXPECT_EQ(find("trace_id").cardinality, 2u);
}

TEST(DetectedFields, LimitCapsTheFieldCount) {
  FieldDetector d(2);
  d.Add({}, "a=1 b=2 c=3", {}, {});
  EXPECT_EQ(d.Fields().size(), 2u);
}

TEST(DetectedFields, ValuesOfOneFieldNormaliseByteSizes) {
  FieldValueCollector c("size", 10);
  c.Add({}, "size=1500b", {}, {});
  c.Add({}, "size=42", {}, {});
  c.Add({}, R"({"size":"2KB"})", {}, {});
  EXPECT_EQ(c.Values(), (std::vector<std::string>{"1.5kB", "2.0kB", "42"}));
}

TEST(Drain, TokenizerSplitsPunctuationAndKeepsSpacing) {
  auto t = Drain::Tokenize("GET /api/v1 status=200, took 5ms");
  EXPECT_EQ(t.tokens,
            (std::vector<std::string>{"GET", "/api/v1", "status", "=", "200", ",", "took", "5ms"}));
}

TEST(Drain, ClustersSimilarLinesIntoOnePattern) {
  DrainOptions o;
  o.step_ns = 10 * kSec;
  Drain d(o);
  d.Train("user 1 logged in from 10.0.0.1", 1 * kSec);
  d.Train("user 2 logged in from 10.0.0.2", 2 * kSec);
  d.Train("user 3 logged in from 10.0.0.3", 15 * kSec);
  d.Train("payment failed: card declined", 16 * kSec);
  const auto p = d.Patterns();
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].pattern, "user <_> logged in from <_>");
  EXPECT_EQ(p[0].count, 3u);
  EXPECT_EQ(p[0].samples, (std::vector<std::pair<int64_t, uint64_t>>{{0, 2}, {10 * kSec, 1}}));
  EXPECT_EQ(p[1].pattern, "payment failed: card declined");
}

TEST(Drain, JsonLinesUseTheirMessage) {
  Drain d;
  d.Train(R"({"level":"info","msg":"order 17 placed","ts":1})", kSec);
  d.Train(R"({"level":"info","msg":"order 18 placed","ts":2})", kSec);
  const auto p = d.Patterns();
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].pattern, "<_>order <_> placed<_>");
}

TEST(Drain, LeastRecentlyUsedClustersAreEvicted) {
  DrainOptions o;
  o.max_clusters = 2;
  Drain d(o);
  d.Train("alpha one", kSec);
  d.Train("beta two three", kSec);
  d.Train("gamma four five six", kSec);
  const auto p = d.Patterns();
  ASSERT_EQ(p.size(), 2u);
  for (const auto& x : p) EXPECT_NE(x.pattern, "alpha one");
}

}  // namespace
}  // namespace loupe::query::logql
