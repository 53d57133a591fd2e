#include "ingest/otlp/json_decoder.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "ingest/otlp/codec_util.h"

namespace loupe::ingest::otlp::json_internal {
namespace {

using simdjson::dom::element_type;

// Bodies up to this size parse with the thread's reusable parser.
constexpr size_t kSharedParserMaxBytes = 1u << 20;

// 2^63 and 2^64 as doubles (exact).
constexpr double kTwo63 = 9223372036854775808.0;
constexpr double kTwo64 = 18446744073709551616.0;

std::string Quote(std::string_view s) {
  constexpr size_t kMax = 64;
  std::string out;
  AppendJsonString(&out, s.substr(0, kMax));
  if (s.size() > kMax) out.insert(out.size() - 1, "...");
  return out;
}

bool ParseDoubleText(std::string_view s, double* out) {
  if (s == "NaN") {
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (s == "Infinity") {
    *out = std::numeric_limits<double>::infinity();
    return true;
  }
  if (s == "-Infinity") {
    *out = -std::numeric_limits<double>::infinity();
    return true;
  }
  if (s.empty()) return false;
  double v = 0;
  auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (res.ec != std::errc() || res.ptr != s.data() + s.size()) return false;
  *out = v;
  return true;
}

// Integral value of a double within [lo, hi).
template <typename T>
bool IntegralDouble(double d, double lo, double hi, T* out) {
  if (!(d >= lo && d < hi) || std::trunc(d) != d) return false;
  *out = static_cast<T>(d);
  return true;
}

}  // namespace

Status Decoder::Error(std::string_view problem) const {
  std::string msg = "invalid OTLP JSON: ";
  bool first = true;
  for (const Segment& seg : path_) {
    if (seg.is_index) {
      msg += '[';
      msg += std::to_string(seg.index);
      msg += ']';
    } else {
      if (!first) msg += '.';
      msg += seg.name;
    }
    first = false;
  }
  if (!path_.empty()) msg += ": ";
  msg += problem;
  return Status::InvalidArgument(std::move(msg));
}

Status Decoder::ReadString(Element e, std::string* out) {
  if (e.is_null()) return Status::OK();
  std::string_view s;
  if (e.get_string().get(s)) return Error("expected a string");
  out->assign(s.data(), s.size());
  return Status::OK();
}

Status Decoder::ReadBool(Element e, bool* out) {
  if (e.is_null()) return Status::OK();
  bool b = false;
  if (e.get_bool().get(b)) return Error("expected true or false");
  *out = b;
  return Status::OK();
}

Status Decoder::ReadUint64(Element e, uint64_t* out) {
  switch (e.type()) {
    case element_type::NULL_VALUE:
      return Status::OK();
    case element_type::UINT64:
      *out = e.get_uint64().value_unsafe();
      return Status::OK();
    case element_type::INT64: {
      const int64_t v = e.get_int64().value_unsafe();
      if (v < 0) return Error("expected an unsigned integer, got " + std::to_string(v));
      *out = static_cast<uint64_t>(v);
      return Status::OK();
    }
    case element_type::DOUBLE:
      if (IntegralDouble(e.get_double().value_unsafe(), 0.0, kTwo64, out)) return Status::OK();
      return Error("expected an unsigned integer");
    case element_type::STRING: {
      const std::string_view s = e.get_string().value_unsafe();
      uint64_t v = 0;
      auto res = std::from_chars(s.data(), s.data() + s.size(), v);
      if (res.ec == std::errc() && res.ptr == s.data() + s.size()) {
        *out = v;
        return Status::OK();
      }
      double d = 0;
      if (ParseDoubleText(s, &d) && IntegralDouble(d, 0.0, kTwo64, out)) return Status::OK();
      return Error("invalid unsigned integer " + Quote(s));
    }
    default:
      return Error("expected an unsigned integer (a number or a decimal string)");
  }
}

Status Decoder::ReadInt64(Element e, int64_t* out) {
  switch (e.type()) {
    case element_type::NULL_VALUE:
      return Status::OK();
    case element_type::INT64:
      *out = e.get_int64().value_unsafe();
      return Status::OK();
    case element_type::UINT64:
      return Error("integer out of range for int64");
    case element_type::DOUBLE:
      if (IntegralDouble(e.get_double().value_unsafe(), -kTwo63, kTwo63, out)) {
        return Status::OK();
      }
      return Error("expected an integer");
    case element_type::STRING: {
      const std::string_view s = e.get_string().value_unsafe();
      int64_t v = 0;
      auto res = std::from_chars(s.data(), s.data() + s.size(), v);
      if (res.ec == std::errc() && res.ptr == s.data() + s.size()) {
        *out = v;
        return Status::OK();
      }
      double d = 0;
      if (ParseDoubleText(s, &d) && IntegralDouble(d, -kTwo63, kTwo63, out)) {
        return Status::OK();
      }
      return Error("invalid integer " + Quote(s));
    }
    default:
      return Error("expected an integer (a number or a decimal string)");
  }
}

Status Decoder::ReadUint32(Element e, uint32_t* out) {
  uint64_t v = *out;
  LOUPE_RETURN_IF_ERROR(ReadUint64(e, &v));
  if (v > std::numeric_limits<uint32_t>::max()) return Error("integer out of range for uint32");
  *out = static_cast<uint32_t>(v);
  return Status::OK();
}

Status Decoder::ReadInt32(Element e, int32_t* out) {
  int64_t v = *out;
  LOUPE_RETURN_IF_ERROR(ReadInt64(e, &v));
  if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
    return Error("integer out of range for int32");
  }
  *out = static_cast<int32_t>(v);
  return Status::OK();
}

Status Decoder::ReadDouble(Element e, double* out) {
  switch (e.type()) {
    case element_type::NULL_VALUE:
      return Status::OK();
    case element_type::DOUBLE:
      *out = e.get_double().value_unsafe();
      return Status::OK();
    case element_type::INT64:
      *out = static_cast<double>(e.get_int64().value_unsafe());
      return Status::OK();
    case element_type::UINT64:
      *out = static_cast<double>(e.get_uint64().value_unsafe());
      return Status::OK();
    case element_type::STRING: {
      const std::string_view s = e.get_string().value_unsafe();
      if (ParseDoubleText(s, out)) return Status::OK();
      return Error("invalid number " + Quote(s));
    }
    default:
      return Error("expected a number");
  }
}

Status Decoder::ReadEnum(Element e, const EnumNames& names, int* out) {
  int32_t v = 0;
  if (e.is_null()) return Status::OK();
  if (e.is_string()) {
    const std::string_view s = e.get_string().value_unsafe();
    for (int i = 0; i < names.count; ++i) {
      if (s == names.names[i]) {
        *out = i;
        return Status::OK();
      }
    }
    // A number in a string is tolerated like any other integer field.
    int32_t n = 0;
    auto res = std::from_chars(s.data(), s.data() + s.size(), n);
    if (!s.empty() && res.ec == std::errc() && res.ptr == s.data() + s.size()) {
      *out = n;
      return Status::OK();
    }
    return Error("unknown enum value " + Quote(s));
  }
  if (!e.is_number()) return Error("expected an enum value (an integer or a value name)");
  LOUPE_RETURN_IF_ERROR(ReadInt32(e, &v));
  *out = v;
  return Status::OK();
}

Status Decoder::ReadBase64(Element e, std::string* out) {
  if (e.is_null()) return Status::OK();
  std::string_view s;
  if (e.get_string().get(s)) return Error("expected a base64 string");
  if (!DecodeBase64(s, out)) return Error("invalid base64 " + Quote(s));
  return Status::OK();
}

Status Decoder::ReadId(Element e, size_t size, std::string* out) {
  if (e.is_null()) return Status::OK();
  std::string_view s;
  if (e.get_string().get(s)) return Error("expected a hex string");
  if (s.empty()) {
    out->clear();
    return Status::OK();
  }
  if (s.size() == 2 * size && DecodeHex(s, out)) return Status::OK();
  // Generic proto3-JSON encoders write bytes as base64; take it when the length fits.
  std::string decoded;
  if (DecodeBase64(s, &decoded) && decoded.size() == size) {
    *out = std::move(decoded);
    return Status::OK();
  }
  return Error("invalid id " + Quote(s) + ": expected " + std::to_string(2 * size) + " hex digits");
}

Status Decoder::DecodeAnyValue(Element e, common::AnyValue* out, int depth) {
  if (depth > max_any_value_depth_) {
    return Error("AnyValue nesting exceeds " + std::to_string(max_any_value_depth_) + " levels");
  }
  return ForEachField(e, [&](std::string_view key, Element v) -> Status {
    if (Is(key, "stringValue", "string_value")) {
      return Field("stringValue", [&] {
        std::string s;
        LOUPE_RETURN_IF_ERROR(ReadString(v, &s));
        out->set_string_value(std::move(s));
        return Status::OK();
      });
    }
    if (Is(key, "boolValue", "bool_value")) {
      return Field("boolValue", [&] {
        bool b = false;
        LOUPE_RETURN_IF_ERROR(ReadBool(v, &b));
        out->set_bool_value(b);
        return Status::OK();
      });
    }
    if (Is(key, "intValue", "int_value")) {
      return Field("intValue", [&] {
        int64_t i = 0;
        LOUPE_RETURN_IF_ERROR(ReadInt64(v, &i));
        out->set_int_value(i);
        return Status::OK();
      });
    }
    if (Is(key, "doubleValue", "double_value")) {
      return Field("doubleValue", [&] {
        double d = 0;
        LOUPE_RETURN_IF_ERROR(ReadDouble(v, &d));
        out->set_double_value(d);
        return Status::OK();
      });
    }
    if (Is(key, "bytesValue", "bytes_value")) {
      return Field("bytesValue", [&] {
        std::string b;
        LOUPE_RETURN_IF_ERROR(ReadBase64(v, &b));
        out->set_bytes_value(std::move(b));
        return Status::OK();
      });
    }
    if (Is(key, "arrayValue", "array_value")) {
      return Field("arrayValue", [&] {
        common::ArrayValue* arr = out->mutable_array_value();
        arr->Clear();
        return ForEachField(v, [&](std::string_view k, Element items) -> Status {
          if (!Is(k, "values")) return Status::OK();
          return Field("values", [&] {
            return ForEach(items, [&](Element item) {
              return DecodeAnyValue(item, arr->add_values(), depth + 1);
            });
          });
        });
      });
    }
    if (Is(key, "kvlistValue", "kvlist_value")) {
      return Field("kvlistValue", [&] {
        common::KeyValueList* list = out->mutable_kvlist_value();
        list->Clear();
        return ForEachField(v, [&](std::string_view k, Element items) -> Status {
          if (!Is(k, "values")) return Status::OK();
          return Field("values", [&] {
            return ForEach(items, [&](Element item) {
              return DecodeKeyValue(item, list->add_values(), depth + 1);
            });
          });
        });
      });
    }
    return Status::OK();
  });
}

Status Decoder::DecodeKeyValue(Element e, common::KeyValue* out, int depth) {
  return ForEachField(e, [&](std::string_view key, Element v) -> Status {
    if (Is(key, "key")) return Field("key", [&] { return ReadString(v, out->mutable_key()); });
    if (Is(key, "value")) {
      return Field("value", [&] { return DecodeAnyValue(v, out->mutable_value(), depth); });
    }
    return Status::OK();
  });
}

Status Decoder::DecodeKeyValues(Element e,
                                google::protobuf::RepeatedPtrField<common::KeyValue>* out) {
  return ForEach(e, [&](Element item) { return DecodeKeyValue(item, out->Add()); });
}

Status Decoder::DecodeScope(Element e, common::InstrumentationScope* out) {
  return ForEachField(e, [&](std::string_view key, Element v) -> Status {
    if (Is(key, "name")) return Field("name", [&] { return ReadString(v, out->mutable_name()); });
    if (Is(key, "version")) {
      return Field("version", [&] { return ReadString(v, out->mutable_version()); });
    }
    if (Is(key, "attributes")) {
      return Field("attributes", [&] { return DecodeKeyValues(v, out->mutable_attributes()); });
    }
    if (Is(key, "droppedAttributesCount", "dropped_attributes_count")) {
      return Field("droppedAttributesCount", [&] {
        uint32_t n = 0;
        LOUPE_RETURN_IF_ERROR(ReadUint32(v, &n));
        out->set_dropped_attributes_count(n);
        return Status::OK();
      });
    }
    return Status::OK();
  });
}

Status Decoder::DecodeEntityRef(Element e, common::EntityRef* out) {
  auto read_strings = [&](Element v, google::protobuf::RepeatedPtrField<std::string>* dst) {
    return ForEach(v, [&](Element item) { return ReadString(item, dst->Add()); });
  };
  return ForEachField(e, [&](std::string_view key, Element v) -> Status {
    if (Is(key, "schemaUrl", "schema_url")) {
      return Field("schemaUrl", [&] { return ReadString(v, out->mutable_schema_url()); });
    }
    if (Is(key, "type")) return Field("type", [&] { return ReadString(v, out->mutable_type()); });
    if (Is(key, "idKeys", "id_keys")) {
      return Field("idKeys", [&] { return read_strings(v, out->mutable_id_keys()); });
    }
    if (Is(key, "descriptionKeys", "description_keys")) {
      return Field("descriptionKeys",
                   [&] { return read_strings(v, out->mutable_description_keys()); });
    }
    return Status::OK();
  });
}

Status Decoder::DecodeResource(Element e, resource::Resource* out) {
  return ForEachField(e, [&](std::string_view key, Element v) -> Status {
    if (Is(key, "attributes")) {
      return Field("attributes", [&] { return DecodeKeyValues(v, out->mutable_attributes()); });
    }
    if (Is(key, "droppedAttributesCount", "dropped_attributes_count")) {
      return Field("droppedAttributesCount", [&] {
        uint32_t n = 0;
        LOUPE_RETURN_IF_ERROR(ReadUint32(v, &n));
        out->set_dropped_attributes_count(n);
        return Status::OK();
      });
    }
    if (Is(key, "entityRefs", "entity_refs")) {
      return Field("entityRefs", [&] {
        return ForEach(v,
                       [&](Element item) { return DecodeEntityRef(item, out->add_entity_refs()); });
      });
    }
    return Status::OK();
  });
}

Status JsonDocument::Parse(std::string_view body, size_t max_bytes) {
  if (body.size() > max_bytes) {
    return Status::TooLarge("OTLP JSON body of " + std::to_string(body.size()) +
                            " bytes exceeds the limit of " + std::to_string(max_bytes) + " bytes");
  }
  simdjson::dom::parser* parser = nullptr;
  if (body.size() <= kSharedParserMaxBytes) {
    thread_local simdjson::dom::parser shared;
    parser = &shared;
  } else {
    own_ = std::make_unique<simdjson::dom::parser>();
    parser = own_.get();
  }
  auto err = parser->parse(body.data(), body.size(), /*realloc_if_needed=*/true).get(root_);
  if (err) {
    return Status::InvalidArgument(std::string("invalid OTLP JSON: ") +
                                   simdjson::error_message(err));
  }
  if (!root_.is_object()) {
    return Status::InvalidArgument("invalid OTLP JSON: the body must be a JSON object");
  }
  return Status::OK();
}

}  // namespace loupe::ingest::otlp::json_internal
