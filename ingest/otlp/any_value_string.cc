#include "ingest/otlp/any_value_string.h"

#include <cmath>
#include <map>
#include <string_view>

#include "ingest/otlp/codec_util.h"

namespace loupe::ingest::otlp {
namespace {

using ::opentelemetry::proto::common::v1::AnyValue;

// Appends the JSON of v's raw value; false if a value cannot be encoded (NaN/Inf).
bool AppendRawJson(std::string* out, const AnyValue& v) {
  switch (v.value_case()) {
    case AnyValue::kStringValue:
      AppendJsonString(out, v.string_value(), /*go_html_escape=*/true);
      return true;
    case AnyValue::kBoolValue:
      *out += v.bool_value() ? "true" : "false";
      return true;
    case AnyValue::kIntValue:
      *out += std::to_string(v.int_value());
      return true;
    case AnyValue::kDoubleValue:
      if (!std::isfinite(v.double_value())) return false;
      *out += FormatFloatJs(v.double_value());
      return true;
    case AnyValue::kBytesValue:
      *out += '"';
      *out += EncodeBase64(v.bytes_value());
      *out += '"';
      return true;
    case AnyValue::kArrayValue: {
      *out += '[';
      bool first = true;
      for (const AnyValue& item : v.array_value().values()) {
        if (!first) *out += ',';
        first = false;
        if (!AppendRawJson(out, item)) return false;
      }
      *out += ']';
      return true;
    }
    case AnyValue::kKvlistValue: {
      // A Go map: sorted keys, the last of repeated keys wins.
      std::map<std::string_view, const AnyValue*> sorted;
      for (const auto& kv : v.kvlist_value().values()) sorted[kv.key()] = &kv.value();
      *out += '{';
      bool first = true;
      for (const auto& [key, value] : sorted) {
        if (!first) *out += ',';
        first = false;
        AppendJsonString(out, key, /*go_html_escape=*/true);
        *out += ':';
        if (!AppendRawJson(out, *value)) return false;
      }
      *out += '}';
      return true;
    }
    case AnyValue::VALUE_NOT_SET:
      break;
  }
  *out += "null";
  return true;
}

}  // namespace

std::string AnyValueAsString(const AnyValue& v) {
  switch (v.value_case()) {
    case AnyValue::kStringValue:
      return v.string_value();
    case AnyValue::kBoolValue:
      return v.bool_value() ? "true" : "false";
    case AnyValue::kIntValue:
      return std::to_string(v.int_value());
    case AnyValue::kDoubleValue: {
      const double d = v.double_value();
      if (!std::isfinite(d)) return "json: unsupported value: " + FormatFloatNonFinite(d);
      return FormatFloatJs(d);
    }
    case AnyValue::kBytesValue:
      return EncodeBase64(v.bytes_value());
    case AnyValue::kArrayValue:
    case AnyValue::kKvlistValue: {
      std::string out;
      if (!AppendRawJson(&out, v)) return "";
      return out;
    }
    case AnyValue::VALUE_NOT_SET:
      break;
  }
  return "";
}

}  // namespace loupe::ingest::otlp
