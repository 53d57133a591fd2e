#include "ingest/prom/textparse/prom_parser.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdlib>
#include <new>

#include "ingest/prom/textparse/test_util.h"

// Counts heap allocations while g_count_allocs is set, to pin "Next() does not allocate".
// Sanitizer runtimes bring their own operator new, so the count is only kept without them.
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define LOUPE_TEXTPARSE_NO_ALLOC_COUNT 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define LOUPE_TEXTPARSE_NO_ALLOC_COUNT 1
#endif

namespace {
bool g_count_allocs = false;
size_t g_allocs = 0;
}  // namespace

#ifndef LOUPE_TEXTPARSE_NO_ALLOC_COUNT
void* operator new(size_t n) {
  if (g_count_allocs) ++g_allocs;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
#endif

namespace loupe::ingest::prom {
namespace {

using storage::model::Label;
using storage::model::Labels;
using testing::FinalOutcome;
using testing::ParseAll;

// Advances to the next series entry, failing the test on errors or the end.
void NextSeries(Parser& p) {
  for (;;) {
    auto k = p.Next();
    ASSERT_TRUE(k.ok()) << k.status();
    ASSERT_NE(*k, EntryKind::kEof);
    if (*k == EntryKind::kSeries) return;
  }
}

TEST(PromParserTest, SeriesAccessors) {
  PromTextParser p(
      "# TYPE http_requests_total counter\n"
      "http_requests_total{method=\"post\", code=\"200\"} 1027 1395066363000\n");
  auto k = p.Next();
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(*k, EntryKind::kType);
  EXPECT_EQ(p.name(), "http_requests_total");
  EXPECT_EQ(p.type(), MetricType::kCounter);
  EXPECT_EQ(p.line(), 1u);
  k = p.Next();
  ASSERT_TRUE(k.ok());
  ASSERT_EQ(*k, EntryKind::kSeries);
  EXPECT_EQ(p.line(), 2u);
  EXPECT_EQ(p.name(), "http_requests_total");
  EXPECT_EQ(p.family(), "http_requests_total");
  EXPECT_EQ(p.type(), MetricType::kCounter);
  EXPECT_EQ(p.series(), "http_requests_total{method=\"post\", code=\"200\"}");
  EXPECT_EQ(p.value(), 1027);
  EXPECT_EQ(p.timestamp_ms(), std::optional<int64_t>(1395066363000));
  EXPECT_FALSE(p.has_exemplar());
  EXPECT_EQ(p.exemplar(), std::nullopt);
  EXPECT_EQ(p.labels(),
            (Labels{{"__name__", "http_requests_total"}, {"code", "200"}, {"method", "post"}}));
  k = p.Next();
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(*k, EntryKind::kEof);
  // The end is sticky.
  k = p.Next();
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(*k, EntryKind::kEof);
}

TEST(PromParserTest, EscapesInLabelValuesAndHelp) {
  PromTextParser p(
      "# HELP m Help with \\\\ and \\n and \\\" and \\t.\n"
      "m{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\","
      "odd=\"\\t\\q\"} 1\n");
  auto k = p.Next();
  ASSERT_TRUE(k.ok());
  ASSERT_EQ(*k, EntryKind::kHelp);
  // The text format's HELP unescapes only \\ and \n.
  EXPECT_EQ(p.text(), "Help with \\ and \n and \\\" and \\t.");
  NextSeries(p);
  const Labels l = p.labels();
  EXPECT_EQ(l.Get("path"), "C:\\DIR\\FILE.TXT");
  EXPECT_EQ(l.Get("error"), "Cannot find file:\n\"FILE.TXT\"");
  EXPECT_EQ(l.Get("odd"), "\\t\\q");  // unknown escapes stay as written
}

TEST(PromParserTest, QuotedNames) {
  PromTextParser p(
      "{\"my.metric\", \"a.b\"=\"c\", \"q\\\"n\"=\"v\"} 1\n"
      "{\"esc\\\\aped\\n\"} 2\n");
  NextSeries(p);
  EXPECT_EQ(p.name(), "my.metric");
  EXPECT_EQ(p.series(), "{\"my.metric\", \"a.b\"=\"c\", \"q\\\"n\"=\"v\"}");
  EXPECT_EQ(p.labels(), (Labels{{"__name__", "my.metric"}, {"a.b", "c"}, {"q\"n", "v"}}));
  NextSeries(p);
  EXPECT_EQ(p.name(), "esc\\aped\n");
}

TEST(PromParserTest, EmptyLabelValuesAreDropped) {
  PromTextParser p("a{b=\"\",c=\"d\"} 1\n");
  NextSeries(p);
  EXPECT_EQ(p.labels(), (Labels{{"__name__", "a"}, {"c", "d"}}));
}

TEST(PromParserTest, ValuesAndNaN) {
  PromTextParser p("a NaN\nb -0\nc 1.7976931348623157e+308\nd -Inf\n");
  NextSeries(p);
  EXPECT_EQ(std::bit_cast<uint64_t>(p.value()), 0x7ff8000000000001ULL);
  EXPECT_FALSE(storage::model::IsStaleNaN(p.value()));
  NextSeries(p);
  EXPECT_TRUE(std::signbit(p.value()));
  NextSeries(p);
  EXPECT_EQ(p.value(), 1.7976931348623157e+308);
  NextSeries(p);
  EXPECT_EQ(p.value(), -HUGE_VAL);
}

TEST(PromParserTest, LeAndQuantileAreNormalisedByTheLastType) {
  PromTextParser p(
      "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nx{le=\"2\",quantile=\"3\"} 1\n"
      "# TYPE s summary\ns{quantile=\"0\",le=\"4\"} 1\n"
      "# TYPE g gaugehistogram\n");
  NextSeries(p);
  EXPECT_EQ(p.labels().Get("le"), "1.0");
  NextSeries(p);
  // Prometheus normalises by the last TYPE, whatever family the series is in.
  EXPECT_EQ(p.labels().Get("le"), "2.0");
  EXPECT_EQ(p.labels().Get("quantile"), "3");
  NextSeries(p);
  EXPECT_EQ(p.labels().Get("quantile"), "0.0");
  EXPECT_EQ(p.labels().Get("le"), "4");
  // The text format has no gaugehistogram.
  auto k = p.Next();
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.status().message(), "line 6: invalid metric type \"gaugehistogram\"");
}

TEST(PromParserTest, ErrorsAreStickyAndInvalidArgument) {
  PromTextParser p("a 1\nb{ 2\nc 3\n");
  NextSeries(p);
  auto k = p.Next();
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(k.status().message(),
            "line 2: expected label name, got \"2\" (\"INVALID\") while parsing: \"b{ 2\"");
  auto again = p.Next();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status(), k.status());
}

TEST(PromParserTest, LabelLimit) {
  ParserOptions o;
  o.label_limit = 3;  // __name__ counts
  EXPECT_EQ(FinalOutcome(ExpositionFormat::kPromText, "a{b=\"1\",c=\"2\"} 1\n", o), "eof");
  EXPECT_EQ(FinalOutcome(ExpositionFormat::kPromText, "a{b=\"1\",c=\"2\",d=\"\"} 1\n", o), "eof");
  EXPECT_EQ(FinalOutcome(ExpositionFormat::kPromText, "x 1\na{b=\"1\",c=\"2\",d=\"3\"} 1\n", o),
            "line 2: label_limit exceeded (metric: a, number of labels: 4, limit: 3)");
}

TEST(PromParserTest, LabelNameLengthLimit) {
  ParserOptions o;
  o.label_name_length_limit = 8;  // "__name__" is 8 bytes
  EXPECT_EQ(FinalOutcome(ExpositionFormat::kPromText, "a{abcdefgh=\"1\"} 1\n", o), "eof");
  EXPECT_EQ(FinalOutcome(ExpositionFormat::kPromText, "a{zz=\"1\",abcdefghi=\"1\"} 1\n", o),
            "line 1: label_name_length_limit exceeded (metric: a, label name: abcdefghi, "
            "length: 9, limit: 8)");
  // Lengths are counted after unescaping.
  EXPECT_EQ(FinalOutcome(ExpositionFormat::kPromText, "{\"a\",\"abc\\\\\\\"def\"=\"1\"} 1\n", o),
            "eof");
}

TEST(PromParserTest, LabelValueLengthLimit) {
  ParserOptions o;
  o.label_value_length_limit = 3;
  EXPECT_EQ(FinalOutcome(ExpositionFormat::kPromText, "abc{b=\"\\\\\\n\\\"\"} 1\n", o), "eof");
  // The metric name is a label value too.
  EXPECT_EQ(FinalOutcome(ExpositionFormat::kPromText, "abcd 1\n", o),
            "line 1: label_value_length_limit exceeded (metric: abcd, label name: __name__, "
            "value: \"abcd\", length: 4, limit: 3)");
  EXPECT_EQ(FinalOutcome(ExpositionFormat::kPromText, "a{z=\"1234\",b=\"5678\"} 1\n", o),
            "line 1: label_value_length_limit exceeded (metric: a, label name: b, "
            "value: \"5678\", length: 4, limit: 3)");
  // Normalisation lengthens "le": "1" becomes "1.0" (3 bytes, fine) and "10" "10.0" (4).
  EXPECT_EQ(FinalOutcome(ExpositionFormat::kPromText, "# TYPE h histogram\nh{le=\"1\"} 1\n", o),
            "eof");
  EXPECT_EQ(FinalOutcome(ExpositionFormat::kPromText, "# TYPE h histogram\nh{le=\"10\"} 1\n", o),
            "line 2: label_value_length_limit exceeded (metric: h, label name: le, "
            "value: \"10.0\", length: 4, limit: 3)");
}

TEST(PromParserTest, LimitMessagesTruncateLongNames) {
  ParserOptions o;
  o.label_limit = 1;
  const std::string name(60, 'm');
  EXPECT_EQ(FinalOutcome(ExpositionFormat::kPromText, name + "{a=\"b\"} 1\n", o),
            "line 1: label_limit exceeded (metric: " + std::string(50, 'm') +
                ", number of labels: 2, limit: 1)");
}

TEST(PromParserTest, FillCopiesTheEntry) {
  PromTextParser p("# HELP a Some help.\n# TYPE a gauge\na{x=\"y\"} 2.5 17\n# comment\n");
  Entry e;
  ASSERT_TRUE(p.Next().ok());
  p.Fill(&e);
  EXPECT_EQ(e.kind, EntryKind::kHelp);
  EXPECT_EQ(e.family, "a");
  EXPECT_EQ(e.text, "Some help.");
  ASSERT_TRUE(p.Next().ok());
  p.Fill(&e);
  EXPECT_EQ(e.kind, EntryKind::kType);
  EXPECT_EQ(e.type, MetricType::kGauge);
  ASSERT_TRUE(p.Next().ok());
  p.Fill(&e);
  EXPECT_EQ(e.kind, EntryKind::kSeries);
  EXPECT_EQ(e.family, "a");
  EXPECT_EQ(e.type, MetricType::kGauge);
  EXPECT_EQ(e.labels, (Labels{{"__name__", "a"}, {"x", "y"}}));
  EXPECT_EQ(e.value, 2.5);
  EXPECT_EQ(e.timestamp_ms, std::optional<int64_t>(17));
  EXPECT_EQ(e.text, "");
  ASSERT_TRUE(p.Next().ok());
  p.Fill(&e);
  EXPECT_EQ(e.kind, EntryKind::kComment);
  EXPECT_EQ(e.text, "# comment");
  EXPECT_TRUE(e.labels.empty());
  EXPECT_EQ(e.timestamp_ms, std::nullopt);
}

TEST(PromParserTest, NewParserByFormat) {
  auto p = NewParser(ChooseFormat("text/plain; version=0.0.4").format, "a 1");
  ASSERT_TRUE(p.ok());
  EXPECT_NE(dynamic_cast<PromTextParser*>(p->get()), nullptr);
  auto bad = NewParser(ExpositionFormat::kProtobuf, "");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kUnsupported);
}

TEST(PromParserTest, NextDoesNotAllocateForOrdinaryLines) {
#ifdef LOUPE_TEXTPARSE_NO_ALLOC_COUNT
  GTEST_SKIP() << "allocation counting is off under sanitizers";
#endif
  const std::string input =
      "# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.\n"
      "# TYPE node_cpu_seconds_total counter\n"
      "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 1.23456789e+06\n"
      "node_cpu_seconds_total{cpu=\"0\",mode=\"user\"} 4567.89 1700000000000\n"
      "node_load1 0.5\n";
  PromTextParser p(input);
  // Warm up: the first series sizes the label buffer.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(p.Next().ok());
  g_allocs = 0;
  g_count_allocs = true;
  size_t series = 0;
  for (;;) {
    auto k = p.Next();
    if (!k.ok() || *k == EntryKind::kEof) break;
    series += *k == EntryKind::kSeries;
  }
  g_count_allocs = false;
  EXPECT_EQ(series, 2u);
  EXPECT_EQ(g_allocs, 0u);
}

TEST(PromParserTest, PrintedFormUsedByTheGoldens) {
  const std::string out =
      ParseAll(ExpositionFormat::kPromText, "# TYPE node_load1 gauge\nnode_load1 0.21\n");
  EXPECT_EQ(out,
            "type node_load1 gauge\n"
            "series {__name__=\"node_load1\"} 0.21 family=node_load1/gauge\n"
            "eof\n");
}

}  // namespace
}  // namespace loupe::ingest::prom
