// OTLP wire format: every expected byte below is computed by hand from the upstream field
// numbers and types, so a wrong number, type (varint/fixed/zigzag) or packing fails here.
#include <gtest/gtest.h>

#include <string>

#include "ingest/proto/wire_test_util.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "opentelemetry/proto/common/v1/common.pb.h"
#include "opentelemetry/proto/logs/v1/logs.pb.h"
#include "opentelemetry/proto/metrics/v1/metrics.pb.h"
#include "opentelemetry/proto/trace/v1/trace.pb.h"

namespace loupe::ingest::proto {
namespace {

namespace common = ::opentelemetry::proto::common::v1;
namespace trace = ::opentelemetry::proto::trace::v1;
namespace metrics = ::opentelemetry::proto::metrics::v1;
namespace logs = ::opentelemetry::proto::logs::v1;
namespace collector_trace = ::opentelemetry::proto::collector::trace::v1;
namespace collector_metrics = ::opentelemetry::proto::collector::metrics::v1;
namespace collector_logs = ::opentelemetry::proto::collector::logs::v1;

TEST(OtlpWire, AnyValueOneofEncodings) {
  common::AnyValue v;
  v.set_int_value(-1);  // int64 varint: ten bytes for a negative number
  EXPECT_EQ(Hex(v.SerializeAsString()),
            Hex(Bytes({0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})));
  v.set_double_value(1.5);  // field 4, fixed64 little-endian IEEE
  EXPECT_EQ(Hex(v.SerializeAsString()),
            Hex(Bytes({0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x3f})));
  v.set_bytes_value(std::string("\0", 1));  // field 7
  EXPECT_EQ(Hex(v.SerializeAsString()), Hex(Bytes({0x3a, 0x01, 0x00})));
  v.mutable_array_value()->add_values()->set_string_value("a");  // 5 -> ArrayValue 1 -> 1
  EXPECT_EQ(Hex(v.SerializeAsString()), Hex(Bytes({0x2a, 0x05, 0x0a, 0x03, 0x0a, 0x01, 'a'})));

  common::KeyValue kv;
  kv.set_key("k");
  kv.mutable_value()->set_bool_value(true);  // AnyValue field 2
  EXPECT_EQ(Hex(kv.SerializeAsString()), Hex(Bytes({0x0a, 0x01, 'k', 0x12, 0x02, 0x10, 0x01})));
}

TEST(OtlpWire, SpanFieldNumbersAndTypes) {
  trace::Span span;
  std::string trace_id;
  for (int i = 1; i <= 16; ++i) trace_id.push_back(static_cast<char>(i));
  span.set_trace_id(trace_id);
  span.set_span_id(Bytes({0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8}));
  span.set_name("op");
  span.set_kind(trace::Span::SPAN_KIND_SERVER);
  span.set_start_time_unix_nano(1);
  span.set_end_time_unix_nano(2);
  auto* attr = span.add_attributes();
  attr->set_key("k");
  attr->mutable_value()->set_int_value(5);
  auto* event = span.add_events();
  event->set_time_unix_nano(3);
  event->set_name("e");
  span.mutable_status()->set_code(trace::Status::STATUS_CODE_ERROR);
  span.mutable_status()->set_message("x");
  span.set_flags(0x101);

  std::string expected = Cat({
      Bytes({0x0a, 0x10}), trace_id,                                          // 1 bytes
      Bytes({0x12, 0x08, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8}),    // 2 bytes
      Bytes({0x2a, 0x02, 'o', 'p'}),                                          // 5 string
      Bytes({0x30, 0x02}),                                                    // 6 enum
      Bytes({0x39, 0x01, 0, 0, 0, 0, 0, 0, 0}),                               // 7 fixed64
      Bytes({0x41, 0x02, 0, 0, 0, 0, 0, 0, 0}),                               // 8 fixed64
      Bytes({0x4a, 0x07, 0x0a, 0x01, 'k', 0x12, 0x02, 0x18, 0x05}),           // 9 KeyValue
      Bytes({0x5a, 0x0c, 0x09, 0x03, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x01, 'e'}),  // 11 Event
      Bytes({0x7a, 0x05, 0x12, 0x01, 'x', 0x18, 0x02}),                       // 15 Status
      Bytes({0x85, 0x01, 0x01, 0x01, 0x00, 0x00}),                            // 16 fixed32
  });
  EXPECT_EQ(Hex(span.SerializeAsString()), Hex(expected));
}

TEST(OtlpWire, ParsesExportTraceServiceRequestFixture) {
  // resource_spans { resource { attributes { key: "s" value { string_value: "v" } } }
  //                  scope_spans { spans { name: "x" } } schema_url: "u" }
  const std::string fixture =
      Bytes({0x0a, 0x16,                                                            //
             0x0a, 0x0a,                                                            // resource
             0x0a, 0x08, 0x0a, 0x01, 's', 0x12, 0x03, 0x0a, 0x01, 'v', 0x12, 0x05,  // scope_spans
             0x12, 0x03, 0x2a, 0x01, 'x',                                           // spans
             0x1a, 0x01, 'u'});                                                     // schema_url
  collector_trace::ExportTraceServiceRequest req;
  ASSERT_TRUE(req.ParseFromString(fixture));
  ASSERT_EQ(req.resource_spans_size(), 1);
  const auto& rs = req.resource_spans(0);
  ASSERT_EQ(rs.resource().attributes_size(), 1);
  EXPECT_EQ(rs.resource().attributes(0).key(), "s");
  EXPECT_EQ(rs.resource().attributes(0).value().string_value(), "v");
  ASSERT_EQ(rs.scope_spans_size(), 1);
  ASSERT_EQ(rs.scope_spans(0).spans_size(), 1);
  EXPECT_EQ(rs.scope_spans(0).spans(0).name(), "x");
  EXPECT_EQ(rs.schema_url(), "u");

  // TracesData has the same shape: the request bytes parse as TracesData unchanged.
  trace::TracesData data;
  ASSERT_TRUE(data.ParseFromString(fixture));
  EXPECT_EQ(data.SerializeAsString(), fixture);
}

TEST(OtlpWire, ExportResponsesPartialSuccess) {
  collector_trace::ExportTraceServiceResponse traces;
  traces.mutable_partial_success()->set_rejected_spans(3);
  traces.mutable_partial_success()->set_error_message("e");
  EXPECT_EQ(Hex(traces.SerializeAsString()), Hex(Bytes({0x0a, 0x05, 0x08, 0x03, 0x12, 0x01, 'e'})));

  collector_metrics::ExportMetricsServiceResponse metrics_resp;
  metrics_resp.mutable_partial_success()->set_rejected_data_points(7);
  EXPECT_EQ(Hex(metrics_resp.SerializeAsString()), Hex(Bytes({0x0a, 0x02, 0x08, 0x07})));

  collector_logs::ExportLogsServiceResponse logs_resp;
  logs_resp.mutable_partial_success()->set_rejected_log_records(1);
  logs_resp.mutable_partial_success()->set_error_message("bad");
  EXPECT_EQ(Hex(logs_resp.SerializeAsString()),
            Hex(Bytes({0x0a, 0x07, 0x08, 0x01, 0x12, 0x03, 'b', 'a', 'd'})));

  // Full success is the empty message.
  EXPECT_EQ(collector_trace::ExportTraceServiceResponse().SerializeAsString(), "");
}

TEST(OtlpWire, SumMetricWithNumberDataPoint) {
  metrics::Metric m;
  m.set_name("m");
  m.set_unit("s");
  auto* sum = m.mutable_sum();
  sum->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  sum->set_is_monotonic(true);
  auto* dp = sum->add_data_points();
  dp->set_start_time_unix_nano(1);
  dp->set_time_unix_nano(2);
  dp->set_as_int(-2);
  auto* attr = dp->add_attributes();
  attr->set_key("a");
  attr->mutable_value()->set_string_value("b");
  dp->set_flags(metrics::DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK);

  std::string point = Bytes({
      0x11, 0x01, 0,    0,    0,    0,    0,    0,    0,          // 2 fixed64
      0x19, 0x02, 0,    0,    0,    0,    0,    0,    0,          // 3 fixed64
      0x31, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,       // 6 sfixed64 -2
      0x3a, 0x08, 0x0a, 0x01, 'a',  0x12, 0x03, 0x0a, 0x01, 'b',  // 7 attributes
      0x40, 0x01,                                                 // 8 flags
  });
  ASSERT_EQ(point.size(), 0x27u);
  std::string expected = Cat({Bytes({0x0a, 0x01, 'm', 0x1a, 0x01, 's', 0x3a, 0x2d, 0x0a, 0x27}),
                              point, Bytes({0x10, 0x02, 0x18, 0x01})});
  EXPECT_EQ(Hex(m.SerializeAsString()), Hex(expected));
}

TEST(OtlpWire, HistogramDataPointOptionalFieldsAndPacking) {
  metrics::HistogramDataPoint dp;
  dp.set_count(3);
  dp.set_sum(0.0);  // optional: an explicit zero is still sent
  dp.add_bucket_counts(1);
  dp.add_bucket_counts(2);
  dp.add_explicit_bounds(1.0);
  dp.set_min(0.5);
  dp.set_max(2.0);
  std::string expected = Bytes({
      0x21, 0x03, 0,    0, 0, 0, 0, 0,    0,                                      // 4 count
      0x29, 0,    0,    0, 0, 0, 0, 0,    0,                                      // 5 sum
      0x32, 0x10, 0x01, 0, 0, 0, 0, 0,    0,    0,    0x02, 0, 0, 0, 0, 0, 0, 0,  // 6 packed
      0x3a, 0x08, 0,    0, 0, 0, 0, 0,    0xf0, 0x3f,                             // 7 packed
      0x59, 0,    0,    0, 0, 0, 0, 0xe0, 0x3f,                                   // 11 min
      0x61, 0,    0,    0, 0, 0, 0, 0,    0x40,                                   // 12 max
  });
  EXPECT_EQ(Hex(dp.SerializeAsString()), Hex(expected));

  metrics::HistogramDataPoint parsed;
  ASSERT_TRUE(parsed.ParseFromString(expected));
  EXPECT_TRUE(parsed.has_sum());
  EXPECT_EQ(parsed.sum(), 0.0);
  ASSERT_TRUE(parsed.ParseFromString(Bytes({0x21, 0x03, 0, 0, 0, 0, 0, 0, 0})));
  EXPECT_FALSE(parsed.has_sum());
  EXPECT_FALSE(parsed.has_min());
  EXPECT_EQ(parsed.count(), 3u);
}

TEST(OtlpWire, ExponentialHistogramAndSummaryPoints) {
  metrics::ExponentialHistogramDataPoint dp;
  dp.set_scale(-1);  // sint32 zigzag
  dp.set_zero_count(1);
  dp.mutable_positive()->set_offset(-2);
  dp.mutable_positive()->add_bucket_counts(1);
  dp.mutable_positive()->add_bucket_counts(2);
  dp.set_zero_threshold(0.25);
  EXPECT_EQ(Hex(dp.SerializeAsString()),
            Hex(Bytes({0x30, 0x01,                                                // 6 scale
                       0x39, 0x01, 0,    0,    0,    0,    0,    0,    0,         // 7 zero_count
                       0x42, 0x06, 0x08, 0x03, 0x12, 0x02, 0x01, 0x02,            // 8 positive
                       0x71, 0,    0,    0,    0,    0,    0,    0xd0, 0x3f})));  // 14 threshold

  metrics::SummaryDataPoint summary;
  auto* q = summary.add_quantile_values();
  q->set_quantile(0.5);
  q->set_value(1.0);
  EXPECT_EQ(Hex(summary.SerializeAsString()),
            Hex(Bytes({0x32, 0x12, 0x09, 0, 0, 0, 0, 0,    0,   0xe0, 0x3f,  //
                       0x11, 0,    0,    0, 0, 0, 0, 0xf0, 0x3f})));
}

TEST(OtlpWire, ParsesExportMetricsServiceRequestFixture) {
  // resource_metrics { scope_metrics { metrics { name: "g" gauge { data_points {
  //   as_double: 2.5 } } } } }
  const std::string fixture =
      Bytes({0x0a, 0x14, 0x12, 0x12, 0x12, 0x10, 0x0a, 0x01, 'g', 0x2a, 0x0b, 0x0a, 0x09,  //
             0x21, 0,    0,    0,    0,    0,    0,    0x04, 0x40});
  collector_metrics::ExportMetricsServiceRequest req;
  ASSERT_TRUE(req.ParseFromString(fixture));
  const auto& metric = req.resource_metrics(0).scope_metrics(0).metrics(0);
  EXPECT_EQ(metric.name(), "g");
  ASSERT_EQ(metric.data_case(), metrics::Metric::kGauge);
  ASSERT_EQ(metric.gauge().data_points_size(), 1);
  ASSERT_EQ(metric.gauge().data_points(0).value_case(), metrics::NumberDataPoint::kAsDouble);
  EXPECT_EQ(metric.gauge().data_points(0).as_double(), 2.5);
}

TEST(OtlpWire, LogRecordFieldNumbersAndTypes) {
  logs::LogRecord rec;
  rec.set_time_unix_nano(1);
  rec.set_observed_time_unix_nano(2);
  rec.set_severity_number(logs::SEVERITY_NUMBER_INFO);
  rec.set_severity_text("INFO");
  rec.mutable_body()->set_string_value("hi");
  auto* attr = rec.add_attributes();
  attr->set_key("k");
  attr->mutable_value()->set_bool_value(true);
  rec.set_flags(1);
  rec.set_trace_id(Bytes({0xab, 0xcd}));
  rec.set_span_id(Bytes({0x01}));
  rec.set_event_name("ev");
  std::string expected = Bytes({
      0x09, 0x01, 0,    0,    0,    0,    0,    0,    0,     // 1 time fixed64
      0x10, 0x09,                                            // 2 severity_number
      0x1a, 0x04, 'I',  'N',  'F',  'O',                     // 3 severity_text
      0x2a, 0x04, 0x0a, 0x02, 'h',  'i',                     // 5 body
      0x32, 0x07, 0x0a, 0x01, 'k',  0x12, 0x02, 0x10, 0x01,  // 6 attributes
      0x45, 0x01, 0x00, 0x00, 0x00,                          // 8 flags fixed32
      0x4a, 0x02, 0xab, 0xcd,                                // 9 trace_id
      0x52, 0x01, 0x01,                                      // 10 span_id
      0x59, 0x02, 0,    0,    0,    0,    0,    0,    0,     // 11 observed fixed64
      0x62, 0x02, 'e',  'v',                                 // 12 event_name
  });
  EXPECT_EQ(Hex(rec.SerializeAsString()), Hex(expected));
}

TEST(OtlpWire, ParsesExportLogsServiceRequestFixture) {
  // resource_logs { scope_logs { log_records { body { string_value: "hi" } event_name: "ev" } } }
  const std::string fixture = Bytes({0x0a, 0x0e, 0x12, 0x0c, 0x12, 0x0a,  //
                                     0x2a, 0x04, 0x0a, 0x02, 'h', 'i',    //
                                     0x62, 0x02, 'e', 'v'});
  collector_logs::ExportLogsServiceRequest req;
  ASSERT_TRUE(req.ParseFromString(fixture));
  const auto& rec = req.resource_logs(0).scope_logs(0).log_records(0);
  EXPECT_EQ(rec.body().string_value(), "hi");
  EXPECT_EQ(rec.event_name(), "ev");
  EXPECT_EQ(rec.severity_number(), logs::SEVERITY_NUMBER_UNSPECIFIED);
}

}  // namespace
}  // namespace loupe::ingest::proto
