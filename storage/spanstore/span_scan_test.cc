// Scans, predicates, summaries, tags and the legacy search, checked against a brute-force
// evaluation over the OTLP input, on the head, on persisted blocks and after a restart.
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "storage/spanstore/span_store_test_util.h"

namespace loupe::storage::spanstore {
namespace {

namespace v1 = otlp::trace::v1;
using Key = std::pair<TraceId, uint64_t>;  // trace, span id

const otlp::common::v1::AnyValue* FindAttr(const google::protobuf::RepeatedPtrField<otlp::common::v1::KeyValue>& kvs,
                                           const std::string& key) {
  for (const auto& kv : kvs) {
    if (kv.key() == key) return &kv.value();
  }
  return nullptr;
}

struct Flat {
  const v1::ResourceSpans* rs;
  const v1::ScopeSpans* ss;
  const v1::Span* span;
  std::string service() const {
    const auto* v = FindAttr(rs->resource().attributes(), "service.name");
    return v ? v->string_value() : "";
  }
  int64_t duration() const {
    return static_cast<int64_t>(span->end_time_unix_nano() - span->start_time_unix_nano());
  }
  int64_t Int(const std::string& k) const {
    const auto* v = FindAttr(span->attributes(), k);
    return v && v->has_int_value() ? v->int_value() : INT64_MIN;
  }
  std::string Str(const std::string& k) const {
    const auto* v = FindAttr(span->attributes(), k);
    return v && v->has_string_value() ? v->string_value() : "\x01<none>";
  }
};

class SpanScanTest : public SpanStoreFixture {
 protected:
  void SetUp() override {
    SpanStoreFixture::SetUp();
    for (int i = 0; i < 150; ++i) gen_.AddTrace(&data_);
    auto app = store_->NewAppender("t1");
    for (const auto& rs : data_) {
      if (rs.has_resource()) app->Add(rs);
    }
    ASSERT_TRUE(app->Commit().ok());
    for (const auto& rs : data_) {
      for (const auto& ss : rs.scope_spans()) {
        for (const auto& s : ss.spans()) flat_.push_back({&rs, &ss, &s});
      }
    }
  }

  std::set<Key> Expected(const std::function<bool(const Flat&)>& pred) {
    std::set<Key> out;
    for (const auto& f : flat_) {
      if (pred(f)) out.insert({TraceId::FromBytes(f.span->trace_id()), SpanIdFromBytes(f.span->span_id())});
    }
    return out;
  }

  std::set<Key> Run(const ScanRequest& req, ScanStats* stats = nullptr) {
    std::set<Key> out;
    auto s = store_->Scan("t1", req, [&](const SpanBatch& b) {
      for (const auto& t : b.traces()) {
        for (uint32_t r : b.Rows(t)) {
          EXPECT_TRUE(b.Matched(r));
          EXPECT_TRUE(out.insert({b.TraceIdOf(t), b.SpanId(r)}).second);
        }
      }
      return true;
    }, stats);
    EXPECT_TRUE(s.ok()) << s;
    return out;
  }

  static ScanRequest Req(std::vector<Result<Predicate>> preds, bool all = true) {
    ScanRequest r;
    for (auto& p : preds) {
      EXPECT_TRUE(p.ok()) << p.status();
      r.predicates.push_back(std::move(*p));
    }
    r.match_all = all;
    return r;
  }

  std::vector<v1::ResourceSpans> data_;
  std::vector<Flat> flat_;
};

TEST_F(SpanScanTest, PredicatesAgreeWithBruteForceOnHeadBlocksAndAfterRestart) {
  struct Query {
    const char* what;
    ScanRequest req;
    std::function<bool(const Flat&)> ref;
  };
  std::vector<Query> queries;
  queries.push_back({"checkout && duration > 100ms",
                     Req({Predicate::Attribute(Scope::kResource, "service.name", CompareOp::kEq,
                                               Operand::String("checkout")),
                          Predicate::Of(Intrinsic::kDuration, CompareOp::kGt, Operand::Int(100'000'000))}),
                     [](const Flat& f) { return f.service() == "checkout" && f.duration() > 100'000'000; }});
  queries.push_back({"name =~ POST /.*Items",
                     Req({Predicate::Of(Intrinsic::kName, CompareOp::kRegex, Operand::String("POST /.*Items"))}),
                     [](const Flat& f) { return f.span->name().starts_with("POST /") && f.span->name().ends_with("Items"); }});
  queries.push_back({"status code >= 500",
                     Req({Predicate::Attribute(Scope::kSpan, "http.response.status_code", CompareOp::kGe,
                                               Operand::Double(500))}),
                     [](const Flat& f) { return f.Int("http.response.status_code") >= 500; }});
  queries.push_back({"status = error",
                     Req({Predicate::Of(Intrinsic::kStatus, CompareOp::kEq, Operand::Int(2))}),
                     [](const Flat& f) { return f.span->status().code() == v1::Status::STATUS_CODE_ERROR; }});
  queries.push_back({"kind = client && db.system = postgresql",
                     Req({Predicate::Of(Intrinsic::kKind, CompareOp::kEq, Operand::Int(3)),
                          Predicate::Attribute(Scope::kSpan, "db.system", CompareOp::kEq, Operand::String("postgresql"))}),
                     [](const Flat& f) {
                       return f.span->kind() == v1::Span::SPAN_KIND_CLIENT && f.Str("db.system") == "postgresql";
                     }});
  queries.push_back({".server.port = 5432 (unscoped)",
                     Req({Predicate::Attribute(Scope::kNone, "server.port", CompareOp::kEq, Operand::Int(5432))}),
                     [](const Flat& f) { return f.Int("server.port") == 5432; }});
  queries.push_back({"event:name = exception",
                     Req({Predicate::Of(Intrinsic::kEventName, CompareOp::kEq, Operand::String("exception"))}),
                     [](const Flat& f) { return f.span->events_size() > 0; }});
  queries.push_back({"instrumentation:name",
                     Req({Predicate::Of(Intrinsic::kScopeName, CompareOp::kEq,
                                        Operand::String("io.opentelemetry.spring-webmvc-6.0"))}),
                     [](const Flat& f) { return f.ss->scope().name() == "io.opentelemetry.spring-webmvc-6.0"; }});
  queries.push_back({"name = SELECT || item.count > 15",
                     Req({Predicate::Of(Intrinsic::kName, CompareOp::kEq, Operand::String("SELECT shop.orders")),
                          Predicate::Attribute(Scope::kSpan, "app.item.count", CompareOp::kGt, Operand::Int(15))},
                         false),
                     [](const Flat& f) { return f.span->name() == "SELECT shop.orders" || f.Int("app.item.count") > 15; }});
  queries.push_back({"url.path != x (only where present)",
                     Req({Predicate::Attribute(Scope::kSpan, "url.path", CompareOp::kNe, Operand::String("x"))}),
                     [](const Flat& f) { return FindAttr(f.span->attributes(), "url.path") != nullptr; }});
  queries.push_back({"link:spanID exists via link attribute",
                     Req({Predicate::Attribute(Scope::kLink, "link.kind", CompareOp::kEq, Operand::String("follows_from"))}),
                     [](const Flat& f) { return f.span->links_size() > 0; }});
  queries.push_back({"root service = frontend && parent != root",
                     Req({Predicate::Of(Intrinsic::kRootServiceName, CompareOp::kEq, Operand::String("frontend")),
                          Predicate::Of(Intrinsic::kParentId, CompareOp::kNe, Operand::String(""))}),
                     [](const Flat& f) { return !f.span->parent_span_id().empty(); }});

  std::vector<std::set<Key>> expected;
  for (const auto& q : queries) {
    expected.push_back(Expected(q.ref));
    EXPECT_FALSE(expected.back().empty()) << q.what;  // the data exercises every query
  }
  for (const char* phase : {"head", "blocks", "restart"}) {
    if (std::string(phase) == "blocks") {
      ASSERT_TRUE(store_->FlushHeads().ok());
    }
    if (std::string(phase) == "restart") Reopen();
    for (size_t i = 0; i < queries.size(); ++i) {
      EXPECT_EQ(Run(queries[i].req), expected[i]) << phase << ": " << queries[i].what;
    }
  }
}

// Array-valued attributes compare element-wise, as the TraceQL evaluator does: a pushed-down
// predicate must not drop a span the evaluator would keep (it used to skip array columns).
TEST_F(SpanScanTest, ArrayAttributesMatchElementWise) {
  v1::ResourceSpans rs;
  auto* sa = rs.mutable_resource()->add_attributes();
  sa->set_key("service.name");
  sa->mutable_value()->set_string_value("arrays");
  auto* ss = rs.add_scope_spans();
  auto add_span = [&](int n, std::function<void(otlp::common::v1::ArrayValue*)> fill) {
    auto* sp = ss->add_spans();
    sp->set_trace_id(std::string(15, '\x0a') + static_cast<char>(n));
    sp->set_span_id(std::string(7, '\x0b') + static_cast<char>(n));
    sp->set_name("s" + std::to_string(n));
    sp->set_start_time_unix_nano(1'700'000'000'000'000'000ull + n);
    sp->set_end_time_unix_nano(1'700'000'000'000'000'000ull + n + 1000);
    if (fill) {
      auto* kv = sp->add_attributes();
      kv->set_key("tags");
      fill(kv->mutable_value()->mutable_array_value());
    }
  };
  add_span(1, [](auto* a) {
    a->add_values()->set_string_value("a");
    a->add_values()->set_string_value("b");
  });
  add_span(2, [](auto* a) { a->add_values()->set_string_value("c"); });
  add_span(3, [](auto* a) {
    a->add_values()->set_int_value(1);
    a->add_values()->set_int_value(7);
  });
  add_span(4, nullptr);
  auto app = store_->NewAppender("arr");
  app->Add(rs);
  ASSERT_TRUE(app->Commit().ok());

  auto names = [&](CompareOp op, Operand v) {
    ScanRequest req;
    auto p = Predicate::Attribute(Scope::kSpan, "tags", op, std::move(v));
    EXPECT_TRUE(p.ok()) << p.status();
    req.predicates.push_back(std::move(*p));
    req.match_all = true;
    std::set<uint64_t> out;
    auto s = store_->Scan("arr", req, [&](const SpanBatch& b) {
      for (const auto& t : b.traces()) {
        for (uint32_t r : b.Rows(t)) out.insert(b.SpanId(r) & 0xff);
      }
      return true;
    });
    EXPECT_TRUE(s.ok()) << s;
    return out;
  };
  for (const char* phase : {"head", "blocks", "restart"}) {
    if (std::string(phase) == "blocks") {
      ASSERT_TRUE(store_->FlushHeads().ok());
    }
    if (std::string(phase) == "restart") Reopen();
    SCOPED_TRACE(phase);
    EXPECT_EQ(names(CompareOp::kEq, Operand::String("a")), (std::set<uint64_t>{1}));
    EXPECT_EQ(names(CompareOp::kEq, Operand::String("c")), (std::set<uint64_t>{2}));
    EXPECT_EQ(names(CompareOp::kNe, Operand::String("a")), (std::set<uint64_t>{2}));
    EXPECT_EQ(names(CompareOp::kRegex, Operand::String("b|c")), (std::set<uint64_t>{1, 2}));
    EXPECT_EQ(names(CompareOp::kNotRegex, Operand::String("a|c")), (std::set<uint64_t>{}));
    EXPECT_EQ(names(CompareOp::kGt, Operand::Int(5)), (std::set<uint64_t>{3}));
    EXPECT_EQ(names(CompareOp::kEq, Operand::Double(1.0)), (std::set<uint64_t>{3}));
    EXPECT_EQ(names(CompareOp::kExists, Operand::String("")), (std::set<uint64_t>{1, 2, 3}));
    EXPECT_EQ(names(CompareOp::kEq, Operand::String("z")), (std::set<uint64_t>{}));
  }
}

// Over many persisted blocks the scan prepares blocks on two threads but must still deliver
// every block once, newest first, with the same spans as one thread would, and stop cleanly
// after any number of blocks.
TEST_F(SpanScanTest, ManyBlocksArriveOnceNewestFirstAndStopAnywhere) {
  auto o = Defaults();
  o.max_block_spans = 400;
  Reopen(o);
  for (int i = 0; i < 24; ++i) AddTraces(25);
  ASSERT_TRUE(store_->FlushHeads().ok());
  ASSERT_GE(store_->Stats().blocks, 8u);
  auto pred = Predicate::Of(Intrinsic::kDuration, CompareOp::kGt, Operand::Int(5'000'000));
  ASSERT_TRUE(pred.ok());
  ScanRequest req;
  req.predicates.push_back(*pred);
  req.match_all = true;
  auto scan = [&](size_t stop_after, std::vector<uint64_t>* blocks, std::set<Key>* keys) {
    auto s = store_->Scan("t1", req, [&](const SpanBatch& b) {
      blocks->push_back(b.block().block_id());
      for (const auto& t : b.traces()) {
        for (uint32_t r : b.Rows(t)) {
          EXPECT_GT(b.Duration(r), 5'000'000);
          EXPECT_TRUE(keys->insert({b.TraceIdOf(t), b.SpanId(r)}).second);
        }
      }
      return blocks->size() < stop_after;
    });
    EXPECT_TRUE(s.ok()) << s;
  };
  std::vector<uint64_t> all_blocks;
  std::set<Key> all;
  scan(SIZE_MAX, &all_blocks, &all);
  ASSERT_GE(all_blocks.size(), 8u);
  for (size_t i = 1; i < all_blocks.size(); ++i) EXPECT_GT(all_blocks[i - 1], all_blocks[i]);
  EXPECT_FALSE(all.empty());
  for (int round = 0; round < 5; ++round) {
    std::vector<uint64_t> blocks;
    std::set<Key> keys;
    scan(SIZE_MAX, &blocks, &keys);
    EXPECT_EQ(blocks, all_blocks);
    EXPECT_EQ(keys, all);
  }
  for (size_t k = 1; k <= all_blocks.size(); ++k) {
    std::vector<uint64_t> blocks;
    std::set<Key> keys;
    scan(k, &blocks, &keys);
    EXPECT_EQ(blocks, std::vector<uint64_t>(all_blocks.begin(), all_blocks.begin() + k));
  }
}

TEST_F(SpanScanTest, WholeTracesSummariesAndAccessors) {
  ASSERT_TRUE(store_->FlushHeads().ok());
  ScanRequest req = Req({Predicate::Of(Intrinsic::kEventName, CompareOp::kEq, Operand::String("exception"))});
  req.whole_traces = true;
  size_t traces = 0;
  ASSERT_TRUE(store_->Scan("t1", req, [&](const SpanBatch& b) {
    std::vector<AttrView> attrs;
    std::vector<SpanBatch::Event> events;
    for (const auto& t : b.traces()) {
      ++traces;
      auto full = store_->FindTraceByID("t1", b.TraceIdOf(t));
      EXPECT_EQ(b.Rows(t).size(), CountSpans(*full));
      const TraceSummary s = b.Summary(t);
      EXPECT_TRUE(s.has_root);
      EXPECT_EQ(s.root_service, "frontend");
      EXPECT_EQ(s.root_name, "GET /api/checkout");
      EXPECT_GT(s.duration_ns(), 0);
      bool any_matched = false;
      for (uint32_t r : b.Rows(t)) {
        b.Events(r, &events);
        EXPECT_EQ(b.Matched(r), !events.empty());
        any_matched |= b.Matched(r);
        if (!events.empty()) {
          b.EventAttrs(events[0].index, &attrs);
          EXPECT_EQ(attrs.size(), 2u);
          if (!attrs.empty()) {
            EXPECT_EQ(attrs[0].key, "exception.type");  // first column first
          }
        }
        auto route = b.Attr(r, Scope::kSpan, "thread.name");
        EXPECT_TRUE(route.has_value());
        auto svc = b.Attr(r, Scope::kResource, "service.name");
        EXPECT_TRUE(svc.has_value() && svc->s == b.ServiceName(r));
        b.Attrs(r, Scope::kResource, &attrs);
        EXPECT_EQ(attrs.size(), 11u);
        EXPECT_FALSE(b.ScopeName(r).empty());
      }
      EXPECT_TRUE(any_matched);
    }
    return true;
  }).ok());
  EXPECT_GT(traces, 0u);
}

TEST_F(SpanScanTest, PruningAndLimits) {
  ASSERT_TRUE(store_->FlushHeads().ok());
  AddTraces(20);
  ASSERT_TRUE(store_->FlushHeads().ok());
  ScanStats st;
  auto none = Run(Req({Predicate::Attribute(Scope::kResource, "service.name", CompareOp::kEq, Operand::String("nope"))}),
                  &st);
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(st.blocks_pruned, 2u);
  EXPECT_EQ(st.bytes_read, 0u);
  st = {};
  Run(Req({Predicate::Of(Intrinsic::kDuration, CompareOp::kGt, Operand::Int(INT64_MAX / 2))}), &st);
  EXPECT_EQ(st.blocks_pruned, 2u);
  ScanRequest req;
  req.max_traces = 5;
  size_t handed = 0;
  ASSERT_TRUE(store_->Scan("t1", req, [&](const SpanBatch& b) { return handed += b.traces().size(), true; }).ok());
  EXPECT_EQ(handed, 5u);
  // Traces outside the time range are not handed over.
  req = {};
  req.start_ns = 1;
  req.end_ns = 2;
  handed = 0;
  ASSERT_TRUE(store_->Scan("t1", req, [&](const SpanBatch& b) { return handed += b.traces().size(), true; }).ok());
  EXPECT_EQ(handed, 0u);
}

TEST_F(SpanScanTest, TagNamesAndValues) {
  for (bool flushed : {false, true}) {
    if (flushed) {
      ASSERT_TRUE(store_->FlushHeads().ok());
    }
    auto res = store_->TagNames("t1", Scope::kResource, 0, 0, 0);
    ASSERT_TRUE(res.ok());
    EXPECT_EQ(res->size(), 11u);
    EXPECT_TRUE(std::binary_search(res->begin(), res->end(), "k8s.pod.name"));
    auto span = store_->TagNames("t1", Scope::kSpan, 0, 0, 0);
    EXPECT_TRUE(std::binary_search(span->begin(), span->end(), "http.route"));
    EXPECT_FALSE(std::binary_search(span->begin(), span->end(), "service.name"));
    auto ev = store_->TagNames("t1", Scope::kEvent, 0, 0, 0);
    EXPECT_EQ(*ev, (std::vector<std::string>{"exception.message", "exception.type"}));
    EXPECT_EQ(store_->TagNames("t1", Scope::kSpan, 0, 0, 3)->size(), 3u);

    auto services = store_->TagValues("t1", Scope::kResource, "service.name", Intrinsic::kNone, 0, 0, 0);
    ASSERT_TRUE(services.ok());
    EXPECT_EQ(services->size(), 10u);
    auto codes = store_->TagValues("t1", Scope::kSpan, "http.response.status_code", Intrinsic::kNone, 0, 0, 0);
    EXPECT_EQ(*codes, (std::vector<TagValue>{{ValueType::kInt, "200"}, {ValueType::kInt, "500"}}));
    auto status = store_->TagValues("t1", Scope::kNone, "", Intrinsic::kStatus, 0, 0, 0);
    EXPECT_EQ(*status, (std::vector<TagValue>{{ValueType::kString, "error"}, {ValueType::kString, "unset"}}));
    auto names = store_->TagValues("t1", Scope::kNone, "", Intrinsic::kRootName, 0, 0, 0);
    EXPECT_EQ(*names, (std::vector<TagValue>{{ValueType::kString, "GET /api/checkout"}}));
    // Outside every block's time range (the head is always consulted).
    if (flushed) {
      EXPECT_TRUE(store_->TagNames("t1", Scope::kResource, 1, 2, 0)->empty());
    }
  }
}

TEST_F(SpanScanTest, LegacyTagSearch) {
  ASSERT_TRUE(store_->FlushHeads().ok());
  TagSearchRequest req;
  req.tags = {{"service.name", "checkout"}, {"http.response.status_code", "500"}};
  req.limit = 1000;
  auto r = store_->SearchTags("t1", req);
  ASSERT_TRUE(r.ok()) << r.status();
  std::set<TraceId> expect;
  for (const auto& f : flat_) {
    if (f.service() == "checkout" && f.Int("http.response.status_code") == 500) {
      expect.insert(TraceId::FromBytes(f.span->trace_id()));
    }
  }
  std::set<TraceId> got;
  for (const auto& t : r->traces) got.insert(t.id);
  EXPECT_EQ(got, expect);
  for (size_t i = 1; i < r->traces.size(); ++i) EXPECT_GE(r->traces[i - 1].start_ns, r->traces[i].start_ns);

  req.tags = {{"name", "GET /api/checkout"}};
  req.min_duration_ns = 200'000'000;
  req.limit = 3;
  r = store_->SearchTags("t1", req);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->traces.size(), 3u);
  for (const auto& t : r->traces) {
    EXPECT_GE(t.duration_ns(), 200'000'000);
    EXPECT_EQ(t.root_service, "frontend");
  }
  req.tags = {{"status.code", "maybe"}};
  EXPECT_EQ(store_->SearchTags("t1", req).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace loupe::storage::spanstore
