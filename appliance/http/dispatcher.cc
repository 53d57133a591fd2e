#include "appliance/http/dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <exception>

#include "appliance/api/errors.h"
#include "appliance/http/auth.h"
#include "appliance/http/url.h"
#include "storage/base/compression.h"

namespace loupe::appliance::http {
namespace {

bool AcceptsGzip(std::string_view accept_encoding) {
  // Good enough for real clients: "gzip", "gzip, deflate, br", "gzip;q=1.0". A q=0 opt-out
  // for gzip specifically is honoured.
  const auto pos = accept_encoding.find("gzip");
  if (pos == std::string_view::npos) return false;
  const auto rest = accept_encoding.substr(pos + 4);
  return rest.substr(0, 4) != ";q=0" || rest.substr(0, 5) == ";q=0.";
}

bool Compressible(std::string_view content_type) {
  return content_type.find("json") != std::string_view::npos ||
         content_type.find("text/") != std::string_view::npos ||
         content_type.find("yaml") != std::string_view::npos ||
         content_type.find("javascript") != std::string_view::npos;
}

}  // namespace

Dispatcher::Dispatcher(const Router& router, DispatcherOptions options)
    : router_(router), options_(std::move(options)) {}

bool Dispatcher::Authorized(const Request& req) const {
  return http::Authorized(req.Header("authorization"), options_.auth_token);
}

Dispatcher::Prepared Dispatcher::Prepare(Request& req) const {
  Prepared out;
  const auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  req.raw_query = q == std::string::npos ? "" : req.target.substr(q + 1);

  auto match = router_.Find(req.method, req.path);
  if (match.route == nullptr) {
    if (match.method_not_allowed) {
      Response r = Response::Text(405, "Method Not Allowed\n");
      r.headers.emplace_back("Allow", match.allow);
      out.response = std::move(r);
    } else {
      out.response = Response::Text(404, "404 page not found\n");
    }
    if (!Authorized(req)) {
      // Do not reveal which paths exist to unauthenticated callers.
      out.response = api::ErrorResponse(ApiFamily::kPlain, Status::Unauthenticated("unauthorized"), &req);
    }
    return out;
  }
  const Route& route = *match.route;
  const ApiFamily family = route.options.family;
  if (!route.options.auth_exempt && !Authorized(req)) {
    out.response = api::ErrorResponse(family, Status::Unauthenticated("unauthorized"), &req);
    return out;
  }
  req.path_params = std::move(match.params);

  // Body: undo Content-Encoding under the cap.
  req.wire_body_bytes = req.body.size();
  const auto encoding = req.Header("content-encoding");
  if (!encoding.empty()) {
    auto codec = ParseContentEncoding(encoding);
    if (!codec.ok()) {
      out.response = api::ErrorResponse(family, codec.status(), &req);
      return out;
    }
    if (*codec != Codec::kIdentity) {
      std::string decoded;
      Status s = Decompress(*codec, req.body, options_.max_body_bytes, &decoded);
      if (!s.ok()) {
        if (s.code() == StatusCode::kTooLarge) {
          s = Status::TooLarge("request body too large: decompressed size exceeds the limit of " +
                               std::to_string(options_.max_body_bytes) + " bytes");
        }
        out.response = api::ErrorResponse(family, s, &req);
        return out;
      }
      req.body = std::move(decoded);
    }
  }

  Status s = ParseQuery(req.raw_query, &req.params);
  if (s.ok() && (req.method == Method::kPost || req.method == Method::kPut) &&
      req.Header("content-type").substr(0, 33) == "application/x-www-form-urlencoded") {
    // Go's r.Form order: body values first, then URL query values.
    Params merged;
    s = ParseQuery(req.body, &merged);
    for (const auto& [k, v] : req.params.items()) merged.Add(k, v);
    req.params = std::move(merged);
  }
  if (!s.ok()) {
    out.response = api::ErrorResponse(family, s, &req);
    return out;
  }
  out.route = &route;
  return out;
}

Response Dispatcher::Invoke(const Route& route, Request& req) const {
  Response r;
  try {
    r = route.handler(req);
  } catch (const std::exception& e) {
    spdlog::error("handler {} threw: {}", route.pattern, e.what());
    r = api::ErrorResponse(route.options.family, Status::Internal(std::string("internal error: ") + e.what()), &req);
  } catch (...) {
    spdlog::error("handler {} threw a non-standard exception", route.pattern);
    r = api::ErrorResponse(route.options.family, Status::Internal("internal error"), &req);
  }
  Finish(req, r);
  return r;
}

void Dispatcher::Finish(const Request& req, Response& r) const {
  if (req.method == Method::kHead || r.body.size() < options_.gzip_min_bytes ||
      !Compressible(r.content_type) || !AcceptsGzip(req.Header("accept-encoding"))) {
    return;
  }
  for (const auto& [k, v] : r.headers) {
    if (k == "Content-Encoding") return;
  }
  std::string packed;
  if (Compress(Codec::kGzip, r.body, &packed).ok() && packed.size() < r.body.size()) {
    r.body = std::move(packed);
    r.headers.emplace_back("Content-Encoding", "gzip");
    r.headers.emplace_back("Vary", "Accept-Encoding");
  }
}

}  // namespace loupe::appliance::http
