// Search semantics over a small hand-written shop fixture, in the head and persisted.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "query/traceql/eval/engine.h"
#include "query/traceql/eval/test_util.h"

namespace loupe::query::traceql {
namespace {

using testing::SpanDef;
using testing::TestStore;
using testing::TraceBuilder;

constexpr int64_t kBase = 1'700'000'000'000'000'000;
constexpr int64_t kMs = 1'000'000;

// T1 (kBase):       11 frontend GET /checkout (server, 500ms)
//                   ├─ 12 frontend call checkout (client, 400ms)
//                   │   └─ 13 checkout POST /pay (server, 300ms, error, event exception)
//                   │       └─ 14 payment charge (internal, 150ms, amount=12.5, retries=2)
//                   └─ 15 frontend render (internal, 50ms, span region, cache.hit)
// T2 (kBase + 1s):  21 frontend GET /home (server, 20ms)
//                   └─ 22 cart get cart (internal, 10ms, tags=[a, b])
// T3 (kBase + 2s):  31 checkout POST /pay (server, 120ms, ok)
std::vector<testing::v1::ResourceSpans> ShopTraces() {
  TraceBuilder b;
  b.SetResource("frontend", {{"region", std::string("eu")}, {"env", std::string("prod")}});
  b.SetResource("checkout", {{"region", std::string("us")}, {"env", std::string("prod")}});
  b.SetResource("payment", {{"env", std::string("prod")}});
  b.SetResource("cart", {{"env", std::string("dev")}});
  SpanDef s;
  s = {};
  s.id = 11, s.service = "frontend", s.name = "GET /checkout", s.start_ns = kBase;
  s.duration_ns = 500 * kMs, s.kind = 2;
  s.attrs = {{"http.method", std::string("GET")}, {"http.status_code", int64_t{200}}};
  b.Add(1, s);
  s = {};
  s.id = 12, s.parent = 11, s.service = "frontend", s.name = "call checkout";
  s.start_ns = kBase + 10 * kMs, s.duration_ns = 400 * kMs, s.kind = 3;
  s.attrs = {{"http.method", std::string("POST")}};
  b.Add(1, s);
  s = {};
  s.id = 13, s.parent = 12, s.service = "checkout", s.name = "POST /pay";
  s.start_ns = kBase + 20 * kMs, s.duration_ns = 300 * kMs, s.kind = 2, s.status = 2;
  s.status_message = "card declined";
  s.attrs = {{"http.method", std::string("POST")}, {"http.status_code", int64_t{500}}};
  s.events = {{"exception", 5 * kMs, {{"exception.type", std::string("CardError")}}}};
  b.Add(1, s);
  s = {};
  s.id = 14, s.parent = 13, s.service = "payment", s.name = "charge";
  s.start_ns = kBase + 30 * kMs, s.duration_ns = 150 * kMs, s.kind = 1;
  s.attrs = {{"amount", 12.5}, {"retries", int64_t{2}}};
  b.Add(1, s);
  s = {};
  s.id = 15, s.parent = 11, s.service = "frontend", s.name = "render";
  s.start_ns = kBase + 450 * kMs, s.duration_ns = 50 * kMs, s.kind = 1;
  s.attrs = {{"region", std::string("span-level")}, {"cache.hit", true}};
  b.Add(1, s);
  s = {};
  s.id = 21, s.service = "frontend", s.name = "GET /home", s.start_ns = kBase + 1000 * kMs;
  s.duration_ns = 20 * kMs, s.kind = 2;
  s.attrs = {{"http.method", std::string("GET")}, {"http.status_code", int64_t{200}}};
  b.Add(2, s);
  s = {};
  s.id = 22, s.parent = 21, s.service = "cart", s.name = "get cart";
  s.start_ns = kBase + 1005 * kMs, s.duration_ns = 10 * kMs, s.kind = 1;
  s.attrs = {{"tags", std::vector<std::string>{"a", "b"}}};
  b.Add(2, s);
  s = {};
  s.id = 31, s.service = "checkout", s.name = "POST /pay", s.start_ns = kBase + 2000 * kMs;
  s.duration_ns = 120 * kMs, s.kind = 2, s.status = 1;
  s.attrs = {{"http.method", std::string("POST")}, {"http.status_code", int64_t{201}}};
  b.Add(3, s);
  return b.Take();
}

// "3:{31} 1:{13,14}": traces newest first, each spanset's span ids (last two hex digits as
// decimal), spansets of a trace separated by '|'.
std::string Describe(const SearchResponse& r) {
  std::string out;
  for (const auto& t : r.traces) {
    if (!out.empty()) out += ' ';
    out += std::to_string(std::stoi(t.trace_id.substr(30), nullptr, 16)) + ":";
    for (size_t i = 0; i < t.span_sets.size(); ++i) {
      if (i) out += '|';
      out += '{';
      for (size_t k = 0; k < t.span_sets[i].spans.size(); ++k) {
        if (k) out += ',';
        out += std::to_string(std::stoi(t.span_sets[i].spans[k].span_id.substr(14), nullptr, 16));
      }
      out += '}';
    }
  }
  return out;
}

class TraceqlSearchTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store_.ok());
    ASSERT_TRUE(store_.Append(ShopTraces()).ok());
    if (GetParam()) {
      ASSERT_TRUE(store_.Flush().ok());
    }
  }
  Result<SearchResponse> Run(const std::string& q, uint32_t limit = 20, uint32_t spss = 10) {
    SearchRequest req;
    req.query = q;
    req.limit = limit;
    req.spans_per_spanset = spss;
    return Search(store_.store(), "t1", req);
  }
  std::string Find(const std::string& q) {
    auto r = Run(q);
    if (!r.ok()) return "error: " + r.status().message();
    return Describe(*r);
  }
  TestStore store_;
};

TEST_P(TraceqlSearchTest, IntrinsicsAndAttributes) {
  EXPECT_EQ(Find(""), "3:{31} 2:{21,22} 1:{11,12,13,14,15}");
  EXPECT_EQ(Find("{ }"), "3:{31} 2:{21,22} 1:{11,12,13,14,15}");
  EXPECT_EQ(Find("{ resource.service.name = \"checkout\" }"), "3:{31} 1:{13}");
  EXPECT_EQ(Find("{ .http.status_code >= 500 }"), "1:{13}");
  EXPECT_EQ(Find("{ span.http.status_code = 200 }"), "2:{21} 1:{11}");
  EXPECT_EQ(Find("{ resource.http.status_code = 200 }"), "");
  EXPECT_EQ(Find("{ status = error }"), "1:{13}");
  EXPECT_EQ(Find("{ span:status != unset }"), "3:{31} 1:{13}");
  EXPECT_EQ(Find("{ statusMessage = \"card declined\" }"), "1:{13}");
  EXPECT_EQ(Find("{ duration > 100ms }"), "3:{31} 1:{11,12,13,14}");
  EXPECT_EQ(Find("{ span:duration <= 20ms }"), "2:{21,22}");
  EXPECT_EQ(Find("{ name =~ \"POST.*\" }"), "3:{31} 1:{13}");
  EXPECT_EQ(Find("{ name =~ \"POST\" }"), "");  // fully anchored
  EXPECT_EQ(Find("{ name !~ \"(GET|POST) .*\" }"), "2:{22} 1:{12,14,15}");
  EXPECT_EQ(Find("{ kind = server }"), "3:{31} 2:{21} 1:{11,13}");
  EXPECT_EQ(Find("{ kind = client || kind = internal }"), "2:{22} 1:{12,14,15}");
  EXPECT_EQ(Find("{ rootServiceName = \"frontend\" }"), "2:{21,22} 1:{11,12,13,14,15}");
  EXPECT_EQ(Find("{ trace:rootName = \"POST /pay\" }"), "3:{31}");
  EXPECT_EQ(Find("{ traceDuration > 400ms }"), "1:{11,12,13,14,15}");
  EXPECT_EQ(Find("{ instrumentation:name = \"lib\" && name = \"charge\" }"), "1:{14}");
}

TEST_P(TraceqlSearchTest, UnscopedAttributesPreferTheSpan) {
  EXPECT_EQ(Find("{ .region = \"span-level\" }"), "1:{15}");
  // s15 has a span attribute `region`, so its resource's "eu" is not consulted.
  EXPECT_EQ(Find("{ .region = \"eu\" }"), "2:{21} 1:{11,12}");
  EXPECT_EQ(Find("{ resource.region = \"eu\" }"), "2:{21} 1:{11,12,15}");
  EXPECT_EQ(Find("{ span.region = \"eu\" }"), "");
}

TEST_P(TraceqlSearchTest, NilTypesAndArithmetic) {
  EXPECT_EQ(Find("{ .nonexistent != \"x\" }"), "");
  EXPECT_EQ(Find("{ span.retries != nil }"), "1:{14}");
  EXPECT_EQ(Find("{ !(span.retries != nil) && resource.service.name = \"payment\" }"), "");
  EXPECT_EQ(Find("{ span.retries + 1 = 3 }"), "1:{14}");
  EXPECT_EQ(Find("{ span.retries * 2.5 = 5 }"), "1:{14}");
  EXPECT_EQ(Find("{ span.amount > 12 }"), "1:{14}");
  EXPECT_EQ(Find("{ span.amount = \"12.5\" }"), "");  // no string/number coercion
  EXPECT_EQ(Find("{ .cache.hit }"), "1:{15}");
  EXPECT_EQ(Find("{ .cache.hit = false }"), "");
  EXPECT_EQ(Find("{ duration > 2 * 100ms }"), "1:{11,12,13}");
  EXPECT_EQ(Find("{ span.http.method > \"GET\" }"), "3:{31} 1:{12,13}");  // strings compare
  EXPECT_EQ(Find("{ span.tags != nil }"), "2:{22}");
  // Arrays: any element matches (the comparison is not pushed down in this form).
  EXPECT_EQ(Find("{ (span.tags = \"b\") = true }"), "2:{22}");
  EXPECT_EQ(Find("{ (span.tags = \"c\") = true }"), "");
}

TEST_P(TraceqlSearchTest, EventsAndLinks) {
  EXPECT_EQ(Find("{ event.exception.type = \"CardError\" }"), "1:{13}");
  EXPECT_EQ(Find("{ event:name = \"exception\" && status = error }"), "1:{13}");
  EXPECT_EQ(Find("{ event:timeSinceStart > 1ms }"), "1:{13}");
  EXPECT_EQ(Find("{ event:name = \"nope\" }"), "");
}

TEST_P(TraceqlSearchTest, SpansetOperators) {
  EXPECT_EQ(
      Find("{ resource.service.name = \"checkout\" } && { resource.service.name = \"payment\" }"),
      "1:{13,14}");
  EXPECT_EQ(Find("{ name = \"GET /home\" } || { name = \"charge\" }"), "2:{21} 1:{14}");
  EXPECT_EQ(Find("{ name = \"GET /home\" } && { name = \"charge\" }"), "");
}

TEST_P(TraceqlSearchTest, StructuralOperators) {
  EXPECT_EQ(Find("{ name = \"GET /checkout\" } > { kind = client }"), "1:{12}");
  EXPECT_EQ(Find("{ name = \"GET /checkout\" } > { kind = internal }"), "1:{15}");
  EXPECT_EQ(Find("{ name = \"GET /checkout\" } >> { resource.service.name = \"payment\" }"),
            "1:{14}");
  EXPECT_EQ(Find("{ resource.service.name = \"payment\" } << { kind = server }"), "1:{11,13}");
  EXPECT_EQ(Find("{ kind = client } < { kind = server }"), "1:{11}");
  EXPECT_EQ(Find("{ name = \"call checkout\" } ~ { name = \"render\" }"), "1:{15}");
  EXPECT_EQ(
      Find("{ resource.service.name = \"frontend\" } !> { resource.service.name = \"checkout\" }"),
      "3:{31}");
  EXPECT_EQ(Find("{ kind = server } &> { kind = client }"), "1:{11,12}");
  EXPECT_EQ(Find("{ name = \"render\" } !~ { kind = internal }"), "2:{22} 1:{14,15}");
  EXPECT_EQ(Find("{ name = \"render\" } &~ { name = \"call checkout\" }"), "1:{12,15}");
  EXPECT_EQ(Find("{ resource.service.name = \"payment\" } !<< { kind = server }"), "3:{31} 2:{21}");
  EXPECT_EQ(Find("{ kind = server } !>> { kind = server }"), "3:{31} 2:{21} 1:{11}");
  EXPECT_EQ(Find("{ kind = server } &>> { resource.service.name = \"payment\" }"), "1:{11,13,14}");
  EXPECT_EQ(Find("{ resource.service.name = \"payment\" } &<< { kind = server }"), "1:{11,13,14}");
  EXPECT_EQ(Find("{ kind = internal } &< { kind = server }"), "2:{21,22} 1:{11,13,14,15}");
  EXPECT_EQ(Find("({ kind = server } | count() > 1) >> { kind = internal }"), "1:{14,15}");
  EXPECT_EQ(Find("{ } >> { } >> { }"), "1:{13,14}");
  EXPECT_EQ(Find("{ childCount = 2 }"), "1:{11}");
  EXPECT_EQ(Find("{ nestedSetParent = -1 }"), "3:{31} 2:{21} 1:{11}");
  auto r = Run("({ } | by(name)) > { }");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "spanset operators are not supported for multiple spansets per trace. consider using "
            "coalesce()");
}

TEST_P(TraceqlSearchTest, Pipelines) {
  EXPECT_EQ(Find("{ resource.service.name = \"frontend\" } | count() > 2"), "1:{11,12,15}");
  EXPECT_EQ(Find("{ } | avg(duration) > 200ms"), "1:{11,12,13,14,15}");
  EXPECT_EQ(Find("{ } | sum(duration) = 30ms"), "2:{21,22}");
  EXPECT_EQ(Find("{ } | min(span.http.status_code) = 201"), "3:{31}");
  EXPECT_EQ(Find("max(duration) > 400ms"), "1:{11,12,13,14,15}");
  EXPECT_EQ(Find("{ } | by(resource.service.name) | count() > 1"), "1:{11,12,15}");
  EXPECT_EQ(Find("{ } | by(resource.service.name) | coalesce()"),
            "3:{31} 2:{21,22} 1:{11,12,13,14,15}");
  EXPECT_EQ(Find("{ } | by(resource.service.name)"), "3:{31} 2:{21}|{22} 1:{11,12,15}|{13}|{14}");
  EXPECT_EQ(Find("{ kind = server } | { status = error }"), "1:{13}");
  EXPECT_EQ(Find("{ } | count() = 1 | { name = \"POST /pay\" }"), "3:{31}");

  auto r = Run("{ } | by(resource.service.name) | count() > 1");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->traces.size(), 1u);
  const auto& attrs = r->traces[0].span_sets[0].attributes;
  ASSERT_EQ(attrs.size(), 2u);
  EXPECT_EQ(attrs[0].key, "by(resource.service.name)");
  EXPECT_EQ(attrs[0].value, TypedValue::String("frontend"));
  EXPECT_EQ(attrs[1].key, "count()");
  EXPECT_EQ(attrs[1].value, TypedValue::Int(3));
}

TEST_P(TraceqlSearchTest, ResultShape) {
  auto r =
      Run("{ resource.service.name = \"frontend\" && span.http.method = \"GET\" } | select(status)",
          20, 3);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(Describe(*r), "2:{21} 1:{11}");
  const TraceResult& t = r->traces[1];
  EXPECT_EQ(t.trace_id, "0a000000000000000000000000000001");
  EXPECT_EQ(t.root_service_name, "frontend");
  EXPECT_EQ(t.root_trace_name, "GET /checkout");
  EXPECT_EQ(t.start_ns, kBase);
  EXPECT_EQ(t.duration_ms, 500);
  const SpanResult& s = t.span_sets[0].spans[0];
  EXPECT_EQ(s.span_id, "000000000000000b");
  EXPECT_EQ(s.name, "GET /checkout");
  EXPECT_EQ(s.duration_ns, 500 * kMs);
  ASSERT_EQ(s.attributes.size(), 3u);
  EXPECT_EQ(s.attributes[0].key, "http.method");
  EXPECT_EQ(s.attributes[1].key, "service.name");
  EXPECT_EQ(s.attributes[2].key, "status");
  EXPECT_EQ(s.attributes[2].value.type, TypedValue::Type::kStatus);

  const auto j = nlohmann::json::parse(ToJson(*r));
  const auto& jt = j["traces"][1];
  EXPECT_EQ(jt["traceID"], "0a000000000000000000000000000001");
  EXPECT_EQ(jt["startTimeUnixNano"], std::to_string(kBase));
  EXPECT_EQ(jt["durationMs"], 500);
  EXPECT_EQ(jt["spanSet"], jt["spanSets"][0]);
  EXPECT_EQ(jt["spanSets"][0]["matched"], 1);
  EXPECT_EQ(jt["spanSets"][0]["spans"][0]["durationNanos"], std::to_string(500 * kMs));
  EXPECT_EQ(jt["spanSets"][0]["spans"][0]["attributes"][2],
            nlohmann::json::parse(R"({"key":"status","value":{"stringValue":"unset"}})"));
  EXPECT_TRUE(j["metrics"].contains("inspectedTraces"));
}

TEST_P(TraceqlSearchTest, SpansPerSpansetAndLimit) {
  auto r = Run("{ resource.service.name = \"frontend\" }", 20, 2);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Describe(*r), "2:{21} 1:{11,12}");
  EXPECT_EQ(r->traces[1].span_sets[0].matched, 3u);
  r = Run("{ }", 2, 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Describe(*r), "3:{31} 2:{21}");
}

TEST_P(TraceqlSearchTest, TimeRange) {
  SearchRequest req;
  req.start_ns = kBase + 900 * kMs;
  req.end_ns = kBase + 1500 * kMs;
  auto r = Search(store_.store(), "t1", req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Describe(*r), "2:{21,22}");
}

TEST_P(TraceqlSearchTest, Errors) {
  auto r = Run("{ .a = }");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message().rfind("invalid TraceQL query: parse error at line 1, col 8:", 0),
            0u)
      << r.status().message();
  r = Run("{ 1 + \"a\" = 2 }");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message().rfind("invalid TraceQL query: ", 0), 0u);
  r = Run("{ } | rate()");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  r = Run("{ parent.span.a = 1 }");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnimplemented);
  // An unknown tenant has nothing.
  SearchRequest req;
  auto e = Search(store_.store(), "nobody", req);
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->traces.empty());
}

TEST_P(TraceqlSearchTest, LegacyTagSearch) {
  SearchRequest req;
  req.tags = {{"service.name", "checkout"}};
  auto r = Search(store_.store(), "t1", req);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->traces.size(), 2u);
  EXPECT_EQ(r->traces[0].trace_id, "0a000000000000000000000000000003");
  req.tags.clear();
  req.min_duration_ns = 400 * kMs;
  r = Search(store_.store(), "t1", req);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->traces.size(), 1u);
  EXPECT_EQ(r->traces[0].trace_id, "0a000000000000000000000000000001");
}

TEST_P(TraceqlSearchTest, TagValuesAndNames) {
  auto v = TagValues(store_.store(), "t1", "resource.service.name", "", 0, 0, 0);
  ASSERT_TRUE(v.ok()) << v.status();
  std::vector<std::string> got;
  for (const auto& x : *v) got.push_back(x.s);
  EXPECT_EQ(got, (std::vector<std::string>{"cart", "checkout", "frontend", "payment"}));
  v = TagValues(store_.store(), "t1", "resource.service.name", "{ kind = server }", 0, 0, 0);
  ASSERT_TRUE(v.ok());
  got.clear();
  for (const auto& x : *v) got.push_back(x.s);
  EXPECT_EQ(got, (std::vector<std::string>{"checkout", "frontend"}));
  // A q that pins the tag answers the pinned value; a malformed q is ignored.
  v = TagValues(store_.store(), "t1", "resource.service.name", "{ resource.service.name = \"x\" }",
                0, 0, 0);
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->size(), 1u);
  EXPECT_EQ((*v)[0].s, "x");
  v = TagValues(store_.store(), "t1", "resource.service.name", "{ resource.cluster = }", 0, 0, 0);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->size(), 4u);
  v = TagValues(store_.store(), "t1", "status", "", 0, 0, 0);
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->size(), 3u);
  EXPECT_EQ(TypedValueString((*v)[0]), "unset");
  EXPECT_EQ(TypedValueTypeName((*v)[0].type), "status");
  v = TagValues(store_.store(), "t1", "span.http.status_code", "{ name = \"GET /home\" }", 0, 0, 0);
  ASSERT_TRUE(v.ok());
  ASSERT_EQ(v->size(), 1u);
  EXPECT_EQ((*v)[0], TypedValue::Int(200));
  EXPECT_FALSE(TagValues(store_.store(), "t1", ".foo", "", 0, 0, 0).ok());
  EXPECT_EQ(TagValues(store_.store(), "t1", "foo bar", "", 0, 0, 0).status().message(),
            "tag name is not valid intrinsic or scoped attribute");

  auto n =
      TagNames(store_.store(), "t1", "span", "{ resource.service.name = \"payment\" }", 0, 0, 0);
  ASSERT_TRUE(n.ok()) << n.status();
  ASSERT_EQ(n->size(), 1u);
  EXPECT_EQ((*n)[0].tags, (std::vector<std::string>{"amount", "retries"}));
  n = TagNames(store_.store(), "t1", "", "", 0, 0, 0);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->back().name, "intrinsic");
  EXPECT_EQ((*n)[0].name, "resource");
  EXPECT_EQ((*n)[0].tags, (std::vector<std::string>{"env", "region", "service.name"}));
  EXPECT_FALSE(TagNames(store_.store(), "t1", "bogus", "", 0, 0, 0).ok());
}

INSTANTIATE_TEST_SUITE_P(HeadAndBlocks, TraceqlSearchTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Persisted" : "Head"; });

}  // namespace
}  // namespace loupe::query::traceql
