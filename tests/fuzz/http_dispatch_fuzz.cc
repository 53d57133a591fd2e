// Fuzz target: the socket-independent request pipeline (target parsing, query/form decoding,
// Content-Encoding under the cap, routing, auth). Input layout: one byte of flags, then
// "<target>\n<content-encoding>\n<authorization>\n<body>".
#include <cstdint>
#include <cstdlib>
#include <string>

#include "appliance/http/dispatcher.h"

using namespace loupe::appliance::http;

namespace {
Router& TheRouter() {
  static Router* r = [] {
    auto* r = new Router();
    r->Handle({Method::kGet, Method::kPost}, "/api/v1/query", [](Request& q) {
      return Response::Text(200, q.params.GetOr("query", ""));
    }, RouteOptions{ApiFamily::kPrometheus});
    r->Handle({Method::kPost}, "/loki/api/v1/push", [](Request& q) { return Response::Text(204, q.body.substr(0, 10)); },
              RouteOptions{ApiFamily::kLoki});
    r->Handle({Method::kGet}, "/api/v1/label/{name}/values", [](Request& q) {
      return Response::Text(200, std::string(q.PathParam("name")));
    }, RouteOptions{ApiFamily::kPrometheus});
    r->Handle({Method::kGet}, "/ui/{path...}", [](Request& q) { return Response::Text(200, std::string(q.PathParam("path"))); });
    return r;
  }();
  return *r;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  auto next = [&in]() {
    const auto nl = in.find('\n');
    std::string_view part = in.substr(0, nl);
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
    return std::string(part);
  };
  Request req;
  req.method = (flags & 1) ? Method::kPost : Method::kGet;
  req.target = next();
  const std::string encoding = next();
  const std::string auth = next();
  req.body = std::string(in);
  if (!encoding.empty()) req.headers.emplace_back("content-encoding", encoding);
  if (!auth.empty()) req.headers.emplace_back("authorization", auth);
  if (flags & 2) req.headers.emplace_back("content-type", "application/x-www-form-urlencoded");
  if (flags & 4) req.headers.emplace_back("accept-encoding", "gzip");
  DispatcherOptions opts;
  opts.max_body_bytes = 1 << 16;
  if (flags & 8) opts.auth_token = "token";
  Dispatcher d(TheRouter(), opts);
  auto p = d.Prepare(req);
  Response r = p.response ? *p.response : d.Invoke(*p.route, req);
  if (r.status < 100 || r.status > 599) std::abort();
  if (req.body.size() > opts.max_body_bytes && !p.response) std::abort();
  return 0;
}
