// OTLP/JSON logs: ExportLogsServiceRequest and its response.
#include "ingest/otlp/json_decoder.h"
#include "ingest/otlp/otlp_json.h"

namespace loupe::ingest::otlp {
namespace {

using json_internal::Decoder;
using json_internal::Element;
using json_internal::EnumNames;
using json_internal::Is;
namespace logs = ::opentelemetry::proto::logs::v1;

constexpr const char* kSeverityNames[] = {
    "SEVERITY_NUMBER_UNSPECIFIED", "SEVERITY_NUMBER_TRACE",  "SEVERITY_NUMBER_TRACE2",
    "SEVERITY_NUMBER_TRACE3",      "SEVERITY_NUMBER_TRACE4", "SEVERITY_NUMBER_DEBUG",
    "SEVERITY_NUMBER_DEBUG2",      "SEVERITY_NUMBER_DEBUG3", "SEVERITY_NUMBER_DEBUG4",
    "SEVERITY_NUMBER_INFO",        "SEVERITY_NUMBER_INFO2",  "SEVERITY_NUMBER_INFO3",
    "SEVERITY_NUMBER_INFO4",       "SEVERITY_NUMBER_WARN",   "SEVERITY_NUMBER_WARN2",
    "SEVERITY_NUMBER_WARN3",       "SEVERITY_NUMBER_WARN4",  "SEVERITY_NUMBER_ERROR",
    "SEVERITY_NUMBER_ERROR2",      "SEVERITY_NUMBER_ERROR3", "SEVERITY_NUMBER_ERROR4",
    "SEVERITY_NUMBER_FATAL",       "SEVERITY_NUMBER_FATAL2", "SEVERITY_NUMBER_FATAL3",
    "SEVERITY_NUMBER_FATAL4",
};
constexpr EnumNames kSeverity{kSeverityNames, 25};

Status DecodeLogRecord(Decoder& d, Element e, logs::LogRecord* out) {
  return d.ForEachField(e, [&](std::string_view key, Element v) -> Status {
    if (Is(key, "timeUnixNano", "time_unix_nano")) {
      return d.Field("timeUnixNano",
                     [&] { return d.Set(v, out, &logs::LogRecord::set_time_unix_nano); });
    }
    if (Is(key, "observedTimeUnixNano", "observed_time_unix_nano")) {
      return d.Field("observedTimeUnixNano",
                     [&] { return d.Set(v, out, &logs::LogRecord::set_observed_time_unix_nano); });
    }
    if (Is(key, "severityNumber", "severity_number")) {
      return d.Field("severityNumber", [&] {
        return d.SetEnum(v, out, &logs::LogRecord::set_severity_number, kSeverity);
      });
    }
    if (Is(key, "severityText", "severity_text")) {
      return d.Field("severityText", [&] { return d.ReadString(v, out->mutable_severity_text()); });
    }
    if (Is(key, "body")) {
      return d.Field("body", [&] { return d.DecodeAnyValue(v, out->mutable_body()); });
    }
    if (Is(key, "attributes")) {
      return d.Field("attributes", [&] { return d.DecodeKeyValues(v, out->mutable_attributes()); });
    }
    if (Is(key, "droppedAttributesCount", "dropped_attributes_count")) {
      return d.Field("droppedAttributesCount",
                     [&] { return d.Set(v, out, &logs::LogRecord::set_dropped_attributes_count); });
    }
    if (Is(key, "flags")) {
      return d.Field("flags", [&] { return d.Set(v, out, &logs::LogRecord::set_flags); });
    }
    if (Is(key, "traceId", "trace_id")) {
      return d.Field("traceId", [&] { return d.ReadId(v, 16, out->mutable_trace_id()); });
    }
    if (Is(key, "spanId", "span_id")) {
      return d.Field("spanId", [&] { return d.ReadId(v, 8, out->mutable_span_id()); });
    }
    if (Is(key, "eventName", "event_name")) {
      return d.Field("eventName", [&] { return d.ReadString(v, out->mutable_event_name()); });
    }
    return Status::OK();
  });
}

Status DecodeScopeLogs(Decoder& d, Element e, logs::ScopeLogs* out) {
  return d.ForEachField(e, [&](std::string_view key, Element v) -> Status {
    if (Is(key, "scope") || Is(key, "instrumentationLibrary", "instrumentation_library")) {
      return d.Field("scope", [&] { return d.DecodeScope(v, out->mutable_scope()); });
    }
    if (Is(key, "logRecords", "log_records")) {
      return d.Field("logRecords", [&] {
        return d.ForEach(
            v, [&](Element item) { return DecodeLogRecord(d, item, out->add_log_records()); });
      });
    }
    if (Is(key, "schemaUrl", "schema_url")) {
      return d.Field("schemaUrl", [&] { return d.ReadString(v, out->mutable_schema_url()); });
    }
    return Status::OK();
  });
}

Status DecodeResourceLogs(Decoder& d, Element e, logs::ResourceLogs* out) {
  return d.ForEachField(e, [&](std::string_view key, Element v) -> Status {
    if (Is(key, "resource")) {
      return d.Field("resource", [&] { return d.DecodeResource(v, out->mutable_resource()); });
    }
    if (Is(key, "scopeLogs", "scope_logs") ||
        Is(key, "instrumentationLibraryLogs", "instrumentation_library_logs")) {
      return d.Field("scopeLogs", [&] {
        return d.ForEach(
            v, [&](Element item) { return DecodeScopeLogs(d, item, out->add_scope_logs()); });
      });
    }
    if (Is(key, "schemaUrl", "schema_url")) {
      return d.Field("schemaUrl", [&] { return d.ReadString(v, out->mutable_schema_url()); });
    }
    return Status::OK();
  });
}

}  // namespace

Status DecodeLogsJson(std::string_view body, collogs::ExportLogsServiceRequest* out,
                      const JsonDecodeLimits& limits) {
  out->Clear();
  json_internal::JsonDocument doc;
  LOUPE_RETURN_IF_ERROR(doc.Parse(body, limits.max_body_bytes));
  Decoder d(limits.max_any_value_depth);
  return d.ForEachField(doc.root(), [&](std::string_view key, Element v) -> Status {
    if (!Is(key, "resourceLogs", "resource_logs")) return Status::OK();
    return d.Field("resourceLogs", [&] {
      return d.ForEach(
          v, [&](Element item) { return DecodeResourceLogs(d, item, out->add_resource_logs()); });
    });
  });
}

Status DecodeLogsResponseJson(std::string_view body, collogs::ExportLogsServiceResponse* out) {
  out->Clear();
  json_internal::JsonDocument doc;
  LOUPE_RETURN_IF_ERROR(doc.Parse(body, JsonDecodeLimits{}.max_body_bytes));
  Decoder d(0);
  return d.ForEachField(doc.root(), [&](std::string_view key, Element v) -> Status {
    if (!Is(key, "partialSuccess", "partial_success")) return Status::OK();
    return d.Field("partialSuccess", [&] {
      auto* ps = out->mutable_partial_success();
      return d.ForEachField(v, [&](std::string_view k, Element f) -> Status {
        if (Is(k, "rejectedLogRecords", "rejected_log_records")) {
          return d.Field("rejectedLogRecords", [&] {
            return d.Set(f, ps, &collogs::ExportLogsPartialSuccess::set_rejected_log_records);
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
