#include "appliance/http/router.h"

#include <gtest/gtest.h>

namespace loupe::appliance::http {
namespace {

Handler Named(std::string name) {
  return [name](Request&) { return Response::Text(200, name); };
}

std::string Call(const Router& r, Method m, std::string_view path) {
  auto match = r.Find(m, path);
  if (!match.route) return match.method_not_allowed ? "405 " + match.allow : "404";
  Request req;
  std::string out = match.route->handler(req).body;
  for (const auto& [k, v] : match.params) out += " " + k + "=" + v;
  return out;
}

TEST(RouterTest, LiteralParamAndRest) {
  Router r;
  r.Handle({Method::kGet}, "/api/v1/labels", Named("labels"));
  r.Handle({Method::kGet}, "/api/v1/label/{name}/values", Named("values"));
  r.Handle({Method::kGet}, "/api/v1/label/special/values", Named("special"));
  r.Handle({Method::kGet, Method::kPost}, "/api/v1/query", Named("query"));
  r.Handle({Method::kGet}, "/ui/{path...}", Named("ui"));
  r.Handle({Method::kGet}, "/", Named("root"));

  EXPECT_EQ(Call(r, Method::kGet, "/api/v1/labels"), "labels");
  EXPECT_EQ(Call(r, Method::kGet, "/api/v1/label/job/values"), "values name=job");
  EXPECT_EQ(Call(r, Method::kGet, "/api/v1/label/special/values"), "special");
  EXPECT_EQ(Call(r, Method::kGet, "/api/v1/label/a%2Fb/values"), "values name=a/b");
  EXPECT_EQ(Call(r, Method::kPost, "/api/v1/query"), "query");
  EXPECT_EQ(Call(r, Method::kHead, "/api/v1/query"), "query");
  EXPECT_EQ(Call(r, Method::kDelete, "/api/v1/query"), "405 GET, HEAD, POST");
  EXPECT_EQ(Call(r, Method::kGet, "/ui/assets/app.js"), "ui path=assets/app.js");
  EXPECT_EQ(Call(r, Method::kGet, "/"), "root");
  EXPECT_EQ(Call(r, Method::kGet, "/api/v1/label//values"), "404");
  EXPECT_EQ(Call(r, Method::kGet, "/api/v1/nope"), "404");
  EXPECT_EQ(Call(r, Method::kGet, "relative"), "404");
}

TEST(RouterTest, BacktracksFromLiteralToParam) {
  Router r;
  r.Handle({Method::kGet}, "/api/traces/{id}", Named("trace"));
  r.Handle({Method::kGet}, "/api/traces/search/x", Named("deep"));
  EXPECT_EQ(Call(r, Method::kGet, "/api/traces/search"), "trace id=search");
  EXPECT_EQ(Call(r, Method::kGet, "/api/traces/search/x"), "deep");
}

}  // namespace
}  // namespace loupe::appliance::http
