// Grafana's Tempo data source with streaming on: gRPC tempopb.StreamingQuerier dialled on the
// Tempo HTTP port (h2c with prior knowledge), which loupe hands to its gRPC server. Every call
// must give what the HTTP API gives for the same query, and HTTP/1.1 on the same port keeps
// working.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "appliance/http/client.h"
#include "storage/base/clock.h"
#include "tempopb/tempo.grpc.pb.h"
#include "tests/integration/loupe_process.h"

namespace loupe::testing {
namespace {

using appliance::http::HttpClient;
using appliance::http::HttpGet;
using nlohmann::json;
using namespace std::chrono_literals;

// Two traces over OTLP/HTTP JSON: checkout -> payments, one error span.
std::string TracesJson(const std::string& tid1, const std::string& tid2, uint64_t t0) {
  auto span = [](const std::string& tid, const char* sid, const char* parent, const char* name,
                 uint64_t start, uint64_t end, int status) {
    json s = {{"traceId", tid},
              {"spanId", sid},
              {"name", name},
              {"kind", 2},
              {"startTimeUnixNano", std::to_string(start)},
              {"endTimeUnixNano", std::to_string(end)},
              {"status", {{"code", status}}},
              {"attributes", json::array({{{"key", "http.route"}, {"value", {{"stringValue", name}}}}})}};
    if (parent[0] != 0) s["parentSpanId"] = parent;
    return s;
  };
  auto rs = [](const char* service, json spans) {
    return json{{"resource", {{"attributes", json::array({{{"key", "service.name"}, {"value", {{"stringValue", service}}}}})}}},
                {"scopeSpans", json::array({{{"scope", {{"name", "t"}}}, {"spans", spans}}})}};
  };
  json body = {{"resourceSpans",
                json::array({rs("checkout", json::array({span(tid1, "0000000000000001", "", "GET /cart", t0, t0 + 300'000'000, 1),
                                                          span(tid2, "0000000000000011", "", "GET /home", t0, t0 + 5'000'000, 1)})),
                             rs("payments", json::array({span(tid1, "0000000000000002", "0000000000000001", "POST /pay",
                                                              t0 + 1'000'000, t0 + 200'000'000, 2)}))})}};
  return body.dump();
}

TEST(TempoStreamingTest, StreamingQuerierOnTheHttpPortAnswersAsTheHttpApi) {
  LoupeProcess loupe(LaunchOptions{.args = {"--self-scrape-interval", "0"}});
  ASSERT_TRUE(loupe.ready()) << loupe.Stderr();
  const uint64_t now = static_cast<uint64_t>(Clock::Real().NowNanos());
  const uint64_t t0 = now - 60'000'000'000ULL;
  const std::string tid1 = "0af7651916cd43dd8448eb211c80319c", tid2 = "0af7651916cd43dd8448eb211c8031aa";
  {
    HttpClient c(loupe.Addr("otlp_http"));
    auto r = c.Request("POST", "/v1/traces", {{"Content-Type", "application/json"}}, TracesJson(tid1, tid2, t0));
    ASSERT_EQ(r.status, 200) << r.body;
  }
  const uint32_t start = static_cast<uint32_t>(t0 / 1'000'000'000ULL) - 60;
  const uint32_t end = static_cast<uint32_t>(now / 1'000'000'000ULL) + 60;

  for (const char* port : {"tempo", "http"}) {
    SCOPED_TRACE(port);
    auto channel = grpc::CreateChannel(loupe.Addr(port), grpc::InsecureChannelCredentials());
    auto stub = tempopb::StreamingQuerier::NewStub(channel);

    // Search: TraceQL with a structural filter; the single streamed message is the HTTP answer.
    {
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + 10s);
      tempopb::SearchRequest req;
      req.set_query("{ resource.service.name = \"checkout\" } >> { status = error }");
      req.set_start(start);
      req.set_end(end);
      req.set_limit(20);
      auto reader = stub->Search(&ctx, req);
      tempopb::SearchResponse msg, last;
      int n = 0;
      while (reader->Read(&msg)) {
        last = msg;
        ++n;
      }
      const grpc::Status st = reader->Finish();
      ASSERT_TRUE(st.ok()) << st.error_message();
      ASSERT_EQ(n, 1);
      ASSERT_EQ(last.traces_size(), 1);
      EXPECT_EQ(last.traces(0).traceid(), tid1);
      EXPECT_EQ(last.traces(0).rootservicename(), "checkout");
      EXPECT_EQ(last.traces(0).roottracename(), "GET /cart");
      EXPECT_EQ(last.traces(0).starttimeunixnano(), t0);
      EXPECT_EQ(last.traces(0).durationms(), 300u);
      ASSERT_GE(last.traces(0).spansets_size(), 1);
      EXPECT_EQ(last.traces(0).spansets(0).matched(), 1u);
      const json http = json::parse(
          HttpGet(loupe.Addr("http"), "/api/search?q=%7B%20resource.service.name%20%3D%20%22checkout%22%20%7D%20%3E%3E%20%7B%20status%20%3D%20error%20%7D&start=" +
                                          std::to_string(start) + "&end=" + std::to_string(end))
              .body);
      ASSERT_EQ(http["traces"].size(), 1u);
      EXPECT_EQ(http["traces"][0]["traceID"], tid1);
    }
    // A TraceQL error is INVALID_ARGUMENT with Tempo's text, as the HTTP 400 body.
    {
      grpc::ClientContext ctx;
      tempopb::SearchRequest req;
      req.set_query("{ .a = }");
      auto reader = stub->Search(&ctx, req);
      tempopb::SearchResponse msg;
      while (reader->Read(&msg)) {
      }
      const grpc::Status st = reader->Finish();
      EXPECT_EQ(st.error_code(), grpc::INVALID_ARGUMENT);
      const std::string body = HttpGet(loupe.Addr("http"), "/api/search?q=%7B%20.a%20%3D%20%7D").body;
      EXPECT_NE(body.find(st.error_message()), std::string::npos) << st.error_message() << " vs " << body;
    }
    // Tag names by scope and typed tag values.
    {
      grpc::ClientContext ctx;
      tempopb::SearchTagsRequest req;
      req.set_scope("resource");
      auto reader = stub->SearchTagsV2(&ctx, req);
      tempopb::SearchTagsV2Response msg, last;
      while (reader->Read(&msg)) last = msg;
      ASSERT_TRUE(reader->Finish().ok());
      ASSERT_EQ(last.scopes_size(), 1);
      EXPECT_EQ(last.scopes(0).name(), "resource");
      bool has_service = false;
      for (const auto& t : last.scopes(0).tags()) has_service |= t == "service.name";
      EXPECT_TRUE(has_service);
    }
    {
      grpc::ClientContext ctx;
      tempopb::SearchTagValuesRequest req;
      req.set_tagname("resource.service.name");
      auto reader = stub->SearchTagValuesV2(&ctx, req);
      tempopb::SearchTagValuesV2Response msg, last;
      while (reader->Read(&msg)) last = msg;
      ASSERT_TRUE(reader->Finish().ok());
      std::set<std::string> values;
      for (const auto& v : last.tagvalues()) {
        EXPECT_EQ(v.type(), "string");
        values.insert(v.value());
      }
      EXPECT_EQ(values, (std::set<std::string>{"checkout", "payments"}));
    }
    {
      grpc::ClientContext ctx;
      tempopb::SearchTagsRequest req;
      auto reader = stub->SearchTags(&ctx, req);
      tempopb::SearchTagsResponse msg, last;
      while (reader->Read(&msg)) last = msg;
      ASSERT_TRUE(reader->Finish().ok());
      bool has_route = false;
      for (const auto& t : last.tagnames()) has_route |= t == "http.route";
      EXPECT_TRUE(has_route);
    }
    // TraceQL metrics: a range query with by().
    {
      grpc::ClientContext ctx;
      tempopb::QueryRangeRequest req;
      req.set_query("{ } | count_over_time() by (resource.service.name)");
      req.set_start(t0 - 60'000'000'000ULL);
      req.set_end(now + 60'000'000'000ULL);
      req.set_step(60'000'000'000ULL);
      auto reader = stub->MetricsQueryRange(&ctx, req);
      tempopb::QueryRangeResponse msg, last;
      while (reader->Read(&msg)) last = msg;
      const grpc::Status st = reader->Finish();
      ASSERT_TRUE(st.ok()) << st.error_message();
      ASSERT_EQ(last.series_size(), 2);
      double total = 0;
      for (const auto& s : last.series()) {
        for (const auto& p : s.samples()) total += p.value();
      }
      EXPECT_EQ(total, 3);  // three spans
    }
  }
  // HTTP/1.1 on the Tempo port is untouched.
  EXPECT_EQ(HttpGet(loupe.Addr("tempo"), "/api/echo").body, "echo");
}

}  // namespace
}  // namespace loupe::testing
