// Unit tests of the pipeline building blocks: labels builder, JSON scanner, logfmt decoder,
// pattern matcher, ip matcher, parsers and filters.
#include <gtest/gtest.h>

#include "query/logql/log/filters.h"
#include "query/logql/log/json_scan.h"
#include "query/logql/log/labels_builder.h"
#include "query/logql/log/logfmt.h"
#include "query/logql/log/parsers.h"
#include "query/logql/log/pattern.h"
#include "query/logql/log/pipeline.h"
#include "query/logql/syntax/parser.h"

namespace loupe::query::logql {
namespace {

std::string All(const LabelsBuilder& b) {
  std::vector<Label> out;
  b.AllLabels(&out);
  return LabelsString(out);
}

TEST(LabelsBuilder, PrecedenceParsedOverMetadataOverStream) {
  std::vector<Label> base = {{"app", "x"}, {"level", "info"}};
  LabelsBuilder b(&base);
  b.Reset();
  b.Set(LabelCategory::kMetadata, "level", "debug");
  EXPECT_EQ(*b.Get("level"), "debug");
  b.Set(LabelCategory::kParsed, "level", "warn");
  EXPECT_EQ(*b.Get("level"), "warn");
  // A metadata Set after a parsed label of the same name is a no-op.
  b.Set(LabelCategory::kMetadata, "level", "trace");
  EXPECT_EQ(*b.Get("level"), "warn");
  EXPECT_EQ(All(b), "{app=\"x\", level=\"warn\"}");
  std::vector<Label> st, md, parsed;
  b.Categorized(&st, &md, &parsed);
  EXPECT_EQ(LabelsString(st), "{app=\"x\"}");
  EXPECT_EQ(LabelsString(md), "{}");
  EXPECT_EQ(LabelsString(parsed), "{level=\"warn\"}");
}

TEST(LabelsBuilder, AddSuffixesStreamClashesAndRoutesErrorLabels) {
  std::vector<Label> base = {{"app", "x"}};
  LabelsBuilder b(&base);
  b.Reset();
  b.Add(LabelCategory::kMetadata, "app", "y");
  b.Add(LabelCategory::kMetadata, "__error__", "E");
  EXPECT_EQ(All(b), "{__error__=\"E\", app=\"x\", app_extracted=\"y\"}");
  EXPECT_TRUE(b.HasErr());
  b.Reset();
  EXPECT_TRUE(b.Unchanged());
  EXPECT_EQ(All(b), "{app=\"x\"}");
}

TEST(LabelsBuilder, DeleteHidesEveryCategory) {
  std::vector<Label> base = {{"a", "1"}, {"b", "2"}};
  LabelsBuilder b(&base);
  b.Reset();
  b.Set(LabelCategory::kParsed, "a", "p");
  b.Del("a");
  EXPECT_FALSE(b.Get("a").has_value());
  EXPECT_EQ(All(b), "{b=\"2\"}");
  b.Set(LabelCategory::kParsed, "a", "again");
  EXPECT_EQ(*b.Get("a"), "again");
}

TEST(LabelsBuilder, GroupedLabels) {
  std::vector<Label> base = {{"a", "1"}, {"b", "2"}, {"c", "3"}};
  LabelsBuilder b(&base);
  b.Reset();
  std::vector<Label> out;
  b.GroupedLabels({"a", "c"}, false, false, &out);
  EXPECT_EQ(LabelsString(out), "{a=\"1\", c=\"3\"}");
  b.GroupedLabels({"a"}, true, false, &out);
  EXPECT_EQ(LabelsString(out), "{b=\"2\", c=\"3\"}");
  b.SetErr("X");
  b.GroupedLabels({"a"}, false, false, &out);  // errors keep every label
  EXPECT_EQ(LabelsString(out), "{__error__=\"X\", a=\"1\", b=\"2\", c=\"3\"}");
}

TEST(LabelNames, Sanitize) {
  EXPECT_EQ(SanitizeLabelName(" 1st key "), "_1st_key");
  EXPECT_EQ(SanitizeLabelName("a.b-c"), "a_b_c");
  EXPECT_EQ(SanitizeLabelName("h\xc3\xa9llo"), "h_llo");  // one '_' per rune
  EXPECT_TRUE(IsValidLabelName("_a1"));
  EXPECT_FALSE(IsValidLabelName("1a"));
}

TEST(JsonScan, ObjectEachAndErrors) {
  std::vector<std::string> keys;
  auto err = json::ObjectEach(R"( {"a":1, "b" : "x\"y", "c":{"d":[1,2]}, "e":null} trailing)",
                              [&](std::string_view k, std::string_view, json::ValueType) {
                                keys.emplace_back(k);
                                return std::string_view();
                              });
  EXPECT_EQ(err, "");
  EXPECT_EQ(keys, (std::vector<std::string>{"a", "b", "c", "e"}));
  auto noop = [](std::string_view, std::string_view, json::ValueType) { return std::string_view(); };
  EXPECT_EQ(json::ObjectEach("nope", noop), json::kMalformedObject);
  EXPECT_EQ(json::ObjectEach("", noop), json::kMalformedObject);
  EXPECT_EQ(json::ObjectEach(R"({"a":1)", noop), json::kMalformedArray);
  EXPECT_EQ(json::ObjectEach(R"({"a":tru})", noop), json::kUnknownValueType);
  EXPECT_EQ(json::ObjectEach(R"({"a":"x)", noop), json::kMalformedString);
  EXPECT_EQ(json::ObjectEach(R"({"a":1 "b":2})", noop), json::kMalformedObject);
}

TEST(JsonScan, UnescapeAndStringValue) {
  std::string out;
  EXPECT_TRUE(json::Unescape(R"(a\"b\\c\/\n\u00e9\ud83d\ude00)", &out));
  EXPECT_EQ(out, "a\"b\\c/\n\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_FALSE(json::Unescape(R"(\q)", &out));
  json::StringValue(R"(bad\q)", &out);
  EXPECT_EQ(out, "");
  json::StringValue("x\xff" "y", &out);  // invalid UTF-8 becomes a space
  EXPECT_EQ(out, "x y");
}

TEST(Logfmt, DecoderErrorsAndPositions) {
  LogfmtDecoder d;
  d.Reset(R"(a=1 b="two words" c d= e="x\"y")");
  std::vector<std::pair<std::string, std::string>> kv;
  while (!d.Eol()) {
    if (d.ScanKeyval()) kv.emplace_back(d.key(), d.value());
  }
  EXPECT_EQ(kv, (std::vector<std::pair<std::string, std::string>>{
                    {"a", "1"}, {"b", "two words"}, {"c", ""}, {"d", ""}, {"e", "x\"y"}}));
  EXPECT_EQ(d.err(), "");
  d.Reset("a=1 =x b=2");
  while (!d.Eol()) d.ScanKeyval();
  EXPECT_EQ(d.err(), "logfmt syntax error at pos 5 : unexpected '='");
  d.Reset("k=v=w");
  while (!d.Eol()) d.ScanKeyval();
  EXPECT_EQ(d.err(), "logfmt syntax error at pos 4 : unexpected '='");
}

TEST(Pattern, MatchesAndTest) {
  auto m = PatternMatcher::ForParser("<ip> - <user> [<_>] \"<req>\"");
  ASSERT_TRUE(m.ok());
  std::vector<std::string_view> caps;
  m->Matches("1.2.3.4 - bob [now] \"GET /\"", &caps);
  ASSERT_EQ(caps.size(), 3u);
  EXPECT_EQ(caps[0], "1.2.3.4");
  EXPECT_EQ(caps[1], "bob");
  EXPECT_EQ(caps[2], "GET /");
  auto f = PatternMatcher::ForLineFilter("<_> bar <_>");
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->Test("foo bar baz"));
  EXPECT_FALSE(f->Test(" bar "));  // empty captures
  EXPECT_FALSE(f->Test("foo baz"));
  auto g = PatternMatcher::ForLineFilter("<_> bar");
  EXPECT_FALSE(g->Test("foo bar baz"));  // the pattern must span the line
  EXPECT_FALSE(PatternMatcher::ForParser("<a><b>").ok());
  EXPECT_FALSE(PatternMatcher::ForParser("no captures").ok());
  EXPECT_EQ(PatternMatcher::ForLineFilter("<x>").status().message(), "named captures are not allowed");
}

TEST(Ip, Patterns) {
  auto cidr = IpMatcher::Create("192.168.0.0/16");
  ASSERT_TRUE(cidr.ok());
  EXPECT_TRUE(cidr->MatchesIn("from 192.168.4.4:80"));
  EXPECT_FALSE(cidr->MatchesIn("from 192.169.4.4"));
  auto range = IpMatcher::Create("10.0.0.5-10.0.0.9");
  ASSERT_TRUE(range.ok());
  EXPECT_TRUE(range->MatchesIn("10.0.0.7"));
  EXPECT_FALSE(range->MatchesIn("10.0.0.10"));
  auto v6 = IpMatcher::Create("::1");
  ASSERT_TRUE(v6.ok());
  EXPECT_TRUE(v6->MatchesIn("addr ::1 ok"));
  EXPECT_FALSE(IpMatcher::Create("1.2.3").ok());
  EXPECT_FALSE(IpMatcher::Create("10.0.0.9-10.0.0.5").ok());
  EXPECT_EQ(IpMatcher::Create("x").status().message(), "ip: invalid pattern: \"x\"");
}

// Runs a whole query's pipeline on one line of a stream.
struct Run {
  bool kept = false;
  std::string line;
  std::string labels;
};
Run RunPipeline(const std::string& query, std::vector<Label> stream, std::string line) {
  auto e = ParseExpr(query);
  EXPECT_TRUE(e.ok()) << e.status();
  const auto& sel = std::get<LogSelector>((*e)->node);
  auto p = Pipeline::Create(sel, HintRequest(), nullptr);
  EXPECT_TRUE(p.ok()) << p.status();
  LabelsBuilder b(&stream);
  b.Reset();
  std::string_view l = line;
  Run r;
  r.kept = (*p)->Process(0, &l, &b);
  r.line = std::string(l);
  r.labels = All(b);
  return r;
}

TEST(Pipeline, ParsersAndFilters) {
  auto r = RunPipeline(R"({a="b"} | json | x > 1)", {{"a", "b"}}, R"({"x":2,"a":"c"})");
  EXPECT_TRUE(r.kept);
  EXPECT_EQ(r.labels, "{a=\"b\", a_extracted=\"c\", x=\"2\"}");
  r = RunPipeline(R"({a="b"} | json | x > 3)", {{"a", "b"}}, R"({"x":2})");
  EXPECT_FALSE(r.kept);
  r = RunPipeline(R"q({a="b"} | regexp "(?P<n>\\d+)" | line_format "n={{.n}}")q", {{"a", "b"}},
                  "abc 42 def");
  EXPECT_EQ(r.line, "n=42");
  r = RunPipeline(R"({a="b"} | logfmt | label_format m="{{ .k | upper }}" | drop k)", {{"a", "b"}},
                  "k=v");
  EXPECT_EQ(r.labels, "{a=\"b\", m=\"V\"}");
}

TEST(Pipeline, StageErrorsNameTheStage) {
  auto e = ParseExpr(R"({a="b"} | line_format "{{.a")");
  ASSERT_TRUE(e.ok());
  auto p = Pipeline::Create(std::get<LogSelector>((*e)->node), HintRequest(), nullptr);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().message(),
            "parse error : stage '| line_format \"{{.a\"' : invalid line template: template: "
            "line:1: unclosed action")
      << p.status().message();
}

TEST(Pipeline, LineFiltersMoveFirstAndArePushedDown) {
  auto e = ParseExpr(R"({a="b"} | json |= "x" | level="y" != "z")");
  ASSERT_TRUE(e.ok());
  std::vector<std::shared_ptr<const LineMatcher>> pushed;
  auto p = Pipeline::Create(std::get<LogSelector>((*e)->node), HintRequest(), &pushed);
  ASSERT_TRUE(p.ok()) << p.status();
  // |= "x" moves before json (and is pushed down); != "z" stays after the label filter.
  ASSERT_EQ(pushed.size(), 1u);
  EXPECT_TRUE(pushed[0]->IsSimpleContains());
  EXPECT_EQ(pushed[0]->needle(), "x");
}

TEST(Pipeline, HintsLimitExtraction) {
  auto e = ParseExpr(R"(count_over_time({a="b"} | json | status > 1 [1m]))");
  ASSERT_TRUE(e.ok());
  const auto& r = std::get<RangeAggregation>((*e)->node);
  Grouping g;
  g.labels = {"level"};
  auto ex = SampleExtractor::Create(r.range, SampleKind::kCount, &g, nullptr);
  ASSERT_TRUE(ex.ok()) << ex.status();
  std::vector<Label> stream = {{"a", "b"}};
  (*ex)->SetStream(&stream);
  (*ex)->builder()->Reset();
  double v = 0;
  std::vector<Label> labels;
  ASSERT_TRUE((*ex)->Process(0, R"({"status":5,"level":"info","other":"x"})", &v, &labels));
  EXPECT_EQ(v, 1);
  EXPECT_EQ(LabelsString(labels), "{level=\"info\"}");
  EXPECT_FALSE((*ex)->builder()->Get("other").has_value());  // not extracted
}

}  // namespace
}  // namespace loupe::query::logql
