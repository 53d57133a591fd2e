#include "appliance/api/ops_api.h"

#include <nlohmann/json.hpp>

#include "appliance/build_info.h"

namespace loupe::appliance::api {

using http::ApiFamily;
using http::Method;
using http::Request;
using http::Response;

namespace {

nlohmann::json BuildInfoJson() {
  const auto& b = GetBuildInfo();
  return {{"version", b.version},   {"revision", b.revision}, {"branch", b.branch},
          {"buildUser", "loupe"},   {"buildDate", b.build_date}, {"goVersion", b.compiler}};
}

}  // namespace

void RegisterOpsApi(http::Router& router, const std::atomic<bool>& ready,
                    const selfmon::Registry& metrics) {
  const http::RouteOptions probe{ApiFamily::kPlain, /*inline_handler=*/true, /*auth_exempt=*/true};
  const http::RouteOptions cheap{ApiFamily::kPlain, /*inline_handler=*/true, /*auth_exempt=*/false};

  router.Handle({Method::kGet}, "/ready", [&ready](Request&) {
    return ready.load() ? Response::Text(200, "ready\n") : Response::Text(503, "not ready\n");
  }, probe);
  router.Handle({Method::kGet}, "/-/ready", [&ready](Request&) {
    return ready.load() ? Response::Text(200, "loupe is Ready.\n")
                        : Response::Text(503, "Service Unavailable\n");
  }, probe);
  router.Handle({Method::kGet}, "/-/healthy", [](Request&) {
    return Response::Text(200, "loupe is Healthy.\n");
  }, probe);

  router.Handle({Method::kGet}, "/metrics", [&metrics](Request&) {
    Response r = Response::Text(200, metrics.Expose());
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return r;
  }, http::RouteOptions{ApiFamily::kPlain, false, false});

  router.Handle({Method::kGet}, "/api/v1/status/buildinfo", [](Request&) {
    nlohmann::json j = {{"status", "success"}, {"data", BuildInfoJson()}};
    return Response::Json(200, j.dump());
  }, http::RouteOptions{ApiFamily::kPrometheus, true, false});
  router.Handle({Method::kGet}, "/loki/api/v1/status/buildinfo", [](Request&) {
    return Response::Json(200, BuildInfoJson().dump());
  }, http::RouteOptions{ApiFamily::kLoki, true, false});
  router.Handle({Method::kGet}, "/api/status/buildinfo", [](Request&) {
    return Response::Json(200, BuildInfoJson().dump());
  }, http::RouteOptions{ApiFamily::kTempo, true, false});
  router.Handle({Method::kGet}, "/api/echo", [](Request&) {
    return Response::Text(200, "echo");
  }, cheap);
}

}  // namespace loupe::appliance::api
