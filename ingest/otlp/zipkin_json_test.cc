#include "ingest/otlp/zipkin_json.h"

#include <gtest/gtest.h>

namespace loupe::ingest::otlp {
namespace {

namespace coltrace = ::opentelemetry::proto::collector::trace::v1;
namespace trace = ::opentelemetry::proto::trace::v1;

std::string Attr(const trace::Span& s, const std::string& key) {
  for (const auto& kv : s.attributes()) {
    if (kv.key() == key) {
      return kv.value().has_string_value() ? kv.value().string_value()
                                           : std::to_string(kv.value().int_value());
    }
  }
  return "<absent>";
}

TEST(ZipkinJsonTest, TranslatesAsTheCollectorsReceiver) {
  const std::string body = R"([
    {"traceId":"5af7183fb1d4cf5f","id":"6b221d5bc9e6496c","parentId":"0000000000000001","name":"get /api",
     "kind":"SERVER","timestamp":1556604172355737,"duration":1431,
     "localEndpoint":{"serviceName":"backend","ipv4":"192.168.99.1","port":3306},
     "remoteEndpoint":{"serviceName":"frontend","ipv4":"172.19.0.2","port":58648},
     "tags":{"http.method":"GET","http.path":"/api","error":"true","otel.library.name":"lib","otel.library.version":"1"},
     "annotations":[{"timestamp":1556604172355800,"value":"wire.recv"}]},
    {"traceId":"463ac35c9f6413ad48485a3953bb6124","id":"a2fb4a1d1a96d312","name":"internal work",
     "timestamp":1556604172355000,"duration":"10","tags":{"span.kind":"internal","otel.status_code":"STATUS_CODE_OK"}},
    {"traceId":"463ac35c9f6413ad48485a3953bb6124","id":"b2fb4a1d1a96d312","parentId":"b2fb4a1d1a96d312","name":"self parent",
     "kind":"CLIENT","localEndpoint":{"serviceName":"backend"}}
  ])";
  coltrace::ExportTraceServiceRequest req;
  ASSERT_TRUE(DecodeZipkinV2Json(body, &req).ok());
  ASSERT_EQ(req.resource_spans_size(), 2) << req.DebugString();
  const auto& backend = req.resource_spans(0);
  EXPECT_EQ(backend.resource().attributes(0).value().string_value(), "backend");
  ASSERT_EQ(backend.scope_spans_size(), 2) << "one scope per instrumentation library";
  EXPECT_EQ(backend.scope_spans(0).scope().name(), "lib");
  EXPECT_EQ(backend.scope_spans(0).scope().version(), "1");
  const trace::Span& s = backend.scope_spans(0).spans(0);
  EXPECT_EQ(s.trace_id(),
            std::string(8, '\0') + std::string("\x5a\xf7\x18\x3f\xb1\xd4\xcf\x5f", 8));
  EXPECT_EQ(s.span_id(), std::string("\x6b\x22\x1d\x5b\xc9\xe6\x49\x6c", 8));
  EXPECT_EQ(s.parent_span_id(), std::string("\0\0\0\0\0\0\0\x01", 8));
  EXPECT_EQ(s.kind(), trace::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(s.start_time_unix_nano(), 1556604172355737000ULL);
  EXPECT_EQ(s.end_time_unix_nano(), 1556604172357168000ULL);
  EXPECT_EQ(s.status().code(), trace::Status::STATUS_CODE_ERROR);
  EXPECT_EQ(Attr(s, "http.method"), "GET");
  EXPECT_EQ(Attr(s, "error"), "<absent>");
  EXPECT_EQ(Attr(s, "otel.library.name"), "<absent>");
  EXPECT_EQ(Attr(s, "net.host.ip"), "192.168.99.1");
  EXPECT_EQ(Attr(s, "net.host.port"), "3306");
  EXPECT_EQ(Attr(s, "peer.service"), "frontend");
  EXPECT_EQ(Attr(s, "net.peer.port"), "58648");
  ASSERT_EQ(s.events_size(), 1);
  EXPECT_EQ(s.events(0).name(), "wire.recv");
  EXPECT_EQ(s.events(0).time_unix_nano(), 1556604172355800000ULL);
  const trace::Span& self = backend.scope_spans(1).spans(0);
  EXPECT_EQ(self.parent_span_id(), "") << "a parentId equal to the id is dropped";

  const auto& none = req.resource_spans(1);
  EXPECT_EQ(none.resource().attributes_size(), 0) << "no localEndpoint: no service.name";
  const trace::Span& in = none.scope_spans(0).spans(0);
  EXPECT_EQ(in.trace_id().size(), 16u);
  EXPECT_EQ(in.kind(), trace::Span::SPAN_KIND_INTERNAL);
  EXPECT_EQ(in.status().code(), trace::Status::STATUS_CODE_OK);
  EXPECT_EQ(in.end_time_unix_nano() - in.start_time_unix_nano(), 10'000u);
  EXPECT_EQ(in.attributes_size(), 0);
}

TEST(ZipkinJsonTest, ErrorsNameTheSpanAndField) {
  coltrace::ExportTraceServiceRequest req;
  EXPECT_EQ(DecodeZipkinV2Json("{", &req).message(), "invalid Zipkin JSON: not a JSON document");
  EXPECT_EQ(DecodeZipkinV2Json("{}", &req).message(),
            "invalid Zipkin JSON: the body must be an array of spans");
  EXPECT_EQ(DecodeZipkinV2Json(R"([{"traceId":"xyz","id":"1"}])", &req).message(),
            "invalid Zipkin JSON: spans[0].traceId: \"xyz\" is not a hex id of 16 or 32 digits");
  EXPECT_EQ(
      DecodeZipkinV2Json(R"([{"traceId":"1","id":"01","kind":"BOSS"}])", &req).message(),
      "invalid Zipkin JSON: spans[0].kind: \"BOSS\" is not CLIENT, SERVER, PRODUCER or CONSUMER");
  EXPECT_EQ(DecodeZipkinV2Json(
                R"([{"traceId":"1","id":"01"},{"traceId":"1","id":"12345678901234567"}])", &req)
                .message(),
            "invalid Zipkin JSON: spans[1].id: \"12345678901234567\" is not a hex id of 16 digits");
  EXPECT_EQ(DecodeZipkinV2Json(R"([{"traceId":"1","id":"01","timestamp":-1}])", &req).message(),
            "invalid Zipkin JSON: spans[0].timestamp: must not be negative");
  EXPECT_EQ(DecodeZipkinV2Json(std::string(100, ' '), &req, 10).code(), StatusCode::kTooLarge);
  EXPECT_TRUE(DecodeZipkinV2Json("[]", &req).ok());
  EXPECT_EQ(req.resource_spans_size(), 0);
}

}  // namespace
}  // namespace loupe::ingest::otlp
