// OTLP/JSON traces: ExportTraceServiceRequest and its response.
#include "ingest/otlp/json_decoder.h"
#include "ingest/otlp/otlp_json.h"

namespace loupe::ingest::otlp {
namespace {

using json_internal::Decoder;
using json_internal::Element;
using json_internal::EnumNames;
using json_internal::Is;
namespace trace = ::opentelemetry::proto::trace::v1;

constexpr const char* kSpanKindNames[] = {
    "SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
    "SPAN_KIND_CLIENT",      "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER",
};
constexpr EnumNames kSpanKind{kSpanKindNames, 6};
constexpr const char* kStatusCodeNames[] = {"STATUS_CODE_UNSET", "STATUS_CODE_OK",
                                            "STATUS_CODE_ERROR"};
constexpr EnumNames kStatusCode{kStatusCodeNames, 3};

constexpr size_t kTraceIdSize = 16;
constexpr size_t kSpanIdSize = 8;

Status DecodeEvent(Decoder& d, Element e, trace::Span::Event* out) {
  return d.ForEachField(e, [&](std::string_view key, Element v) -> Status {
    if (Is(key, "timeUnixNano", "time_unix_nano")) {
      return d.Field("timeUnixNano",
                     [&] { return d.Set(v, out, &trace::Span::Event::set_time_unix_nano); });
    }
    if (Is(key, "name"))
      return d.Field("name", [&] { return d.ReadString(v, out->mutable_name()); });
    if (Is(key, "attributes")) {
      return d.Field("attributes", [&] { return d.DecodeKeyValues(v, out->mutable_attributes()); });
    }
    if (Is(key, "droppedAttributesCount", "dropped_attributes_count")) {
      return d.Field("droppedAttributesCount", [&] {
        return d.Set(v, out, &trace::Span::Event::set_dropped_attributes_count);
      });
    }
    return Status::OK();
  });
}

Status DecodeLink(Decoder& d, Element e, trace::Span::Link* out) {
  return d.ForEachField(e, [&](std::string_view key, Element v) -> Status {
    if (Is(key, "traceId", "trace_id")) {
      return d.Field("traceId", [&] { return d.ReadId(v, kTraceIdSize, out->mutable_trace_id()); });
    }
    if (Is(key, "spanId", "span_id")) {
      return d.Field("spanId", [&] { return d.ReadId(v, kSpanIdSize, out->mutable_span_id()); });
    }
    if (Is(key, "traceState", "trace_state")) {
      return d.Field("traceState", [&] { return d.ReadString(v, out->mutable_trace_state()); });
    }
    if (Is(key, "attributes")) {
      return d.Field("attributes", [&] { return d.DecodeKeyValues(v, out->mutable_attributes()); });
    }
    if (Is(key, "droppedAttributesCount", "dropped_attributes_count")) {
      return d.Field("droppedAttributesCount", [&] {
        return d.Set(v, out, &trace::Span::Link::set_dropped_attributes_count);
      });
    }
    if (Is(key, "flags")) {
      return d.Field("flags", [&] { return d.Set(v, out, &trace::Span::Link::set_flags); });
    }
    return Status::OK();
  });
}

Status DecodeStatus(Decoder& d, Element e, trace::Status* out) {
  return d.ForEachField(e, [&](std::string_view key, Element v) -> Status {
    if (Is(key, "message")) {
      return d.Field("message", [&] { return d.ReadString(v, out->mutable_message()); });
    }
    if (Is(key, "code")) {
      return d.Field("code",
                     [&] { return d.SetEnum(v, out, &trace::Status::set_code, kStatusCode); });
    }
    return Status::OK();
  });
}

Status DecodeSpan(Decoder& d, Element e, trace::Span* out) {
  return d.ForEachField(e, [&](std::string_view key, Element v) -> Status {
    if (Is(key, "traceId", "trace_id")) {
      return d.Field("traceId", [&] { return d.ReadId(v, kTraceIdSize, out->mutable_trace_id()); });
    }
    if (Is(key, "spanId", "span_id")) {
      return d.Field("spanId", [&] { return d.ReadId(v, kSpanIdSize, out->mutable_span_id()); });
    }
    if (Is(key, "parentSpanId", "parent_span_id")) {
      return d.Field("parentSpanId",
                     [&] { return d.ReadId(v, kSpanIdSize, out->mutable_parent_span_id()); });
    }
    if (Is(key, "traceState", "trace_state")) {
      return d.Field("traceState", [&] { return d.ReadString(v, out->mutable_trace_state()); });
    }
    if (Is(key, "flags")) {
      return d.Field("flags", [&] { return d.Set(v, out, &trace::Span::set_flags); });
    }
    if (Is(key, "name"))
      return d.Field("name", [&] { return d.ReadString(v, out->mutable_name()); });
    if (Is(key, "kind")) {
      return d.Field("kind", [&] { return d.SetEnum(v, out, &trace::Span::set_kind, kSpanKind); });
    }
    if (Is(key, "startTimeUnixNano", "start_time_unix_nano")) {
      return d.Field("startTimeUnixNano",
                     [&] { return d.Set(v, out, &trace::Span::set_start_time_unix_nano); });
    }
    if (Is(key, "endTimeUnixNano", "end_time_unix_nano")) {
      return d.Field("endTimeUnixNano",
                     [&] { return d.Set(v, out, &trace::Span::set_end_time_unix_nano); });
    }
    if (Is(key, "attributes")) {
      return d.Field("attributes", [&] { return d.DecodeKeyValues(v, out->mutable_attributes()); });
    }
    if (Is(key, "droppedAttributesCount", "dropped_attributes_count")) {
      return d.Field("droppedAttributesCount",
                     [&] { return d.Set(v, out, &trace::Span::set_dropped_attributes_count); });
    }
    if (Is(key, "events")) {
      return d.Field("events", [&] {
        return d.ForEach(v, [&](Element item) { return DecodeEvent(d, item, out->add_events()); });
      });
    }
    if (Is(key, "droppedEventsCount", "dropped_events_count")) {
      return d.Field("droppedEventsCount",
                     [&] { return d.Set(v, out, &trace::Span::set_dropped_events_count); });
    }
    if (Is(key, "links")) {
      return d.Field("links", [&] {
        return d.ForEach(v, [&](Element item) { return DecodeLink(d, item, out->add_links()); });
      });
    }
    if (Is(key, "droppedLinksCount", "dropped_links_count")) {
      return d.Field("droppedLinksCount",
                     [&] { return d.Set(v, out, &trace::Span::set_dropped_links_count); });
    }
    if (Is(key, "status")) {
      return d.Field("status", [&] { return DecodeStatus(d, v, out->mutable_status()); });
    }
    return Status::OK();
  });
}

Status DecodeScopeSpans(Decoder& d, Element e, trace::ScopeSpans* out) {
  return d.ForEachField(e, [&](std::string_view key, Element v) -> Status {
    if (Is(key, "scope") || Is(key, "instrumentationLibrary", "instrumentation_library")) {
      return d.Field("scope", [&] { return d.DecodeScope(v, out->mutable_scope()); });
    }
    if (Is(key, "spans")) {
      return d.Field("spans", [&] {
        return d.ForEach(v, [&](Element item) { return DecodeSpan(d, item, out->add_spans()); });
      });
    }
    if (Is(key, "schemaUrl", "schema_url")) {
      return d.Field("schemaUrl", [&] { return d.ReadString(v, out->mutable_schema_url()); });
    }
    return Status::OK();
  });
}

Status DecodeResourceSpans(Decoder& d, Element e, trace::ResourceSpans* out) {
  return d.ForEachField(e, [&](std::string_view key, Element v) -> Status {
    if (Is(key, "resource")) {
      return d.Field("resource", [&] { return d.DecodeResource(v, out->mutable_resource()); });
    }
    if (Is(key, "scopeSpans", "scope_spans") ||
        Is(key, "instrumentationLibrarySpans", "instrumentation_library_spans")) {
      return d.Field("scopeSpans", [&] {
        return d.ForEach(
            v, [&](Element item) { return DecodeScopeSpans(d, item, out->add_scope_spans()); });
      });
    }
    if (Is(key, "schemaUrl", "schema_url")) {
      return d.Field("schemaUrl", [&] { return d.ReadString(v, out->mutable_schema_url()); });
    }
    return Status::OK();
  });
}

}  // namespace

Status DecodeTracesJson(std::string_view body, coltrace::ExportTraceServiceRequest* out,
                        const JsonDecodeLimits& limits) {
  out->Clear();
  json_internal::JsonDocument doc;
  LOUPE_RETURN_IF_ERROR(doc.Parse(body, limits.max_body_bytes));
  Decoder d(limits.max_any_value_depth);
  return d.ForEachField(doc.root(), [&](std::string_view key, Element v) -> Status {
    if (!Is(key, "resourceSpans", "resource_spans")) return Status::OK();
    return d.Field("resourceSpans", [&] {
      return d.ForEach(
          v, [&](Element item) { return DecodeResourceSpans(d, item, out->add_resource_spans()); });
    });
  });
}

Status DecodeTracesResponseJson(std::string_view body, coltrace::ExportTraceServiceResponse* out) {
  out->Clear();
  json_internal::JsonDocument doc;
  LOUPE_RETURN_IF_ERROR(doc.Parse(body, JsonDecodeLimits{}.max_body_bytes));
  Decoder d(0);
  return d.ForEachField(doc.root(), [&](std::string_view key, Element v) -> Status {
    if (!Is(key, "partialSuccess", "partial_success")) return Status::OK();
    return d.Field("partialSuccess", [&] {
      auto* ps = out->mutable_partial_success();
      return d.ForEachField(v, [&](std::string_view k, Element f) -> Status {
        if (Is(k, "rejectedSpans", "rejected_spans")) {
          return d.Field("rejectedSpans", [&] {
            return d.Set(f, ps, &coltrace::ExportTracePartialSuccess::set_rejected_spans);
          });
        }
        if (Is(k, "errorMessage", "error_message")) {
          return d.Field("errorMessage",
                         [&] { return d.ReadString(f, ps->mutable_error_message()); });
        }
        return Status::OK();
      });
    });
  });
}

}  // namespace loupe::ingest::otlp
