// Integration tests of traces end to end in a real loupe process: OTLP trace ingest over gRPC and
// HTTP (protobuf, JSON, gzip), its error statuses and partial success, and the Tempo HTTP API
// (trace by ID v1/v2 in JSON and protobuf, search, tags, tag values, TraceQL metrics) with the
// exact response shapes Grafana and Tempo clients parse.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "appliance/http/client.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "storage/base/clock.h"
#include "storage/base/compression.h"
#include "tempopb/tempo.pb.h"
#include "tests/integration/loupe_process.h"

namespace loupe::testing {
namespace {

using appliance::http::HttpClient;
using appliance::http::HttpGet;
using appliance::http::HttpResponse;
using nlohmann::json;
namespace coltrace = ::opentelemetry::proto::collector::trace::v1;
namespace otrace = ::opentelemetry::proto::trace::v1;
using namespace std::chrono_literals;

std::string Hex(std::string_view b) {
  static const char* k = "0123456789abcdef";
  std::string s;
  for (unsigned char c : b) {
    s.push_back(k[c >> 4]);
    s.push_back(k[c & 15]);
  }
  return s;
}

// A trace id unique per test run and `n`.
std::string TraceIdBytes(int n) {
  static const uint64_t run = static_cast<uint64_t>(Clock::Real().NowNanos());
  std::string id(16, '\0');
  for (int i = 0; i < 8; ++i) id[i] = static_cast<char>(run >> (56 - 8 * i));
  id[14] = static_cast<char>(n >> 8);
  id[15] = static_cast<char>(n & 0xff);
  return id;
}
std::string SpanIdBytes(int n) {
  std::string id(8, '\0');
  id[0] = 0x5a;
  id[7] = static_cast<char>(n);
  return id;
}

void StrAttr(google::protobuf::RepeatedPtrField<::opentelemetry::proto::common::v1::KeyValue>* kvs,
             const std::string& k, const std::string& v) {
  auto* kv = kvs->Add();
  kv->set_key(k);
  kv->mutable_value()->set_string_value(v);
}
void IntAttr(google::protobuf::RepeatedPtrField<::opentelemetry::proto::common::v1::KeyValue>* kvs,
             const std::string& k, int64_t v) {
  auto* kv = kvs->Add();
  kv->set_key(k);
  kv->mutable_value()->set_int_value(v);
}

// A 4-span trace over two services: frontend SERVER "GET /checkout" (root, 200 ms) -> frontend
// CLIENT "POST /pay" -> payments SERVER "POST /pay" -> payments CLIENT "SELECT payments"
// (db.system=postgresql, status ERROR).
coltrace::ExportTraceServiceRequest MakeTrace(int n, const std::string& front = "frontend",
                                              const std::string& back = "payments") {
  const std::string tid = TraceIdBytes(n);
  const uint64_t t0 = static_cast<uint64_t>(Clock::Real().NowNanos()) - 10'000'000'000ULL;
  coltrace::ExportTraceServiceRequest req;
  auto add_rs = [&](const std::string& service) {
    auto* rs = req.add_resource_spans();
    StrAttr(rs->mutable_resource()->mutable_attributes(), "service.name", service);
    StrAttr(rs->mutable_resource()->mutable_attributes(), "deployment.environment", "test");
    auto* ss = rs->add_scope_spans();
    ss->mutable_scope()->set_name("test-tracer");
    ss->mutable_scope()->set_version("1.2.3");
    return ss;
  };
  auto span = [&](otrace::ScopeSpans* ss, int id, int parent, const char* name,
                  otrace::Span::SpanKind kind, uint64_t start_off_ms, uint64_t dur_ms) {
    auto* s = ss->add_spans();
    s->set_trace_id(tid);
    s->set_span_id(SpanIdBytes(id));
    if (parent) s->set_parent_span_id(SpanIdBytes(parent));
    s->set_name(name);
    s->set_kind(kind);
    s->set_start_time_unix_nano(t0 + start_off_ms * 1'000'000);
    s->set_end_time_unix_nano(t0 + (start_off_ms + dur_ms) * 1'000'000);
    return s;
  };
  auto* fe = add_rs(front);
  auto* root = span(fe, 1, 0, "GET /checkout", otrace::Span::SPAN_KIND_SERVER, 0, 200);
  StrAttr(root->mutable_attributes(), "http.request.method", "GET");
  IntAttr(root->mutable_attributes(), "http.response.status_code", 200);
  root->mutable_status()->set_code(otrace::Status::STATUS_CODE_OK);
  span(fe, 2, 1, "POST /pay", otrace::Span::SPAN_KIND_CLIENT, 10, 150);
  auto* be = add_rs(back);
  span(be, 3, 2, "POST /pay", otrace::Span::SPAN_KIND_SERVER, 20, 120);
  auto* db = span(be, 4, 3, "SELECT payments", otrace::Span::SPAN_KIND_CLIENT, 30, 50);
  StrAttr(db->mutable_attributes(), "db.system", "postgresql");
  db->mutable_status()->set_code(otrace::Status::STATUS_CODE_ERROR);
  db->mutable_status()->set_message("deadlock detected");
  auto* ev = db->add_events();
  ev->set_name("exception");
  ev->set_time_unix_nano(t0 + 70'000'000);
  StrAttr(ev->mutable_attributes(), "exception.message", "deadlock");
  return req;
}

std::string TraceHex(int n) { return Hex(TraceIdBytes(n)); }

HttpResponse PostProto(const std::string& addr, const coltrace::ExportTraceServiceRequest& req,
                       std::vector<std::pair<std::string, std::string>> extra = {}) {
  HttpClient c(addr);
  extra.emplace_back("Content-Type", "application/x-protobuf");
  return c.Request("POST", "/v1/traces", extra, req.SerializeAsString());
}

HttpResponse Get(const std::string& addr, const std::string& target,
                 std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpClient c(addr);
  return c.Request("GET", target, headers);
}

size_t SpanCount(const google::protobuf::RepeatedPtrField<otrace::ResourceSpans>& batches) {
  size_t n = 0;
  for (const auto& rs : batches) {
    for (const auto& ss : rs.scope_spans()) n += static_cast<size_t>(ss.spans_size());
  }
  return n;
}

// Finds the span with `name` in v1/v2 JSON batches.
json FindSpan(const json& batches, const std::string& name, json* resource = nullptr) {
  for (const auto& rs : batches) {
    for (const auto& ss : rs.value("scopeSpans", json::array())) {
      for (const auto& s : ss.value("spans", json::array())) {
        if (s.value("name", "") == name) {
          if (resource) *resource = rs.value("resource", json::object());
          return s;
        }
      }
    }
  }
  return json();
}

class TracesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("traces_it");
    {
      std::ofstream cfg(dir_->Sub("loupe.yaml"));
      cfg << "traces:\n  max_bytes_per_trace: 20KB\n  metrics_generator: false\n";
    }
    proc_ = new LoupeProcess(
        LaunchOptions{.args = {"--config", dir_->Sub("loupe.yaml"), "--max-body-size", "1MiB",
                               "--self-scrape-interval", "0"}});
    ASSERT_TRUE(proc_->ready()) << proc_->Stderr();
  }
  static void TearDownTestSuite() {
    delete proc_;
    delete dir_;
    proc_ = nullptr;
  }
  static std::string Http() { return proc_->Addr("http"); }
  static TempDir* dir_;
  static LoupeProcess* proc_;
};
TempDir* TracesTest::dir_ = nullptr;
LoupeProcess* TracesTest::proc_ = nullptr;

TEST_F(TracesTest, OtlpHttpProtobufThenTraceByIdV1Json) {
  auto r = PostProto(proc_->Addr("otlp_http"), MakeTrace(1));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/x-protobuf");
  coltrace::ExportTraceServiceResponse resp;
  ASSERT_TRUE(resp.ParseFromString(r.body));
  EXPECT_FALSE(resp.has_partial_success()) << "full success leaves partial_success unset";

  auto g = Get(Http(), "/api/traces/" + TraceHex(1));
  ASSERT_EQ(g.status, 200) << g.body;
  EXPECT_EQ(g.Header("content-type"), "application/json");
  const json j = json::parse(g.body);
  ASSERT_TRUE(j.contains("batches")) << g.body;
  EXPECT_FALSE(j.contains("resourceSpans")) << "v1 keeps Tempo's legacy name";
  ASSERT_EQ(j["batches"].size(), 2u) << g.body;
  json res;
  const json root = FindSpan(j["batches"], "GET /checkout", &res);
  ASSERT_FALSE(root.is_null()) << g.body;
  EXPECT_EQ(root["traceId"], TraceHex(1)) << "ids are hex, as Tempo's id types print them";
  EXPECT_EQ(root["spanId"], Hex(SpanIdBytes(1)));
  EXPECT_FALSE(root.contains("parentSpanId")) << "a root has no parent";
  EXPECT_EQ(root["kind"], "SPAN_KIND_SERVER");
  EXPECT_TRUE(root["startTimeUnixNano"].is_string());
  EXPECT_EQ(std::stoull(root["endTimeUnixNano"].get<std::string>()) -
                std::stoull(root["startTimeUnixNano"].get<std::string>()),
            200'000'000u);
  EXPECT_EQ(root["status"], json({{"code", "STATUS_CODE_OK"}}));
  EXPECT_EQ(root["attributes"],
            json::parse(R"([{"key":"http.request.method","value":{"stringValue":"GET"}},
                                               {"key":"http.response.status_code","value":{"intValue":"200"}}])"));
  EXPECT_EQ(res["attributes"][0],
            json::parse(R"({"key":"service.name","value":{"stringValue":"frontend"}})"));
  const json db = FindSpan(j["batches"], "SELECT payments");
  EXPECT_EQ(db["parentSpanId"], Hex(SpanIdBytes(3)));
  EXPECT_EQ(db["kind"], "SPAN_KIND_CLIENT");
  EXPECT_EQ(db["status"], json({{"message", "deadlock detected"}, {"code", "STATUS_CODE_ERROR"}}));
  ASSERT_EQ(db["events"].size(), 1u);
  EXPECT_EQ(db["events"][0]["name"], "exception");
  EXPECT_TRUE(db["events"][0]["timeUnixNano"].is_string());
  for (const auto& rs : j["batches"]) {
    EXPECT_EQ(rs["scopeSpans"][0]["scope"], json({{"name", "test-tracer"}, {"version", "1.2.3"}}));
  }
}

TEST_F(TracesTest, TraceByIdProtobufV1AndV2) {
  ASSERT_EQ(PostProto(proc_->Addr("otlp_http"), MakeTrace(2)).status, 200);
  auto v1 = Get(Http(), "/api/traces/" + TraceHex(2), {{"Accept", "application/protobuf"}});
  ASSERT_EQ(v1.status, 200);
  EXPECT_EQ(v1.Header("content-type"), "application/protobuf");
  tempopb::Trace t;
  ASSERT_TRUE(t.ParseFromString(v1.body));
  EXPECT_EQ(SpanCount(t.resourcespans()), 4u);
  otrace::TracesData td;  // the same bytes are OTLP TracesData
  ASSERT_TRUE(td.ParseFromString(v1.body));
  EXPECT_EQ(SpanCount(td.resource_spans()), 4u);

  auto v2 = Get(Http(), "/api/v2/traces/" + TraceHex(2), {{"Accept", "application/protobuf"}});
  ASSERT_EQ(v2.status, 200);
  tempopb::TraceByIDResponse resp;
  ASSERT_TRUE(resp.ParseFromString(v2.body));
  EXPECT_EQ(resp.status(), tempopb::COMPLETE);
  EXPECT_EQ(SpanCount(resp.trace().resourcespans()), 4u);
  EXPECT_GT(resp.metrics().inspectedbytes(), 0u);
}

TEST_F(TracesTest, TraceByIdV2JsonShape) {
  ASSERT_EQ(PostProto(proc_->Addr("otlp_http"), MakeTrace(3)).status, 200);
  auto g = Get(Http(), "/api/v2/traces/" + TraceHex(3));
  ASSERT_EQ(g.status, 200) << g.body;
  const json j = json::parse(g.body);
  ASSERT_TRUE(j["trace"].contains("resourceSpans")) << g.body;
  EXPECT_FALSE(j.contains("status")) << "COMPLETE is proto3's default and omitted, as jsonpb does";
  EXPECT_TRUE(j["metrics"]["inspectedBytes"].is_string());
  EXPECT_EQ(FindSpan(j["trace"]["resourceSpans"], "POST /pay")["traceId"], TraceHex(3));
}

TEST_F(TracesTest, TraceByIdErrorsUseTemposTexts) {
  auto nf = Get(Http(), "/api/traces/" + TraceHex(999));
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(nf.body, "trace not found\n");
  EXPECT_EQ(Get(Http(), "/api/v2/traces/" + TraceHex(999)).status, 404)
      << "Grafana falls back to v1 on 404 only";
  auto bad = Get(Http(), "/api/traces/12xz");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body,
            "trace IDs can only contain hex characters: invalid character 'x' at position 3\n");
  auto big = Get(Http(), "/api/traces/" + std::string(34, 'a'));
  EXPECT_EQ(big.status, 400);
  EXPECT_EQ(big.body, "trace IDs can't be larger than 128 bits\n");
  auto range = Get(Http(), "/api/traces/" + TraceHex(1) + "?start=20&end=10");
  EXPECT_EQ(range.status, 400);
  EXPECT_EQ(range.body, "http parameter start must be before end. received start=20 end=10\n");
  auto start = Get(Http(), "/api/v2/traces/" + TraceHex(1) + "?start=abc");
  EXPECT_EQ(start.status, 400);
  EXPECT_EQ(start.body, "invalid start: strconv.ParseInt: parsing \"abc\": invalid syntax\n");
}

TEST_F(TracesTest, ShortTraceIdsAreLeftPadded) {
  auto req = MakeTrace(4);
  std::string id(16, '\0');
  id[14] = 0x0a;
  id[15] = static_cast<char>(0xbc);
  for (auto& rs : *req.mutable_resource_spans()) {
    for (auto& s : *rs.mutable_scope_spans(0)->mutable_spans()) s.set_trace_id(id);
  }
  ASSERT_EQ(PostProto(Http(), req).status, 200);
  EXPECT_EQ(Get(Http(), "/api/traces/abc").status, 200) << "abc = 00..0abc";
  EXPECT_EQ(Get(Http(), "/api/traces/00000000000000000000000000000ABC").status, 200);
}

// start/end select persisted blocks; recent spans (the head) are always searched, as Tempo's
// ingesters answer whatever the range.
TEST_F(TracesTest, TimeRangeOfTraceByIdLimitsBlocksNotTheHead) {
  ASSERT_EQ(PostProto(Http(), MakeTrace(5)).status, 200);
  const int64_t now_s = Clock::Real().NowNanos() / 1'000'000'000;
  EXPECT_EQ(Get(Http(), "/api/traces/" + TraceHex(5) + "?start=" + std::to_string(now_s - 3600) +
                            "&end=" + std::to_string(now_s + 60))
                .status,
            200);
  EXPECT_EQ(Get(Http(), "/api/traces/" + TraceHex(5) + "?start=1000&end=2000").status, 200);
}

TEST_F(TracesTest, OtlpJsonWithHexIdsAndGzip) {
  const std::string tid = TraceHex(6);
  const uint64_t t0 = static_cast<uint64_t>(Clock::Real().NowNanos()) - 5'000'000'000ULL;
  const std::string body =
      R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"json-svc"}}]},
    "scopeSpans":[{"scope":{"name":"json"},"spans":[{"traceId":")" +
      tid + R"(","spanId":"0102030405060708","name":"json-root",
    "kind":2,"startTimeUnixNano":")" +
      std::to_string(t0) + R"(","endTimeUnixNano":")" + std::to_string(t0 + 1000000) +
      R"(","attributes":[{"key":"n","value":{"intValue":"7"}}]}]}]}]})";
  std::string gz;
  ASSERT_TRUE(Compress(Codec::kGzip, body, &gz).ok());
  HttpClient c(proc_->Addr("otlp_http"));
  auto r = c.Request("POST", "/v1/traces",
                     {{"Content-Type", "application/json"}, {"Content-Encoding", "gzip"}}, gz);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(r.body, "{}");
  const json j = json::parse(Get(Http(), "/api/traces/" + tid).body);
  const json s = FindSpan(j["batches"], "json-root");
  EXPECT_EQ(s["spanId"], "0102030405060708");
  EXPECT_EQ(s["attributes"][0]["value"]["intValue"], "7");
}

TEST_F(TracesTest, ZipkinV2Json) {
  const std::string tid = TraceHex(18);
  const int64_t us = Clock::Real().NowNanos() / 1000 - 5'000'000;
  const std::string body = R"([{"traceId":")" + tid +
                           R"(","id":"00000000000000aa","name":"zipkin-root","kind":"SERVER",
    "timestamp":)" + std::to_string(us) +
                           R"(,"duration":1500,"localEndpoint":{"serviceName":"zipkin-svc"},
    "tags":{"http.method":"GET"}}])";
  HttpClient c(Http());
  auto r = c.Request("POST", "/api/v2/spans", {{"Content-Type", "application/json"}}, body);
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(r.body, "");
  const json j = json::parse(Get(Http(), "/api/traces/" + tid).body);
  json res;
  const json s = FindSpan(j["batches"], "zipkin-root", &res);
  EXPECT_EQ(s["kind"], "SPAN_KIND_SERVER");
  EXPECT_EQ(s["spanId"], "00000000000000aa");
  EXPECT_EQ(res["attributes"][0]["value"]["stringValue"], "zipkin-svc");
  r = c.Request("POST", "/api/v2/spans", {{"Content-Type", "application/json"}},
                R"([{"traceId":"q","id":"1"}])");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            "invalid Zipkin JSON: spans[0].traceId: \"q\" is not a hex id of 16 or 32 digits\n");
}

TEST_F(TracesTest, OtlpGrpcExportWithTenant) {
  auto channel = grpc::CreateChannel(proc_->Addr("otlp_grpc"), grpc::InsecureChannelCredentials());
  auto stub = coltrace::TraceService::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.AddMetadata("x-scope-orgid", "team-a");
  ctx.set_deadline(std::chrono::system_clock::now() + 10s);
  coltrace::ExportTraceServiceResponse resp;
  grpc::Status st = stub->Export(&ctx, MakeTrace(7), &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_FALSE(resp.has_partial_success());
  EXPECT_EQ(Get(Http(), "/api/traces/" + TraceHex(7)).status, 404) << "tenants are separate";
  auto g = Get(proc_->Addr("tempo"), "/api/traces/" + TraceHex(7), {{"X-Scope-OrgID", "team-a"}});
  EXPECT_EQ(g.status, 200) << "and the Tempo port serves the same API";

  // gzip on the wire (grpc-encoding), as the collector's exporters send by default.
  grpc::ClientContext gz_ctx;
  gz_ctx.set_deadline(std::chrono::system_clock::now() + 10s);
  gz_ctx.set_compression_algorithm(GRPC_COMPRESS_GZIP);
  st = stub->Export(&gz_ctx, MakeTrace(19), &resp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(Get(Http(), "/api/traces/" + TraceHex(19)).status, 200);

  grpc::ClientContext bad_ctx;
  bad_ctx.set_deadline(std::chrono::system_clock::now() + 10s);
  auto bad = MakeTrace(8);
  bad.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->set_trace_id(
      std::string(8, '\x01'));
  st = stub->Export(&bad_ctx, bad, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(st.error_message(), "trace ids must be 128 bit, received 64 bits");
  EXPECT_EQ(Get(Http(), "/api/traces/" + TraceHex(8)).status, 404)
      << "nothing of the request is stored";
}

TEST_F(TracesTest, CorruptInputGetsTheRightStatusAndStoresNothing) {
  const std::string otlp = proc_->Addr("otlp_http");
  std::string truncated = MakeTrace(9).SerializeAsString();
  truncated.resize(truncated.size() - 7);
  HttpClient c(otlp);
  auto r = c.Request("POST", "/v1/traces", {{"Content-Type", "application/x-protobuf"}}, truncated);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Header("content-type"), "application/x-protobuf");
  EXPECT_EQ(static_cast<unsigned char>(r.body[0]), 0x08) << "google.rpc.Status code field";
  EXPECT_EQ(static_cast<unsigned char>(r.body[1]), 3) << "INVALID_ARGUMENT";
  EXPECT_EQ(Get(Http(), "/api/traces/" + TraceHex(9)).status, 404);

  r = c.Request("POST", "/v1/traces", {{"Content-Type", "application/json"}},
                R"({"resourceSpans":[{"scopeSpans":[)");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(json::parse(r.body)["code"], 3);

  r = c.Request(
      "POST", "/v1/traces", {{"Content-Type", "application/json"}},
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz","spanId":"0102030405060708"}]}]}]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(json::parse(r.body)["message"].get<std::string>().find("traceId"), std::string::npos)
      << r.body;

  // A well-formed body with one bad span id: Tempo refuses the whole request.
  auto req = MakeTrace(10);
  req.mutable_resource_spans(1)->mutable_scope_spans(0)->mutable_spans(0)->set_span_id(
      std::string(8, '\0'));
  r = PostProto(otlp, req);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("span ids must be 64 bit and not all zero, received 64 bits"),
            std::string::npos);
  EXPECT_EQ(Get(Http(), "/api/traces/" + TraceHex(10)).status, 404);

  r = c.Request("POST", "/v1/traces", {{"Content-Type", "text/plain"}}, "x");
  EXPECT_EQ(r.status, 415);

  r = c.Request("POST", "/v1/traces", {{"Content-Type", "application/x-protobuf"}},
                std::string(2 << 20, 'a'));
  EXPECT_EQ(r.status, 413);
}

TEST_F(TracesTest, TraceTooLargeIsAPartialSuccess) {
  // max_bytes_per_trace is 20KB here: a second trace of ~60 KB loses its spans, the first stays.
  auto req = MakeTrace(11);
  auto big = MakeTrace(12);
  auto* spans = big.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans();
  for (int i = 0; i < 200; ++i) {
    auto* s = spans->Add();
    *s = spans->Get(0);
    s->set_span_id(SpanIdBytes(100 + i));
    StrAttr(s->mutable_attributes(), "payload", std::string(300, 'p'));
  }
  for (const auto& rs : big.resource_spans()) *req.add_resource_spans() = rs;
  auto r = PostProto(proc_->Addr("otlp_http"), req);
  ASSERT_EQ(r.status, 200) << r.body;
  coltrace::ExportTraceServiceResponse resp;
  ASSERT_TRUE(resp.ParseFromString(r.body));
  ASSERT_TRUE(resp.has_partial_success());
  EXPECT_EQ(resp.partial_success().rejected_spans(), 204);
  EXPECT_EQ(resp.partial_success().error_message().rfind(
                "TRACE_TOO_LARGE: max size of trace (20000) exceeded", 0),
            0u)
      << resp.partial_success().error_message();
  EXPECT_EQ(Get(Http(), "/api/traces/" + TraceHex(11)).status, 200);
  EXPECT_EQ(Get(Http(), "/api/traces/" + TraceHex(12)).status, 404);
  const std::string m = Get(Http(), "/metrics").body;
  EXPECT_NE(m.find("loupe_traces_discarded_spans_total{reason=\"trace_too_large\"} 204"),
            std::string::npos);

  // The same over gRPC: OK with partial_success, not an error status.
  auto big2 = big;
  for (auto& rs : *big2.mutable_resource_spans()) {
    for (auto& sp : *rs.mutable_scope_spans(0)->mutable_spans()) sp.set_trace_id(TraceIdBytes(22));
  }
  auto stub = coltrace::TraceService::NewStub(
      grpc::CreateChannel(proc_->Addr("otlp_grpc"), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 10s);
  coltrace::ExportTraceServiceResponse gresp;
  const grpc::Status st = stub->Export(&ctx, big2, &gresp);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(gresp.partial_success().rejected_spans(), 204);
  EXPECT_EQ(gresp.partial_success().error_message().rfind("TRACE_TOO_LARGE: ", 0), 0u);
}

TEST_F(TracesTest, TagsAndTagValues) {
  ASSERT_EQ(PostProto(Http(), MakeTrace(13, "tags-front", "tags-back")).status, 200);
  const json t1 = json::parse(Get(Http(), "/api/search/tags").body);
  const auto names = t1["tagNames"].get<std::vector<std::string>>();
  for (const char* n :
       {"service.name", "http.request.method", "db.system", "deployment.environment"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n << " in " << t1.dump();
  }
  const json t2 = json::parse(Get(Http(), "/api/v2/search/tags").body);
  std::map<std::string, std::vector<std::string>> scopes;
  for (const auto& s : t2["scopes"]) scopes[s["name"]] = s["tags"].get<std::vector<std::string>>();
  ASSERT_TRUE(scopes.count("resource") && scopes.count("span") && scopes.count("intrinsic"))
      << t2.dump();
  EXPECT_NE(std::find(scopes["resource"].begin(), scopes["resource"].end(), "service.name"),
            scopes["resource"].end());
  EXPECT_NE(std::find(scopes["span"].begin(), scopes["span"].end(), "db.system"),
            scopes["span"].end());
  const json rs = json::parse(Get(Http(), "/api/v2/search/tags?scope=resource").body);
  ASSERT_EQ(rs["scopes"].size(), 1u) << rs.dump();
  EXPECT_EQ(rs["scopes"][0]["name"], "resource");

  const json v1 = json::parse(Get(Http(), "/api/search/tag/service.name/values").body);
  const auto vals = v1["tagValues"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(vals.begin(), vals.end(), "tags-front"), vals.end()) << v1.dump();
  EXPECT_NE(std::find(vals.begin(), vals.end(), "tags-back"), vals.end()) << v1.dump();

  const json v2 = json::parse(Get(Http(), "/api/v2/search/tag/resource.service.name/values").body);
  EXPECT_NE(std::find(v2["tagValues"].begin(), v2["tagValues"].end(),
                      json({{"type", "string"}, {"value", "tags-back"}})),
            v2["tagValues"].end())
      << v2.dump();
  const json codes =
      json::parse(Get(Http(), "/api/v2/search/tag/span.http.response.status_code/values").body);
  EXPECT_NE(std::find(codes["tagValues"].begin(), codes["tagValues"].end(),
                      json({{"type", "int"}, {"value", "200"}})),
            codes["tagValues"].end())
      << codes.dump();
  // Status values are typed "keyword", as Tempo types them (Grafana leaves them unquoted).
  const json statuses = json::parse(Get(Http(), "/api/v2/search/tag/status/values").body);
  ASSERT_FALSE(statuses["tagValues"].empty()) << statuses.dump();
  for (const auto& v : statuses["tagValues"]) EXPECT_EQ(v["type"], "keyword") << statuses.dump();
  // Filtered by a TraceQL query (what Grafana sends for dependent dropdowns).
  const json filtered =
      json::parse(Get(Http(), "/api/v2/search/tag/name/values?q=" +
                                  std::string("%7Bresource.service.name%3D%22tags-back%22%7D"))
                      .body);
  std::set<std::string> fnames;
  for (const auto& v : filtered["tagValues"]) fnames.insert(v["value"]);
  EXPECT_EQ(fnames, (std::set<std::string>{"POST /pay", "SELECT payments"})) << filtered.dump();

  auto bad = Get(Http(), "/api/v2/search/tag/app.user.id/values");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("tag name is not valid intrinsic or scoped attribute"), std::string::npos)
      << bad.body;
  EXPECT_EQ(Get(Http(), "/api/v2/search/tags?scope=nope").status, 400);
}

TEST_F(TracesTest, LegacyTagSearchAndTraceQLSearch) {
  ASSERT_EQ(PostProto(Http(), MakeTrace(14, "search-front", "search-back")).status, 200);
  auto contains = [](const json& j, const std::string& id) {
    for (const auto& t : j["traces"]) {
      if (t["traceID"] == id || t["traceID"] == id.substr(id.find_first_not_of('0'))) return true;
    }
    return false;
  };
  const std::string tags =
      "/api/search?tags=" + std::string("service.name%3D%22search-back%22") + "&limit=5";
  auto r = Get(Http(), tags);
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body);
  ASSERT_TRUE(contains(j, TraceHex(14))) << r.body;
  const json& t = j["traces"][0];
  EXPECT_EQ(t["rootServiceName"], "search-front");
  EXPECT_EQ(t["rootTraceName"], "GET /checkout");
  EXPECT_TRUE(t["startTimeUnixNano"].is_string());
  EXPECT_EQ(t["durationMs"], 200);
  EXPECT_TRUE(j.contains("metrics"));

  j = json::parse(Get(Http(), tags + "&minDuration=300ms").body);
  EXPECT_FALSE(contains(j, TraceHex(14))) << "the trace lasts 200 ms";
  j = json::parse(Get(Http(), tags + "&maxDuration=100ms").body);
  EXPECT_FALSE(contains(j, TraceHex(14))) << "the trace lasts 200 ms";
  j = json::parse(Get(Http(), tags + "&minDuration=150ms&maxDuration=250ms").body);
  EXPECT_TRUE(contains(j, TraceHex(14))) << "the trace lasts 200 ms";
  const int64_t now_s = Clock::Real().NowNanos() / 1'000'000'000;
  j = json::parse(Get(Http(), tags + "&start=" + std::to_string(now_s - 3600) +
                                  "&end=" + std::to_string(now_s + 60))
                      .body);
  EXPECT_TRUE(contains(j, TraceHex(14))) << "inside [start, end]";
  j = json::parse(Get(Http(), tags + "&start=1000&end=2000").body);
  EXPECT_FALSE(contains(j, TraceHex(14))) << "outside [start, end]";

  const std::string q =
      "%7B%20resource.service.name%20%3D%20%22search-back%22%20%26%26%20span.db.system%20%3D%20%"
      "22postgresql%22%20%7D";
  r = Get(Http(), "/api/search?q=" + q + "&spss=5");
  ASSERT_EQ(r.status, 200) << r.body;
  j = json::parse(r.body);
  ASSERT_TRUE(contains(j, TraceHex(14))) << r.body;
  const json& ss = j["traces"][0]["spanSets"][0];
  EXPECT_EQ(ss["matched"], 1);
  EXPECT_EQ(ss["spans"][0]["spanID"], Hex(SpanIdBytes(4)));
  EXPECT_TRUE(ss["spans"][0]["durationNanos"].is_string());

  auto bad = Get(Http(), "/api/search?q=%7B%20.a%20%3D%20%7D");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body.rfind("invalid TraceQL query: parse error at line 1, col ", 0), 0u)
      << bad.body;
  bad = Get(Http(), "/api/search?q=%7B%7D&tags=a%3Db");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body, "invalid request: can't specify tags and q in the same query\n");
  bad = Get(Http(), "/api/search?limit=0");
  EXPECT_EQ(bad.body, "invalid limit: must be a positive number\n");
  bad = Get(Http(), "/api/search?start=10&end=5");
  EXPECT_EQ(bad.body, "http parameter start must be before end. received start=10 end=5\n");
  bad = Get(Http(), "/api/search?minDuration=fast");
  EXPECT_EQ(bad.body, "invalid minDuration: time: invalid duration \"fast\"\n");
}

TEST_F(TracesTest, TraceQLMetricsQueryRange) {
  ASSERT_EQ(PostProto(Http(), MakeTrace(15, "metrics-front", "metrics-back")).status, 200);
  const int64_t now = Clock::Real().NowNanos() / 1'000'000'000;
  const std::string q =
      "%7B%20resource.service.name%20%3D%20%22metrics-back%22%20%7D%20%7C%20count_over_time()";
  auto r = Get(Http(), "/api/metrics/query_range?q=" + q + "&start=" + std::to_string(now - 600) +
                           "&end=" + std::to_string(now + 60) + "&step=60s");
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = json::parse(r.body);
  ASSERT_EQ(j["series"].size(), 1u) << r.body;
  double total = 0;
  for (const auto& s : j["series"][0]["samples"]) {
    EXPECT_TRUE(s["timestampMs"].is_string());
    total += s["value"].get<double>();
  }
  EXPECT_EQ(total, 2) << "two spans of metrics-back: " << r.body;
  auto bad = Get(Http(), "/api/metrics/query_range?q=%7B%7D");
  EXPECT_EQ(bad.status, 400) << "a span query is not a metrics query: " << bad.body;

  // The instant form: one value per series over [start, end), no samples.
  const std::string by =
      "%7B%20resource.service.name%20%3D~%20%22metrics-.*%22%20%7D%20%7C%20count_over_time()%20by%"
      "20("
      "resource.service.name)";
  r = Get(Http(), "/api/metrics/query?q=" + by + "&start=" + std::to_string(now - 600) +
                      "&end=" + std::to_string(now + 60));
  ASSERT_EQ(r.status, 200) << r.body;
  const json inst = json::parse(r.body);
  std::map<std::string, double> per_service;
  for (const auto& s : inst["series"]) {
    EXPECT_FALSE(s.contains("samples")) << r.body;
    ASSERT_TRUE(s.contains("promLabels")) << r.body;
    for (const auto& l : s["labels"]) {
      if (l["key"] == "resource.service.name")
        per_service[l["value"]["stringValue"]] = s.value("value", 0.0);
    }
  }
  EXPECT_EQ(per_service, (std::map<std::string, double>{{"metrics-back", 2}, {"metrics-front", 2}}))
      << r.body;
  bad = Get(Http(), "/api/metrics/query?q=%7B%7D%20%7C%20rate(");
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(bad.body.rfind("invalid TraceQL query: parse error", 0), 0u) << bad.body;
}

TEST_F(TracesTest, LoadgenTracesOverGrpcAndHttpIsReadBack) {
  std::string out;
  int rc = RunCommand({LoupeBinary(), "loadgen", "traces", "--target", proc_->Addr("otlp_grpc"),
                       "--spans", "3000", "--duration", "20s", "--batch", "256", "--tenant",
                       "loadgen", "--verify", Http(), "--verify-every", "1"},
                      &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find(" 0 failed, 0 spans rejected)"), std::string::npos) << out;
  EXPECT_NE(out.find(": 0 missing, 0 incomplete"), std::string::npos) << out;
  rc = RunCommand({LoupeBinary(), "loadgen", "traces", "--protocol", "http", "--target",
                   "http://" + proc_->Addr("otlp_http") + "/v1/traces", "--spans", "2000", "--gzip",
                   "--tenant", "loadgen", "--verify", Http(), "--verify-every", "1"},
                  &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find(": 0 missing, 0 incomplete"), std::string::npos) << out;
  // The generated shape: several services, server/client/db spans, HTTP attributes.
  const json tags = json::parse(
      Get(Http(), "/api/v2/search/tag/resource.service.name/values", {{"X-Scope-OrgID", "loadgen"}})
          .body);
  EXPECT_GE(tags["tagValues"].size(), 4u) << tags.dump();
  const json db = json::parse(
      Get(Http(), "/api/v2/search/tag/span.db.system/values", {{"X-Scope-OrgID", "loadgen"}}).body);
  EXPECT_GE(db["tagValues"].size(), 2u) << db.dump();
  rc = RunCommand({LoupeBinary(), "loadgen", "traces", "--target", "127.0.0.1:1", "--spans", "100"},
                  &out);
  EXPECT_EQ(rc, 1) << "an unreachable target fails: " << out;
}

TEST_F(TracesTest, EchoBuildinfoAndSelfMetrics) {
  const std::string tempo = proc_->Addr("tempo");
  auto echo = Get(tempo, "/api/echo");
  EXPECT_EQ(echo.status, 200);
  EXPECT_EQ(echo.body, "echo");
  const json bi = json::parse(Get(tempo, "/api/status/buildinfo").body);
  EXPECT_TRUE(bi.contains("version") && bi.contains("revision"));
  EXPECT_EQ(Get(tempo, "/ready").status, 200);
  const std::string m = Get(Http(), "/metrics").body;
  for (const char* f : {"loupe_traces_received_spans_total ", "loupe_traces_accepted_spans_total ",
                        "loupe_traces_discarded_spans_total{reason=\"invalid_trace_id\"}",
                        "loupe_traces_refused_requests_total{reason=\"rate_limited\"} 0",
                        "loupe_spanstore_head_spans "}) {
    EXPECT_NE(m.find(f), std::string::npos) << f;
  }
}

// Span metrics reach the metric store: on a clean stop the generator's last collection is
// written before the metric store closes, so they are there after a restart.
TEST(TracesLifecycleTest, SpanMetricsSurviveACleanStop) {
  TempDir dir("traces_gen");
  const std::vector<std::string> args = {"--data-dir", dir.Sub("data"), "--self-scrape-interval",
                                         "0"};
  {
    LoupeProcess p(LaunchOptions{.args = args});
    ASSERT_TRUE(p.ready()) << p.Stderr();
    ASSERT_EQ(PostProto(p.Addr("http"), MakeTrace(16, "gen-front", "gen-back")).status, 200);
    EXPECT_EQ(p.Stop(SIGTERM), 0) << p.Stderr();
  }
  LoupeProcess again(LaunchOptions{.args = args});
  ASSERT_TRUE(again.ready()) << again.Stderr();
  const auto r =
      Get(again.Addr("http"),
          "/api/v1/query?query=" +
              std::string("sum(traces_spanmetrics_calls_total%7Bservice%3D%22gen-back%22%7D)"));
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = json::parse(r.body);
  ASSERT_EQ(j["data"]["result"].size(), 1u) << r.body;
  EXPECT_EQ(j["data"]["result"][0]["value"][1], "2") << r.body;
  // Service graph edges, as Grafana's service graph queries them (client -> server pairs).
  const auto g =
      Get(again.Addr("http"),
          "/api/v1/query?query=" +
              std::string("traces_service_graph_request_total%7Bclient%3D%22gen-front%22%7D"));
  ASSERT_EQ(g.status, 200) << g.body;
  const json gj = json::parse(g.body);
  ASSERT_EQ(gj["data"]["result"].size(), 1u) << g.body;
  EXPECT_EQ(gj["data"]["result"][0]["metric"]["server"], "gen-back") << g.body;
  EXPECT_EQ(gj["data"]["result"][0]["value"][1], "1") << g.body;
  const auto lat = Get(
      again.Addr("http"),
      "/api/v1/query?query=" + std::string("count(traces_spanmetrics_latency_bucket%7Bservice%3D%22"
                                           "gen-back%22%2Cspan_kind%3D%22SPAN_KIND_SERVER%22%7D)"));
  ASSERT_EQ(lat.status, 200) << lat.body;
  EXPECT_FALSE(json::parse(lat.body)["data"]["result"].empty()) << lat.body;
  EXPECT_EQ(Get(again.Addr("http"), "/api/traces/" + TraceHex(16)).status, 200)
      << "and the trace itself";
}

// Over the tenant's ingestion rate: the whole request is refused, retryable, on both transports.
TEST(TracesLifecycleTest, RateLimitIs429WithRetryAfterAndResourceExhausted) {
  TempDir dir("traces_rate");
  std::ofstream(dir.Sub("cfg.yaml"))
      << "traces:\n  ingestion_rate_limit: 100\n  metrics_generator: false\n";
  LoupeProcess p(LaunchOptions{.args = {"--data-dir", dir.Sub("data"), "--config",
                                        dir.Sub("cfg.yaml"), "--self-scrape-interval", "0"}});
  ASSERT_TRUE(p.ready()) << p.Stderr();
  auto r = PostProto(p.Addr("otlp_http"), MakeTrace(20));
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(r.Header("retry-after"), "1");
  EXPECT_NE(r.body.find("RATE_LIMITED: batch size ("), std::string::npos) << r.body;
  auto stub = coltrace::TraceService::NewStub(
      grpc::CreateChannel(p.Addr("otlp_grpc"), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 10s);
  coltrace::ExportTraceServiceResponse resp;
  const grpc::Status st = stub->Export(&ctx, MakeTrace(21), &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << st.error_message();
  EXPECT_EQ(Get(p.Addr("http"), "/api/traces/" + TraceHex(20)).status, 404);
  EXPECT_EQ(Get(p.Addr("http"), "/api/traces/" + TraceHex(21)).status, 404);
  EXPECT_NE(Get(p.Addr("http"), "/metrics")
                .body.find("loupe_traces_refused_requests_total{reason=\"rate_limited\"} 2"),
            std::string::npos);
}

// A trace stored under a larger limit and read under a smaller one: v1 refuses with 422, v2
// answers the partial trace with Tempo's message.
TEST(TracesLifecycleTest, OversizedTraceOnReadIsPartialInV2) {
  TempDir dir("traces_partial");
  auto run = [&](const std::string& limit) {
    std::ofstream(dir.Sub("cfg.yaml"))
        << "traces:\n  max_bytes_per_trace: " << limit << "\n  metrics_generator: false\n";
    return LaunchOptions{.args = {"--data-dir", dir.Sub("data"), "--config", dir.Sub("cfg.yaml"),
                                  "--self-scrape-interval", "0"}};
  };
  auto req = MakeTrace(17);
  auto* spans = req.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans();
  for (int i = 0; i < 50; ++i) {
    auto* s = spans->Add();
    *s = spans->Get(0);
    s->set_span_id(SpanIdBytes(100 + i));
    StrAttr(s->mutable_attributes(), "payload", std::string(200, 'p'));
  }
  {
    LoupeProcess p(run("1MB"));
    ASSERT_TRUE(p.ready()) << p.Stderr();
    ASSERT_EQ(PostProto(p.Addr("http"), req).status, 200);
    EXPECT_EQ(p.Stop(SIGTERM), 0);
  }
  LoupeProcess p(run("2KB"));
  ASSERT_TRUE(p.ready()) << p.Stderr();
  auto v1 = Get(p.Addr("http"), "/api/traces/" + TraceHex(17));
  EXPECT_EQ(v1.status, 422) << v1.body;
  EXPECT_EQ(v1.body, "trace exceeds max size (max bytes: 2000)\n");
  auto v2 = Get(p.Addr("http"), "/api/v2/traces/" + TraceHex(17));
  ASSERT_EQ(v2.status, 200) << v2.body;
  const json j = json::parse(v2.body);
  EXPECT_EQ(j["status"], "PARTIAL");
  EXPECT_EQ(j["message"], "Trace exceeds maximum size of 2000 bytes, a partial trace is returned");
  auto pb =
      Get(p.Addr("http"), "/api/v2/traces/" + TraceHex(17), {{"Accept", "application/protobuf"}});
  tempopb::TraceByIDResponse resp;
  ASSERT_TRUE(resp.ParseFromString(pb.body));
  EXPECT_EQ(resp.status(), tempopb::PARTIAL);
  EXPECT_LT(SpanCount(resp.trace().resourcespans()), 54u);
}

}  // namespace
}  // namespace loupe::testing
