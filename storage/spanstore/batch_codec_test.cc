#include "storage/spanstore/batch_codec.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "storage/spanstore/span_gen_test_util.h"

namespace loupe::storage::spanstore {
namespace {

using google::protobuf::util::MessageDifferencer;
namespace v1 = otlp::trace::v1;

v1::ResourceSpans FullyPopulated() {
  v1::ResourceSpans rs;
  rs.set_schema_url("https://opentelemetry.io/schemas/1.21.0");
  testing::AddStr(rs.mutable_resource(), "service.name", "checkout");
  rs.mutable_resource()->set_dropped_attributes_count(2);
  auto* ss = rs.add_scope_spans();
  ss->mutable_scope()->set_name("lib");
  ss->mutable_scope()->set_version("1.0");
  testing::AddStr(ss->mutable_scope(), "scope.attr", "x");
  ss->set_schema_url("scope-schema");
  auto* s = ss->add_spans();
  s->set_trace_id(std::string("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10", 16));
  s->set_span_id(std::string("\xaa\xbb\xcc\xdd\x00\x11\x22\x33", 8));
  s->set_parent_span_id(std::string("\x01\x01\x01\x01\x01\x01\x01\x01", 8));
  s->set_trace_state("vendor=1");
  s->set_flags(0x301);
  s->set_name("GET /cart");
  s->set_kind(v1::Span::SPAN_KIND_SERVER);
  s->set_start_time_unix_nano(1'700'000'000'123'456'789ull);
  s->set_end_time_unix_nano(1'700'000'000'223'456'789ull);
  testing::AddStr(s, "http.method", "GET");
  testing::AddInt(s, "http.status_code", -200);
  auto* d = s->add_attributes();
  d->set_key("ratio");
  d->mutable_value()->set_double_value(0.25);
  auto* b = s->add_attributes();
  b->set_key("ok");
  b->mutable_value()->set_bool_value(true);
  auto* by = s->add_attributes();
  by->set_key("raw");
  by->mutable_value()->set_bytes_value(std::string("\x00\xff", 2));
  auto* arr = s->add_attributes();
  arr->set_key("list");
  arr->mutable_value()->mutable_array_value()->add_values()->set_string_value("a");
  arr->mutable_value()->mutable_array_value()->add_values()->set_int_value(7);
  auto* kvl = s->add_attributes();
  kvl->set_key("map");
  testing::SetStr(kvl->mutable_value()->mutable_kvlist_value()->add_values(), "inner", "v");
  s->add_attributes()->set_key("empty");
  testing::AddStr(s, "http.method", "dup");  // duplicate keys survive in trace records
  s->set_dropped_attributes_count(3);
  auto* e = s->add_events();
  e->set_name("exception");
  e->set_time_unix_nano(1'700'000'000'123'456'000ull);  // before the span start
  testing::AddStr(e, "exception.message", "boom");
  e->set_dropped_attributes_count(1);
  s->set_dropped_events_count(4);
  auto* l = s->add_links();
  l->set_trace_id(std::string(16, '\x07'));
  l->set_span_id(std::string(8, '\x08'));
  l->set_trace_state("ts");
  l->set_flags(1);
  testing::AddStr(l, "link.kind", "child");
  l->set_dropped_attributes_count(5);
  s->set_dropped_links_count(6);
  s->mutable_status()->set_code(v1::Status::STATUS_CODE_ERROR);
  s->mutable_status()->set_message("failed");
  return rs;
}

TEST(BatchCodecTest, RoundTripKeepsEveryField) {
  const v1::ResourceSpans in = FullyPopulated();
  BatchBuilder bb;
  const uint32_t r = bb.AddResource(in.resource(), in.schema_url());
  const uint32_t sc = bb.AddScope(r, in.scope_spans(0).scope(), in.scope_spans(0).schema_url());
  bb.AddSpan(sc, in.scope_spans(0).spans(0));
  std::string batch;
  ASSERT_EQ(bb.Assemble({}, &batch), 1u);

  TraceAssembler as;
  ASSERT_TRUE(as.Add(batch).ok());
  google::protobuf::RepeatedPtrField<v1::ResourceSpans> out;
  as.Release(&out);
  ASSERT_EQ(out.size(), 1);
  std::string diff;
  MessageDifferencer md;
  md.ReportDifferencesToString(&diff);
  EXPECT_TRUE(md.Compare(in, out[0])) << diff;
}

TEST(BatchCodecTest, AssembleLeavesOutUnkeptSpansAndEmptyGroups) {
  testing::SpanGenerator gen(3);
  std::vector<v1::ResourceSpans> by_service;
  gen.AddTrace(&by_service);
  gen.AddTrace(&by_service);
  BatchBuilder bb;
  size_t n = 0;
  for (const auto& rs : by_service) {
    if (!rs.has_resource()) continue;
    const uint32_t r = bb.AddResource(rs.resource(), rs.schema_url());
    for (const auto& ss : rs.scope_spans()) {
      const uint32_t sc = bb.AddScope(r, ss.scope(), ss.schema_url());
      for (const auto& s : ss.spans()) {
        bb.AddSpan(sc, s);
        ++n;
      }
    }
  }
  std::vector<bool> keep(n, false);
  keep[1] = true;
  keep[n - 1] = true;
  std::string batch;
  ASSERT_EQ(bb.Assemble(keep, &batch), 2u);
  struct Count final : BatchVisitor {
    int res = 0, scopes = 0, spans = 0;
    Status OnResource(std::string_view) override { return ++res, Status::OK(); }
    Status OnScope(std::string_view) override { return ++scopes, Status::OK(); }
    Status OnSpan(std::string_view) override { return ++spans, Status::OK(); }
  } c;
  ASSERT_TRUE(WalkBatch(batch, &c).ok());
  EXPECT_EQ(c.spans, 2);
  EXPECT_LE(c.res, 2);
  EXPECT_EQ(c.scopes, c.res);
}

TEST(BatchCodecTest, TraceRecordWriterMergesGroupsAndAssemblerDeduplicates) {
  const v1::ResourceSpans in = FullyPopulated();
  BatchBuilder bb;
  const uint32_t r = bb.AddResource(in.resource(), in.schema_url());
  const uint32_t sc = bb.AddScope(r, in.scope_spans(0).scope(), in.scope_spans(0).schema_url());
  v1::Span second = in.scope_spans(0).spans(0);
  second.set_span_id(std::string(8, '\x09'));
  bb.AddSpan(sc, in.scope_spans(0).spans(0));
  bb.AddSpan(sc, second);
  std::string batch;
  bb.Assemble({}, &batch);
  // Collect the pieces and write them as a trace record (same resource twice: one group).
  struct Pieces final : BatchVisitor {
    std::vector<std::string_view> res, scope, span;
    Status OnResource(std::string_view h) override { return res.push_back(h), Status::OK(); }
    Status OnScope(std::string_view h) override { return scope.push_back(h), Status::OK(); }
    Status OnSpan(std::string_view b) override { return span.push_back(b), Status::OK(); }
  } p;
  ASSERT_TRUE(WalkBatch(batch, &p).ok());
  TraceRecordWriter w;
  w.Begin(TraceId::FromBytes(in.scope_spans(0).spans(0).trace_id()));
  for (auto b : p.span) {
    w.Resource(p.res[0]);
    w.Scope(p.scope[0]);
    w.Span(b);
  }
  const std::string record = w.Finish();
  TraceAssembler as;
  ASSERT_TRUE(as.Add(record).ok());
  ASSERT_TRUE(as.Add(record).ok());  // the same spans again: de-duplicated
  EXPECT_EQ(as.span_count(), 2u);
  google::protobuf::RepeatedPtrField<v1::ResourceSpans> out;
  as.Release(&out);
  ASSERT_EQ(out.size(), 1);
  ASSERT_EQ(out[0].scope_spans_size(), 1);
  EXPECT_EQ(out[0].scope_spans(0).spans_size(), 2);
  EXPECT_EQ(out[0].scope_spans(0).spans(1).trace_id(), in.scope_spans(0).spans(0).trace_id());
}

TEST(BatchCodecTest, AssemblerStopsAtMaxBytesAndSaysPartial) {
  testing::SpanGenerator gen(5);
  auto batches = gen.Batches(20, 1000);
  BatchBuilder bb;
  for (const auto& rs : batches) {
    const uint32_t r = bb.AddResource(rs.resource(), rs.schema_url());
    const uint32_t sc = bb.AddScope(r, rs.scope_spans(0).scope(), "");
    for (const auto& s : rs.scope_spans(0).spans()) bb.AddSpan(sc, s);
  }
  std::string batch;
  bb.Assemble({}, &batch);
  TraceAssembler as(2000);
  ASSERT_TRUE(as.Add(batch).ok());
  EXPECT_TRUE(as.partial());
  EXPECT_LE(as.bytes(), 2000u);
  EXPECT_GT(as.span_count(), 0u);
}

TEST(BatchCodecTest, CorruptInputIsRejectedCleanly) {
  const v1::ResourceSpans in = FullyPopulated();
  BatchBuilder bb;
  const uint32_t r = bb.AddResource(in.resource(), in.schema_url());
  const uint32_t sc = bb.AddScope(r, in.scope_spans(0).scope(), "");
  bb.AddSpan(sc, in.scope_spans(0).spans(0));
  std::string batch;
  bb.Assemble({}, &batch);
  // Every truncation fails (the framing is exact).
  for (size_t n = 0; n < batch.size(); ++n) {
    TraceAssembler as;
    EXPECT_FALSE(as.Add(batch.substr(0, n)).ok()) << n;
    EXPECT_EQ(as.span_count(), 0u);
  }
  // Flipped bytes never crash; a failure adds nothing.
  for (size_t i = 0; i < batch.size(); ++i) {
    for (uint8_t mask : {0x01, 0x80, 0xff}) {
      std::string bad = batch;
      bad[i] = static_cast<char>(bad[i] ^ mask);
      TraceAssembler as;
      if (!as.Add(bad).ok()) {
        EXPECT_EQ(as.span_count(), 0u);
      }
    }
  }
}

TEST(BatchCodecTest, DeepValuesAreCappedNotRecursedForever) {
  v1::ResourceSpans rs = FullyPopulated();
  auto* kv = rs.mutable_scope_spans(0)->mutable_spans(0)->add_attributes();
  kv->set_key("deep");
  otlp::common::v1::AnyValue* v = kv->mutable_value();
  for (int i = 0; i < 60; ++i) v = v->mutable_array_value()->add_values();
  v->set_string_value("bottom");
  BatchBuilder bb;
  const uint32_t r = bb.AddResource(rs.resource(), "");
  const uint32_t sc = bb.AddScope(r, rs.scope_spans(0).scope(), "");
  bb.AddSpan(sc, rs.scope_spans(0).spans(0));
  std::string batch;
  bb.Assemble({}, &batch);
  TraceAssembler as;
  ASSERT_TRUE(as.Add(batch).ok());
  EXPECT_EQ(as.span_count(), 1u);
}

}  // namespace
}  // namespace loupe::storage::spanstore
