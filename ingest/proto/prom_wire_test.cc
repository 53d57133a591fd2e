// Prometheus remote write 1.0 / 2.0 and remote read wire format, checked against bytes computed
// by hand from prompb/types.proto, prompb/remote.proto and io/prometheus/write/v2/types.proto.
#include <gtest/gtest.h>

#include <string>

#include "ingest/proto/wire_test_util.h"
#include "io/prometheus/write/v2/types.pb.h"
#include "prompb/remote.pb.h"
#include "prompb/types.pb.h"

namespace loupe::ingest::proto {
namespace {

namespace v2 = ::io::prometheus::write::v2;

// Little-endian IEEE 754 doubles used below.
const std::string kDouble1 = Bytes({0, 0, 0, 0, 0, 0, 0xf0, 0x3f});     // 1.0
const std::string kDouble2 = Bytes({0, 0, 0, 0, 0, 0, 0x00, 0x40});     // 2.0
const std::string kDoubleHalf = Bytes({0, 0, 0, 0, 0, 0, 0xe0, 0x3f});  // 0.5

// WriteRequest{timeseries{labels{__name__=up} samples{1.0 @ 1000}} metadata{COUNTER up "h" "u"}}
std::string WriteRequestBytes() {
  return Cat({Bytes({0x0a, 0x1e,                      // timeseries (30 bytes)
                     0x0a, 0x0e, 0x0a, 0x08}),        // labels, name
              "__name__", Bytes({0x12, 0x02}), "up",  // value
              Bytes({0x12, 0x0c, 0x09}), kDouble1,    // samples: value
              Bytes({0x10, 0xe8, 0x07}),              // timestamp 1000
              Bytes({0x1a, 0x0c, 0x08, 0x01,          // metadata: type COUNTER
                     0x12, 0x02, 'u', 'p',            // metric_family_name
                     0x22, 0x01, 'h',                 // help (4)
                     0x2a, 0x01, 'u'})});             // unit (5)
}

TEST(PromWire, WriteRequestV1) {
  prometheus::WriteRequest req;
  auto* ts = req.add_timeseries();
  auto* label = ts->add_labels();
  label->set_name("__name__");
  label->set_value("up");
  auto* sample = ts->add_samples();
  sample->set_value(1.0);
  sample->set_timestamp(1000);
  auto* md = req.add_metadata();
  md->set_type(prometheus::MetricMetadata::COUNTER);
  md->set_metric_family_name("up");
  md->set_help("h");
  md->set_unit("u");
  EXPECT_EQ(Hex(req.SerializeAsString()), Hex(WriteRequestBytes()));

  prometheus::WriteRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(WriteRequestBytes()));
  ASSERT_EQ(parsed.timeseries_size(), 1);
  EXPECT_EQ(parsed.timeseries(0).labels(0).name(), "__name__");
  EXPECT_EQ(parsed.timeseries(0).samples(0).timestamp(), 1000);
  EXPECT_EQ(parsed.metadata(0).unit(), "u");
}

TEST(PromWire, ExemplarInTimeSeries) {
  prometheus::TimeSeries ts;
  auto* ex = ts.add_exemplars();
  auto* l = ex->add_labels();
  l->set_name("trace_id");
  l->set_value("abc");
  ex->set_value(2.0);
  ex->set_timestamp(3);
  std::string expected =
      Cat({Bytes({0x1a, 0x1c, 0x0a, 0x0f, 0x0a, 0x08}), "trace_id", Bytes({0x12, 0x03}), "abc",
           Bytes({0x11}), kDouble2, Bytes({0x18, 0x03})});
  EXPECT_EQ(Hex(ts.SerializeAsString()), Hex(expected));
}

TEST(PromWire, NativeHistogramV1) {
  prometheus::Histogram h;
  h.set_count_int(5);
  h.set_schema(-1);
  h.set_zero_count_int(0);  // oneof member: sent even though zero
  auto* span = h.add_positive_spans();
  span->set_offset(-1);
  span->set_length(2);
  h.add_positive_deltas(1);
  h.add_positive_deltas(-1);
  h.set_reset_hint(prometheus::Histogram::GAUGE);
  h.set_timestamp(7);
  h.add_custom_values(1.0);
  std::string expected = Cat({Bytes({0x08, 0x05,                          // 1 count_int
                                     0x20, 0x01,                          // 4 schema zigzag
                                     0x30, 0x00,                          // 6 zero_count_int
                                     0x5a, 0x04, 0x08, 0x01, 0x10, 0x02,  // 11 positive_spans
                                     0x62, 0x02, 0x02, 0x01,              // 12 packed sint64
                                     0x70, 0x03,                          // 14 reset_hint
                                     0x78, 0x07,                          // 15 timestamp
                                     0x82, 0x01, 0x08}),                  // 16 packed double
                              kDouble1});
  EXPECT_EQ(Hex(h.SerializeAsString()), Hex(expected));

  prometheus::Histogram f;
  f.set_count_float(1.0);
  EXPECT_EQ(Hex(f.SerializeAsString()), Hex(Cat({Bytes({0x11}), kDouble1})));
}

TEST(PromWire, ReadRequest) {
  prometheus::ReadRequest req;
  auto* q = req.add_queries();
  q->set_start_timestamp_ms(1);
  q->set_end_timestamp_ms(2);
  auto* m = q->add_matchers();
  m->set_type(prometheus::LabelMatcher::NRE);
  m->set_name("a");
  m->set_value("b.*");
  q->mutable_hints()->set_step_ms(15);
  q->mutable_hints()->set_func("rate");
  q->mutable_hints()->set_range_ms(300000);
  req.add_accepted_response_types(prometheus::ReadRequest::STREAMED_XOR_CHUNKS);
  req.add_accepted_response_types(prometheus::ReadRequest::SAMPLES);
  std::string expected = Bytes({0x0a, 0x1e,                               // queries
                                0x08, 0x01, 0x10, 0x02,                   // start, end
                                0x1a, 0x0a, 0x08, 0x03, 0x12, 0x01, 'a',  // matchers
                                0x1a, 0x03, 'b',  '.',  '*',              //
                                0x22, 0x0c, 0x08, 0x0f, 0x12, 0x04, 'r', 'a', 't', 'e',  // hints
                                0x38, 0xe0, 0xa7, 0x12,                                  // range_ms
                                0x12, 0x02, 0x01, 0x00});  // packed accepted_response_types
  EXPECT_EQ(Hex(req.SerializeAsString()), Hex(expected));
}

TEST(PromWire, ReadResponsesParseAndEncode) {
  // results { timeseries { labels { a=b } samples { 1.0 @ 5 } } }
  const std::string fixture = Cat({Bytes({0x0a, 0x17, 0x0a, 0x15,                        //
                                          0x0a, 0x06, 0x0a, 0x01, 'a', 0x12, 0x01, 'b',  //
                                          0x12, 0x0b, 0x09}),
                                   kDouble1, Bytes({0x10, 0x05})});
  prometheus::ReadResponse resp;
  ASSERT_TRUE(resp.ParseFromString(fixture));
  const auto& ts = resp.results(0).timeseries(0);
  EXPECT_EQ(ts.labels(0).name(), "a");
  EXPECT_EQ(ts.labels(0).value(), "b");
  EXPECT_EQ(ts.samples(0).value(), 1.0);
  EXPECT_EQ(ts.samples(0).timestamp(), 5);

  prometheus::ChunkedReadResponse chunked;
  auto* series = chunked.add_chunked_series();
  auto* l = series->add_labels();
  l->set_name("a");
  l->set_value("b");
  auto* chunk = series->add_chunks();
  chunk->set_min_time_ms(1);
  chunk->set_max_time_ms(2);
  chunk->set_type(prometheus::Chunk::XOR);
  chunk->set_data(Bytes({0x00, 0x01}));
  chunked.set_query_index(3);
  EXPECT_EQ(Hex(chunked.SerializeAsString()),
            Hex(Bytes({0x0a, 0x14, 0x0a, 0x06, 0x0a, 0x01, 'a',  0x12, 0x01, 'b',  //
                       0x12, 0x0a, 0x08, 0x01, 0x10, 0x02, 0x18, 0x01, 0x22, 0x02,
                       0x00, 0x01, 0x10, 0x03})));
}

// Request{symbols ["", "__name__", "up", "h"] timeseries{labels_refs [1,2]
//   samples{1.0 @ 5, start 3} metadata{COUNTER help_ref 3} created_timestamp 4}}
std::string RequestV2Bytes() {
  return Cat({Bytes({0x22, 0x00, 0x22, 0x08}), "__name__", Bytes({0x22, 0x02}), "up",
              Bytes({0x22, 0x01}), "h",       //
              Bytes({0x2a, 0x1b,              // timeseries (5)
                     0x0a, 0x02, 0x01, 0x02,  // labels_refs
                     0x12, 0x0d, 0x09}),      // samples
              kDouble1,
              Bytes({0x10, 0x05, 0x18, 0x03,              // ts, start_ts
                     0x2a, 0x04, 0x08, 0x01, 0x18, 0x03,  // metadata
                     0x30, 0x04})});                      // created_ts
}

TEST(PromWire, RequestV2) {
  v2::Request req;
  req.add_symbols("");
  req.add_symbols("__name__");
  req.add_symbols("up");
  req.add_symbols("h");
  auto* ts = req.add_timeseries();
  ts->add_labels_refs(1);
  ts->add_labels_refs(2);
  auto* s = ts->add_samples();
  s->set_value(1.0);
  s->set_timestamp(5);
  s->set_start_timestamp(3);
  ts->mutable_metadata()->set_type(v2::Metadata::METRIC_TYPE_COUNTER);
  ts->mutable_metadata()->set_help_ref(3);
  ts->set_created_timestamp(4);
  EXPECT_EQ(Hex(req.SerializeAsString()), Hex(RequestV2Bytes()));

  v2::Histogram h;
  h.set_count_int(1);
  h.set_start_timestamp(9);  // field 17: two-byte tag
  EXPECT_EQ(Hex(h.SerializeAsString()), Hex(Bytes({0x08, 0x01, 0x88, 0x01, 0x09})));

  v2::Exemplar ex;
  ex.add_labels_refs(1);
  ex.add_labels_refs(2);
  ex.set_value(0.5);
  ex.set_timestamp(6);
  EXPECT_EQ(Hex(ex.SerializeAsString()),
            Hex(Cat({Bytes({0x0a, 0x02, 0x01, 0x02, 0x11}), kDoubleHalf, Bytes({0x18, 0x06})})));
}

TEST(PromWire, V1AndV2BodiesDoNotCrossParse) {
  // 2.0 reserves 1.0's field numbers and vice versa: a body sent with the wrong Content-Type
  // parses as an empty message instead of garbage.
  v2::Request as_v2;
  ASSERT_TRUE(as_v2.ParseFromString(WriteRequestBytes()));
  EXPECT_EQ(as_v2.symbols_size(), 0);
  EXPECT_EQ(as_v2.timeseries_size(), 0);

  prometheus::WriteRequest as_v1;
  ASSERT_TRUE(as_v1.ParseFromString(RequestV2Bytes()));
  EXPECT_EQ(as_v1.timeseries_size(), 0);
  EXPECT_EQ(as_v1.metadata_size(), 0);
}

}  // namespace
}  // namespace loupe::ingest::proto
