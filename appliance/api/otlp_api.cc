#include "appliance/api/otlp_api.h"

#include <google/protobuf/arena.h>
#include <spdlog/spdlog.h>

#include "appliance/api/errors.h"
#include "ingest/otlp/otlp_json.h"
#include "ingest/otlp/otlp_proto.h"
#include "ingest/otlp/zipkin_json.h"

namespace loupe::appliance::api {

using http::ApiFamily;
using http::Method;
using http::Request;
using http::Response;
namespace colmetrics = ::opentelemetry::proto::collector::metrics::v1;
namespace coltrace = ::opentelemetry::proto::collector::trace::v1;

namespace {

enum class Encoding { kProto, kJson, kOther };

Encoding EncodingOf(const Request& r) {
  const auto ct = r.Header("content-type");
  if (ct.find("application/x-protobuf") != std::string_view::npos ||
      ct.find("application/protobuf") != std::string_view::npos) {
    return Encoding::kProto;
  }
  if (ct.find("application/json") != std::string_view::npos) return Encoding::kJson;
  return Encoding::kOther;
}

Response OtlpError(const Status& s, const Request& r) {
  return ErrorResponse(ApiFamily::kOtlp, s, &r);
}

}  // namespace

void RegisterOtlpApi(http::Router& router, ingest::otlp::MetricsIngester& metrics) {
  auto handler = [&metrics](Request& r) {
    const Encoding enc = EncodingOf(r);
    if (enc == Encoding::kOther) {
      return OtlpError(Status::Unsupported("unsupported content type \"" +
                                           std::string(r.Header("content-type")) +
                                           "\"; use application/x-protobuf or application/json"),
                       r);
    }
    // Parsed into an arena: a request holds thousands of small messages, and allocating and
    // freeing them one by one was ~40% of OTLP ingest CPU (malloc/free/consolidate).
    google::protobuf::ArenaOptions arena_options;
    arena_options.start_block_size = 64 << 10;
    arena_options.max_block_size = 1 << 20;
    google::protobuf::Arena arena(arena_options);
    auto& req = *google::protobuf::Arena::CreateMessage<colmetrics::ExportMetricsServiceRequest>(&arena);
    Status s = enc == Encoding::kProto ? ingest::otlp::DecodeMetricsProto(r.body, &req)
                                       : ingest::otlp::DecodeMetricsJson(r.body, &req);
    if (!s.ok())
      return OtlpError(s.code() == StatusCode::kTooLarge ? s : Status::InvalidArgument(s.message()),
                       r);
    auto res = metrics.Ingest(r.Tenant(), req);
    if (!res.ok()) {
      spdlog::error("OTLP metrics: {}", res.status().message());
      return OtlpError(Status::Unavailable(res.status().message()), r);
    }
    colmetrics::ExportMetricsServiceResponse resp;
    if (res->rejected_data_points > 0 || !res->error_message.empty()) {
      resp.mutable_partial_success()->set_rejected_data_points(res->rejected_data_points);
      resp.mutable_partial_success()->set_error_message(res->error_message);
    }
    if (enc == Encoding::kJson)
      return Response::Json(200, ingest::otlp::EncodeMetricsResponseJson(resp));
    Response out;
    out.status = 200;
    out.content_type = "application/x-protobuf";
    out.body = resp.SerializeAsString();
    return out;
  };
  const http::RouteOptions otlp{ApiFamily::kOtlp};
  router.Handle({Method::kPost}, "/v1/metrics", handler, otlp);
  router.Handle({Method::kPost}, "/api/v1/otlp/v1/metrics", handler, otlp);
}

void RegisterOtlpTracesApi(http::Router& router, ingest::otlp::TracesIngester& traces) {
  auto handler = [&traces](Request& r) {
    const Encoding enc = EncodingOf(r);
    if (enc == Encoding::kOther) {
      return OtlpError(Status::Unsupported("unsupported content type \"" +
                                           std::string(r.Header("content-type")) +
                                           "\"; use application/x-protobuf or application/json"),
                       r);
    }
    // An arena: a request is thousands of small messages, freed at once.
    google::protobuf::Arena arena;
    auto* req = google::protobuf::Arena::CreateMessage<coltrace::ExportTraceServiceRequest>(&arena);
    Status s = enc == Encoding::kProto ? ingest::otlp::DecodeTracesProto(r.body, req)
                                       : ingest::otlp::DecodeTracesJson(r.body, req);
    if (!s.ok())
      return OtlpError(s.code() == StatusCode::kTooLarge ? s : Status::InvalidArgument(s.message()),
                       r);
    auto res = traces.Ingest(r.Tenant(), *req, r.body.size());
    if (!res.ok()) {
      if (res.status().code() == StatusCode::kUnavailable)
        spdlog::warn("OTLP traces: {}", res.status().message());
      return OtlpError(res.status(), r);
    }
    coltrace::ExportTraceServiceResponse resp;
    if (res->spans_rejected > 0 || !res->error_message.empty()) {
      resp.mutable_partial_success()->set_rejected_spans(static_cast<int64_t>(res->spans_rejected));
      resp.mutable_partial_success()->set_error_message(res->error_message);
    }
    if (enc == Encoding::kJson)
      return Response::Json(200, ingest::otlp::EncodeTracesResponseJson(resp));
    Response out;
    out.status = 200;
    out.content_type = "application/x-protobuf";
    out.body = resp.SerializeAsString();
    return out;
  };
  const http::RouteOptions otlp{ApiFamily::kOtlp};
  router.Handle({Method::kPost}, "/v1/traces", handler, otlp);

  // Zipkin v2 JSON (what Tempo's zipkin receiver takes): 202 with an empty body, plain-text
  // errors.
  router.Handle(
      {Method::kPost}, "/api/v2/spans",
      [&traces](Request& r) {
        const auto ct = r.Header("content-type");
        if (!ct.empty() && ct.find("application/json") == std::string_view::npos) {
          return ErrorResponse(ApiFamily::kPlain,
                               Status::Unsupported("unsupported content type \"" + std::string(ct) +
                                                   "\"; only Zipkin v2 JSON is accepted"),
                               &r);
        }
        google::protobuf::Arena arena;
        auto* req =
            google::protobuf::Arena::CreateMessage<coltrace::ExportTraceServiceRequest>(&arena);
        if (Status s = ingest::otlp::DecodeZipkinV2Json(r.body, req); !s.ok()) {
          return ErrorResponse(ApiFamily::kPlain, s, &r);
        }
        auto res = traces.Ingest(r.Tenant(), *req, r.body.size());
        if (!res.ok()) return ErrorResponse(ApiFamily::kPlain, res.status(), &r);
        if (res->spans_rejected > 0) {
          // Zipkin has no partial success: report the dropped spans as Tempo would log them.
          return ErrorResponse(ApiFamily::kPlain,
                               Status::InvalidArgument(std::to_string(res->spans_rejected) +
                                                       " spans rejected: " + res->error_message),
                               &r);
        }
        Response out;
        out.status = 202;
        out.content_type = "";
        return out;
      },
      http::RouteOptions{ApiFamily::kPlain});
}

}  // namespace loupe::appliance::api
