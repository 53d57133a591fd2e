// OTLP/JSON response bodies.
#include "ingest/otlp/codec_util.h"
#include "ingest/otlp/otlp_json.h"

namespace loupe::ingest::otlp {
namespace {

// {"partialSuccess":{"<count_field>":"N","errorMessage":"..."}} with default-valued members
// omitted, or {} when there is no partial_success at all.
std::string EncodePartialSuccess(bool has, std::string_view count_field, int64_t count,
                                 std::string_view error_message) {
  if (!has) return "{}";
  std::string out = "{\"partialSuccess\":{";
  bool first = true;
  if (count != 0) {
    out += '"';
    out += count_field;
    out += "\":\"";
    out += std::to_string(count);
    out += '"';
    first = false;
  }
  if (!error_message.empty()) {
    if (!first) out += ',';
    out += "\"errorMessage\":";
    AppendJsonString(&out, error_message);
  }
  out += "}}";
  return out;
}

}  // namespace

std::string EncodeTracesResponseJson(const coltrace::ExportTraceServiceResponse& resp) {
  const auto& ps = resp.partial_success();
  return EncodePartialSuccess(resp.has_partial_success(), "rejectedSpans", ps.rejected_spans(),
                              ps.error_message());
}

std::string EncodeMetricsResponseJson(const colmetrics::ExportMetricsServiceResponse& resp) {
  const auto& ps = resp.partial_success();
  return EncodePartialSuccess(resp.has_partial_success(), "rejectedDataPoints",
                              ps.rejected_data_points(), ps.error_message());
}

std::string EncodeLogsResponseJson(const collogs::ExportLogsServiceResponse& resp) {
  const auto& ps = resp.partial_success();
  return EncodePartialSuccess(resp.has_partial_success(), "rejectedLogRecords",
                              ps.rejected_log_records(), ps.error_message());
}

std::string EncodeRpcStatusJson(int grpc_code, std::string_view message) {
  std::string out = "{";
  if (grpc_code != 0) {
    out += "\"code\":";
    out += std::to_string(grpc_code);
  }
  if (!message.empty()) {
    if (grpc_code != 0) out += ',';
    out += "\"message\":";
    AppendJsonString(&out, message);
  }
  out += '}';
  return out;
}

}  // namespace loupe::ingest::otlp
