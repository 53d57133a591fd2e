// Internal to ingest/otlp: the pieces every OTLP/JSON message decoder shares — the field path kept
// for error messages, lenient scalar readers and the common/resource messages. See otlp_json.h
// for the accepted forms.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "opentelemetry/proto/common/v1/common.pb.h"
#include "opentelemetry/proto/resource/v1/resource.pb.h"
#include "storage/base/status.h"

namespace loupe::ingest::otlp::json_internal {

namespace common = ::opentelemetry::proto::common::v1;
namespace resource = ::opentelemetry::proto::resource::v1;
using Element = simdjson::dom::element;
using Object = simdjson::dom::object;

// True if `key` is the field's lowerCamelCase or snake_case name.
inline bool Is(std::string_view key, std::string_view camel, std::string_view snake) {
  return key == camel || key == snake;
}
inline bool Is(std::string_view key, std::string_view name) { return key == name; }

// A proto enum's value names, indexed by number (dense from 0), for name lookups.
struct EnumNames {
  const char* const* names;
  int count;
};

class Decoder {
 public:
  explicit Decoder(int max_any_value_depth) : max_any_value_depth_(max_any_value_depth) {}

  // Path segments; `name` must outlive the decoder (string literals).
  void Push(std::string_view name) { path_.push_back({name, 0, false}); }
  void PushIndex(size_t i) { path_.push_back({{}, i, true}); }
  void Pop() { path_.pop_back(); }

  // kInvalidArgument "invalid OTLP JSON: <path>: <problem>".
  Status Error(std::string_view problem) const;

  // Each reader leaves *out unchanged for JSON null and fails for a wrong JSON type.
  Status ReadString(Element e, std::string* out);
  Status ReadBool(Element e, bool* out);
  Status ReadUint64(Element e, uint64_t* out);
  Status ReadInt64(Element e, int64_t* out);
  Status ReadUint32(Element e, uint32_t* out);
  Status ReadInt32(Element e, int32_t* out);
  Status ReadDouble(Element e, double* out);
  Status ReadEnum(Element e, const EnumNames& names, int* out);
  Status ReadBase64(Element e, std::string* out);
  // An id of `size` bytes: hex, else base64 of exactly `size` bytes; "" stays empty.
  Status ReadId(Element e, size_t size, std::string* out);

  // Calls fn(element) for each array element with the index pushed on the path. Null means an
  // empty array; a null element is an error.
  template <typename Fn>
  Status ForEach(Element e, Fn&& fn) {
    if (e.is_null()) return Status::OK();
    simdjson::dom::array arr;
    if (e.get_array().get(arr)) return Error("expected an array");
    size_t i = 0;
    for (Element item : arr) {
      PushIndex(i++);
      Status s = item.is_null() ? Error("null is not a valid array element") : fn(item);
      Pop();
      if (!s.ok()) return s;
    }
    return Status::OK();
  }

  // Calls fn(key, value) for each member of an object (null = no members) whose value is not
  // null (null means "default", so such members are skipped). fn pushes the member's canonical
  // name with Field() when it recognises the key.
  template <typename Fn>
  Status ForEachField(Element e, Fn&& fn) {
    if (e.is_null()) return Status::OK();
    Object obj;
    if (e.get_object().get(obj)) return Error("expected an object");
    for (auto field : obj) {
      if (field.value.is_null()) continue;
      LOUPE_RETURN_IF_ERROR(fn(field.key, field.value));
    }
    return Status::OK();
  }

  // Runs fn() with `name` on the path.
  template <typename Fn>
  Status Field(std::string_view name, Fn&& fn) {
    Push(name);
    Status s = fn();
    Pop();
    return s;
  }

  // Reads a scalar with the reader matching the setter's parameter type and stores it.
  template <typename Msg>
  Status Set(Element v, Msg* m, void (Msg::*set)(uint64_t)) {
    return SetWith<uint64_t>(v, m, set, &Decoder::ReadUint64);
  }
  template <typename Msg>
  Status Set(Element v, Msg* m, void (Msg::*set)(int64_t)) {
    return SetWith<int64_t>(v, m, set, &Decoder::ReadInt64);
  }
  template <typename Msg>
  Status Set(Element v, Msg* m, void (Msg::*set)(uint32_t)) {
    return SetWith<uint32_t>(v, m, set, &Decoder::ReadUint32);
  }
  template <typename Msg>
  Status Set(Element v, Msg* m, void (Msg::*set)(int32_t)) {
    return SetWith<int32_t>(v, m, set, &Decoder::ReadInt32);
  }
  template <typename Msg>
  Status Set(Element v, Msg* m, void (Msg::*set)(double)) {
    return SetWith<double>(v, m, set, &Decoder::ReadDouble);
  }
  template <typename Msg>
  Status Set(Element v, Msg* m, void (Msg::*set)(bool)) {
    return SetWith<bool>(v, m, set, &Decoder::ReadBool);
  }
  template <typename Msg, typename E>
  Status SetEnum(Element v, Msg* m, void (Msg::*set)(E), const EnumNames& names) {
    int n = 0;
    LOUPE_RETURN_IF_ERROR(ReadEnum(v, names, &n));
    (m->*set)(static_cast<E>(n));
    return Status::OK();
  }

  Status DecodeAnyValue(Element e, common::AnyValue* out, int depth = 0);
  Status DecodeKeyValue(Element e, common::KeyValue* out, int depth = 0);
  Status DecodeKeyValues(Element e, google::protobuf::RepeatedPtrField<common::KeyValue>* out);
  Status DecodeScope(Element e, common::InstrumentationScope* out);
  Status DecodeResource(Element e, resource::Resource* out);

 private:
  struct Segment {
    std::string_view name;
    size_t index;
    bool is_index;
  };
  Status DecodeEntityRef(Element e, common::EntityRef* out);
  template <typename T, typename Msg>
  Status SetWith(Element v, Msg* m, void (Msg::*set)(T), Status (Decoder::*read)(Element, T*)) {
    T x{};
    LOUPE_RETURN_IF_ERROR((this->*read)(v, &x));
    (m->*set)(x);
    return Status::OK();
  }

  std::vector<Segment> path_;
  int max_any_value_depth_;
};

// A parsed JSON body. Small bodies use this thread's reusable parser (so root() is valid only
// until the next Parse on the same thread); large ones get a parser of their own, freed with the
// document, so one big request does not pin its buffers for the thread's lifetime.
class JsonDocument {
 public:
  // kTooLarge above max_bytes; kInvalidArgument for malformed JSON or a non-object root.
  Status Parse(std::string_view body, size_t max_bytes);
  Element root() const { return root_; }

 private:
  std::unique_ptr<simdjson::dom::parser> own_;
  Element root_;
};

}  // namespace loupe::ingest::otlp::json_internal
