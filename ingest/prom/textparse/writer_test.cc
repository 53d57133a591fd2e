#include "ingest/prom/textparse/writer.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <vector>

#include "ingest/prom/textparse/openmetrics_parser.h"
#include "ingest/prom/textparse/test_util.h"

namespace loupe::ingest::prom {
namespace {

namespace fs = std::filesystem;
using storage::model::Labels;

std::vector<Entry> ParseEntries(ExpositionFormat format, std::string_view text) {
  std::vector<Entry> out;
  auto p = NewParser(format, text);
  EXPECT_TRUE(p.ok());
  for (;;) {
    auto k = (*p)->Next();
    EXPECT_TRUE(k.ok()) << k.status() << "\n" << text;
    if (!k.ok() || *k == EntryKind::kEof) break;
    out.emplace_back();
    (*p)->Fill(&out.back());
  }
  return out;
}

bool SameValue(double a, double b) {
  return std::bit_cast<uint64_t>(a) == std::bit_cast<uint64_t>(b) ||
         (std::isnan(a) && std::isnan(b));
}

void ExpectSameEntries(const std::vector<Entry>& a, const std::vector<Entry>& b,
                       const std::string& context) {
  ASSERT_EQ(a.size(), b.size()) << context;
  for (size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(context + " entry " + std::to_string(i));
    EXPECT_EQ(a[i].kind, b[i].kind);
    EXPECT_EQ(a[i].family, b[i].family);
    EXPECT_EQ(a[i].type, b[i].type);
    EXPECT_EQ(a[i].text, b[i].text);
    EXPECT_EQ(a[i].labels, b[i].labels);
    EXPECT_TRUE(SameValue(a[i].value, b[i].value)) << a[i].value << " vs " << b[i].value;
    EXPECT_EQ(a[i].timestamp_ms, b[i].timestamp_ms);
    ASSERT_EQ(a[i].exemplar.has_value(), b[i].exemplar.has_value());
    if (a[i].exemplar) {
      EXPECT_EQ(a[i].exemplar->labels, b[i].exemplar->labels);
      EXPECT_TRUE(SameValue(a[i].exemplar->value, b[i].exemplar->value));
      EXPECT_EQ(a[i].exemplar->has_timestamp, b[i].exemplar->has_timestamp);
      EXPECT_EQ(a[i].exemplar->t, b[i].exemplar->t);
    }
  }
}

std::string Write(ExpositionFormat format, const std::vector<Entry>& entries) {
  std::string out;
  for (const Entry& e : entries) AppendEntry(format, e, &out);
  if (format == ExpositionFormat::kOpenMetrics) AppendOpenMetricsEof(&out);
  return out;
}

Entry Series(Labels labels, double value) {
  Entry e;
  e.kind = EntryKind::kSeries;
  e.family = std::string(labels.MetricName());
  e.labels = std::move(labels);
  e.value = value;
  return e;
}

TEST(WriterTest, WritesTheFormats) {
  Entry help;
  help.kind = EntryKind::kHelp;
  help.family = "a";
  help.text = "Line one\nback\\slash \"q\"";
  Entry type;
  type.kind = EntryKind::kType;
  type.family = "a";
  type.type = MetricType::kCounter;
  Entry s = Series({{"__name__", "a_total"}, {"path", "C:\\x\n\"y\""}}, 1.5);
  s.timestamp_ms = 1520879607789;
  s.exemplar = storage::model::Exemplar{Labels{{"trace_id", "abc"}}, 0.67, 123, true};
  std::string prom;
  for (const Entry& e : {help, type, s}) AppendEntry(ExpositionFormat::kPromText, e, &prom);
  EXPECT_EQ(prom,
            "# HELP a Line one\\nback\\\\slash \"q\"\n"
            "# TYPE a counter\n"
            "a_total{path=\"C:\\\\x\\n\\\"y\\\"\"} 1.5 1520879607789\n");
  std::string om;
  for (const Entry& e : {help, type, s}) AppendEntry(ExpositionFormat::kOpenMetrics, e, &om);
  AppendOpenMetricsEof(&om);
  EXPECT_EQ(om,
            "# HELP a Line one\\nback\\\\slash \\\"q\\\"\n"
            "# TYPE a counter\n"
            "a_total{path=\"C:\\\\x\\n\\\"y\\\"\"} 1.5 1520879607.789 # {trace_id=\"abc\"} 0.67 "
            "0.123\n"
            "# EOF\n");
}

TEST(WriterTest, QuotesNamesOutsideTheLegacyCharset) {
  std::string out;
  AppendEntry(ExpositionFormat::kPromText,
              Series({{"__name__", "my.metric"}, {"a.b", "c"}, {"d", "e"}}, 1), &out);
  AppendEntry(ExpositionFormat::kPromText, Series({{"__name__", "plain"}, {"a-b", "c"}}, 2), &out);
  AppendEntry(ExpositionFormat::kPromText, Series({{"__name__", "x:y"}}, 3), &out);
  EXPECT_EQ(out,
            "{\"my.metric\",\"a.b\"=\"c\",d=\"e\"} 1\n"
            "plain{\"a-b\"=\"c\"} 2\n"
            "x:y 3\n");
  EXPECT_TRUE(IsLegacyMetricName("a:b_c9"));
  EXPECT_FALSE(IsLegacyMetricName("9a"));
  EXPECT_FALSE(IsLegacyLabelName("a:b"));
  EXPECT_FALSE(IsLegacyLabelName(""));
}

TEST(WriterTest, OpenMetricsTimestampsReadBackExactly) {
  std::mt19937_64 rng(7);
  std::vector<int64_t> cases = {
      0, 1, -1, 999, -999, 1000, 1520879607789, -1520879607789, 1700000000123, 253402300799999};
  for (int i = 0; i < 2000; ++i)
    cases.push_back(static_cast<int64_t>(rng() % 4000000000000) - 1000000000000);
  for (int64_t ms : cases) {
    const std::string s = FormatOpenMetricsTimestamp(ms);
    const std::string input = "a 1 " + s + "\n# EOF\n";  // outlives p
    OpenMetricsParser p(input);
    auto k = p.Next();
    ASSERT_TRUE(k.ok()) << s;
    EXPECT_EQ(p.timestamp_ms(), std::optional<int64_t>(ms)) << s;
  }
  EXPECT_EQ(FormatOpenMetricsTimestamp(1520879607789), "1520879607.789");
  EXPECT_EQ(FormatOpenMetricsTimestamp(123000), "123");
  EXPECT_EQ(FormatOpenMetricsTimestamp(-1500), "-1.5");
}

// Label values and names with every escape-worthy byte survive print and parse.
TEST(WriterTest, EscapesRoundTrip) {
  const std::vector<std::string> values = {
      "\\",           "\"",         "\n",     "\\n",       "\\\"",
      "a\\\\\"\"\nb", "trailing\\", "{}=,# ", "tab\there", std::string("nul\0byte", 8),
      "ünïcödé €",    "\"quoted\"", "#",      " ",         "\r"};
  for (ExpositionFormat f : {ExpositionFormat::kPromText, ExpositionFormat::kOpenMetrics}) {
    std::vector<Entry> entries;
    for (size_t i = 0; i < values.size(); ++i) {
      entries.push_back(Series({{"__name__", "m" + std::to_string(i)}, {"v", values[i]}}, 1));
      // Quoted names may not hold NUL bytes (Prometheus's lexer refuses them there).
      if (values[i].find('\0') == std::string::npos) {
        entries.push_back(Series({{"__name__", values[i] + "name"}, {values[i] + "l", "x"}}, 2));
      }
    }
    Entry help;
    help.kind = EntryKind::kHelp;
    help.family = "m0";
    help.text = "help \\ \" \n end";
    entries.push_back(help);
    const std::string text = Write(f, entries);
    ExpectSameEntries(entries, ParseEntries(f, text), ExpositionFormatName(f));
  }
}

// Random label sets and values: write, parse, compare.
TEST(WriterTest, RandomSeriesRoundTrip) {
  std::mt19937 rng(11);
  const std::string alphabet = std::string("ab_:.{}=,\"\\\n #\t-09") + "\xc3\xa9";
  auto random_string = [&](size_t max_len) {
    std::string s;
    const size_t n = rng() % (max_len + 1);
    for (size_t i = 0; i < n; ++i) {
      const size_t k = rng() % (alphabet.size() - 1);
      if (alphabet[k] == '\xc3') {
        s += "\xc3\xa9";
      } else if (alphabet[k] != '\xa9') {
        s += alphabet[k];
      }
    }
    return s;
  };
  const double special[] = {0, -0.0, 1, -1, 1e-300, 1e300, 0.1, HUGE_VAL, -HUGE_VAL, NAN};
  for (ExpositionFormat f : {ExpositionFormat::kPromText, ExpositionFormat::kOpenMetrics}) {
    std::vector<Entry> entries;
    for (int i = 0; i < 300; ++i) {
      std::vector<storage::model::Label> ls;
      ls.push_back({"__name__", "n" + random_string(6)});
      const int nl = static_cast<int>(rng() % 4);
      for (int j = 0; j < nl; ++j)
        ls.push_back({"l" + std::to_string(j) + random_string(4), "v" + random_string(8)});
      Entry e = Series(Labels::FromUnsorted(ls),
                       rng() % 3 == 0 ? special[rng() % 10]
                                      : std::ldexp(static_cast<double>(rng()),
                                                   static_cast<int>(rng() % 80) - 40));
      if (rng() % 2 == 0) e.timestamp_ms = static_cast<int64_t>(rng() % 2000000000000);
      if (f == ExpositionFormat::kOpenMetrics && rng() % 3 == 0) {
        e.exemplar = storage::model::Exemplar{Labels{{"trace_id", random_string(10) + "x"}},
                                              0.5 * (rng() % 100), 0, false};
        if (rng() % 2 == 0) {
          e.exemplar->has_timestamp = true;
          e.exemplar->t = static_cast<int64_t>(rng() % 2000000000000);
        }
      }
      entries.push_back(e);
    }
    const std::string text = Write(f, entries);
    ExpectSameEntries(entries, ParseEntries(f, text), ExpositionFormatName(f));
  }
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every golden input that parses reads back the same after printing (comments and exemplars
// where the format has none excepted).
TEST(WriterTest, GoldenInputsRoundTrip) {
  int n = 0;
  for (const auto& file : fs::directory_iterator(fs::path(LOUPE_TEXTPARSE_TESTDATA) / "golden")) {
    const auto ext = file.path().extension();
    if (ext != ".prom" && ext != ".om") continue;
    const ExpositionFormat f =
        ext == ".prom" ? ExpositionFormat::kPromText : ExpositionFormat::kOpenMetrics;
    const std::string input = ReadFile(file.path());
    if (testing::FinalOutcome(f, input) != "eof") continue;
    std::vector<Entry> first = ParseEntries(f, input);
    std::vector<Entry> printed_back = ParseEntries(f, Write(f, first));
    ExpectSameEntries(first, printed_back, file.path().filename().string());
    ++n;
  }
  EXPECT_GE(n, 10);
}

}  // namespace
}  // namespace loupe::ingest::prom
