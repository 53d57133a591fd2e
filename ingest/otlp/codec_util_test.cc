#include "ingest/otlp/codec_util.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ingest/otlp/any_value_string.h"

namespace loupe::ingest::otlp {
namespace {

using ::opentelemetry::proto::common::v1::AnyValue;

TEST(OtlpHexTest, RoundTripAndRejects) {
  EXPECT_EQ(EncodeHex(std::string("\x01\xab\xff", 3)), "01abff");
  std::string out;
  ASSERT_TRUE(DecodeHex("01ABff", &out));
  EXPECT_EQ(out, std::string("\x01\xab\xff", 3));
  EXPECT_FALSE(DecodeHex("abc", &out));  // odd length
  EXPECT_FALSE(DecodeHex("zz", &out));
  ASSERT_TRUE(DecodeHex("", &out));
  EXPECT_EQ(out, "");
}

TEST(OtlpBase64Test, EncodesLikeGoStdEncoding) {
  EXPECT_EQ(EncodeBase64(""), "");
  EXPECT_EQ(EncodeBase64("f"), "Zg==");
  EXPECT_EQ(EncodeBase64("fo"), "Zm8=");
  EXPECT_EQ(EncodeBase64("foo"), "Zm9v");
  EXPECT_EQ(EncodeBase64(std::string("\xfb\xff", 2)), "+/8=");
}

TEST(OtlpBase64Test, DecodesStdUrlSafePaddedAndUnpadded) {
  std::string out;
  ASSERT_TRUE(DecodeBase64("Zm9vYg==", &out));
  EXPECT_EQ(out, "foob");
  ASSERT_TRUE(DecodeBase64("Zm9vYg", &out));
  EXPECT_EQ(out, "foob");
  ASSERT_TRUE(DecodeBase64("-_8", &out));
  EXPECT_EQ(out, std::string("\xfb\xff", 2));
  ASSERT_TRUE(DecodeBase64("+/8=", &out));
  EXPECT_EQ(out, std::string("\xfb\xff", 2));
}

TEST(OtlpBase64Test, RejectsMalformed) {
  std::string out;
  EXPECT_FALSE(DecodeBase64("Z", &out));      // dangling 6 bits
  EXPECT_FALSE(DecodeBase64("Zm9v!", &out));  // bad character
  EXPECT_FALSE(DecodeBase64("Zg===", &out));  // three pads
  EXPECT_FALSE(DecodeBase64("Zm8==", &out));  // pad does not complete a group
  EXPECT_FALSE(DecodeBase64("Zh==", &out));   // non-zero leftover bits
}

TEST(OtlpJsonStringTest, EscapesControlAndInvalidUtf8) {
  std::string out;
  AppendJsonString(&out, std::string("a\"b\\c\n\t\x01\xff", 9));
  EXPECT_EQ(out, R"("a\"b\\c\n\t\u0001\ufffd")");
  out.clear();
  AppendJsonString(&out, "<a>&\xe2\x80\xa8", /*go_html_escape=*/true);
  EXPECT_EQ(out, R"("\u003ca\u003e\u0026\u2028")");
  out.clear();
  AppendJsonString(&out, "h\xc3\xa9");  // valid UTF-8 kept
  EXPECT_EQ(out, "\"h\xc3\xa9\"");
}

// Expectations are Go's strconv.FormatFloat(v, 'f', -1, 64).
TEST(OtlpFormatFloatTest, FixedMatchesGo) {
  EXPECT_EQ(FormatFloatFixed(0.1), "0.1");
  EXPECT_EQ(FormatFloatFixed(100), "100");
  EXPECT_EQ(FormatFloatFixed(2.5), "2.5");
  EXPECT_EQ(FormatFloatFixed(1e21), "1000000000000000000000");
  EXPECT_EQ(FormatFloatFixed(0.000001), "0.000001");
  EXPECT_EQ(FormatFloatFixed(-0.0), "-0");
  EXPECT_EQ(FormatFloatFixed(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatFloatFixed(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatFloatFixed(std::nan("")), "NaN");
  EXPECT_EQ(FormatFloatFixed(0.95), "0.95");
}

// Expectations are Go's encoding/json float64 output.
TEST(OtlpFormatFloatTest, JsMatchesGoJson) {
  EXPECT_EQ(FormatFloatJs(1.5), "1.5");
  EXPECT_EQ(FormatFloatJs(0), "0");
  EXPECT_EQ(FormatFloatJs(1e-7), "1e-7");
  EXPECT_EQ(FormatFloatJs(1.25e-10), "1.25e-10");
  EXPECT_EQ(FormatFloatJs(1e21), "1e+21");
  EXPECT_EQ(FormatFloatJs(123456789), "123456789");
  EXPECT_EQ(FormatFloatJs(0.000001), "0.000001");
  EXPECT_EQ(FormatFloatJs(1e20), "100000000000000000000");
}

TEST(OtlpCountRunesTest, CountsCodePoints) {
  EXPECT_EQ(CountRunes("abc"), 3u);
  EXPECT_EQ(CountRunes("h\xc3\xa9"), 2u);
  EXPECT_EQ(CountRunes("\xff\xfe"), 2u);
}

AnyValue Str(const std::string& s) {
  AnyValue v;
  v.set_string_value(s);
  return v;
}

// Expectations are pdata's Value.AsString() output.
TEST(OtlpAnyValueAsStringTest, Scalars) {
  AnyValue v;
  EXPECT_EQ(AnyValueAsString(v), "");
  EXPECT_EQ(AnyValueAsString(Str("x")), "x");
  v.set_bool_value(true);
  EXPECT_EQ(AnyValueAsString(v), "true");
  v.set_int_value(-42);
  EXPECT_EQ(AnyValueAsString(v), "-42");
  v.set_double_value(3.25);
  EXPECT_EQ(AnyValueAsString(v), "3.25");
  v.set_double_value(1e-9);
  EXPECT_EQ(AnyValueAsString(v), "1e-9");
  v.set_double_value(std::nan(""));
  EXPECT_EQ(AnyValueAsString(v), "json: unsupported value: NaN");
  v.set_double_value(-std::numeric_limits<double>::infinity());
  EXPECT_EQ(AnyValueAsString(v), "json: unsupported value: -Inf");
  v.set_bytes_value("foo");
  EXPECT_EQ(AnyValueAsString(v), "Zm9v");
}

TEST(OtlpAnyValueAsStringTest, ArraysAndMapsAsGoJson) {
  AnyValue arr;
  auto* a = arr.mutable_array_value();
  *a->add_values() = Str("a<b");
  a->add_values()->set_int_value(7);
  a->add_values()->set_double_value(0.5);
  a->add_values();  // unset → null
  a->add_values()->set_bytes_value("hi");
  EXPECT_EQ(AnyValueAsString(arr), R"(["a\u003cb",7,0.5,null,"aGk="])");

  AnyValue map;
  auto* kv = map.mutable_kvlist_value();
  auto* z = kv->add_values();
  z->set_key("z");
  z->mutable_value()->set_bool_value(false);
  auto* a1 = kv->add_values();
  a1->set_key("a");
  a1->mutable_value()->set_int_value(1);
  auto* a2 = kv->add_values();  // repeated key: the last wins
  a2->set_key("a");
  a2->mutable_value()->set_int_value(2);
  EXPECT_EQ(AnyValueAsString(map), R"({"a":2,"z":false})");

  a->add_values()->set_double_value(std::nan(""));
  EXPECT_EQ(AnyValueAsString(arr), "");  // json.Marshal fails on NaN
}

}  // namespace
}  // namespace loupe::ingest::otlp
