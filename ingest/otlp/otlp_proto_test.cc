#include "ingest/otlp/otlp_proto.h"

#include <gtest/gtest.h>

namespace loupe::ingest::otlp {
namespace {

using ::opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest;
using ::opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;
using ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;

ExportTraceServiceRequest SampleTraces() {
  ExportTraceServiceRequest req;
  auto* span = req.add_resource_spans()->add_scope_spans()->add_spans();
  span->set_name("op");
  span->set_trace_id(std::string(16, '\x01'));
  span->set_span_id(std::string(8, '\x02'));
  return req;
}

// Logs whose body nests `depth` arrays: 5 message levels to reach the body, 2 per array.
std::string NestedLogs(int depth) {
  ExportLogsServiceRequest req;
  auto* v = req.add_resource_logs()->add_scope_logs()->add_log_records()->mutable_body();
  for (int i = 0; i < depth; ++i) v = v->mutable_array_value()->add_values();
  v->set_string_value("leaf");
  return req.SerializeAsString();
}

TEST(OtlpProtoDecodeTest, DecodesValidBody) {
  const std::string body = SampleTraces().SerializeAsString();
  ExportTraceServiceRequest out;
  ASSERT_TRUE(DecodeTracesProto(body, &out).ok());
  EXPECT_EQ(out.resource_spans(0).scope_spans(0).spans(0).name(), "op");
  ExportMetricsServiceRequest empty;
  EXPECT_TRUE(DecodeMetricsProto("", &empty).ok());
  EXPECT_EQ(empty.resource_metrics_size(), 0);
}

TEST(OtlpProtoDecodeTest, RejectsTruncatedAndCorruptBodies) {
  const std::string body = SampleTraces().SerializeAsString();
  ExportTraceServiceRequest out;
  for (size_t cut = 1; cut < body.size(); ++cut) {
    Status s = DecodeTracesProto(std::string_view(body).substr(0, cut), &out);
    // Some prefixes end exactly on a field boundary of the outermost message and are valid.
    if (!s.ok()) {
      EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
      EXPECT_EQ(out.resource_spans_size(), 0) << "cleared on error";
    }
  }
  // A length prefix pointing past the end.
  Status s = DecodeTracesProto(std::string("\x0a\x7f\x0a", 3), &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "failed to decode OTLP protobuf "
            "opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest: malformed wire "
            "data, nesting deeper than 100 levels, or invalid UTF-8 in a string field");
  // A bare end-group tag.
  EXPECT_FALSE(DecodeTracesProto(std::string("\x0c", 1), &out).ok());
  // Invalid wire type 7.
  EXPECT_FALSE(DecodeTracesProto(std::string("\x0f", 1), &out).ok());
}

TEST(OtlpProtoDecodeTest, RejectsInvalidUtf8InStrings) {
  ExportTraceServiceRequest req = SampleTraces();
  req.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->set_name("\xff\xfe");
  ExportTraceServiceRequest out;
  EXPECT_EQ(DecodeTracesProto(req.SerializeAsString(), &out).code(), StatusCode::kInvalidArgument);
}

TEST(OtlpProtoDecodeTest, SizeGuard) {
  const std::string body = SampleTraces().SerializeAsString();
  ExportTraceServiceRequest out;
  ProtoDecodeLimits limits;
  limits.max_body_bytes = body.size() - 1;
  Status s = DecodeTracesProto(body, &out, limits);
  EXPECT_EQ(s.code(), StatusCode::kTooLarge);
  limits.max_body_bytes = body.size();
  EXPECT_TRUE(DecodeTracesProto(body, &out, limits).ok());
}

TEST(OtlpProtoDecodeTest, RecursionGuard) {
  ExportLogsServiceRequest out;
  // Request(1) ResourceLogs(2) ScopeLogs(3) LogRecord(4) body AnyValue(5), then +2 per array.
  ProtoDecodeLimits limits;
  limits.max_recursion_depth = 5 + 2 * 10;
  EXPECT_TRUE(DecodeLogsProto(NestedLogs(10), &out, limits).ok());
  EXPECT_EQ(DecodeLogsProto(NestedLogs(11), &out, limits).code(), StatusCode::kInvalidArgument);
  // The default (100) refuses a hostile nesting of 1000 arrays without exhausting the stack.
  EXPECT_EQ(DecodeLogsProto(NestedLogs(1000), &out).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace loupe::ingest::otlp
