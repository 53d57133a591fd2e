#include "appliance/api/errors.h"

#include <nlohmann/json.hpp>

#include "storage/base/coding.h"

namespace loupe::appliance::api {

using http::ApiFamily;

int HttpStatusFor(const Status& status, ApiFamily family) {
  switch (status.code()) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kFailedPrecondition: return 400;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists: return 409;
    case StatusCode::kTooLarge: return 413;
    case StatusCode::kUnsupported: return 415;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kResourceExhausted:
      // Prometheus reports query limits ("too many samples") as execution errors, 422.
      return family == ApiFamily::kPrometheus ? 422 : 429;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kDeadlineExceeded:
      // Prometheus answers a query timeout with 503 (errorType timeout); Loki and Tempo with 504.
      return family == ApiFamily::kPrometheus ? 503 : 504;
    case StatusCode::kCancelled: return 499;
    case StatusCode::kUnimplemented: return 501;
    case StatusCode::kCorruption:
    case StatusCode::kIOError:
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

std::string_view PrometheusErrorType(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kTooLarge:
    case StatusCode::kUnsupported:
      return "bad_data";
    case StatusCode::kResourceExhausted: return "execution";
    case StatusCode::kDeadlineExceeded: return "timeout";
    case StatusCode::kCancelled: return "canceled";
    case StatusCode::kUnavailable: return "unavailable";
    case StatusCode::kNotFound: return "not_found";
    case StatusCode::kUnimplemented: return "not_acceptable";
    default: return "internal";
  }
}

int GrpcCodeFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 0;
    case StatusCode::kCancelled: return 1;
    case StatusCode::kInvalidArgument: return 3;
    case StatusCode::kDeadlineExceeded: return 4;
    case StatusCode::kNotFound: return 5;
    case StatusCode::kAlreadyExists: return 6;
    case StatusCode::kResourceExhausted: return 8;
    case StatusCode::kTooLarge: return 8;
    case StatusCode::kFailedPrecondition: return 9;
    case StatusCode::kUnsupported: return 12;
    case StatusCode::kUnimplemented: return 12;
    case StatusCode::kInternal: return 13;
    case StatusCode::kUnavailable: return 14;
    case StatusCode::kCorruption: return 15;  // DATA_LOSS
    case StatusCode::kIOError: return 13;
    case StatusCode::kUnauthenticated: return 16;
  }
  return 2;  // UNKNOWN
}

namespace {

// google.rpc.Status { int32 code = 1; string message = 2; } — encoded by hand: two fields.
std::string EncodeRpcStatus(int code, const std::string& message) {
  std::string out;
  if (code != 0) {
    out.push_back(0x08);
    PutVarint64(&out, static_cast<uint64_t>(code));
  }
  if (!message.empty()) {
    out.push_back(0x12);
    PutLengthPrefixed(&out, message);
  }
  return out;
}

}  // namespace

http::Response ErrorResponse(ApiFamily family, const Status& status, const http::Request* request) {
  http::Response r;
  r.status = HttpStatusFor(status, family);
  switch (family) {
    case ApiFamily::kPrometheus: {
      // Prometheus's field order: status, errorType, error.
      auto str = [](std::string_view v) {
        return nlohmann::json(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      };
      r.content_type = "application/json";
      r.body = R"({"status":"error","errorType":)" + str(PrometheusErrorType(status.code())) +
               R"(,"error":)" + str(status.message()) + "}";
      break;
    }
    case ApiFamily::kStudio: {
      nlohmann::json j = {{"error", status.message()}};
      r.content_type = "application/json";
      r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      break;
    }
    case ApiFamily::kOtlp: {
      const bool json = request && request->Header("content-type").find("json") != std::string_view::npos;
      const int code = GrpcCodeFor(status.code());
      if (json) {
        nlohmann::json j = {{"code", code}, {"message", status.message()}};
        r.content_type = "application/json";
        r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      } else {
        r.content_type = "application/x-protobuf";
        r.body = EncodeRpcStatus(code, status.message());
      }
      break;
    }
    case ApiFamily::kLoki:
    case ApiFamily::kTempo:
    case ApiFamily::kPlain:
      r.content_type = "text/plain; charset=utf-8";
      r.body = status.message();
      r.body += '\n';
      break;
  }
  if (status.code() == StatusCode::kResourceExhausted || status.code() == StatusCode::kUnavailable) {
    r.headers.emplace_back("Retry-After", "1");
  }
  if (status.code() == StatusCode::kUnauthenticated) {
    r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"loupe\"");
  }
  return r;
}

}  // namespace loupe::appliance::api
