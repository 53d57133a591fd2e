#include "storage/spanstore/block_codec.h"

#include <gtest/gtest.h>

#include "storage/spanstore/head.h"
#include "storage/spanstore/span_gen_test_util.h"

namespace loupe::storage::spanstore {
namespace {

class BlockCodecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::SpanGenerator gen(11);
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(head_.Append(testing::EncodeBatch(gen.Batches(30, 64)), 0, true).ok());
    order_ = ComputeBlockOrder(head_.columns());
    ASSERT_TRUE(EncodeBlock(head_.columns(), order_, 3, &meta_, &units_).ok());
  }

  // Decodes every unit into *c; returns the first error.
  Status DecodeAll(const BlockMeta& meta, const std::vector<EncodedUnit>& units, BlockColumns* c) {
    PrepareDecodedBlock(meta, c);
    // Parents depend on traces and span ids, which come first in unit order.
    for (const auto& u : units) {
      auto raw = std::make_unique<std::string>();
      LOUPE_RETURN_IF_ERROR(UnpackValue(u.value, raw.get()));
      const std::string_view view = *raw;
      c->buffers.push_back(std::move(raw));
      LOUPE_RETURN_IF_ERROR(DecodeUnit(u.id, view, meta, c));
    }
    return Status::OK();
  }

  Head head_{0, 0};
  BlockOrder order_;
  BlockMeta meta_;
  std::vector<EncodedUnit> units_;
};

TEST_F(BlockCodecTest, UnitsRoundTripInPersistedOrder) {
  const BlockColumns& h = head_.columns();
  BlockColumns d;
  ASSERT_TRUE(DecodeAll(meta_, units_, &d).ok());
  ASSERT_EQ(d.num_spans(), h.num_spans());
  ASSERT_EQ(d.num_traces(), h.num_traces());
  for (uint32_t i = 0; i + 1 < d.num_traces(); ++i) EXPECT_LT(d.trace_ids[i], d.trace_ids[i + 1]);
  for (uint32_t t = 0; t < d.num_traces(); ++t) {
    const uint32_t old = order_.traces[t];
    EXPECT_EQ(d.trace_ids[t], h.trace_ids[old]);
    EXPECT_EQ(d.trace_start[t], h.trace_start[old]);
    EXPECT_EQ(d.trace_end[t], h.trace_end[old]);
    ASSERT_GE(h.trace_root[old], 0);
    EXPECT_EQ(d.trace_root[t], static_cast<int32_t>(order_.span_new[h.trace_root[old]]));
    for (uint32_t r = d.trace_first_row[t]; r < d.trace_first_row[t + 1]; ++r) EXPECT_EQ(d.span_trace[r], t);
  }
  for (uint32_t i = 0; i < d.num_spans(); ++i) {
    const uint32_t old = order_.spans[i];
    ASSERT_EQ(d.span_id[i], h.span_id[old]);
    EXPECT_EQ(d.parent_id[i], h.parent_id[old]);
    EXPECT_EQ(d.start[i], h.start[old]);
    EXPECT_EQ(d.duration[i], h.duration[old]);
    EXPECT_EQ(d.names.Get(d.name[i]), h.names.Get(h.name[old]));
    EXPECT_EQ(d.kind_status[i], h.kind_status[old]);
    EXPECT_EQ(d.status_messages.Get(d.status_message[i]), h.status_messages.Get(h.status_message[old]));
    EXPECT_EQ(d.resource[i], h.resource[old]);
    EXPECT_EQ(d.scope[i], h.scope[old]);
    EXPECT_EQ(d.event_begin[i + 1] - d.event_begin[i], h.event_begin[old + 1] - h.event_begin[old]);
    EXPECT_EQ(d.link_begin[i + 1] - d.link_begin[i], h.link_begin[old + 1] - h.link_begin[old]);
  }
  ASSERT_EQ(d.num_events(), h.num_events());
  for (uint32_t e = 0; e < d.num_events(); ++e) {
    const uint32_t old = order_.events[e];
    EXPECT_EQ(d.event_span[e], order_.span_new[h.event_span[old]]);
    EXPECT_EQ(d.event_time[e], h.event_time[old]);
    EXPECT_EQ(d.event_names.Get(d.event_name[e]), h.event_names.Get(h.event_name[old]));
  }
  ASSERT_EQ(d.num_links(), h.num_links());
  for (uint32_t l = 0; l < d.num_links(); ++l) {
    const uint32_t old = order_.links[l];
    EXPECT_EQ(d.link_span[l], order_.span_new[h.link_span[old]]);
    EXPECT_EQ(d.link_trace[l], h.link_trace[old]);
    EXPECT_EQ(d.link_span_id[l], h.link_span_id[old]);
  }
  for (uint32_t r = 0; r < d.num_resources; ++r) {
    EXPECT_EQ(d.services.Get(d.resource_service[r]), h.services.Get(h.resource_service[r]));
  }
  // Attribute columns: same values on the remapped rows.
  ASSERT_EQ(d.attrs.size(), h.attrs.size());
  for (size_t ci = 0; ci < h.attrs.size(); ++ci) {
    const AttrColumn& ha = *h.attrs[ci];
    const AttrColumn& da = *d.attrs[ci];
    ASSERT_EQ(da.key, ha.key);
    ASSERT_EQ(da.size(), ha.size());
    for (size_t k = 0; k < ha.size(); ++k) {
      uint32_t row = ha.rows[k];
      if (ha.table == Table::kSpan) row = order_.span_new[row];
      if (ha.table == Table::kEvent) row = order_.event_new[row];
      if (ha.table == Table::kLink) row = order_.link_new[row];
      auto pos = da.Find(row);
      ASSERT_TRUE(pos.has_value()) << ha.key;
      const AttrView hv = ha.At(k), dv = da.At(*pos);
      EXPECT_EQ(hv.type, dv.type);
      EXPECT_EQ(hv.i, dv.i);
      EXPECT_EQ(hv.s, dv.s);
    }
  }
}

// Integer columns are zig-zag varints decoded by a word-at-a-time fast path (values of up to
// 8 bytes, at least 8 bytes left) and a byte loop (longer values, the tail). Values of every
// encoded length, in every position relative to the end, must come back exactly.
TEST(BlockCodecVarintTest, IntAttributesOfEveryLengthRoundTrip) {
  std::vector<int64_t> values = {0, 1, -1, 63, -64, 64, INT64_MAX, INT64_MIN, INT64_MAX - 1,
                                 INT64_MIN + 1};
  for (int k = 1; k < 63; ++k) {
    values.push_back(int64_t{1} << k);
    values.push_back(-(int64_t{1} << k));
    values.push_back((int64_t{1} << k) - 1);
  }
  uint64_t x = 88172645463325252ull;
  for (int i = 0; i < 400; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    values.push_back(static_cast<int64_t>(x >> (x % 64)) * ((x & 1) ? 1 : -1));
  }
  // Each span carries one value; the long ones also end up in the last 7 bytes of the unit.
  for (const bool long_last : {false, true}) {
    std::vector<int64_t> vals = values;
    if (long_last) vals.insert(vals.end(), {INT64_MIN, INT64_MAX, 1, INT64_MIN});
    otlp::trace::v1::ResourceSpans rs;
    auto* svc = rs.mutable_resource()->add_attributes();
    svc->set_key("service.name");
    svc->mutable_value()->set_string_value("v");
    auto* ss = rs.add_scope_spans();
    for (size_t i = 0; i < vals.size(); ++i) {
      auto* sp = ss->add_spans();
      sp->set_trace_id(std::string(8, '\x01') + std::string(reinterpret_cast<const char*>(&i), 8));
      sp->set_span_id(std::string(reinterpret_cast<const char*>(&i), 8).replace(7, 1, 1, '\x05'));
      sp->set_name("s");
      sp->set_start_time_unix_nano(1'700'000'000'000'000'000ull + i * 977);
      sp->set_end_time_unix_nano(1'700'000'000'000'000'000ull + i * 977 + (i * 7919) % 100000);
      auto* kv = sp->add_attributes();
      kv->set_key("v");
      kv->mutable_value()->set_int_value(vals[i]);
    }
    Head head{0, 0};
    ASSERT_TRUE(head.Append(testing::EncodeBatch(std::vector<otlp::trace::v1::ResourceSpans>{rs}), 0, true).ok());
    const BlockOrder order = ComputeBlockOrder(head.columns());
    BlockMeta meta;
    std::vector<EncodedUnit> units;
    ASSERT_TRUE(EncodeBlock(head.columns(), order, 3, &meta, &units).ok());
    BlockColumns d;
    PrepareDecodedBlock(meta, &d);
    for (const auto& u : units) {
      auto raw = std::make_unique<std::string>();
      ASSERT_TRUE(UnpackValue(u.value, raw.get()).ok());
      const std::string_view view = *raw;
      d.buffers.push_back(std::move(raw));
      ASSERT_TRUE(DecodeUnit(u.id, view, meta, &d).ok()) << u.id;
    }
    const BlockColumns& h = head.columns();
    ASSERT_EQ(d.num_spans(), vals.size());
    for (uint32_t r = 0; r < d.num_spans(); ++r) {
      EXPECT_EQ(d.start[r], h.start[order.spans[r]]);
      EXPECT_EQ(d.duration[r], h.duration[order.spans[r]]);
    }
    const AttrColumn* col = nullptr;
    for (const auto& c : d.attrs) {
      if (c->key == "v") col = c.get();
    }
    ASSERT_NE(col, nullptr);
    const AttrColumn& a = *col;
    ASSERT_EQ(a.type, ValueType::kInt);
    ASSERT_EQ(a.size(), vals.size());
    std::vector<int64_t> got(vals.size());
    for (size_t k = 0; k < a.size(); ++k) got[order.spans[a.rows[k]]] = a.ints[k];
    EXPECT_EQ(got, vals) << "long_last " << long_last;
  }
}

TEST_F(BlockCodecTest, MetaRoundTripsAndBloomFindsEveryTrace) {
  std::string enc;
  EncodeBlockMeta(meta_, &enc);
  BlockMeta m;
  ASSERT_TRUE(DecodeBlockMeta(enc, &m).ok());
  EXPECT_EQ(m.num_spans, meta_.num_spans);
  EXPECT_EQ(m.min_start, meta_.min_start);
  EXPECT_EQ(m.max_end, meta_.max_end);
  EXPECT_EQ(m.services, meta_.services);
  EXPECT_EQ(m.names, meta_.names);
  ASSERT_EQ(m.attrs.size(), meta_.attrs.size());
  EXPECT_EQ(m.attrs[0].key, meta_.attrs[0].key);
  for (const auto& id : head_.columns().trace_ids) EXPECT_TRUE(m.bloom.MayContain(id));
  int false_positives = 0;
  for (int i = 0; i < 1000; ++i) {
    TraceId id;
    id.bytes[0] = static_cast<uint8_t>(i);
    id.bytes[1] = static_cast<uint8_t>(i >> 8);
    id.bytes[15] = 0x5a;
    false_positives += m.bloom.MayContain(id);
  }
  EXPECT_LT(false_positives, 50);
  // Truncated metas fail cleanly.
  for (size_t n = 0; n < enc.size(); n += 7) {
    BlockMeta bad;
    EXPECT_FALSE(DecodeBlockMeta(std::string_view(enc).substr(0, n), &bad).ok()) << n;
  }
}

TEST_F(BlockCodecTest, ChecksumCatchesFlippedStoredBytes) {
  for (const auto& u : units_) {
    for (size_t i = 0; i < u.value.size(); i += std::max<size_t>(1, u.value.size() / 16)) {
      std::string bad = u.value;
      bad[i] = static_cast<char>(bad[i] ^ 0x20);
      std::string raw, good;
      ASSERT_TRUE(UnpackValue(u.value, &good).ok());
      // Either the damage is caught, or it was in bits zstd ignores and the data is intact.
      if (UnpackValue(bad, &raw).ok()) {
        EXPECT_EQ(raw, good) << "unit " << u.id << " byte " << i;
      }
    }
    std::string raw;
    EXPECT_FALSE(UnpackValue(std::string_view(u.value).substr(0, u.value.size() - 1), &raw).ok());
  }
}

TEST_F(BlockCodecTest, CorruptUnitPayloadsNeverCrash) {
  // Past the checksum (as if it collided): the decoders themselves must hold.
  for (const auto& u : units_) {
    std::string raw;
    ASSERT_TRUE(UnpackValue(u.value, &raw).ok());
    for (size_t n : {size_t{0}, raw.size() / 2, raw.size() - 1}) {
      BlockColumns c;
      PrepareDecodedBlock(meta_, &c);
      std::string cut = raw.substr(0, n);
      if (u.id == kUnitParents) continue;  // needs other units; covered below
      EXPECT_FALSE(DecodeUnit(u.id, cut, meta_, &c).ok()) << "unit " << u.id << " len " << n;
    }
    for (size_t i = 0; i < raw.size(); i += std::max<size_t>(1, raw.size() / 64)) {
      std::string bad = raw;
      bad[i] = static_cast<char>(bad[i] ^ 0xff);
      BlockColumns c;
      std::vector<EncodedUnit> others;
      PrepareDecodedBlock(meta_, &c);
      // Decode the dependencies intact, then the corrupt unit.
      for (const auto& o : units_) {
        if (o.id != kUnitTraces && o.id != kUnitSpanIds) continue;
        auto buf = std::make_unique<std::string>();
        ASSERT_TRUE(UnpackValue(o.value, buf.get()).ok());
        const std::string_view v = *buf;
        c.buffers.push_back(std::move(buf));
        ASSERT_TRUE(DecodeUnit(o.id, v, meta_, &c).ok());
      }
      (void)DecodeUnit(u.id, bad, meta_, &c);  // any result but a crash
    }
  }
}

}  // namespace
}  // namespace loupe::storage::spanstore
