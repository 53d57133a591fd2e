#include "ingest/derive/span_util.h"

#include <gtest/gtest.h>

namespace loupe::ingest::derive {
namespace {

TEST(SpanUtil, EnumNamesAsTheProtoSpellsThem) {
  std::string scratch;
  EXPECT_EQ(SpanKindName(otlp_trace::Span::SPAN_KIND_SERVER, &scratch), "SPAN_KIND_SERVER");
  EXPECT_EQ(SpanKindName(otlp_trace::Span::SPAN_KIND_UNSPECIFIED, &scratch),
            "SPAN_KIND_UNSPECIFIED");
  EXPECT_EQ(SpanKindName(otlp_trace::Span::SPAN_KIND_CONSUMER, &scratch), "SPAN_KIND_CONSUMER");
  EXPECT_EQ(SpanKindName(9, &scratch), "9");
  EXPECT_EQ(StatusCodeName(otlp_trace::Status::STATUS_CODE_ERROR, &scratch), "STATUS_CODE_ERROR");
  EXPECT_EQ(StatusCodeName(0, &scratch), "STATUS_CODE_UNSET");
  EXPECT_EQ(StatusCodeName(-3, &scratch), "-3");
}

TEST(SpanUtil, AttributeLookupPrefersResource) {
  KeyValues resource, span;
  auto add = [](KeyValues* kvs, const std::string& k, const std::string& v) {
    auto* kv = kvs->Add();
    kv->set_key(k);
    kv->mutable_value()->set_string_value(v);
  };
  add(&resource, "deployment.environment", "prod");
  add(&span, "deployment.environment", "dev");
  add(&span, "http.method", "GET");
  auto* n = span.Add();
  n->set_key("http.status_code");
  n->mutable_value()->set_int_value(503);
  std::string scratch;
  std::string_view v;
  ASSERT_TRUE(FindAttributeValue("deployment.environment", resource, span, &scratch, &v));
  EXPECT_EQ(v, "prod");
  ASSERT_TRUE(FindAttributeValue("http.method", resource, span, &scratch, &v));
  EXPECT_EQ(v, "GET");
  ASSERT_TRUE(FindAttributeValue("http.status_code", resource, span, &scratch, &v));
  EXPECT_EQ(v, "503");
  EXPECT_FALSE(FindAttributeValue("missing", resource, span, &scratch, &v));
  EXPECT_EQ(ServiceName(resource, &scratch), "");
}

TEST(SpanUtil, DurationNeverNegative) {
  otlp_trace::Span s;
  s.set_start_time_unix_nano(2'000'000'000);
  s.set_end_time_unix_nano(3'500'000'000);
  EXPECT_DOUBLE_EQ(SpanDurationSeconds(s), 1.5);
  s.set_end_time_unix_nano(1'000'000'000);
  EXPECT_EQ(SpanDurationSeconds(s), 0);
}

TEST(SpanUtil, LabelHelpers) {
  EXPECT_EQ(SanitizeLabelName("http.request.method"), "http_request_method");
  EXPECT_EQ(SanitizeLabelName("k8s-pod/name"), "k8s_pod_name");
  EXPECT_EQ(SanitizeLabelName("1st"), "_1st");
  EXPECT_EQ(SanitizeLabelName("caf\xc3\xa9"), "caf_");  // one '_' per code point
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9"));
  EXPECT_FALSE(IsValidUtf8("caf\xc3"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_EQ(TruncateUtf8("caf\xc3\xa9", 4), "caf");  // never splits a code point
  EXPECT_EQ(TruncateUtf8("abc", 10), "abc");
  std::string hex;
  AppendHex(std::string("\x00\xab\x10", 3), &hex);
  EXPECT_EQ(hex, "00ab10");
  EXPECT_TRUE(IsZeroId(std::string(16, '\0')));
  EXPECT_FALSE(IsZeroId(std::string("\0\1", 2)));
  EXPECT_EQ(ExponentialBuckets(0.1, 2, 8),
            (std::vector<double>{0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8}));
}

}  // namespace
}  // namespace loupe::ingest::derive
