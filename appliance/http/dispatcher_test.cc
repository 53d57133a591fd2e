#include "appliance/http/dispatcher.h"

#include <gtest/gtest.h>

#include "storage/base/compression.h"

namespace loupe::appliance::http {
namespace {

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Handle({Method::kGet, Method::kPost}, "/api/v1/query", [](Request& r) {
      return Response::Text(200, r.params.GetOr("query", "-") + "|" + r.params.GetOr("time", "-"));
    }, RouteOptions{ApiFamily::kPrometheus});
    router_.Handle({Method::kPost}, "/echo", [](Request& r) { return Response::Text(200, r.body); },
                   RouteOptions{ApiFamily::kLoki});
    router_.Handle({Method::kGet}, "/-/ready", [](Request&) { return Response::Text(200, "ok"); },
                   RouteOptions{ApiFamily::kPlain, true, true});
    router_.Handle({Method::kGet}, "/big", [](Request&) {
      Response r = Response::Json(200, std::string(5000, 'a'));
      return r;
    });
    router_.Handle({Method::kGet}, "/throws", [](Request&) -> Response { throw std::runtime_error("boom"); },
                   RouteOptions{ApiFamily::kPrometheus});
  }

  Response Serve(const Dispatcher& d, Request req) {
    auto p = d.Prepare(req);
    if (p.response) return *p.response;
    return d.Invoke(*p.route, req);
  }

  Router router_;
};

TEST_F(DispatcherTest, FormBodyAndQueryMerge) {
  Dispatcher d(router_, {});
  Request req;
  req.method = Method::kPost;
  req.target = "/api/v1/query?time=5&query=ignored";
  req.headers = {{"content-type", "application/x-www-form-urlencoded"}};
  req.body = "query=sum%28up%29";
  EXPECT_EQ(Serve(d, req).body, "sum(up)|5");  // body value first, as Go's FormValue
}

TEST_F(DispatcherTest, NotFoundAndMethodNotAllowed) {
  Dispatcher d(router_, {});
  Request req;
  req.target = "/nope";
  EXPECT_EQ(Serve(d, req).status, 404);
  req.target = "/echo";
  auto r = Serve(d, req);
  EXPECT_EQ(r.status, 405);
  ASSERT_FALSE(r.headers.empty());
  EXPECT_EQ(r.headers[0].second, "POST");
}

TEST_F(DispatcherTest, ContentEncodingDecodedUnderCap) {
  DispatcherOptions opts;
  opts.max_body_bytes = 1000;
  Dispatcher d(router_, opts);
  Request req;
  req.method = Method::kPost;
  req.target = "/echo";
  ASSERT_TRUE(Compress(Codec::kGzip, std::string(900, 'x'), &req.body).ok());
  req.headers = {{"content-encoding", "gzip"}};
  auto ok = Serve(d, req);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, std::string(900, 'x'));

  ASSERT_TRUE(Compress(Codec::kGzip, std::string(5000, 'x'), &req.body).ok());
  auto big = Serve(d, req);
  EXPECT_EQ(big.status, 413);
  EXPECT_NE(big.body.find("request body too large"), std::string::npos);

  req.body = "not gzip";
  EXPECT_EQ(Serve(d, req).status, 400);
  req.headers = {{"content-encoding", "br"}};
  EXPECT_EQ(Serve(d, req).status, 415);
}

TEST_F(DispatcherTest, AuthBearerBasicAndExemptProbes) {
  DispatcherOptions opts;
  opts.auth_token = "s3cret";
  Dispatcher d(router_, opts);
  Request req;
  req.target = "/api/v1/query?query=1";
  auto r = Serve(d, req);
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body.find("\"errorType\""), std::string::npos) << "Prometheus family error body";
  req.headers = {{"authorization", "Bearer wrong"}};
  EXPECT_EQ(Serve(d, req).status, 401);
  req.headers = {{"authorization", "Bearer s3cret"}};
  EXPECT_EQ(Serve(d, req).status, 200);
  req.headers = {{"authorization", "Basic Z3JhZmFuYTpzM2NyZXQ="}};  // grafana:s3cret
  EXPECT_EQ(Serve(d, req).status, 200);
  req.headers = {{"authorization", "Basic Z3JhZmFuYTpub3Bl"}};  // grafana:nope
  EXPECT_EQ(Serve(d, req).status, 401);

  Request probe;
  probe.target = "/-/ready";
  EXPECT_EQ(Serve(d, probe).status, 200);
  Request unknown;
  unknown.target = "/secret-path";
  EXPECT_EQ(Serve(d, unknown).status, 401) << "404 must not leak to unauthenticated callers";
}

TEST_F(DispatcherTest, GzipsLargeResponsesWhenAccepted) {
  Dispatcher d(router_, {});
  Request req;
  req.target = "/big";
  auto plain = Serve(d, req);
  EXPECT_EQ(plain.body.size(), 5000u);
  req.headers = {{"accept-encoding", "gzip, deflate"}};
  auto packed = Serve(d, req);
  EXPECT_LT(packed.body.size(), 200u);
  std::string out;
  ASSERT_TRUE(Decompress(Codec::kGzip, packed.body, 10000, &out).ok());
  EXPECT_EQ(out, std::string(5000, 'a'));
}

TEST_F(DispatcherTest, HandlerExceptionBecomes500InFamilyFormat) {
  Dispatcher d(router_, {});
  Request req;
  req.target = "/throws";
  auto r = Serve(d, req);
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("\"status\":\"error\""), std::string::npos);
}

TEST_F(DispatcherTest, MalformedQueryEscapeIs400) {
  Dispatcher d(router_, {});
  Request req;
  req.target = "/api/v1/query?query=%zz";
  auto r = Serve(d, req);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("bad_data"), std::string::npos);
}

}  // namespace
}  // namespace loupe::appliance::http
