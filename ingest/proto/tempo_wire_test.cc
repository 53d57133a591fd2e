// Tempo (tempopb) wire format, checked against hand-computed bytes from pkg/tempopb/tempo.proto.
#include <gtest/gtest.h>

#include <string>

#include "ingest/proto/wire_test_util.h"
#include "opentelemetry/proto/trace/v1/trace.pb.h"
#include "tempopb/tempo.pb.h"

namespace loupe::ingest::proto {
namespace {

const std::string kDouble1 = Bytes({0, 0, 0, 0, 0, 0, 0xf0, 0x3f});  // 1.0
const std::string kDouble2 = Bytes({0, 0, 0, 0, 0, 0, 0x00, 0x40});  // 2.0

TEST(TempoWire, TraceIsOtlpTracesDataOnTheWire) {
  // resource_spans { resource { attributes { key: "service.name" value { string_value: "a" } } }
  //                  scope_spans { spans { name: "x" } } }
  const std::string fixture =
      Cat({Bytes({0x0a, 0x1e, 0x0a, 0x15, 0x0a, 0x13, 0x0a, 0x0c}), "service.name",
           Bytes({0x12, 0x03, 0x0a, 0x01, 'a',  //
                  0x12, 0x05, 0x12, 0x03, 0x2a, 0x01, 'x'})});
  tempopb::Trace trace;
  ASSERT_TRUE(trace.ParseFromString(fixture));
  ASSERT_EQ(trace.resourcespans_size(), 1);
  EXPECT_EQ(trace.resourcespans(0).resource().attributes(0).key(), "service.name");
  EXPECT_EQ(trace.resourcespans(0).scope_spans(0).spans(0).name(), "x");

  opentelemetry::proto::trace::v1::TracesData otlp;
  ASSERT_TRUE(otlp.ParseFromString(fixture));
  EXPECT_EQ(Hex(trace.SerializeAsString()), Hex(otlp.SerializeAsString()));
  EXPECT_EQ(Hex(trace.SerializeAsString()), Hex(fixture));
}

TEST(TempoWire, TraceByIDResponse) {
  tempopb::TraceByIDResponse resp;
  resp.mutable_trace();  // present but empty: Grafana needs a valid message even for no spans
  resp.mutable_metrics()->set_inspectedbytes(1);
  resp.set_status(tempopb::PARTIAL);
  resp.set_message("m");
  EXPECT_EQ(Hex(resp.SerializeAsString()),
            Hex(Bytes({0x0a, 0x00, 0x12, 0x02, 0x08, 0x01, 0x18, 0x01, 0x22, 0x01, 'm'})));

  tempopb::TraceByIDResponse parsed;
  ASSERT_TRUE(parsed.ParseFromString(Bytes({0x0a, 0x00})));
  EXPECT_TRUE(parsed.has_trace());
  EXPECT_EQ(parsed.status(), tempopb::COMPLETE);
}

TEST(TempoWire, SearchRequest) {
  tempopb::SearchRequest req;
  req.set_mindurationms(4);
  req.set_limit(20);
  req.set_start(1);
  req.set_end(2);
  req.set_query("{}");
  req.set_spansperspanset(3);
  EXPECT_EQ(Hex(req.SerializeAsString()),
            Hex(Bytes({0x10, 0x04, 0x20, 0x14, 0x28, 0x01, 0x30, 0x02,  //
                       0x42, 0x02, '{', '}', 0x48, 0x03})));

  tempopb::SearchRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(Bytes({0x0a, 0x06, 0x0a, 0x01, 'k', 0x12, 0x01, 'v'})));
  ASSERT_EQ(parsed.tags().count("k"), 1u);  // legacy Tags map (field 1)
  EXPECT_EQ(parsed.tags().at("k"), "v");
}

TEST(TempoWire, SearchResponse) {
  tempopb::SearchResponse resp;
  auto* t = resp.add_traces();
  t->set_traceid("ab");
  t->set_rootservicename("s");
  t->set_roottracename("r");
  t->set_starttimeunixnano(1);
  t->set_durationms(2);
  auto* set = t->add_spansets();
  auto* span = set->add_spans();
  span->set_spanid("c");
  span->set_durationnanos(5);
  auto* attr = span->add_attributes();
  attr->set_key("k");
  attr->mutable_value()->set_int_value(1);
  set->set_matched(1);
  resp.mutable_metrics()->set_inspectedbytes(10);
  resp.mutable_metrics()->set_inspectedspans(7);
  EXPECT_EQ(Hex(resp.SerializeAsString()),
            Hex(Bytes({0x0a, 0x22,                                                 // traces
                       0x0a, 0x02, 'a',  'b',  0x12, 0x01, 's',  0x1a, 0x01, 'r',  //
                       0x20, 0x01, 0x28, 0x02,                                     //
                       0x3a, 0x12,                                                 // spanSets (7)
                       0x0a, 0x0e, 0x0a, 0x01, 'c',  0x20, 0x05,                   // spans
                       0x2a, 0x07, 0x0a, 0x01, 'k',  0x12, 0x02, 0x18, 0x01,       //
                       0x10, 0x01,                                                 // matched
                       0x12, 0x04, 0x10, 0x0a, 0x38, 0x07})));                     // metrics
}

TEST(TempoWire, TagRequestsAndResponses) {
  tempopb::SearchTagsRequest tags_req;
  tags_req.set_scope("span");
  tags_req.set_query("{}");
  tags_req.set_start(1);
  tags_req.set_end(2);
  tags_req.set_maxtagsperscope(3);
  tags_req.set_stalevaluesthreshold(4);
  EXPECT_EQ(Hex(tags_req.SerializeAsString()),
            Hex(Bytes({0x0a, 0x04, 's', 'p', 'a', 'n', 0x12, 0x02, '{', '}',  //
                       0x18, 0x01, 0x20, 0x02, 0x28, 0x03, 0x30, 0x04})));

  tempopb::SearchTagsResponse tags_resp;
  tags_resp.add_tagnames("a");
  EXPECT_EQ(Hex(tags_resp.SerializeAsString()), Hex(Bytes({0x0a, 0x01, 'a'})));

  tempopb::SearchTagsV2Response v2;
  auto* scope = v2.add_scopes();
  scope->set_name("span");
  scope->add_tags("http.method");
  v2.mutable_metrics()->set_inspectedbytes(1);
  EXPECT_EQ(Hex(v2.SerializeAsString()),
            Hex(Cat({Bytes({0x0a, 0x13, 0x0a, 0x04}), "span", Bytes({0x12, 0x0b}), "http.method",
                     Bytes({0x12, 0x02, 0x08, 0x01})})));

  tempopb::SearchTagValuesRequest values_req;
  values_req.set_tagname("span.x");
  values_req.set_query("{}");
  values_req.set_start(1);
  values_req.set_end(2);
  values_req.set_maxtagvalues(3);
  values_req.set_stalevaluethreshold(4);
  EXPECT_EQ(
      Hex(values_req.SerializeAsString()),
      Hex(Cat({Bytes({0x0a, 0x06}), "span.x",
               Bytes({0x12, 0x02, '{', '}', 0x20, 0x01, 0x28, 0x02, 0x30, 0x03, 0x38, 0x04})})));

  tempopb::SearchTagValuesResponse values_resp;
  values_resp.add_tagvalues("a");
  values_resp.mutable_metrics()->set_totaljobs(2);
  EXPECT_EQ(Hex(values_resp.SerializeAsString()),
            Hex(Bytes({0x0a, 0x01, 'a', 0x12, 0x02, 0x10, 0x02})));

  tempopb::SearchTagValuesV2Response values_v2;
  auto* tv = values_v2.add_tagvalues();
  tv->set_type("string");
  tv->set_value("GET");
  EXPECT_EQ(Hex(values_v2.SerializeAsString()),
            Hex(Cat({Bytes({0x0a, 0x0d, 0x0a, 0x06}), "string", Bytes({0x12, 0x03}), "GET"})));
}

TEST(TempoWire, QueryRange) {
  tempopb::QueryRangeRequest req;
  req.set_query("{} | rate()");
  req.set_start(1);
  req.set_end(2);
  req.set_step(3);
  req.set_exemplars(4);
  req.set_maxseries(5);
  EXPECT_EQ(Hex(req.SerializeAsString()), Hex(Cat({Bytes({0x0a, 0x0b}), "{} | rate()",
                                                   Bytes({0x10, 0x01, 0x18, 0x02, 0x20, 0x03,  //
                                                          0x80, 0x01, 0x04, 0x88, 0x01, 0x05})})));

  tempopb::QueryRangeResponse resp;
  auto* series = resp.add_series();
  auto* label = series->add_labels();
  label->set_key("k");
  label->mutable_value()->set_string_value("v");
  auto* sample = series->add_samples();
  sample->set_timestamp_ms(2);
  sample->set_value(1.0);
  series->set_prom_labels("x");
  auto* ex = series->add_exemplars();
  ex->set_value(2.0);
  ex->set_timestamp_ms(3);
  resp.set_status(tempopb::PARTIAL);
  resp.set_message("m");
  EXPECT_EQ(Hex(resp.SerializeAsString()),
            Hex(Cat({Bytes({0x0a, 0x27,                                                // series
                            0x0a, 0x08, 0x0a, 0x01, 'k', 0x12, 0x03, 0x0a, 0x01, 'v',  // labels
                            0x12, 0x0b, 0x09}),
                     kDouble1,
                     Bytes({0x10, 0x02,       // samples
                            0x1a, 0x01, 'x',  // prom_labels
                            0x22, 0x0b, 0x11}),
                     kDouble2,
                     Bytes({0x18, 0x03,  // exemplars
                            0x18, 0x01, 0x22, 0x01, 'm'})})));
}

TEST(TempoWire, QueryInstant) {
  tempopb::QueryInstantRequest req;
  req.set_query("q");
  req.set_start(1);
  req.set_end(2);
  EXPECT_EQ(Hex(req.SerializeAsString()), Hex(Bytes({0x0a, 0x01, 'q', 0x10, 0x01, 0x18, 0x02})));

  tempopb::QueryInstantResponse resp;
  auto* s = resp.add_series();
  s->set_value(1.0);
  s->set_prom_labels("x");
  EXPECT_EQ(Hex(resp.SerializeAsString()),
            Hex(Cat({Bytes({0x0a, 0x0c, 0x11}), kDouble1, Bytes({0x1a, 0x01, 'x'})})));
}

}  // namespace
}  // namespace loupe::ingest::proto
