#include "appliance/api/tempo_json.h"

#include <cmath>

#include "ingest/otlp/codec_util.h"
#include "tempopb/tempo.pb.h"

namespace loupe::appliance::api {
namespace {

namespace common = ::opentelemetry::proto::common::v1;
namespace trace = ::opentelemetry::proto::trace::v1;
using ingest::otlp::AppendJsonString;

// Writes `"key":` with a leading comma unless it opens the object.
class Obj {
 public:
  explicit Obj(std::string* out) : out_(out) { out_->push_back('{'); }
  void Key(std::string_view k) {
    if (!first_) out_->push_back(',');
    first_ = false;
    out_->push_back('"');
    out_->append(k);
    out_->append("\":");
  }
  void Str(std::string_view k, std::string_view v) {
    Key(k);
    AppendJsonString(out_, v);
  }
  void StrIfSet(std::string_view k, std::string_view v) {
    if (!v.empty()) Str(k, v);
  }
  void U64Str(std::string_view k, uint64_t v) {  // 64-bit integers: decimal strings
    if (v == 0) return;
    Key(k);
    out_->push_back('"');
    out_->append(std::to_string(v));
    out_->push_back('"');
  }
  void U32(std::string_view k, uint32_t v) {
    if (v == 0) return;
    Key(k);
    out_->append(std::to_string(v));
  }
  void Hex(std::string_view k, std::string_view bytes) {
    if (bytes.empty()) return;
    Key(k);
    out_->push_back('"');
    out_->append(ingest::otlp::EncodeHex(bytes));
    out_->push_back('"');
  }
  void Close() { out_->push_back('}'); }
  std::string* out() { return out_; }

 private:
  std::string* out_;
  bool first_ = true;
};

void AppendKeyValues(std::string* out,
                     const google::protobuf::RepeatedPtrField<common::KeyValue>& kvs);

void AppendDouble(std::string* out, double v) {
  if (std::isnan(v)) {
    out->append("\"NaN\"");
  } else if (std::isinf(v)) {
    out->append(v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  } else {
    out->append(ingest::otlp::FormatFloatJs(v));
  }
}

void AppendAnyValue(std::string* out, const common::AnyValue& v) {
  Obj o(out);
  switch (v.value_case()) {
    case common::AnyValue::kStringValue:
      o.Str("stringValue", v.string_value());
      break;
    case common::AnyValue::kBoolValue:
      o.Key("boolValue");
      out->append(v.bool_value() ? "true" : "false");
      break;
    case common::AnyValue::kIntValue:
      o.Key("intValue");
      out->push_back('"');
      out->append(std::to_string(v.int_value()));
      out->push_back('"');
      break;
    case common::AnyValue::kDoubleValue:
      o.Key("doubleValue");
      AppendDouble(out, v.double_value());
      break;
    case common::AnyValue::kArrayValue: {
      o.Key("arrayValue");
      Obj a(out);
      if (v.array_value().values_size() > 0) {
        a.Key("values");
        out->push_back('[');
        bool first = true;
        for (const auto& e : v.array_value().values()) {
          if (!first) out->push_back(',');
          first = false;
          AppendAnyValue(out, e);
        }
        out->push_back(']');
      }
      a.Close();
      break;
    }
    case common::AnyValue::kKvlistValue: {
      o.Key("kvlistValue");
      Obj a(out);
      if (v.kvlist_value().values_size() > 0) {
        a.Key("values");
        AppendKeyValues(out, v.kvlist_value().values());
      }
      a.Close();
      break;
    }
    case common::AnyValue::kBytesValue:
      o.Key("bytesValue");
      out->push_back('"');
      out->append(ingest::otlp::EncodeBase64(v.bytes_value()));
      out->push_back('"');
      break;
    case common::AnyValue::VALUE_NOT_SET:
      break;
  }
  o.Close();
}

void AppendKeyValues(std::string* out,
                     const google::protobuf::RepeatedPtrField<common::KeyValue>& kvs) {
  out->push_back('[');
  bool first = true;
  for (const auto& kv : kvs) {
    if (!first) out->push_back(',');
    first = false;
    Obj o(out);
    o.StrIfSet("key", kv.key());
    if (kv.has_value()) {
      o.Key("value");
      AppendAnyValue(out, kv.value());
    }
    o.Close();
  }
  out->push_back(']');
}

void Attributes(Obj& o, const google::protobuf::RepeatedPtrField<common::KeyValue>& kvs,
                uint32_t dropped) {
  if (!kvs.empty()) {
    o.Key("attributes");
    AppendKeyValues(o.out(), kvs);
  }
  o.U32("droppedAttributesCount", dropped);
}

void Enum(Obj& o, std::string_view key, int value, std::initializer_list<const char*> names) {
  if (value == 0) return;
  o.Key(key);
  if (value > 0 && static_cast<size_t>(value) < names.size()) {
    o.out()->push_back('"');
    o.out()->append(names.begin()[value]);
    o.out()->push_back('"');
  } else {
    o.out()->append(std::to_string(value));  // jsonpb prints unknown enum numbers as numbers
  }
}

void AppendSpan(std::string* out, const trace::Span& s) {
  Obj o(out);
  o.Hex("traceId", s.trace_id());
  o.Hex("spanId", s.span_id());
  o.StrIfSet("traceState", s.trace_state());
  o.Hex("parentSpanId", s.parent_span_id());
  o.U32("flags", s.flags());
  o.StrIfSet("name", s.name());
  Enum(o, "kind", s.kind(),
       {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT",
        "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"});
  o.U64Str("startTimeUnixNano", s.start_time_unix_nano());
  o.U64Str("endTimeUnixNano", s.end_time_unix_nano());
  Attributes(o, s.attributes(), s.dropped_attributes_count());
  if (!s.events().empty()) {
    o.Key("events");
    out->push_back('[');
    bool first = true;
    for (const auto& e : s.events()) {
      if (!first) out->push_back(',');
      first = false;
      Obj eo(out);
      eo.U64Str("timeUnixNano", e.time_unix_nano());
      eo.StrIfSet("name", e.name());
      Attributes(eo, e.attributes(), e.dropped_attributes_count());
      eo.Close();
    }
    out->push_back(']');
  }
  o.U32("droppedEventsCount", s.dropped_events_count());
  if (!s.links().empty()) {
    o.Key("links");
    out->push_back('[');
    bool first = true;
    for (const auto& l : s.links()) {
      if (!first) out->push_back(',');
      first = false;
      Obj lo(out);
      lo.Hex("traceId", l.trace_id());
      lo.Hex("spanId", l.span_id());
      lo.StrIfSet("traceState", l.trace_state());
      Attributes(lo, l.attributes(), l.dropped_attributes_count());
      lo.U32("flags", l.flags());
      lo.Close();
    }
    out->push_back(']');
  }
  o.U32("droppedLinksCount", s.dropped_links_count());
  if (s.has_status()) {
    o.Key("status");
    Obj so(out);
    so.StrIfSet("message", s.status().message());
    Enum(so, "code", s.status().code(),
         {"STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"});
    so.Close();
  }
  o.Close();
}

void AppendBatches(std::string* out, const ResourceSpansList& batches) {
  out->push_back('[');
  bool first = true;
  for (const auto& rs : batches) {
    if (!first) out->push_back(',');
    first = false;
    AppendResourceSpansJson(out, rs);
  }
  out->push_back(']');
}

tempopb::TraceByIDResponse V2Message(const TraceV2& t) {
  tempopb::TraceByIDResponse r;
  auto* tr = r.mutable_trace();
  if (t.batches) *tr->mutable_resourcespans() = *t.batches;
  r.mutable_metrics()->set_inspectedbytes(t.inspected_bytes);
  if (t.partial) {
    r.set_status(tempopb::PARTIAL);
    r.set_message(t.message);
  }
  return r;
}

}  // namespace

void AppendResourceSpansJson(std::string* out, const trace::ResourceSpans& rs) {
  Obj o(out);
  if (rs.has_resource()) {
    o.Key("resource");
    Obj ro(out);
    Attributes(ro, rs.resource().attributes(), rs.resource().dropped_attributes_count());
    ro.Close();
  }
  if (!rs.scope_spans().empty()) {
    o.Key("scopeSpans");
    out->push_back('[');
    bool first = true;
    for (const auto& ss : rs.scope_spans()) {
      if (!first) out->push_back(',');
      first = false;
      Obj so(out);
      if (ss.has_scope()) {
        so.Key("scope");
        Obj sc(out);
        sc.StrIfSet("name", ss.scope().name());
        sc.StrIfSet("version", ss.scope().version());
        Attributes(sc, ss.scope().attributes(), ss.scope().dropped_attributes_count());
        sc.Close();
      }
      if (!ss.spans().empty()) {
        so.Key("spans");
        out->push_back('[');
        bool first_span = true;
        for (const auto& s : ss.spans()) {
          if (!first_span) out->push_back(',');
          first_span = false;
          AppendSpan(out, s);
        }
        out->push_back(']');
      }
      so.StrIfSet("schemaUrl", ss.schema_url());
      so.Close();
    }
    out->push_back(']');
  }
  o.StrIfSet("schemaUrl", rs.schema_url());
  o.Close();
}

std::string TraceV1Json(const ResourceSpansList& batches) {
  std::string out;
  Obj o(&out);
  if (!batches.empty()) {
    o.Key("batches");
    AppendBatches(&out, batches);
  }
  o.Close();
  return out;
}

std::string TraceV1Proto(const ResourceSpansList& batches) {
  tempopb::Trace t;
  *t.mutable_resourcespans() = batches;
  return t.SerializeAsString();
}

std::string TraceV2Json(const TraceV2& t) {
  std::string out;
  Obj o(&out);
  o.Key("trace");
  Obj to(&out);
  if (t.batches && !t.batches->empty()) {
    to.Key("resourceSpans");
    AppendBatches(&out, *t.batches);
  }
  to.Close();
  o.Key("metrics");
  Obj mo(&out);
  mo.U64Str("inspectedBytes", t.inspected_bytes);
  mo.Close();
  if (t.partial) {
    o.Str("status", "PARTIAL");
    o.StrIfSet("message", t.message);
  }
  o.Close();
  return out;
}

std::string TraceV2Proto(const TraceV2& t) { return V2Message(t).SerializeAsString(); }

}  // namespace loupe::appliance::api
