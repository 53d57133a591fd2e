#include "ingest/otlp/zipkin_json.h"

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <utility>

namespace loupe::ingest::otlp {
namespace {

using nlohmann::json;
namespace trace = ::opentelemetry::proto::trace::v1;
namespace common = ::opentelemetry::proto::common::v1;

Status Bad(size_t i, std::string_view field, const std::string& what) {
  return Status::InvalidArgument("invalid Zipkin JSON: spans[" + std::to_string(i) + "]" +
                                 (field.empty() ? "" : "." + std::string(field)) + ": " + what);
}

const json* Field(const json& o, const char* key) {
  auto it = o.find(key);
  return it == o.end() || it->is_null() ? nullptr : &*it;
}

// A string field (absent: empty).
Status Str(const json& o, const char* key, size_t i, std::string* out) {
  out->clear();
  const json* v = Field(o, key);
  if (!v) return Status::OK();
  if (!v->is_string()) return Bad(i, key, "must be a string");
  *out = v->get<std::string>();
  return Status::OK();
}

// A non-negative integer (microseconds, ports): a JSON number or a decimal string.
Status U64(const json& o, const char* key, size_t i, uint64_t* out) {
  *out = 0;
  const json* v = Field(o, key);
  if (!v) return Status::OK();
  if (v->is_number_unsigned()) {
    *out = v->get<uint64_t>();
  } else if (v->is_number_integer()) {
    if (v->get<int64_t>() < 0) return Bad(i, key, "must not be negative");
    *out = static_cast<uint64_t>(v->get<int64_t>());
  } else if (v->is_number_float()) {
    const double d = v->get<double>();
    if (!(d >= 0 && d < 1.8e19)) return Bad(i, key, "out of range");
    *out = static_cast<uint64_t>(d);
  } else if (v->is_string()) {
    const std::string s = v->get<std::string>();
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 19) {
      return Bad(i, key, "\"" + s + "\" is not a number");
    }
    *out = std::stoull(s);
  } else {
    return Bad(i, key, "must be a number");
  }
  return Status::OK();
}

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Hex of at most `max_digits` digits, left-padded to `bytes` bytes (bytes*2 >= max_digits).
bool ParseHexId(const std::string& s, size_t max_digits, size_t bytes, std::string* out) {
  if (s.empty() || s.size() > max_digits) return false;
  std::string digits(bytes * 2 - s.size(), '0');
  digits += s;
  out->assign(bytes, '\0');
  for (size_t k = 0; k < bytes; ++k) {
    const int hi = HexVal(digits[2 * k]), lo = HexVal(digits[2 * k + 1]);
    if (hi < 0 || lo < 0) return false;
    (*out)[k] = static_cast<char>(hi << 4 | lo);
  }
  return true;
}

void StrAttr(google::protobuf::RepeatedPtrField<common::KeyValue>* kvs, std::string key,
             std::string value) {
  auto* kv = kvs->Add();
  kv->set_key(std::move(key));
  kv->mutable_value()->set_string_value(std::move(value));
}
void IntAttr(google::protobuf::RepeatedPtrField<common::KeyValue>* kvs, std::string key,
             int64_t value) {
  auto* kv = kvs->Add();
  kv->set_key(std::move(key));
  kv->mutable_value()->set_int_value(value);
}

Status Endpoint(const json& span, const char* key, size_t i, bool local, trace::Span* out,
                std::string* service) {
  const json* e = Field(span, key);
  if (!e) return Status::OK();
  if (!e->is_object()) return Bad(i, key, "must be an object");
  std::string name, v4, v6;
  uint64_t port = 0;
  LOUPE_RETURN_IF_ERROR(Str(*e, "serviceName", i, &name));
  LOUPE_RETURN_IF_ERROR(Str(*e, "ipv4", i, &v4));
  LOUPE_RETURN_IF_ERROR(Str(*e, "ipv6", i, &v6));
  LOUPE_RETURN_IF_ERROR(U64(*e, "port", i, &port));
  auto* attrs = out->mutable_attributes();
  if (local) {
    if (service) *service = name;
    if (!v4.empty()) StrAttr(attrs, "net.host.ip", v4);
    if (!v6.empty()) StrAttr(attrs, "net.host.ip", v6);
    if (port > 0) IntAttr(attrs, "net.host.port", static_cast<int64_t>(port));
  } else {
    if (!name.empty()) StrAttr(attrs, "peer.service", name);
    if (!v4.empty()) StrAttr(attrs, "net.peer.ip", v4);
    if (!v6.empty()) StrAttr(attrs, "net.peer.ip", v6);
    if (port > 0) IntAttr(attrs, "net.peer.port", static_cast<int64_t>(port));
  }
  return Status::OK();
}

}  // namespace

Status DecodeZipkinV2Json(
    std::string_view body,
    ::opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest* out,
    size_t max_body_bytes) {
  out->Clear();
  if (body.size() > max_body_bytes) {
    return Status::TooLarge("Zipkin request body of " + std::to_string(body.size()) +
                            " bytes exceeds the limit of " + std::to_string(max_body_bytes));
  }
  const json doc = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded())
    return Status::InvalidArgument("invalid Zipkin JSON: not a JSON document");
  if (!doc.is_array())
    return Status::InvalidArgument("invalid Zipkin JSON: the body must be an array of spans");

  // Resources by service name, scopes by (service, library name, version).
  std::map<std::string, trace::ResourceSpans*> resources;
  std::map<std::tuple<std::string, std::string, std::string>, trace::ScopeSpans*> scopes;
  for (size_t i = 0; i < doc.size(); ++i) {
    const json& z = doc[i];
    if (!z.is_object()) return Bad(i, "", "must be an object");
    trace::Span span;
    std::string s;
    LOUPE_RETURN_IF_ERROR(Str(z, "traceId", i, &s));
    std::string id;
    if (!ParseHexId(s, 32, s.size() > 16 ? 16 : 8, &id)) {
      return Bad(i, "traceId", "\"" + s + "\" is not a hex id of 16 or 32 digits");
    }
    if (id.size() == 8) id.insert(0, 8, '\0');
    span.set_trace_id(id);
    LOUPE_RETURN_IF_ERROR(Str(z, "id", i, &s));
    if (!ParseHexId(s, 16, 8, &id))
      return Bad(i, "id", "\"" + s + "\" is not a hex id of 16 digits");
    span.set_span_id(id);
    LOUPE_RETURN_IF_ERROR(Str(z, "parentId", i, &s));
    if (!s.empty()) {
      std::string parent;
      if (!ParseHexId(s, 16, 8, &parent))
        return Bad(i, "parentId", "\"" + s + "\" is not a hex id of 16 digits");
      if (parent != span.span_id()) span.set_parent_span_id(parent);
    }
    LOUPE_RETURN_IF_ERROR(Str(z, "name", i, &s));
    span.set_name(s);

    // Tags: all strings in Zipkin v2.
    std::map<std::string, std::string> tags;
    if (const json* t = Field(z, "tags")) {
      if (!t->is_object()) return Bad(i, "tags", "must be an object");
      for (auto it = t->begin(); it != t->end(); ++it) {
        if (it->is_string()) {
          tags[it.key()] = it->get<std::string>();
        } else if (!it->is_null()) {
          tags[it.key()] = it->dump();  // lenient: numbers and bools as their JSON text
        }
      }
    }
    std::string kind;
    LOUPE_RETURN_IF_ERROR(Str(z, "kind", i, &kind));
    if (kind == "CLIENT") {
      span.set_kind(trace::Span::SPAN_KIND_CLIENT);
    } else if (kind == "SERVER") {
      span.set_kind(trace::Span::SPAN_KIND_SERVER);
    } else if (kind == "PRODUCER") {
      span.set_kind(trace::Span::SPAN_KIND_PRODUCER);
    } else if (kind == "CONSUMER") {
      span.set_kind(trace::Span::SPAN_KIND_CONSUMER);
    } else if (!kind.empty()) {
      return Bad(i, "kind", "\"" + kind + "\" is not CLIENT, SERVER, PRODUCER or CONSUMER");
    } else if (auto it = tags.find("span.kind"); it != tags.end()) {
      if (it->second == "internal") span.set_kind(trace::Span::SPAN_KIND_INTERNAL);
      tags.erase(it);
    }
    if (auto it = tags.find("otel.status_code"); it != tags.end()) {
      if (it->second == "STATUS_CODE_OK" || it->second == "OK")
        span.mutable_status()->set_code(trace::Status::STATUS_CODE_OK);
      if (it->second == "STATUS_CODE_ERROR" || it->second == "ERROR") {
        span.mutable_status()->set_code(trace::Status::STATUS_CODE_ERROR);
      }
      tags.erase(it);
      if (auto d = tags.find("otel.status_description"); d != tags.end()) {
        span.mutable_status()->set_message(d->second);
        tags.erase(d);
      }
    }
    if (auto it = tags.find("error"); it != tags.end() && it->second == "true") {
      span.mutable_status()->set_code(trace::Status::STATUS_CODE_ERROR);
      tags.erase(it);
    }
    std::string lib_name, lib_version;
    if (auto it = tags.find("otel.library.name"); it != tags.end()) {
      lib_name = it->second;
      tags.erase(it);
    }
    if (auto it = tags.find("otel.library.version"); it != tags.end()) {
      lib_version = it->second;
      tags.erase(it);
    }
    for (auto& [k, v] : tags) StrAttr(span.mutable_attributes(), k, v);

    uint64_t ts = 0, dur = 0;
    LOUPE_RETURN_IF_ERROR(U64(z, "timestamp", i, &ts));
    LOUPE_RETURN_IF_ERROR(U64(z, "duration", i, &dur));
    if (ts > UINT64_MAX / 1000 || dur > UINT64_MAX / 1000 - ts)
      return Bad(i, "timestamp", "out of range");
    span.set_start_time_unix_nano(ts * 1000);
    span.set_end_time_unix_nano((ts + dur) * 1000);

    if (const json* anns = Field(z, "annotations")) {
      if (!anns->is_array()) return Bad(i, "annotations", "must be an array");
      for (const json& a : *anns) {
        if (!a.is_object()) return Bad(i, "annotations", "must hold objects");
        uint64_t at = 0;
        std::string value;
        LOUPE_RETURN_IF_ERROR(U64(a, "timestamp", i, &at));
        LOUPE_RETURN_IF_ERROR(Str(a, "value", i, &value));
        if (at > UINT64_MAX / 1000) return Bad(i, "annotations", "timestamp out of range");
        auto* ev = span.add_events();
        ev->set_time_unix_nano(at * 1000);
        ev->set_name(value);
      }
    }
    std::string service;
    LOUPE_RETURN_IF_ERROR(Endpoint(z, "localEndpoint", i, /*local=*/true, &span, &service));
    LOUPE_RETURN_IF_ERROR(Endpoint(z, "remoteEndpoint", i, /*local=*/false, &span, nullptr));

    auto& rs = resources[service];
    if (!rs) {
      rs = out->add_resource_spans();
      if (!service.empty())
        StrAttr(rs->mutable_resource()->mutable_attributes(), "service.name", service);
    }
    auto& ss = scopes[{service, lib_name, lib_version}];
    if (!ss) {
      ss = rs->add_scope_spans();
      if (!lib_name.empty()) {
        ss->mutable_scope()->set_name(lib_name);
        ss->mutable_scope()->set_version(lib_version);
      }
    }
    *ss->add_spans() = std::move(span);
  }
  return Status::OK();
}

}  // namespace loupe::ingest::otlp
