#include "ingest/prom/textparse/openmetrics_parser.h"

#include <gtest/gtest.h>

#include "ingest/prom/textparse/test_util.h"

namespace loupe::ingest::prom {
namespace {

using storage::model::Labels;
using testing::FinalOutcome;
using testing::ParseAll;

void NextSeries(Parser& p) {
  for (;;) {
    auto k = p.Next();
    ASSERT_TRUE(k.ok()) << k.status();
    ASSERT_NE(*k, EntryKind::kEof);
    if (*k == EntryKind::kSeries) return;
  }
}

TEST(OpenMetricsParserTest, ExemplarAndTimestamps) {
  OpenMetricsParser p(
      "# TYPE foo counter\n"
      "foo_total{a=\"b\"} 17.0 1520879607.789 # {trace_id=\"KOO5S4vxi0o\",span_id=\"x\"} 0.67 "
      "1520879607.5\n"
      "# EOF\n");
  NextSeries(p);
  EXPECT_EQ(p.name(), "foo_total");
  EXPECT_EQ(p.family(), "foo");
  EXPECT_EQ(p.type(), MetricType::kCounter);
  EXPECT_EQ(p.series(), "foo_total{a=\"b\"}");
  EXPECT_EQ(p.value(), 17);
  EXPECT_EQ(p.timestamp_ms(), std::optional<int64_t>(1520879607789));
  ASSERT_TRUE(p.has_exemplar());
  auto e = p.exemplar();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->labels, (Labels{{"span_id", "x"}, {"trace_id", "KOO5S4vxi0o"}}));
  EXPECT_EQ(e->value, 0.67);
  EXPECT_TRUE(e->has_timestamp);
  EXPECT_EQ(e->t, 1520879607500);
  auto k = p.Next();
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(*k, EntryKind::kEof);
}

TEST(OpenMetricsParserTest, TimestampSecondsBecomeTruncatedMilliseconds) {
  struct Case {
    const char* ts;
    int64_t ms;
  } cases[] = {{"0", 0},
               {"1", 1000},
               {"1.5", 1500},
               {"-1.5", -1500},
               {"0.0005", 0},
               {"-0.0009", 0},
               {"1e3", 1000000},
               {"123.123", 123123},
               {"1605281325.0", 1605281325000},
               {"1e300", INT64_MIN}};
  for (const Case& c : cases) {
    const std::string input = std::string("a 1 ") + c.ts + "\n# EOF\n";  // outlives p
    OpenMetricsParser p(input);
    NextSeries(p);
    EXPECT_EQ(p.timestamp_ms(), std::optional<int64_t>(c.ms)) << c.ts;
  }
}

TEST(OpenMetricsParserTest, UnitAndHelpEscapes) {
  OpenMetricsParser p("# UNIT a_seconds seconds\n# HELP a_seconds x \\\"y\\\" \\\\ \\n z\n# EOF\n");
  auto k = p.Next();
  ASSERT_TRUE(k.ok());
  ASSERT_EQ(*k, EntryKind::kUnit);
  EXPECT_EQ(p.name(), "a_seconds");
  EXPECT_EQ(p.text(), "seconds");
  k = p.Next();
  ASSERT_TRUE(k.ok());
  ASSERT_EQ(*k, EntryKind::kHelp);
  EXPECT_EQ(p.text(), "x \"y\" \\ \n z");  // OpenMetrics HELP uses label value escaping
}

TEST(OpenMetricsParserTest, CreatedSeriesCanBeSkipped) {
  const std::string input =
      "# TYPE c counter\nc_total 1\nc_created 12.5\n"
      "# TYPE g gauge\ng_created 3\n# EOF\n";
  ParserOptions o;
  o.skip_created_series = true;
  EXPECT_EQ(ParseAll(ExpositionFormat::kOpenMetrics, input, o, /*with_created=*/true),
            "type c counter\n"
            "series {__name__=\"c_total\"} 1 family=c/counter created=12500\n"
            "type g gauge\n"
            // Only counters, summaries and histograms have _created series.
            "series {__name__=\"g_created\"} 3 family=g_created/unknown\n"
            "eof\n");
}

TEST(OpenMetricsParserTest, CreatedTimestampKeepsTheParserWhereItWas) {
  OpenMetricsParser p(
      "# TYPE c counter\nc_total{a=\"1\"} 1 # {t=\"x\"} 2\nc_created{a=\"1\"} 5\n"
      "# EOF\n");
  NextSeries(p);
  EXPECT_EQ(p.CreatedTimestampMs(), std::optional<int64_t>(5000));
  // The current entry is intact, and parsing goes on after it.
  EXPECT_EQ(p.name(), "c_total");
  EXPECT_EQ(p.labels(), (Labels{{"__name__", "c_total"}, {"a", "1"}}));
  ASSERT_TRUE(p.exemplar().has_value());
  EXPECT_EQ(p.line(), 2u);
  NextSeries(p);
  EXPECT_EQ(p.name(), "c_created");
  EXPECT_EQ(p.line(), 3u);
  auto k = p.Next();
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(*k, EntryKind::kEof);
}

TEST(OpenMetricsParserTest, PromTextOnlyFormsAreErrors) {
  EXPECT_EQ(FinalOutcome(ExpositionFormat::kOpenMetrics, "# some comment\n# EOF\n"),
            "line 1: expected a valid start token, got \"# s\" (\"INVALID\") while parsing: "
            "\"# s\"");
  EXPECT_EQ(FinalOutcome(ExpositionFormat::kOpenMetrics, "a{b=\"c\", d=\"e\"} 1\n# EOF\n"),
            "line 1: expected label name, got \" \" (\"INVALID\") while parsing: "
            "\"a{b=\\\"c\\\", \"");
  EXPECT_EQ(FinalOutcome(ExpositionFormat::kOpenMetrics, "a  1\n# EOF\n"),
            "line 1: expected value after metric, got \"  \" (\"INVALID\") while parsing: "
            "\"a  \"");
}

TEST(OpenMetricsParserTest, LimitsApply) {
  ParserOptions o;
  o.label_limit = 2;
  EXPECT_EQ(FinalOutcome(ExpositionFormat::kOpenMetrics, "a{b=\"1\",c=\"2\"} 1\n# EOF\n", o),
            "line 1: label_limit exceeded (metric: a, number of labels: 3, limit: 2)");
  // Exemplar labels do not count.
  EXPECT_EQ(FinalOutcome(ExpositionFormat::kOpenMetrics,
                         "a{b=\"1\"} 1 # {x=\"1\",y=\"2\",z=\"3\"} 1\n# EOF\n", o),
            "eof");
}

}  // namespace
}  // namespace loupe::ingest::prom
