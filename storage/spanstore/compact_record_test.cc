#include "storage/spanstore/compact_record.h"

#include <gtest/gtest.h>

#include "storage/spanstore/batch_codec.h"
#include "storage/spanstore/block_codec.h"
#include "storage/spanstore/head.h"
#include "storage/spanstore/keys.h"
#include "storage/spanstore/span_gen_test_util.h"
#include "storage/spanstore/span_store_test_util.h"

namespace loupe::storage::spanstore {
namespace {

namespace v1 = otlp::trace::v1;

// Every trace of a cut head block: compact, then expand with the persisted span id column,
// gives back the record byte for byte, and the compact form is smaller by more than the ids.
TEST(CompactRecordTest, EveryTraceOfABlockRoundTrips) {
  testing::SpanGenerator gen(21);
  Head head(0, 0);
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(head.Append(testing::EncodeBatch(gen.Batches(40, 64)), 0, true).ok());
  const BlockColumns& hc = head.columns();
  const BlockOrder order = ComputeBlockOrder(hc);
  const std::vector<uint32_t> first = TraceFirstRows(hc, order);
  ASSERT_EQ(first.back(), hc.num_spans());
  std::vector<uint64_t> column;  // the block's span_id column
  for (uint32_t old : order.spans) column.push_back(hc.span_id[old]);
  TraceRecordWriter w;
  std::string compact, expanded;
  size_t parents_in_trace = 0;
  for (size_t i = 0; i < order.traces.size(); ++i) {
    head.TraceRecordAt(order.traces[i], &w);
    const std::string record = w.Finish();
    const std::vector<uint64_t> rows(column.begin() + first[i], column.begin() + first[i + 1]);
    ASSERT_TRUE(CompactTraceRecord(record, first[i], rows, &compact).ok()) << i;
    EXPECT_TRUE(IsCompactTraceRecord(compact));
    EXPECT_LT(compact.size() + 16 + 7 * rows.size(), record.size()) << i;
    ASSERT_TRUE(ExpandTraceRecord(compact, hc.trace_ids[order.traces[i]], column, &expanded).ok())
        << i;
    ASSERT_EQ(expanded, record) << i;
    for (uint32_t r = first[i]; r < first[i + 1]; ++r)
      parents_in_trace += hc.parent_id[order.spans[r]] != 0;
  }
  EXPECT_GT(parents_in_trace, 0u);
}

// A parent outside the trace's rows keeps its id; a span without parent stays without; two
// spans sharing an id (client and server halves) both come back.
TEST(CompactRecordTest, ExternalParentsNoParentAndSharedIds) {
  v1::ResourceSpans rs;
  rs.mutable_resource()->add_attributes()->set_key("service.name");
  auto* ss = rs.add_scope_spans();
  const std::string tid(16, '\x07');
  auto add = [&](char id, std::string parent, v1::Span::SpanKind kind) {
    auto* s = ss->add_spans();
    s->set_trace_id(tid);
    s->set_span_id(std::string(7, '\x01') + id);
    s->set_parent_span_id(parent);
    s->set_name(std::string("op") + id);
    s->set_kind(kind);
    s->set_start_time_unix_nano(100 + id);
    s->set_end_time_unix_nano(200 + id);
  };
  add('a', "", v1::Span::SPAN_KIND_SERVER);
  add('b', std::string(7, '\x01') + 'a', v1::Span::SPAN_KIND_CLIENT);
  add('b', std::string(7, '\x01') + 'a', v1::Span::SPAN_KIND_SERVER);    // same id as the client
  add('c', std::string(7, '\x09') + 'z', v1::Span::SPAN_KIND_INTERNAL);  // parent elsewhere
  add('d', "odd", v1::Span::SPAN_KIND_INTERNAL);                         // not 8 bytes
  Head head(0, 0);
  ASSERT_TRUE(
      head.Append(testing::EncodeBatch(std::vector<otlp::trace::v1::ResourceSpans>{rs}), 0, true)
          .ok());
  TraceRecordWriter w;
  head.TraceRecordAt(0, &w);
  const std::string record = w.Finish();
  std::vector<uint64_t> column = {42, 43};  // rows of other traces before this one
  for (char id : {'c', 'b', 'a', 'b', 'd'})
    column.push_back(SpanIdFromBytes(std::string(7, '\x01') + id));
  column.push_back(44);
  const std::vector<uint64_t> rows(column.begin() + 2, column.end() - 1);
  std::string compact, expanded;
  ASSERT_TRUE(CompactTraceRecord(record, 2, rows, &compact).ok());
  ASSERT_TRUE(ExpandTraceRecord(compact, TraceId::FromBytes(tid), column, &expanded).ok());
  EXPECT_EQ(expanded, record);
  // A span id that is not among the rows cannot be compacted.
  EXPECT_EQ(CompactTraceRecord(record, 2, {rows[0]}, &compact).code(),
            StatusCode::kInvalidArgument);
}

TEST(CompactRecordTest, CorruptCompactRecordsFailCleanly) {
  testing::SpanGenerator gen(3);
  Head head(0, 0);
  ASSERT_TRUE(head.Append(testing::EncodeBatch(gen.Batches(5, 64)), 0, true).ok());
  const BlockColumns& hc = head.columns();
  const BlockOrder order = ComputeBlockOrder(hc);
  const std::vector<uint32_t> first = TraceFirstRows(hc, order);
  std::vector<uint64_t> column;
  for (uint32_t old : order.spans) column.push_back(hc.span_id[old]);
  TraceRecordWriter w;
  head.TraceRecordAt(order.traces[1], &w);
  const std::string record = w.Finish();
  std::string compact, out;
  ASSERT_TRUE(CompactTraceRecord(
                  record, first[1],
                  std::vector<uint64_t>(column.begin() + first[1], column.begin() + first[2]),
                  &compact)
                  .ok());
  const TraceId id = hc.trace_ids[order.traces[1]];
  for (size_t n = 0; n < compact.size(); ++n) {
    EXPECT_FALSE(ExpandTraceRecord(compact.substr(0, n), id, column, &out).ok()) << n;
  }
  for (size_t i = 0; i < compact.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = compact;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      if (ExpandTraceRecord(bad, id, column, &out).ok()) {
        TraceAssembler as;
        (void)as.Add(out);  // may hold nonsense; must not crash
      }
    }
  }
  // Rows past the column are refused.
  EXPECT_FALSE(ExpandTraceRecord(compact, id,
                                 std::vector<uint64_t>(column.begin(), column.begin() + first[1]),
                                 &out)
                   .ok());
}

// Stores written before compact records hold batch-form records; they still read.
class CompactRecordStoreTest : public SpanStoreFixture {};

TEST_F(CompactRecordStoreTest, BatchFormRecordsStillRead) {
  const auto ids = AddTraces(30);
  ASSERT_TRUE(store_->FlushHeads().ok());
  auto before = store_->FindTraceByID("t1", ids[7]);
  ASSERT_TRUE(before.ok() && before->found);
  // Replace the trace's record with the batch form of what was read, as an older loupe wrote.
  const std::string batch = testing::EncodeBatch(before->resource_spans);
  std::string packed;
  ASSERT_TRUE(PackValue(batch, true, 3, &packed).ok());
  const auto cf = *kv_->Family(kTracesFamily);
  std::vector<std::string> keys;
  {
    auto it = kv_->NewIterator(cf);  // released before the store closes
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (it->key().ends_with(ids[7].view())) keys.emplace_back(it->key());
    }
  }
  ASSERT_EQ(keys.size(), 1u);
  ASSERT_TRUE(kv_->Put(cf, keys[0], packed).ok());
  Reopen();
  auto after = store_->FindTraceByID("t1", ids[7]);
  ASSERT_TRUE(after.ok() && after->found);
  ASSERT_EQ(after->span_count, before->span_count);
  ASSERT_EQ(after->resource_spans.size(), before->resource_spans.size());
  for (int i = 0; i < before->resource_spans.size(); ++i) {
    EXPECT_EQ(after->resource_spans[i].SerializeAsString(),
              before->resource_spans[i].SerializeAsString());
  }
}

// Compact records come back exactly as written, through restarts.
TEST_F(CompactRecordStoreTest, TraceByIdIsTheSameBeforeAndAfterTheCut) {
  const auto ids = AddTraces(60);
  std::vector<std::string> head_form;
  for (const auto& id : ids) {
    auto r = store_->FindTraceByID("t1", id);
    ASSERT_TRUE(r.ok() && r->found);
    std::string s;
    for (const auto& rs : r->resource_spans) s += rs.SerializeAsString();
    head_form.push_back(s);
  }
  ASSERT_TRUE(store_->FlushHeads().ok());
  for (int round = 0; round < 2; ++round) {
    for (size_t i = 0; i < ids.size(); ++i) {
      auto r = store_->FindTraceByID("t1", ids[i]);
      ASSERT_TRUE(r.ok() && r->found);
      std::string s;
      for (const auto& rs : r->resource_spans) s += rs.SerializeAsString();
      EXPECT_EQ(s, head_form[i]) << i;
    }
    Reopen();
  }
}

}  // namespace
}  // namespace loupe::storage::spanstore
