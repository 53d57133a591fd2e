#include "storage/spanstore/span_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "storage/spanstore/keys.h"
#include "storage/spanstore/span_store_test_util.h"

namespace loupe::storage::spanstore {
namespace {

namespace v1 = otlp::trace::v1;

v1::ResourceSpans OneSpan(std::string trace_id, std::string span_id, const std::string& name = "op") {
  v1::ResourceSpans rs;
  testing::AddStr(rs.mutable_resource(), "service.name", "svc");
  auto* s = rs.add_scope_spans()->add_spans();
  s->set_trace_id(std::move(trace_id));
  s->set_span_id(std::move(span_id));
  s->set_name(name);
  s->set_start_time_unix_nano(1'700'000'000'000'000'000ull);
  s->set_end_time_unix_nano(1'700'000'000'100'000'000ull);
  return rs;
}

std::string Tid(int i) {
  std::string t(16, '\x11');
  t[15] = static_cast<char>(i);
  return t;
}
std::string Sid(int i) {
  std::string s(8, '\x22');
  s[7] = static_cast<char>(i);
  return s;
}

using SpanStoreTest = SpanStoreFixture;

TEST_F(SpanStoreTest, TraceByIdFromHeadBlocksAndAfterRestart) {
  const auto ids = AddTraces(40);
  std::vector<size_t> counts;
  uint64_t total = 0;
  for (const auto& id : ids) {
    auto r = store_->FindTraceByID("t1", id);
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(r->found);
    EXPECT_FALSE(r->partial);
    counts.push_back(CountSpans(*r));
    total += counts.back();
    // Spans come back grouped: one ResourceSpans per service.
    std::set<std::string> services;
    for (const auto& rs : r->resource_spans) {
      EXPECT_TRUE(services.insert(rs.resource().attributes(0).value().string_value()).second);
    }
  }
  EXPECT_EQ(total, store_->Stats().spans_accepted);
  ASSERT_TRUE(store_->FlushHeads().ok());
  EXPECT_EQ(store_->Stats().blocks, 1u);
  EXPECT_EQ(store_->Stats().head_spans, 0u);
  for (size_t i = 0; i < ids.size(); ++i) {
    auto r = store_->FindTraceByID("t1", ids[i]);
    ASSERT_TRUE(r.ok() && r->found);
    EXPECT_EQ(CountSpans(*r), counts[i]);
  }
  // More spans for the first trace land in the head: the answer merges block and head.
  Reopen();
  for (size_t i = 0; i < ids.size(); ++i) {
    auto r = store_->FindTraceByID("t1", ids[i]);
    ASSERT_TRUE(r.ok() && r->found);
    EXPECT_EQ(CountSpans(*r), counts[i]);
  }
  TraceId missing;
  missing.bytes[3] = 9;
  auto r = store_->FindTraceByID("t1", missing);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->found);
  EXPECT_FALSE(store_->FindTraceByID("other-tenant", ids[0])->found);
}

TEST_F(SpanStoreTest, SpansOfOneTraceAcrossBlocksAndHeadAreMerged) {
  ASSERT_EQ(Append({OneSpan(Tid(1), Sid(1))}).spans_accepted, 1u);
  ASSERT_TRUE(store_->FlushHeads().ok());
  ASSERT_EQ(Append({OneSpan(Tid(1), Sid(2))}).spans_accepted, 1u);
  ASSERT_TRUE(store_->FlushHeads().ok());
  ASSERT_EQ(Append({OneSpan(Tid(1), Sid(3)), OneSpan(Tid(1), Sid(1))}).spans_accepted, 2u);  // a resend
  auto r = store_->FindTraceByID("t1", TraceId::FromBytes(Tid(1)));
  ASSERT_TRUE(r.ok() && r->found);
  ASSERT_EQ(r->resource_spans.size(), 1);  // same resource and scope: one group
  EXPECT_EQ(CountSpans(*r), 3u);           // span 1 de-duplicated
}

TEST_F(SpanStoreTest, InvalidIdsRefuseTheBatchWithTempoTexts) {
  struct Case {
    std::string trace, span, text;
    DiscardReason reason;
  } cases[] = {
      {std::string(8, '\x01'), Sid(1), "trace ids must be 128 bit, received 64 bits", DiscardReason::kInvalidTraceId},
      {std::string(16, '\0'), Sid(1), "trace ids must be 128 bit and not all zero, received 128 bits",
       DiscardReason::kInvalidTraceId},
      {Tid(1), "", "span ids must be 64 bit and not all zero, received 0 bits", DiscardReason::kInvalidSpanId},
      {Tid(1), std::string(8, '\0'), "span ids must be 64 bit and not all zero, received 64 bits",
       DiscardReason::kInvalidSpanId},
  };
  for (const auto& c : cases) {
    const AppendStats st = Append({OneSpan(Tid(7), Sid(7)), OneSpan(c.trace, c.span)});
    EXPECT_EQ(st.batch_error.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(st.batch_error.message(), c.text);
    EXPECT_EQ(st.spans_accepted, 0u);
    EXPECT_EQ(st.spans_rejected[static_cast<int>(c.reason)], 2u);  // the whole request
  }
  EXPECT_FALSE(store_->FindTraceByID("t1", TraceId::FromBytes(Tid(7)))->found);
  EXPECT_EQ(store_->Stats().spans_discarded[static_cast<int>(DiscardReason::kInvalidTraceId)], 4u);
}

TEST_F(SpanStoreTest, DropModeKeepsTheGoodSpans) {
  auto o = Defaults();
  o.reject_batch_on_invalid_id = false;
  Reopen(o);
  const AppendStats st = Append({OneSpan(Tid(7), Sid(7)), OneSpan(Tid(8), "bad")});
  EXPECT_TRUE(st.batch_error.ok());
  EXPECT_EQ(st.spans_accepted, 1u);
  EXPECT_EQ(st.rejected(), 1u);
  EXPECT_EQ(st.first_error, "span ids must be 64 bit and not all zero, received 24 bits");
  EXPECT_TRUE(store_->FindTraceByID("t1", TraceId::FromBytes(Tid(7)))->found);
}

TEST_F(SpanStoreTest, TraceTooLargeDropsTheTracesBatchAndResetsAtCut) {
  auto o = Defaults();
  o.max_bytes_per_trace = 300;
  Reopen(o);
  std::vector<v1::ResourceSpans> batch;
  for (int i = 0; i < 3; ++i) batch.push_back(OneSpan(Tid(1), Sid(i + 1), std::string(40, 'x')));
  ASSERT_EQ(Append(batch).spans_accepted, 3u);
  batch.clear();
  for (int i = 3; i < 6; ++i) batch.push_back(OneSpan(Tid(1), Sid(i + 1), std::string(40, 'x')));
  batch.push_back(OneSpan(Tid(2), Sid(9)));
  const AppendStats st = Append(batch);
  EXPECT_EQ(st.spans_accepted, 1u);  // only trace 2
  EXPECT_EQ(st.spans_rejected[static_cast<int>(DiscardReason::kTraceTooLarge)], 3u);
  EXPECT_TRUE(st.first_error.starts_with("TRACE_TOO_LARGE: max size of trace (300) exceeded while adding "))
      << st.first_error;
  EXPECT_TRUE(st.first_error.ends_with(" bytes to trace " + TraceId::FromBytes(Tid(1)).Hex() + " for tenant t1"))
      << st.first_error;
  // As in Tempo, sizes are counted per head block.
  ASSERT_TRUE(store_->FlushHeads().ok());
  EXPECT_EQ(Append({OneSpan(Tid(1), Sid(20))}).spans_accepted, 1u);
}

TEST_F(SpanStoreTest, LiveTracesLimitRefusesNewTracesOnly) {
  auto o = Defaults();
  o.max_live_traces = 3;
  Reopen(o);
  std::vector<v1::ResourceSpans> batch;
  for (int i = 0; i < 5; ++i) batch.push_back(OneSpan(Tid(i + 1), Sid(1)));
  AppendStats st = Append(batch);
  EXPECT_EQ(st.spans_accepted, 3u);
  EXPECT_EQ(st.spans_rejected[static_cast<int>(DiscardReason::kLiveTracesExceeded)], 2u);
  EXPECT_EQ(st.first_error,
            "LIVE_TRACES_EXCEEDED: max live traces exceeded for tenant t1: per-user traces limit (local: 3 "
            "global: 0 actual local: 3) exceeded");
  // Spans of live traces still go in.
  st = Append({OneSpan(Tid(1), Sid(2))});
  EXPECT_EQ(st.spans_accepted, 1u);
  // Once the traces went idle, new ones are accepted again.
  clock_.Advance(o.live_trace_idle_ns + 2'000'000'000);
  st = Append({OneSpan(Tid(9), Sid(1))});
  EXPECT_EQ(st.spans_accepted, 1u);
}

TEST_F(SpanStoreTest, ReplayAfterKillRestoresUnflushedSpansWithoutDuplicates) {
  const auto a = AddTraces(10);
  ASSERT_TRUE(store_->FlushHeads().ok());
  const auto b = AddTraces(10);
  std::vector<size_t> counts;
  for (const auto& id : b) counts.push_back(CountSpans(*store_->FindTraceByID("t1", id)));
  const uint64_t head_spans = store_->Stats().head_spans;
  Reopen();
  const SpanStoreStats st = store_->Stats();
  EXPECT_EQ(st.head_spans, head_spans);
  EXPECT_EQ(st.blocks, 1u);
  EXPECT_EQ(st.wal_corruptions, 0u);
  for (size_t i = 0; i < b.size(); ++i) EXPECT_EQ(CountSpans(*store_->FindTraceByID("t1", b[i])), counts[i]);
  for (const auto& id : a) EXPECT_TRUE(store_->FindTraceByID("t1", id)->found);
}

TEST_F(SpanStoreTest, TornWalTailIsTruncatedAndCounted) {
  ASSERT_EQ(Append({OneSpan(Tid(1), Sid(1))}).spans_accepted, 1u);
  ASSERT_EQ(Append({OneSpan(Tid(2), Sid(1))}).spans_accepted, 1u);
  CloseAll();
  // Chop the last record in half, as a crash mid-write would.
  std::string seg;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir_.Sub("wal"))) {
    if (e.is_regular_file()) seg = e.path().string();
  }
  ASSERT_FALSE(seg.empty());
  const auto size = std::filesystem::file_size(seg);
  std::filesystem::resize_file(seg, size - 20);
  OpenAll(options_);
  EXPECT_EQ(store_->Stats().wal_corruptions, 1u);
  EXPECT_TRUE(store_->FindTraceByID("t1", TraceId::FromBytes(Tid(1)))->found);
  EXPECT_FALSE(store_->FindTraceByID("t1", TraceId::FromBytes(Tid(2)))->found);
  // The log goes on after the good records.
  ASSERT_EQ(Append({OneSpan(Tid(3), Sid(1))}).spans_accepted, 1u);
  Reopen();
  EXPECT_EQ(store_->Stats().wal_corruptions, 0u);
  EXPECT_TRUE(store_->FindTraceByID("t1", TraceId::FromBytes(Tid(3)))->found);
}

TEST_F(SpanStoreTest, HeadIsCutBySizeAndWalShrinks) {
  auto o = Defaults();
  o.max_block_spans = 500;
  Reopen(o);
  std::vector<TraceId> ids;
  for (int i = 0; i < 10; ++i) {
    auto more = AddTraces(20, "t1", 100);
    ids.insert(ids.end(), more.begin(), more.end());
  }
  const SpanStoreStats st = store_->Stats();
  EXPECT_GE(st.blocks, 2u);
  EXPECT_LT(st.head_spans, 1000u);
  EXPECT_LT(st.wal_bytes, 1u << 20);
  for (const auto& id : ids) ASSERT_TRUE(store_->FindTraceByID("t1", id)->found);
  Reopen(o);
  for (const auto& id : ids) ASSERT_TRUE(store_->FindTraceByID("t1", id)->found);
}

TEST_F(SpanStoreTest, RetentionByAgeDropsOldBlocks) {
  auto o = Defaults();
  o.retention_ns = 3600LL * 1'000'000'000;
  Reopen(o);
  const auto old_ids = AddTraces(5);
  ASSERT_TRUE(store_->FlushHeads().ok());
  clock_.Advance(2 * 3600LL * 1'000'000'000);
  const auto new_ids = AddTraces(5);
  ASSERT_TRUE(store_->FlushHeads().ok());
  ASSERT_TRUE(store_->ApplyRetention().ok());
  EXPECT_EQ(store_->Stats().blocks, 1u);
  EXPECT_EQ(store_->Stats().retention_deleted_blocks, 1u);
  for (const auto& id : old_ids) EXPECT_FALSE(store_->FindTraceByID("t1", id)->found);
  for (const auto& id : new_ids) EXPECT_TRUE(store_->FindTraceByID("t1", id)->found);
  // The range deletes removed the keys, not just the metadata.
  {
    auto it = kv_->NewIterator(*kv_->Family(kTracesFamily));
    size_t keys = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++keys;
    EXPECT_EQ(keys, new_ids.size());
  }
  Reopen(o);
  EXPECT_EQ(store_->Stats().blocks, 1u);
}

TEST_F(SpanStoreTest, RetentionBySizeDropsOldestBlocksFirst) {
  auto o = Defaults();
  Reopen(o);
  std::vector<std::vector<TraceId>> gens;
  for (int i = 0; i < 4; ++i) {
    gens.push_back(AddTraces(20));
    ASSERT_TRUE(store_->FlushHeads().ok());
    clock_.Advance(1'000'000'000);
  }
  const SpanStoreStats st = store_->Stats();
  ASSERT_EQ(st.blocks, 4u);
  o.retention_bytes = (st.trace_bytes + st.index_bytes) * 6 / 10;
  Reopen(o);
  ASSERT_TRUE(store_->ApplyRetention().ok());
  EXPECT_EQ(store_->Stats().blocks, 2u);
  EXPECT_FALSE(store_->FindTraceByID("t1", gens[0][0])->found);
  EXPECT_FALSE(store_->FindTraceByID("t1", gens[1][0])->found);
  EXPECT_TRUE(store_->FindTraceByID("t1", gens[3][0])->found);
}

TEST_F(SpanStoreTest, CorruptTraceRecordGivesPartialAnswerNotACrash) {
  const auto ids = AddTraces(3);
  ASSERT_TRUE(store_->FlushHeads().ok());
  const auto cf = *kv_->Family(kTracesFamily);
  std::string v;
  ASSERT_TRUE(kv_->Get(cf, TraceKey(0, 1, ids[0]), &v).ok());
  v[v.size() / 2] ^= 0x40;
  ASSERT_TRUE(kv_->Put(cf, TraceKey(0, 1, ids[0]), v).ok());
  ASSERT_TRUE(kv_->Put(cf, TraceKey(0, 1, ids[1]), v.substr(0, 3)).ok());
  for (int i = 0; i < 2; ++i) {
    auto r = store_->FindTraceByID("t1", ids[i]);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_FALSE(r->found);
    EXPECT_TRUE(r->partial);
    EXPECT_NE(r->message.find("corrupt"), std::string::npos);
  }
  EXPECT_EQ(store_->Stats().corrupt_reads, 2u);
  EXPECT_TRUE(store_->FindTraceByID("t1", ids[2])->found);
}

TEST_F(SpanStoreTest, CorruptIndexUnitFailsTheScanCleanly) {
  AddTraces(5);
  ASSERT_TRUE(store_->FlushHeads().ok());
  const auto cf = *kv_->Family(kIndexFamily);
  for (uint32_t unit : {uint32_t{kUnitDuration}, uint32_t{kUnitTraces}}) {
    std::string v;
    ASSERT_TRUE(kv_->Get(cf, UnitKey(0, 1, unit), &v).ok());
    ASSERT_TRUE(kv_->Put(cf, UnitKey(0, 1, unit), v.substr(0, v.size() - 2)).ok());
  }
  Reopen();  // drop cached decoded blocks
  ScanRequest req;
  req.predicates.push_back(*Predicate::Of(Intrinsic::kDuration, CompareOp::kGt, Operand::Int(0)));
  auto s = store_->Scan("t1", req, [](const SpanBatch&) { return true; });
  EXPECT_EQ(s.code(), StatusCode::kCorruption) << s;
  EXPECT_NE(s.message().find("block 1"), std::string::npos) << s;
}

TEST_F(SpanStoreTest, ScanReadsBlocksAheadButDeliversThemInOrder) {
  // Six persisted blocks: past the first one a helper thread prepares the next blocks, while
  // the callback keeps running on this thread, newest block first, each block once.
  for (int b = 0; b < 6; ++b) {
    AddTraces(3);
    ASSERT_TRUE(store_->FlushHeads().ok());
  }
  Reopen();
  ScanRequest req;
  req.predicates.push_back(*Predicate::Of(Intrinsic::kDuration, CompareOp::kGe, Operand::Int(0)));
  const std::thread::id self = std::this_thread::get_id();
  std::vector<uint64_t> order;
  bool other_thread = false;
  ScanStats st;
  ASSERT_TRUE(store_->Scan("t1", req, [&](const SpanBatch& b) {
    other_thread = other_thread || std::this_thread::get_id() != self;
    order.push_back(b.block().block_id());
    return true;
  }, &st).ok());
  EXPECT_EQ(order, (std::vector<uint64_t>{6, 5, 4, 3, 2, 1}));
  EXPECT_FALSE(other_thread);
  EXPECT_EQ(st.traces_matched, 18u);
  EXPECT_GT(st.bytes_read, 0u);

  // Stopping early ends the scan cleanly (blocks read ahead are dropped).
  int calls = 0;
  ASSERT_TRUE(store_->Scan("t1", req, [&](const SpanBatch&) { return ++calls < 2; }).ok());
  EXPECT_EQ(calls, 2);

  // A corrupt unit in the oldest block (prepared ahead by the helper) fails the scan after
  // the newer blocks were delivered.
  const auto cf = *kv_->Family(kIndexFamily);
  std::string v;
  ASSERT_TRUE(kv_->Get(cf, UnitKey(0, 1, kUnitDuration), &v).ok());
  ASSERT_TRUE(kv_->Put(cf, UnitKey(0, 1, kUnitDuration), v.substr(0, v.size() - 2)).ok());
  Reopen();
  calls = 0;
  auto s = store_->Scan("t1", req, [&](const SpanBatch&) { return ++calls, true; });
  EXPECT_EQ(s.code(), StatusCode::kCorruption) << s;
  EXPECT_NE(s.message().find("block 1"), std::string::npos) << s;
  EXPECT_EQ(calls, 5);
}

TEST_F(SpanStoreTest, CorruptBlockMetaIsSkippedAndCounted) {
  const auto ids = AddTraces(3);
  ASSERT_TRUE(store_->FlushHeads().ok());
  const auto cf = *kv_->Family(kMetaFamily);
  std::string v;
  ASSERT_TRUE(kv_->Get(cf, BlockMetaKey(0, 1), &v).ok());
  ASSERT_TRUE(kv_->Put(cf, BlockMetaKey(0, 1), v.substr(0, v.size() / 2)).ok());
  Reopen();
  EXPECT_EQ(store_->Stats().corrupt_block_metas, 1u);
  EXPECT_EQ(store_->Stats().blocks, 0u);
  EXPECT_FALSE(store_->FindTraceByID("t1", ids[0])->found);
  // New blocks do not reuse the damaged block's id.
  AddTraces(2);
  ASSERT_TRUE(store_->FlushHeads().ok());
  Reopen();
  EXPECT_EQ(store_->Stats().blocks, 1u);
}

TEST_F(SpanStoreTest, MaxBytesOnReadReturnsPartialTrace) {
  const auto ids = AddTraces(1);
  TraceQuery q;
  q.max_bytes = 500;
  auto r = store_->FindTraceByID("t1", ids[0], q);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->found);
  EXPECT_TRUE(r->partial);
  EXPECT_EQ(r->message, "trace exceeds max size (max bytes: 500)");
}

TEST_F(SpanStoreTest, TenantsAreIsolated) {
  const auto a = AddTraces(2, "team-a");
  const auto b = AddTraces(2, "team-b");
  EXPECT_TRUE(store_->FindTraceByID("team-a", a[0])->found);
  EXPECT_FALSE(store_->FindTraceByID("team-b", a[0])->found);
  ASSERT_TRUE(store_->FlushHeads().ok());
  Reopen();
  EXPECT_TRUE(store_->FindTraceByID("team-b", b[1])->found);
  EXPECT_FALSE(store_->FindTraceByID("team-a", b[1])->found);
}

TEST_F(SpanStoreTest, ConcurrentWritersAndReaders) {
  auto o = Defaults();
  o.max_block_spans = 2000;
  Reopen(o);
  std::atomic<bool> done{false};
  std::thread reader([&] {
    ScanRequest req;
    req.predicates.push_back(*Predicate::Of(Intrinsic::kServiceName, CompareOp::kEq, Operand::String("cart")));
    while (!done) {
      ASSERT_TRUE(store_->Scan("t1", req, [](const SpanBatch& b) { return !b.traces().empty(); }).ok());
    }
  });
  std::vector<std::thread> writers;
  std::mutex gen_mu;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      testing::SpanGenerator gen(100 + w, kNow);
      for (int i = 0; i < 20; ++i) {
        auto batches = gen.Batches(10, 128);
        auto app = store_->NewAppender("t1");
        for (const auto& rs : batches) app->Add(rs);
        auto r = app->Commit();
        ASSERT_TRUE(r.ok());
        EXPECT_EQ(r->rejected(), 0u);
      }
    });
  }
  for (auto& t : writers) t.join();
  done = true;
  reader.join();
  EXPECT_GT(store_->Stats().blocks, 0u);
  EXPECT_EQ(store_->Stats().spans_accepted, store_->Stats().block_spans + store_->Stats().head_spans);
}

}  // namespace
}  // namespace loupe::storage::spanstore
