// Integration tests of `loupe serve` as a real process: listeners, ops endpoints, limits, auth.
#include <gtest/gtest.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <fstream>
#include <future>
#include <thread>
#include <nlohmann/json.hpp>

#include "appliance/http/client.h"
#include "tests/integration/loupe_process.h"

namespace loupe::testing {
namespace {

using appliance::http::HttpClient;
using appliance::http::HttpGet;
using appliance::http::HttpResponse;

class ServeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    proc_ = new LoupeProcess(LaunchOptions{.args = {"--max-body-size", "1MiB"}});
    ASSERT_TRUE(proc_->ready()) << proc_->Stderr();
  }
  static void TearDownTestSuite() {
    delete proc_;
    proc_ = nullptr;
  }
  static LoupeProcess* proc_;
};
LoupeProcess* ServeTest::proc_ = nullptr;

TEST_F(ServeTest, ReadyFileListsEveryListenerAndEachAccepts) {
  for (const char* name : {"http", "loki", "prometheus", "tempo", "otlp_http"}) {
    const auto addr = proc_->Addr(name);
    ASSERT_FALSE(addr.empty()) << name;
    EXPECT_EQ(addr.substr(0, 10), "127.0.0.1:") << name;
    auto r = HttpGet(addr, "/ready");
    EXPECT_EQ(r.status, 200) << name << ": " << r.body;
    EXPECT_EQ(r.body, "ready\n");
  }
  EXPECT_FALSE(proc_->Addr("otlp_grpc").empty());
  EXPECT_EQ(proc_->ready_json().at("pid"), std::to_string(proc_->pid()));
}

TEST_F(ServeTest, GrpcHealthServiceAnswersServing) {
  auto channel = grpc::CreateChannel(proc_->Addr("otlp_grpc"), grpc::InsecureChannelCredentials());
  ASSERT_TRUE(channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(5)));
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::ByteBuffer request, response;  // empty HealthCheckRequest: the whole server
  grpc::Slice empty("");
  request = grpc::ByteBuffer(&empty, 1);
  std::promise<grpc::Status> done;
  stub.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status s) { done.set_value(s); });
  auto status = done.get_future().get();
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  EXPECT_EQ(bytes, std::string("\x08\x01", 2)) << "HealthCheckResponse{status: SERVING}";
}

TEST_F(ServeTest, ProbesAndBuildInfoShapes) {
  const auto http = proc_->Addr("http");
  EXPECT_EQ(HttpGet(http, "/-/ready").status, 200);
  EXPECT_EQ(HttpGet(http, "/-/healthy").status, 200);
  EXPECT_EQ(HttpGet(http, "/api/echo").body, "echo");

  auto prom = nlohmann::json::parse(HttpGet(proc_->Addr("prometheus"), "/api/v1/status/buildinfo").body);
  EXPECT_EQ(prom["status"], "success");
  EXPECT_FALSE(prom["data"]["version"].get<std::string>().empty());
  EXPECT_FALSE(prom["data"]["revision"].get<std::string>().empty());
  EXPECT_FALSE(prom["data"].contains("features")) << "a features map makes Grafana assume Mimir";
  for (const char* path : {"/loki/api/v1/status/buildinfo", "/api/status/buildinfo"}) {
    auto r = HttpGet(http, path);
    ASSERT_EQ(r.status, 200) << path;
    auto j = nlohmann::json::parse(r.body);
    EXPECT_FALSE(j.contains("status")) << path << " is not wrapped";
    EXPECT_EQ(j["version"], prom["data"]["version"]);
    EXPECT_EQ(j["revision"], prom["data"]["revision"]);
  }
}

TEST_F(ServeTest, MetricsPassPromtoolCheck) {
  const auto http = proc_->Addr("http");
  HttpGet(http, "/nonexistent");  // make sure request metrics have samples
  // A request is counted after its response is written, so the count may trail the answer.
  auto r = HttpGet(http, "/metrics");
  for (int i = 0; i < 100 && r.body.find("code=\"404\"") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    r = HttpGet(http, "/metrics");
  }
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
                           "loupe_http_requests_total{handler=\"unmatched\",code=\"404\"}",
                           "loupe_http_request_duration_seconds_bucket", "loupe_storage_disk_bytes",
                           "loupe_build_info{", "loupe_ready 1"}) {
    EXPECT_NE(r.body.find(name), std::string::npos) << name;
  }
  TempDir dir("promtool");
  const auto file = dir.Sub("metrics.txt");
  std::ofstream(file) << r.body;
  std::string out;
  const int rc = RunCommand({"/bin/sh", "-c", PromtoolBinary() + " check metrics < " + file}, &out);
  EXPECT_EQ(rc, 0) << "promtool check metrics failed:\n" << out;
  // promtool prints lint findings but exits 0 for them; we want none.
  EXPECT_EQ(out, "") << out;
}

TEST_F(ServeTest, KeepAliveHeadAnd405) {
  HttpClient c(proc_->Addr("http"));
  for (int i = 0; i < 5; ++i) ASSERT_EQ(c.Get("/-/healthy").status, 200) << i;
  auto head = c.Request("HEAD", "/-/healthy");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
  auto post = c.Request("POST", "/-/healthy", {}, "x");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.Header("allow"), "GET, HEAD");
  EXPECT_EQ(c.Get("/-/healthy").status, 200) << "connection survives errors";
}

TEST_F(ServeTest, BodyCapsAnswer413) {
  HttpClient c(proc_->Addr("http"));
  // Raw body above the cap (1 MiB here) is refused before it is read.
  auto big = c.Request("POST", "/-/healthy", {}, std::string((1 << 20) + 10, 'x'));
  EXPECT_EQ(big.status, 413) << big.body;
  // Decompressed-size caps are covered by dispatcher_test and by each ingest endpoint's tests.
}

TEST_F(ServeTest, Expect100ContinueIsAnswered) {
  // curl sends Expect: 100-continue for large bodies and waits for the interim response.
  HttpClient c(proc_->Addr("http"));
  auto r = c.Request("POST", "/-/healthy", {{"Expect", "100-continue"}}, std::string(4096, 'x'));
  EXPECT_EQ(r.status, 405);
  auto r2 = c.Request("POST", "/-/healthy", {{"Expect", "100-continue"}}, std::string((1 << 20) + 1, 'x'));
  EXPECT_EQ(r2.status, 413) << r2.body;
}

TEST_F(ServeTest, RemoteWriteContentTypeNegotiation) {
  HttpClient c(proc_->Addr("prometheus"));
  // An empty remote-write 2.0 request: 204 with the written-count headers.
  auto r = c.Request("POST", "/api/v1/write",
                     {{"Content-Type", "application/x-protobuf;proto=io.prometheus.write.v2.Request"},
                      {"Content-Encoding", "snappy"}, {"X-Prometheus-Remote-Write-Version", "2.0.0"}},
                     std::string("\x00", 1));
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(r.Header("x-prometheus-remote-write-samples-written"), "0");
  EXPECT_EQ(r.Header("x-prometheus-remote-write-histograms-written"), "0");
  auto unknown = c.Request("POST", "/api/v1/write", {{"Content-Type", "application/x-protobuf;proto=foo.Bar"}}, "x");
  EXPECT_EQ(unknown.status, 415);
  auto garbage = c.Request("POST", "/api/v1/write", {{"Content-Type", "application/x-protobuf"}}, "not snappy");
  EXPECT_EQ(garbage.status, 400);
  EXPECT_NE(garbage.body.find("snappy"), std::string::npos) << garbage.body;
}

TEST_F(ServeTest, QueryToolingEndpoints) {
  const auto prom = proc_->Addr("prometheus");
  auto f = nlohmann::json::parse(HttpGet(prom, "/api/v1/format_query?query=sum(rate(x%5B5m%5D))by(job)").body);
  EXPECT_EQ(f["data"], "sum by (job) (rate(x[5m]))");
  auto bad = HttpGet(prom, "/api/v1/format_query?query=sum(");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(nlohmann::json::parse(bad.body)["error"], "invalid parameter \"query\": 1:5: parse error: unclosed left parenthesis") << "what Prometheus 2.42 answers";
  auto p = nlohmann::json::parse(HttpGet(prom, "/api/v1/parse_query?query=x%5B5m%5D").body);
  EXPECT_EQ(p["data"]["type"], "matrixSelector");
  EXPECT_EQ(p["data"]["range"], 300000);
  EXPECT_EQ(nlohmann::json::parse(HttpGet(prom, "/api/v1/rules").body)["data"]["groups"].size(), 0u);
  EXPECT_EQ(nlohmann::json::parse(HttpGet(prom, "/api/v1/alerts").body)["data"]["alerts"].size(), 0u);
  auto lf = nlohmann::json::parse(HttpGet(proc_->Addr("loki"), "/loki/api/v1/format_query?query=%7Bapp%3D%22x%22%7D%7C%3D%22y%22").body);
  EXPECT_EQ(lf["data"], "{app=\"x\"} |= \"y\"");
}

// Exact bodies: Grafana's data source health check, Prometheus's parameter errors and error types.
TEST_F(ServeTest, QueryEndpointsAnswerAsPrometheus) {
  const auto prom = proc_->Addr("prometheus");
  // Grafana's Prometheus health check: 1+1 at t=4 on an empty store, GET and form POST.
  auto health = HttpGet(prom, "/api/v1/query?query=1%2B1&time=4");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, R"({"status":"success","data":{"resultType":"scalar","result":[4,"2"]}})");
  HttpClient client(prom);
  auto post = client.Request("POST", "/api/v1/query", {{"Content-Type", "application/x-www-form-urlencoded"}},
                             "query=1%2B1&time=4");
  EXPECT_EQ(post.body, health.body);
  auto range = HttpGet(prom, "/api/v1/query_range?query=vector(time())&start=0&end=2.5&step=1.25");
  EXPECT_EQ(range.body,
            R"({"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[0,"0"],[1.250,"1.25"],[2.500,"2.5"]]}]}})");
  auto nan = HttpGet(prom, "/api/v1/query?query=vector(0%2F0)%20or%20label_replace(vector(1%2F0)%2C%22a%22%2C%22%3C%26%3E%22%2C%22%22%2C%22%22)&time=1");
  EXPECT_EQ(nan.body,
            R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"NaN"]},{"metric":{"a":"\u003c\u0026\u003e"},"value":[1,"+Inf"]}]}})");

  auto parse = HttpGet(prom, "/api/v1/query?query=sum(");
  EXPECT_EQ(parse.status, 400);
  EXPECT_EQ(parse.body, R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error: unclosed left parenthesis"})");
  auto many = HttpGet(prom, "/api/v1/query?query=(label_replace(vector(1)%2C%22a%22%2C%22x%22%2C%22%22%2C%22%22)%20or%20label_replace(vector(2)%2C%22a%22%2C%22y%22%2C%22%22%2C%22%22))%20%2B%20on()%20vector(1)&time=1");
  EXPECT_EQ(many.status, 422) << many.body;
  EXPECT_EQ(nlohmann::json::parse(many.body)["errorType"], "execution");
  auto m2m = HttpGet(prom, "/api/v1/query?query=(label_replace(vector(1)%2C%22a%22%2C%22x%22%2C%22%22%2C%22%22)%20or%20label_replace(vector(2)%2C%22a%22%2C%22y%22%2C%22%22%2C%22%22))%20%2B%20on()%20(vector(1)%20or%20label_replace(vector(3)%2C%22b%22%2C%22z%22%2C%22%22%2C%22%22))&time=1");
  EXPECT_EQ(m2m.status, 422) << m2m.body;
  EXPECT_EQ(nlohmann::json::parse(m2m.body)["errorType"], "execution");

  auto no_step = HttpGet(prom, "/api/v1/query_range?query=up&start=0&end=10");
  EXPECT_EQ(no_step.body, R"({"status":"error","errorType":"bad_data","error":"invalid parameter \"step\": cannot parse \"\" to a valid duration"})");
  auto neg = HttpGet(prom, "/api/v1/query_range?query=up&start=0&end=10&step=-1");
  EXPECT_EQ(nlohmann::json::parse(neg.body)["error"],
            "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer");
  auto backwards = HttpGet(prom, "/api/v1/query_range?query=up&start=10&end=0&step=1");
  EXPECT_EQ(nlohmann::json::parse(backwards.body)["error"], "invalid parameter \"end\": end timestamp must not be before start time");
  auto points = HttpGet(prom, "/api/v1/query_range?query=up&start=0&end=100000&step=1");
  EXPECT_EQ(nlohmann::json::parse(points.body)["error"],
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)");
  auto badtime = HttpGet(prom, "/api/v1/query?query=up&time=yesterday");
  EXPECT_EQ(nlohmann::json::parse(badtime.body)["error"], "invalid parameter \"time\": cannot parse \"yesterday\" to a valid timestamp");
  auto range_of_range = HttpGet(prom, "/api/v1/query_range?query=up%5B5m%5D&start=0&end=10&step=1");
  EXPECT_EQ(range_of_range.status, 400);
  EXPECT_EQ(nlohmann::json::parse(range_of_range.body)["error"],
            "invalid parameter \"query\": invalid expression type \"range vector\" for range query, must be Scalar or instant Vector");
  // Annotations come back as warnings with the position of the expression concerned.
  auto warn = nlohmann::json::parse(HttpGet(prom, "/api/v1/query?query=quantile(2%2C%20vector(1))&time=1").body);
  EXPECT_EQ(warn["status"], "success");
  ASSERT_EQ(warn["warnings"].size(), 1u) << warn.dump();
  EXPECT_EQ(warn["warnings"][0], "PromQL warning: quantile value should be between 0 and 1, got 2 (1:10)");
}

TEST_F(ServeTest, UnknownPathIs404) {
  auto r = HttpGet(proc_->Addr("http"), "/api/v1/does-not-exist");
  EXPECT_EQ(r.status, 404);
}

}  // namespace
}  // namespace loupe::testing
