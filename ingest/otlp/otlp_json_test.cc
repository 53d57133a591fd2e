#include "ingest/otlp/otlp_json.h"

#include <google/protobuf/util/field_comparator.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace loupe::ingest::otlp {
namespace {

namespace trace = ::opentelemetry::proto::trace::v1;
namespace metrics = ::opentelemetry::proto::metrics::v1;
namespace logs = ::opentelemetry::proto::logs::v1;
namespace common = ::opentelemetry::proto::common::v1;
using google::protobuf::util::MessageDifferencer;

const std::string kTraceId =
    std::string("\x5b\x8e\xff\xf7\x98\x03\x81\x03\xd2\x69\xb6\x33\x81\x3f\xc6\x0c", 16);

// The shape of the OTLP repository's examples/trace.json, with hex ids.
constexpr char kTraceJson[] = R"({
  "resourceSpans": [{
    "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "my.service"}}]},
    "scopeSpans": [{
      "scope": {"name": "my.library", "version": "1.0.0",
                "attributes": [{"key": "my.scope.attribute", "value": {"stringValue": "some scope attribute"}}]},
      "spans": [{
        "traceId": "5b8efff798038103d269b633813fc60c",
        "spanId": "eee19b7ec3c1b174",
        "parentSpanId": "eee19b7ec3c1b173",
        "name": "I'm a server span",
        "startTimeUnixNano": "1544712660000000000",
        "endTimeUnixNano": "1544712661000000000",
        "kind": 2,
        "attributes": [
          {"key": "my.span.attr", "value": {"stringValue": "some value"}},
          {"key": "count", "value": {"intValue": "42"}},
          {"key": "ratio", "value": {"doubleValue": 0.5}},
          {"key": "ok", "value": {"boolValue": true}}
        ],
        "events": [{"timeUnixNano": "1544712660500000000", "name": "ev",
                    "attributes": [{"key": "k", "value": {"stringValue": "v"}}]}],
        "links": [{"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b170",
                   "flags": 257}],
        "status": {"code": 2, "message": "boom"},
        "flags": 769,
        "droppedAttributesCount": 3
      }]
    }]
  }]
})";

TEST(OtlpTracesJsonTest, DecodesSpecShapedExample) {
  coltrace::ExportTraceServiceRequest req;
  ASSERT_TRUE(DecodeTracesJson(kTraceJson, &req).ok());
  ASSERT_EQ(req.resource_spans_size(), 1);
  const auto& rs = req.resource_spans(0);
  EXPECT_EQ(rs.resource().attributes(0).key(), "service.name");
  EXPECT_EQ(rs.resource().attributes(0).value().string_value(), "my.service");
  const auto& ss = rs.scope_spans(0);
  EXPECT_EQ(ss.scope().name(), "my.library");
  EXPECT_EQ(ss.scope().version(), "1.0.0");
  const trace::Span& span = ss.spans(0);
  EXPECT_EQ(span.trace_id(), kTraceId);
  EXPECT_EQ(span.span_id(), std::string("\xee\xe1\x9b\x7e\xc3\xc1\xb1\x74", 8));
  EXPECT_EQ(span.parent_span_id(), std::string("\xee\xe1\x9b\x7e\xc3\xc1\xb1\x73", 8));
  EXPECT_EQ(span.name(), "I'm a server span");
  EXPECT_EQ(span.start_time_unix_nano(), 1544712660000000000ULL);
  EXPECT_EQ(span.end_time_unix_nano(), 1544712661000000000ULL);
  EXPECT_EQ(span.kind(), trace::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(span.attributes(1).value().int_value(), 42);
  EXPECT_EQ(span.attributes(2).value().double_value(), 0.5);
  EXPECT_TRUE(span.attributes(3).value().bool_value());
  EXPECT_EQ(span.events(0).time_unix_nano(), 1544712660500000000ULL);
  EXPECT_EQ(span.events(0).attributes(0).value().string_value(), "v");
  EXPECT_EQ(span.links(0).flags(), 257u);
  EXPECT_EQ(span.links(0).span_id(), std::string("\xee\xe1\x9b\x7e\xc3\xc1\xb1\x70", 8));
  EXPECT_EQ(span.status().code(), trace::Status::STATUS_CODE_ERROR);
  EXPECT_EQ(span.status().message(), "boom");
  EXPECT_EQ(span.flags(), 769u);
  EXPECT_EQ(span.dropped_attributes_count(), 3u);
}

TEST(OtlpTracesJsonTest, SnakeCaseNamesDecodeTheSame) {
  constexpr char kSnake[] = R"({"resource_spans": [{
    "resource": {"attributes": [{"key": "service.name", "value": {"string_value": "my.service"}}]},
    "scope_spans": [{"scope": {"name": "my.library", "version": "1.0.0",
                "attributes": [{"key": "my.scope.attribute", "value": {"string_value": "some scope attribute"}}]},
      "spans": [{"trace_id": "5b8efff798038103d269b633813fc60c", "span_id": "eee19b7ec3c1b174",
        "parent_span_id": "eee19b7ec3c1b173", "name": "I'm a server span",
        "start_time_unix_nano": "1544712660000000000", "end_time_unix_nano": "1544712661000000000",
        "kind": 2,
        "attributes": [{"key": "my.span.attr", "value": {"string_value": "some value"}},
          {"key": "count", "value": {"int_value": "42"}},
          {"key": "ratio", "value": {"double_value": 0.5}},
          {"key": "ok", "value": {"bool_value": true}}],
        "events": [{"time_unix_nano": "1544712660500000000", "name": "ev",
                    "attributes": [{"key": "k", "value": {"string_value": "v"}}]}],
        "links": [{"trace_id": "5b8efff798038103d269b633813fc60c", "span_id": "eee19b7ec3c1b170",
                   "flags": 257}],
        "status": {"code": 2, "message": "boom"}, "flags": 769, "dropped_attributes_count": 3}]}]}]})";
  coltrace::ExportTraceServiceRequest camel, snake;
  ASSERT_TRUE(DecodeTracesJson(kTraceJson, &camel).ok());
  ASSERT_TRUE(DecodeTracesJson(kSnake, &snake).ok());
  EXPECT_TRUE(MessageDifferencer::Equals(camel, snake));
}

std::string SpanJson(std::string_view fields) {
  return R"({"resourceSpans":[{"scopeSpans":[{"spans":[{)" + std::string(fields) + "}]}]}]}";
}

Status DecodeSpan(std::string_view fields, trace::Span* span) {
  coltrace::ExportTraceServiceRequest req;
  Status s = DecodeTracesJson(SpanJson(fields), &req);
  if (s.ok()) *span = req.resource_spans(0).scope_spans(0).spans(0);
  return s;
}

TEST(OtlpTracesJsonTest, IdsAcceptBase64Fallback) {
  trace::Span span;
  // base64 of the 16-byte id (padded) and the 8-byte id (unpadded, URL-safe alphabet).
  ASSERT_TRUE(
      DecodeSpan(R"("traceId":"W47/95gDgQPSabYzgT/GDA==","spanId":"7uGbfsPBsXQ")", &span).ok());
  EXPECT_EQ(span.trace_id(), kTraceId);
  EXPECT_EQ(span.span_id(), std::string("\xee\xe1\x9b\x7e\xc3\xc1\xb1\x74", 8));
  ASSERT_TRUE(DecodeSpan(R"("traceId":"","spanId":null)", &span).ok());
  EXPECT_TRUE(span.trace_id().empty());
  EXPECT_TRUE(span.span_id().empty());
  // Upper-case hex is hex.
  ASSERT_TRUE(DecodeSpan(R"("spanId":"EEE19B7EC3C1B174")", &span).ok());
  EXPECT_EQ(span.span_id(), std::string("\xee\xe1\x9b\x7e\xc3\xc1\xb1\x74", 8));
}

TEST(OtlpTracesJsonTest, BadIdsNameTheField) {
  trace::Span span;
  Status s = DecodeSpan(R"("traceId":"abcd")", &span);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "invalid OTLP JSON: resourceSpans[0].scopeSpans[0].spans[0].traceId: invalid id "
            "\"abcd\": expected 32 hex digits");
  s = DecodeSpan(R"("spanId":"zzzzzzzzzzzzzzzz")", &span);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("spans[0].spanId: invalid id"), std::string::npos) << s;
  s = DecodeSpan(R"("links":[{},{"spanId":12}])", &span);
  EXPECT_EQ(s.message(),
            "invalid OTLP JSON: resourceSpans[0].scopeSpans[0].spans[0].links[1].spanId: "
            "expected a hex string");
}

TEST(OtlpTracesJsonTest, EnumsAsIntegersOrNames) {
  trace::Span span;
  ASSERT_TRUE(
      DecodeSpan(R"("kind":"SPAN_KIND_CLIENT","status":{"code":"STATUS_CODE_OK"})", &span).ok());
  EXPECT_EQ(span.kind(), trace::Span::SPAN_KIND_CLIENT);
  EXPECT_EQ(span.status().code(), trace::Status::STATUS_CODE_OK);
  ASSERT_TRUE(DecodeSpan(R"("kind":5)", &span).ok());
  EXPECT_EQ(span.kind(), trace::Span::SPAN_KIND_CONSUMER);
  ASSERT_TRUE(DecodeSpan(R"("kind":"3")", &span).ok());
  EXPECT_EQ(span.kind(), trace::Span::SPAN_KIND_CLIENT);
  // Unknown numbers are kept (proto3 enums are open); unknown names are errors.
  ASSERT_TRUE(DecodeSpan(R"("kind":9)", &span).ok());
  EXPECT_EQ(static_cast<int>(span.kind()), 9);
  Status s = DecodeSpan(R"("kind":"SPAN_KIND_BOGUS")", &span);
  EXPECT_EQ(s.message(),
            "invalid OTLP JSON: resourceSpans[0].scopeSpans[0].spans[0].kind: unknown enum value "
            "\"SPAN_KIND_BOGUS\"");
  EXPECT_FALSE(DecodeSpan(R"("kind":1.5)", &span).ok());
  EXPECT_FALSE(DecodeSpan(R"("kind":true)", &span).ok());
}

TEST(OtlpTracesJsonTest, Int64FormsAndRanges) {
  trace::Span span;
  ASSERT_TRUE(DecodeSpan(R"("startTimeUnixNano":1544712660000000000)", &span).ok());
  EXPECT_EQ(span.start_time_unix_nano(), 1544712660000000000ULL);
  ASSERT_TRUE(DecodeSpan(R"("startTimeUnixNano":"18446744073709551615")", &span).ok());
  EXPECT_EQ(span.start_time_unix_nano(), 18446744073709551615ULL);
  ASSERT_TRUE(DecodeSpan(R"("startTimeUnixNano":18446744073709551615)", &span).ok());
  EXPECT_EQ(span.start_time_unix_nano(), 18446744073709551615ULL);
  ASSERT_TRUE(DecodeSpan(R"("startTimeUnixNano":"1e3")", &span).ok());
  EXPECT_EQ(span.start_time_unix_nano(), 1000u);
  ASSERT_TRUE(DecodeSpan(R"("startTimeUnixNano":1000.0)", &span).ok());
  EXPECT_EQ(span.start_time_unix_nano(), 1000u);
  EXPECT_FALSE(DecodeSpan(R"("startTimeUnixNano":"18446744073709551616")", &span).ok());
  EXPECT_FALSE(DecodeSpan(R"("startTimeUnixNano":-1)", &span).ok());
  EXPECT_FALSE(DecodeSpan(R"("startTimeUnixNano":"1.5")", &span).ok());
  EXPECT_FALSE(DecodeSpan(R"("startTimeUnixNano":"12a")", &span).ok());
  EXPECT_FALSE(DecodeSpan(R"("startTimeUnixNano":"")", &span).ok());
  EXPECT_FALSE(DecodeSpan(R"("startTimeUnixNano":{})", &span).ok());
  // uint32 fields are range-checked.
  ASSERT_TRUE(DecodeSpan(R"("droppedAttributesCount":"4294967295")", &span).ok());
  EXPECT_EQ(span.dropped_attributes_count(), 4294967295u);
  Status s = DecodeSpan(R"("droppedAttributesCount":4294967296)", &span);
  EXPECT_EQ(s.message(),
            "invalid OTLP JSON: resourceSpans[0].scopeSpans[0].spans[0].droppedAttributesCount: "
            "integer out of range for uint32");
}

common::AnyValue FirstAttr(const trace::Span& span) { return span.attributes(0).value(); }

TEST(OtlpTracesJsonTest, AnyValueKinds) {
  trace::Span span;
  ASSERT_TRUE(DecodeSpan(R"("attributes":[{"key":"a","value":{"intValue":-7}}])", &span).ok());
  EXPECT_EQ(FirstAttr(span).int_value(), -7);
  ASSERT_TRUE(
      DecodeSpan(R"("attributes":[{"key":"a","value":{"intValue":"-9223372036854775808"}}])", &span)
          .ok());
  EXPECT_EQ(FirstAttr(span).int_value(), std::numeric_limits<int64_t>::min());
  ASSERT_TRUE(
      DecodeSpan(R"("attributes":[{"key":"a","value":{"doubleValue":"NaN"}}])", &span).ok());
  EXPECT_TRUE(std::isnan(FirstAttr(span).double_value()));
  ASSERT_TRUE(
      DecodeSpan(R"("attributes":[{"key":"a","value":{"doubleValue":"-Infinity"}}])", &span).ok());
  EXPECT_EQ(FirstAttr(span).double_value(), -std::numeric_limits<double>::infinity());
  ASSERT_TRUE(DecodeSpan(R"("attributes":[{"key":"a","value":{"doubleValue":3}}])", &span).ok());
  EXPECT_EQ(FirstAttr(span).double_value(), 3.0);
  ASSERT_TRUE(
      DecodeSpan(R"("attributes":[{"key":"a","value":{"bytesValue":"aGVsbG8="}}])", &span).ok());
  EXPECT_EQ(FirstAttr(span).bytes_value(), "hello");
  ASSERT_TRUE(DecodeSpan(R"("attributes":[{"key":"a","value":{}}])", &span).ok());
  EXPECT_EQ(FirstAttr(span).value_case(), common::AnyValue::VALUE_NOT_SET);
  ASSERT_TRUE(DecodeSpan(
                  R"("attributes":[{"key":"a","value":{"arrayValue":{"values":[{"stringValue":"x"},
          {"kvlistValue":{"values":[{"key":"k","value":{"boolValue":false}}]}}]}}}])",
                  &span)
                  .ok());
  const common::AnyValue v = FirstAttr(span);
  ASSERT_EQ(v.array_value().values_size(), 2);
  EXPECT_EQ(v.array_value().values(0).string_value(), "x");
  EXPECT_EQ(v.array_value().values(1).kvlist_value().values(0).key(), "k");
  EXPECT_TRUE(v.array_value().values(1).kvlist_value().values(0).value().has_bool_value());
  Status s = DecodeSpan(R"("attributes":[{"key":"a","value":{"bytesValue":"!!"}}])", &span);
  EXPECT_EQ(s.message(),
            "invalid OTLP JSON: resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value."
            "bytesValue: invalid base64 \"!!\"");
}

TEST(OtlpTracesJsonTest, AnyValueNestingIsLimited) {
  auto nested = [](int depth) {
    std::string v = R"({"stringValue":"leaf"})";
    for (int i = 0; i < depth; ++i) v = R"({"arrayValue":{"values":[)" + v + "]}}";
    return SpanJson(R"("attributes":[{"key":"a","value":)" + v + "}]");
  };
  coltrace::ExportTraceServiceRequest req;
  JsonDecodeLimits limits;
  limits.max_any_value_depth = 4;
  EXPECT_TRUE(DecodeTracesJson(nested(4), &req, limits).ok());
  Status s = DecodeTracesJson(nested(5), &req, limits);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("AnyValue nesting exceeds 4 levels"), std::string::npos) << s;
  EXPECT_TRUE(DecodeTracesJson(nested(32), &req).ok());
  EXPECT_FALSE(DecodeTracesJson(nested(33), &req).ok());
}

TEST(OtlpTracesJsonTest, UnknownFieldsAndNullsAreIgnored) {
  trace::Span span;
  ASSERT_TRUE(DecodeSpan(R"("name":"n","futureField":{"deep":[1,{"x":null}]},"other":[[[]]],
                            "status":null,"events":null,"traceState":null,"kind":null)",
                         &span)
                  .ok());
  EXPECT_EQ(span.name(), "n");
  EXPECT_FALSE(span.has_status());
  coltrace::ExportTraceServiceRequest req;
  ASSERT_TRUE(DecodeTracesJson(R"({"unknown":1,"resourceSpans":null})", &req).ok());
  EXPECT_EQ(req.resource_spans_size(), 0);
  ASSERT_TRUE(DecodeTracesJson("{}", &req).ok());
}

TEST(OtlpTracesJsonTest, StructuralErrors) {
  coltrace::ExportTraceServiceRequest req;
  Status s = DecodeTracesJson(R"({"resourceSpans":[{"scopeSpans":[{"spans":{}}]}]})", &req);
  EXPECT_EQ(s.message(),
            "invalid OTLP JSON: resourceSpans[0].scopeSpans[0].spans: expected an array");
  s = DecodeTracesJson(R"({"resourceSpans":[null]})", &req);
  EXPECT_EQ(s.message(), "invalid OTLP JSON: resourceSpans[0]: null is not a valid array element");
  s = DecodeTracesJson(R"({"resourceSpans":[{"resource":[]}]})", &req);
  EXPECT_EQ(s.message(), "invalid OTLP JSON: resourceSpans[0].resource: expected an object");
  s = DecodeTracesJson(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"name":5}]}]}]})", &req);
  EXPECT_EQ(s.message(),
            "invalid OTLP JSON: resourceSpans[0].scopeSpans[0].spans[0].name: expected a string");
  EXPECT_EQ(DecodeTracesJson("[]", &req).message(),
            "invalid OTLP JSON: the body must be a JSON object");
  EXPECT_EQ(DecodeTracesJson("{\"resourceSpans\":[", &req).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeTracesJson("", &req).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeTracesJson("{\"a\":\"\xff\"}", &req).code(), StatusCode::kInvalidArgument);
  JsonDecodeLimits limits;
  limits.max_body_bytes = 10;
  s = DecodeTracesJson(R"({"resourceSpans":[]})", &req, limits);
  EXPECT_EQ(s.code(), StatusCode::kTooLarge);
  EXPECT_EQ(s.message(), "OTLP JSON body of 20 bytes exceeds the limit of 10 bytes");
}

TEST(OtlpTracesJsonTest, LegacyInstrumentationLibraryNames) {
  coltrace::ExportTraceServiceRequest req;
  ASSERT_TRUE(DecodeTracesJson(R"({"resourceSpans":[{"instrumentationLibrarySpans":[
      {"instrumentationLibrary":{"name":"lib"},"spans":[{"name":"s"}]}]}]})",
                               &req)
                  .ok());
  EXPECT_EQ(req.resource_spans(0).scope_spans(0).scope().name(), "lib");
  EXPECT_EQ(req.resource_spans(0).scope_spans(0).spans(0).name(), "s");
}

TEST(OtlpTracesJsonTest, LargeBodyUsesItsOwnParser) {
  std::string spans;
  for (int i = 0; i < 20000; ++i) {
    if (i > 0) spans += ',';
    spans += R"({"name":"span-)" + std::to_string(i) +
             R"(","traceId":"5b8efff798038103d269b633813fc60c"})";
  }
  const std::string body = R"({"resourceSpans":[{"scopeSpans":[{"spans":[)" + spans + "]}]}]}";
  ASSERT_GT(body.size(), 1u << 20);
  coltrace::ExportTraceServiceRequest req;
  ASSERT_TRUE(DecodeTracesJson(body, &req).ok());
  EXPECT_EQ(req.resource_spans(0).scope_spans(0).spans_size(), 20000);
  EXPECT_EQ(req.resource_spans(0).scope_spans(0).spans(19999).name(), "span-19999");
}

constexpr char kMetricsJson[] = R"({"resourceMetrics":[{
  "resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},
  "scopeMetrics":[{"scope":{"name":"meter"},"schemaUrl":"https://schema","metrics":[
    {"name":"g","unit":"1","description":"a gauge","gauge":{"dataPoints":[
      {"asDouble":0.25,"timeUnixNano":"1000000","attributes":[{"key":"k","value":{"stringValue":"v"}}]}]}},
    {"name":"c","sum":{"aggregationTemporality":2,"isMonotonic":true,"dataPoints":[
      {"asInt":"17","startTimeUnixNano":"1","timeUnixNano":"2000000","flags":1,
       "exemplars":[{"asDouble":1.5,"timeUnixNano":"1500000","traceId":"5b8efff798038103d269b633813fc60c",
                     "spanId":"eee19b7ec3c1b174","filteredAttributes":[{"key":"u","value":{"stringValue":"x"}}]}]}]}},
    {"name":"h","histogram":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_DELTA","dataPoints":[
      {"count":"6","sum":12.5,"min":0.5,"max":7,"bucketCounts":["1",2,"3"],"explicitBounds":[1,"5"]}]}},
    {"name":"e","exponentialHistogram":{"aggregationTemporality":2,"dataPoints":[
      {"count":"5","scale":-2,"zeroCount":"1","zeroThreshold":0.001,
       "positive":{"offset":-3,"bucketCounts":["1","2"]},"negative":{"offset":1,"bucketCounts":[1]}}]}},
    {"name":"s","summary":{"dataPoints":[{"count":"3","sum":6,"quantileValues":[
      {"quantile":0.5,"value":2},{"quantile":0.99,"value":"3.5"}]}]}}
  ]}]}]})";

TEST(OtlpMetricsJsonTest, DecodesEveryMetricType) {
  colmetrics::ExportMetricsServiceRequest req;
  ASSERT_TRUE(DecodeMetricsJson(kMetricsJson, &req).ok());
  const auto& sm = req.resource_metrics(0).scope_metrics(0);
  EXPECT_EQ(sm.schema_url(), "https://schema");
  ASSERT_EQ(sm.metrics_size(), 5);

  const metrics::Metric& g = sm.metrics(0);
  EXPECT_EQ(g.description(), "a gauge");
  EXPECT_EQ(g.gauge().data_points(0).as_double(), 0.25);
  EXPECT_EQ(g.gauge().data_points(0).time_unix_nano(), 1000000u);

  const metrics::Sum& c = sm.metrics(1).sum();
  EXPECT_EQ(c.aggregation_temporality(), metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  EXPECT_TRUE(c.is_monotonic());
  EXPECT_EQ(c.data_points(0).as_int(), 17);
  EXPECT_EQ(c.data_points(0).flags(), 1u);
  const metrics::Exemplar& ex = c.data_points(0).exemplars(0);
  EXPECT_EQ(ex.as_double(), 1.5);
  EXPECT_EQ(ex.trace_id().size(), 16u);
  EXPECT_EQ(ex.span_id().size(), 8u);
  EXPECT_EQ(ex.filtered_attributes(0).key(), "u");

  const metrics::Histogram& h = sm.metrics(2).histogram();
  EXPECT_EQ(h.aggregation_temporality(), metrics::AGGREGATION_TEMPORALITY_DELTA);
  const auto& hp = h.data_points(0);
  EXPECT_EQ(hp.count(), 6u);
  EXPECT_TRUE(hp.has_sum());
  EXPECT_EQ(hp.sum(), 12.5);
  EXPECT_EQ(hp.min(), 0.5);
  EXPECT_EQ(hp.max(), 7);
  EXPECT_EQ(std::vector<uint64_t>(hp.bucket_counts().begin(), hp.bucket_counts().end()),
            (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(std::vector<double>(hp.explicit_bounds().begin(), hp.explicit_bounds().end()),
            (std::vector<double>{1, 5}));

  const auto& ep = sm.metrics(3).exponential_histogram().data_points(0);
  EXPECT_EQ(ep.scale(), -2);
  EXPECT_EQ(ep.zero_count(), 1u);
  EXPECT_EQ(ep.zero_threshold(), 0.001);
  EXPECT_EQ(ep.positive().offset(), -3);
  EXPECT_EQ(ep.positive().bucket_counts(1), 2u);
  EXPECT_EQ(ep.negative().offset(), 1);
  EXPECT_FALSE(ep.has_sum());

  const auto& sp = sm.metrics(4).summary().data_points(0);
  EXPECT_EQ(sp.count(), 3u);
  EXPECT_EQ(sp.quantile_values(1).quantile(), 0.99);
  EXPECT_EQ(sp.quantile_values(1).value(), 3.5);
}

TEST(OtlpMetricsJsonTest, ErrorPathInsideDataPoints) {
  colmetrics::ExportMetricsServiceRequest req;
  Status s = DecodeMetricsJson(
      R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"x","sum":{"dataPoints":[
          {"asInt":"1"},{"asInt":"nope"}]}}]}]}]})",
      &req);
  EXPECT_EQ(s.message(),
            "invalid OTLP JSON: resourceMetrics[0].scopeMetrics[0].metrics[0].sum.dataPoints[1]."
            "asInt: invalid integer \"nope\"");
  s = DecodeMetricsJson(
      R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"exponentialHistogram":{"dataPoints":[
          {"scale":2147483648}]}}]}]}]})",
      &req);
  EXPECT_NE(s.message().find("exponentialHistogram.dataPoints[0].scale: integer out of range"),
            std::string::npos)
      << s;
}

TEST(OtlpLogsJsonTest, DecodesRecords) {
  collogs::ExportLogsServiceRequest req;
  ASSERT_TRUE(DecodeLogsJson(R"({"resourceLogs":[{"resource":{},"scopeLogs":[{"logRecords":[
      {"timeUnixNano":"1700000000000000000","observedTimeUnixNano":1700000000000000001,
       "severityNumber":"SEVERITY_NUMBER_WARN","severityText":"WARN",
       "body":{"kvlistValue":{"values":[{"key":"msg","value":{"stringValue":"hi"}}]}},
       "traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","flags":1,
       "eventName":"e","attributes":[{"key":"a","value":{"intValue":1}}]},
      {"severity_number":17,"body":{"stringValue":"boom"}}]}]}]})",
                             &req)
                  .ok());
  const auto& recs = req.resource_logs(0).scope_logs(0).log_records();
  ASSERT_EQ(recs.size(), 2);
  EXPECT_EQ(recs[0].time_unix_nano(), 1700000000000000000ULL);
  EXPECT_EQ(recs[0].observed_time_unix_nano(), 1700000000000000001ULL);
  EXPECT_EQ(recs[0].severity_number(), logs::SEVERITY_NUMBER_WARN);
  EXPECT_EQ(recs[0].severity_text(), "WARN");
  EXPECT_EQ(recs[0].body().kvlist_value().values(0).value().string_value(), "hi");
  EXPECT_EQ(recs[0].trace_id().size(), 16u);
  EXPECT_EQ(recs[0].flags(), 1u);
  EXPECT_EQ(recs[0].event_name(), "e");
  EXPECT_EQ(recs[1].severity_number(), logs::SEVERITY_NUMBER_ERROR);
  EXPECT_EQ(recs[1].body().string_value(), "boom");
}

// --- Round trip through protobuf's own (canonical proto3) JSON printer -------------------------

common::AnyValue Nested() {
  common::AnyValue v;
  auto* arr = v.mutable_array_value();
  arr->add_values()->set_string_value("s\"\\\n\xc3\xa9");
  arr->add_values()->set_int_value(std::numeric_limits<int64_t>::min());
  arr->add_values()->set_double_value(-0.0);
  arr->add_values()->set_bytes_value(std::string("\0\xff", 2));
  auto* kv = arr->add_values()->mutable_kvlist_value()->add_values();
  kv->set_key("k");
  kv->mutable_value()->set_double_value(std::numeric_limits<double>::infinity());
  arr->add_values();
  return v;
}

coltrace::ExportTraceServiceRequest RichTraces() {
  coltrace::ExportTraceServiceRequest req;
  auto* rs = req.add_resource_spans();
  auto* attr = rs->mutable_resource()->add_attributes();
  attr->set_key("service.name");
  attr->mutable_value()->set_string_value("svc");
  rs->mutable_resource()->set_dropped_attributes_count(2);
  auto* ref = rs->mutable_resource()->add_entity_refs();
  ref->set_type("service");
  ref->add_id_keys("service.name");
  ref->add_description_keys("d");
  ref->set_schema_url("u");
  rs->set_schema_url("https://opentelemetry.io/schemas/1.21.0");
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("lib");
  ss->mutable_scope()->set_dropped_attributes_count(1);
  auto* span = ss->add_spans();
  span->set_trace_id(kTraceId);
  span->set_span_id(std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  span->set_parent_span_id(std::string("\0\0\0\0\0\0\0\x09", 8));
  span->set_trace_state("a=b");
  span->set_flags(0xFFFFFFFFu);
  span->set_name("op");
  span->set_kind(trace::Span::SPAN_KIND_PRODUCER);
  span->set_start_time_unix_nano(std::numeric_limits<uint64_t>::max());
  span->set_end_time_unix_nano(1);
  auto* a = span->add_attributes();
  a->set_key("nested");
  *a->mutable_value() = Nested();
  span->set_dropped_attributes_count(3);
  auto* ev = span->add_events();
  ev->set_name("e");
  ev->set_time_unix_nano(5);
  ev->set_dropped_attributes_count(1);
  span->set_dropped_events_count(4);
  auto* link = span->add_links();
  link->set_trace_id(kTraceId);
  link->set_span_id(std::string("\x08\x07\x06\x05\x04\x03\x02\x01", 8));
  link->set_trace_state("x=y");
  link->set_flags(1);
  link->set_dropped_attributes_count(9);
  span->set_dropped_links_count(5);
  span->mutable_status()->set_code(trace::Status::STATUS_CODE_ERROR);
  span->mutable_status()->set_message("bad");
  return req;
}

colmetrics::ExportMetricsServiceRequest RichMetrics() {
  colmetrics::ExportMetricsServiceRequest req;
  auto* sm = req.add_resource_metrics()->add_scope_metrics();
  sm->set_schema_url("s");
  auto* g = sm->add_metrics();
  g->set_name("g");
  g->set_unit("ms");
  g->set_description("d");
  auto* md = g->add_metadata();
  md->set_key("m");
  md->mutable_value()->set_bool_value(true);
  auto* gp = g->mutable_gauge()->add_data_points();
  gp->set_as_double(std::nan(""));
  gp->set_time_unix_nano(7);
  gp->set_start_time_unix_nano(6);
  gp->set_flags(1);
  auto* s = sm->add_metrics()->mutable_sum();
  s->set_is_monotonic(true);
  s->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_DELTA);
  auto* sp = s->add_data_points();
  sp->set_as_int(-5);
  auto* ex = sp->add_exemplars();
  ex->set_as_int(3);
  ex->set_trace_id(kTraceId);
  ex->set_span_id(std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  ex->set_time_unix_nano(99);
  auto* fa = ex->add_filtered_attributes();
  fa->set_key("f");
  fa->mutable_value()->set_string_value("v");
  auto* h = sm->add_metrics()->mutable_histogram();
  h->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  auto* hp = h->add_data_points();
  hp->set_count(10);
  hp->set_sum(0);
  hp->set_min(-1);
  hp->set_max(1e300);
  hp->add_bucket_counts(4);
  hp->add_bucket_counts(std::numeric_limits<uint64_t>::max());
  hp->add_explicit_bounds(-std::numeric_limits<double>::infinity());
  auto* e = sm->add_metrics()->mutable_exponential_histogram();
  auto* ep = e->add_data_points();
  ep->set_scale(-10);
  ep->set_zero_count(1);
  ep->set_zero_threshold(1e-9);
  ep->mutable_positive()->set_offset(std::numeric_limits<int32_t>::min());
  ep->mutable_positive()->add_bucket_counts(0);
  ep->mutable_negative()->set_offset(std::numeric_limits<int32_t>::max());
  ep->set_sum(2);
  auto* q = sm->add_metrics()->mutable_summary()->add_data_points();
  q->set_sum(1.25);
  q->set_count(2);
  auto* qv = q->add_quantile_values();
  qv->set_quantile(1);
  qv->set_value(-2);
  sm->add_metrics()->set_name("no data");
  return req;
}

collogs::ExportLogsServiceRequest RichLogs() {
  collogs::ExportLogsServiceRequest req;
  auto* sl = req.add_resource_logs()->add_scope_logs();
  auto* rec = sl->add_log_records();
  rec->set_time_unix_nano(1);
  rec->set_observed_time_unix_nano(2);
  rec->set_severity_number(logs::SEVERITY_NUMBER_FATAL4);
  rec->set_severity_text("F");
  *rec->mutable_body() = Nested();
  rec->set_flags(255);
  rec->set_trace_id(kTraceId);
  rec->set_span_id(std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  rec->set_event_name("ev");
  rec->set_dropped_attributes_count(8);
  return req;
}

template <typename Msg, typename Decode>
void ExpectCanonicalRoundTrip(const Msg& original, Decode decode) {
  for (int variant = 0; variant < 3; ++variant) {
    google::protobuf::util::JsonPrintOptions opts;
    opts.preserve_proto_field_names = variant == 1;
    opts.always_print_enums_as_ints = variant == 2;
    opts.always_print_primitive_fields = variant == 2;
    std::string json;
    ASSERT_TRUE(google::protobuf::util::MessageToJsonString(original, &json, opts).ok());
    Msg decoded;
    Status s = decode(json, &decoded);
    ASSERT_TRUE(s.ok()) << s << "\n" << json;
    // Compared by value: "-0" is an integer literal in JSON and decodes as +0.
    google::protobuf::util::DefaultFieldComparator cmp;
    cmp.set_treat_nan_as_equal(true);
    MessageDifferencer diff;
    diff.set_field_comparator(&cmp);
    std::string report;
    diff.ReportDifferencesToString(&report);
    EXPECT_TRUE(diff.Compare(original, decoded)) << "variant " << variant << "\n" << report << json;
  }
}

TEST(OtlpJsonRoundTripTest, CanonicalProto3JsonOfEverySignal) {
  ExpectCanonicalRoundTrip(RichTraces(),
                           [](std::string_view b, auto* m) { return DecodeTracesJson(b, m); });
  ExpectCanonicalRoundTrip(RichMetrics(),
                           [](std::string_view b, auto* m) { return DecodeMetricsJson(b, m); });
  ExpectCanonicalRoundTrip(RichLogs(),
                           [](std::string_view b, auto* m) { return DecodeLogsJson(b, m); });
}

// --- Responses --------------------------------------------------------------------------------

TEST(OtlpResponseJsonTest, EncodesPartialSuccess) {
  coltrace::ExportTraceServiceResponse t;
  EXPECT_EQ(EncodeTracesResponseJson(t), "{}");
  t.mutable_partial_success()->set_rejected_spans(2);
  t.mutable_partial_success()->set_error_message("bad \"span\"");
  EXPECT_EQ(EncodeTracesResponseJson(t),
            R"({"partialSuccess":{"rejectedSpans":"2","errorMessage":"bad \"span\""}})");

  colmetrics::ExportMetricsServiceResponse m;
  m.mutable_partial_success()->set_rejected_data_points(7);
  EXPECT_EQ(EncodeMetricsResponseJson(m), R"({"partialSuccess":{"rejectedDataPoints":"7"}})");
  m.mutable_partial_success()->set_rejected_data_points(0);
  m.mutable_partial_success()->set_error_message("warning only");
  EXPECT_EQ(EncodeMetricsResponseJson(m), R"({"partialSuccess":{"errorMessage":"warning only"}})");

  collogs::ExportLogsServiceResponse l;
  l.mutable_partial_success()->set_rejected_log_records(1);
  EXPECT_EQ(EncodeLogsResponseJson(l), R"({"partialSuccess":{"rejectedLogRecords":"1"}})");
}

TEST(OtlpResponseJsonTest, RoundTrips) {
  colmetrics::ExportMetricsServiceResponse m, back;
  m.mutable_partial_success()->set_rejected_data_points(9223372036854775807LL);
  m.mutable_partial_success()->set_error_message("x\ny");
  ASSERT_TRUE(DecodeMetricsResponseJson(EncodeMetricsResponseJson(m), &back).ok());
  EXPECT_TRUE(MessageDifferencer::Equals(m, back));

  coltrace::ExportTraceServiceResponse t, tback;
  t.mutable_partial_success()->set_rejected_spans(3);
  ASSERT_TRUE(DecodeTracesResponseJson(EncodeTracesResponseJson(t), &tback).ok());
  EXPECT_TRUE(MessageDifferencer::Equals(t, tback));

  collogs::ExportLogsServiceResponse l, lback;
  l.mutable_partial_success()->set_error_message("e");
  ASSERT_TRUE(DecodeLogsResponseJson(EncodeLogsResponseJson(l), &lback).ok());
  EXPECT_TRUE(MessageDifferencer::Equals(l, lback));

  // Snake case and numbers from other implementations.
  ASSERT_TRUE(
      DecodeMetricsResponseJson(R"({"partial_success":{"rejected_data_points":4}})", &back).ok());
  EXPECT_EQ(back.partial_success().rejected_data_points(), 4);
}

TEST(OtlpResponseJsonTest, RpcStatus) {
  EXPECT_EQ(EncodeRpcStatusJson(3, "bad \"body\""), R"({"code":3,"message":"bad \"body\""})");
  EXPECT_EQ(EncodeRpcStatusJson(0, ""), "{}");
  EXPECT_EQ(EncodeRpcStatusJson(8, ""), R"({"code":8})");
}

}  // namespace
}  // namespace loupe::ingest::otlp
