#include "appliance/api/tempo_json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "tempopb/tempo.pb.h"

namespace loupe::appliance::api {
namespace {

namespace otrace = ::opentelemetry::proto::trace::v1;
using nlohmann::json;

ResourceSpansList Sample() {
  ResourceSpansList list;
  auto* rs = list.Add();
  auto* kv = rs->mutable_resource()->add_attributes();
  kv->set_key("service.name");
  kv->mutable_value()->set_string_value("svc");
  rs->set_schema_url("https://opentelemetry.io/schemas/1.21.0");
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("lib");
  auto* s = ss->add_spans();
  s->set_trace_id(
      std::string("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10", 16));
  s->set_span_id(std::string("\x00\x00\x00\x00\x00\x00\x00\x2a", 8));
  s->set_parent_span_id(std::string("\xff\x00\x00\x00\x00\x00\x00\x01", 8));
  s->set_name("op \"quoted\"");
  s->set_kind(otrace::Span::SPAN_KIND_PRODUCER);
  s->set_start_time_unix_nano(1'700'000'000'000'000'001ULL);
  s->set_end_time_unix_nano(1'700'000'000'000'000'002ULL);
  s->set_flags(0x301);
  auto add = [&](const char* key) {
    auto* a = s->add_attributes();
    a->set_key(key);
    return a->mutable_value();
  };
  add("b")->set_bool_value(false);
  add("i")->set_int_value(-5);
  add("d")->set_double_value(0.1);
  add("nan")->set_double_value(std::nan(""));
  add("inf")->set_double_value(-INFINITY);
  add("bytes")->set_bytes_value("\x01\x02");
  auto* arr = add("arr")->mutable_array_value();
  arr->add_values()->set_string_value("x");
  arr->add_values()->set_int_value(1);
  auto* kvl = add("kv")->mutable_kvlist_value()->add_values();
  kvl->set_key("k");
  kvl->mutable_value()->set_string_value("v");
  add("empty");
  s->set_dropped_attributes_count(3);
  auto* link = s->add_links();
  link->set_trace_id(s->trace_id());
  link->set_span_id(std::string("\x00\x00\x00\x00\x00\x00\x00\x07", 8));
  s->mutable_status()->set_code(static_cast<otrace::Status::StatusCode>(7));  // unknown code
  return list;
}

TEST(TempoJsonTest, SpanFieldsAsTempoPrintsThem) {
  const auto list = Sample();
  const json j = json::parse(TraceV1Json(list));
  const json& rs = j["batches"][0];
  EXPECT_EQ(rs["schemaUrl"], "https://opentelemetry.io/schemas/1.21.0");
  EXPECT_EQ(
      rs["resource"],
      json::parse(R"({"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]})"));
  EXPECT_EQ(rs["scopeSpans"][0]["scope"], json({{"name", "lib"}}));
  const json& s = rs["scopeSpans"][0]["spans"][0];
  EXPECT_EQ(s["traceId"], "0102030405060708090a0b0c0d0e0f10");
  EXPECT_EQ(s["spanId"], "000000000000002a");
  EXPECT_EQ(s["parentSpanId"], "ff00000000000001");
  EXPECT_EQ(s["name"], "op \"quoted\"");
  EXPECT_EQ(s["kind"], "SPAN_KIND_PRODUCER");
  EXPECT_EQ(s["startTimeUnixNano"], "1700000000000000001");
  EXPECT_EQ(s["flags"], 0x301);
  EXPECT_EQ(s["droppedAttributesCount"], 3);
  const json want_attrs = json::parse(R"([
    {"key":"b","value":{"boolValue":false}},
    {"key":"i","value":{"intValue":"-5"}},
    {"key":"d","value":{"doubleValue":0.1}},
    {"key":"nan","value":{"doubleValue":"NaN"}},
    {"key":"inf","value":{"doubleValue":"-Infinity"}},
    {"key":"bytes","value":{"bytesValue":"AQI="}},
    {"key":"arr","value":{"arrayValue":{"values":[{"stringValue":"x"},{"intValue":"1"}]}}},
    {"key":"kv","value":{"kvlistValue":{"values":[{"key":"k","value":{"stringValue":"v"}}]}}},
    {"key":"empty","value":{}}])");
  EXPECT_EQ(s["attributes"], want_attrs);
  EXPECT_EQ(s["links"],
            json::parse(
                R"([{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0000000000000007"}])"));
  EXPECT_EQ(s["status"], json({{"code", 7}})) << "unknown enum values print as numbers";
  EXPECT_FALSE(s.contains("events")) << "empty repeated fields are omitted";
  EXPECT_FALSE(s.contains("traceState"));
}

TEST(TempoJsonTest, V2EnvelopeAndProtobufForms) {
  const auto list = Sample();
  TraceV2 t{&list, 1234, false, ""};
  json j = json::parse(TraceV2Json(t));
  EXPECT_EQ(j["metrics"], json({{"inspectedBytes", "1234"}}));
  EXPECT_FALSE(j.contains("status"));
  EXPECT_EQ(j["trace"]["resourceSpans"].size(), 1u);
  t.partial = true;
  t.message = "Trace exceeds maximum size of 10 bytes, a partial trace is returned";
  j = json::parse(TraceV2Json(t));
  EXPECT_EQ(j["status"], "PARTIAL");
  EXPECT_EQ(j["message"], t.message);

  tempopb::TraceByIDResponse resp;
  ASSERT_TRUE(resp.ParseFromString(TraceV2Proto(t)));
  EXPECT_EQ(resp.status(), tempopb::PARTIAL);
  EXPECT_EQ(resp.metrics().inspectedbytes(), 1234u);
  EXPECT_EQ(resp.trace().resourcespans(0).scope_spans(0).spans(0).name(), "op \"quoted\"");
  tempopb::Trace v1;
  ASSERT_TRUE(v1.ParseFromString(TraceV1Proto(list)));
  EXPECT_EQ(v1.resourcespans_size(), 1);

  TraceV2 empty;
  EXPECT_EQ(TraceV2Json(empty), R"({"trace":{},"metrics":{}})");
  EXPECT_EQ(TraceV1Json(ResourceSpansList()), "{}");
}

}  // namespace
}  // namespace loupe::appliance::api
