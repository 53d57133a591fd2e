// Integration tests of the Loki metadata and admin endpoints of a real `loupe serve`: labels,
// label values, series (GET and POST), index/stats, index/volume, index/volume_range,
// detected_labels, format_query, and the delete API (add, list, query-time filtering, cancel,
// persistence across a restart, Loki's error texts).
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "appliance/http/client.h"
#include "appliance/http/url.h"
#include "storage/base/clock.h"
#include "tests/integration/loupe_process.h"
#include "tests/testing/temp_dir.h"

namespace loupe::testing {
namespace {

using appliance::http::HttpClient;
using appliance::http::HttpResponse;
using nlohmann::json;

constexpr int64_t kSec = 1'000'000'000;

int64_t NowNs() { return Clock::Real().NowNanos(); }

std::string Enc(const std::string& s) { return appliance::http::PercentEncode(s); }

// Pushes {stream labels -> [(ts, line)]} as Loki JSON; returns the status.
int Push(const std::string& addr, const json& labels,
         const std::vector<std::pair<int64_t, std::string>>& lines) {
  json values = json::array();
  for (const auto& [ts, line] : lines) values.push_back(json::array({std::to_string(ts), line}));
  json body = {{"streams", json::array({json{{"stream", labels}, {"values", values}}})}};
  HttpClient c(addr);
  return c.Request("POST", "/loki/api/v1/push", {{"Content-Type", "application/json"}}, body.dump())
      .status;
}

class LokiApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    proc_ = new LoupeProcess();
    ASSERT_TRUE(proc_->ready()) << proc_->Stderr();
    base_ = (NowNs() / (60 * kSec) - 10) * 60 * kSec;  // minute-aligned, ten minutes ago
    const std::string a = proc_->Addr("loki");
    ASSERT_EQ(Push(a, {{"app", "web"}, {"env", "prod"}},
                   {{base_ + kSec, "GET /a 200"}, {base_ + 2 * kSec, "GET /b 500"}}),
              204);
    ASSERT_EQ(Push(a, {{"app", "web"}, {"env", "dev"}}, {{base_ + 3 * kSec, "GET /c 200"}}), 204);
    ASSERT_EQ(Push(a, {{"app", "db"}, {"env", "prod"}}, {{base_ + 70 * kSec, "slow query"}}), 204);
  }
  static void TearDownTestSuite() {
    delete proc_;
    proc_ = nullptr;
  }
  static HttpResponse Get(const std::string& target) {
    HttpClient c(proc_->Addr("loki"));
    return c.Request("GET", target, {});
  }
  static HttpResponse Send(const std::string& method, const std::string& target,
                           const std::string& form = "") {
    HttpClient c(proc_->Addr("loki"));
    return c.Request(method, target, {{"Content-Type", "application/x-www-form-urlencoded"}}, form);
  }
  static std::string Ns(int64_t offset) { return std::to_string(base_ + offset); }
  static std::string Range() { return "start=" + Ns(0) + "&end=" + Ns(120 * kSec); }

  static LoupeProcess* proc_;
  static int64_t base_;
};
LoupeProcess* LokiApiTest::proc_ = nullptr;
int64_t LokiApiTest::base_ = 0;

TEST_F(LokiApiTest, LabelsAndLabelValues) {
  auto r = Get("/loki/api/v1/labels?" + Range());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body), json::parse(R"({"status":"success","data":["app","env"]})"));
  r = Get("/loki/api/v1/label/env/values?" + Range());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body), json::parse(R"({"status":"success","data":["dev","prod"]})"));
  r = Get("/loki/api/v1/label/env/values?" + Range() + "&query=" + Enc(R"({app="db"})"));
  EXPECT_EQ(json::parse(r.body), json::parse(R"({"status":"success","data":["prod"]})"));
  // The time range selects streams by their entries.
  r = Get("/loki/api/v1/label/app/values?start=" + Ns(60 * kSec) + "&end=" + Ns(120 * kSec));
  EXPECT_EQ(json::parse(r.body), json::parse(R"({"status":"success","data":["db"]})"));
}

TEST_F(LokiApiTest, SeriesGetAndPost) {
  auto r = Get("/loki/api/v1/series?match[]=" + Enc(R"({app="web"})") + "&" + Range());
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = json::parse(r.body);
  EXPECT_EQ(j["status"], "success");
  ASSERT_EQ(j["data"].size(), 2u) << r.body;
  std::set<std::string> envs;
  for (const auto& s : j["data"]) {
    EXPECT_EQ(s["app"], "web");
    envs.insert(s["env"].get<std::string>());
  }
  EXPECT_EQ(envs, (std::set<std::string>{"dev", "prod"}));
  auto p =
      Send("POST", "/loki/api/v1/series",
           "match[]=" + Enc(R"({app="db"})") + "&match[]=" + Enc(R"({env="dev"})") + "&" + Range());
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(json::parse(p.body)["data"].size(), 2u) << p.body;
  // `match` works like `match[]`; a lone `{}` selects every series.
  r = Get("/loki/api/v1/series?match=" + Enc(R"({app="db"})") + "&" + Range());
  EXPECT_EQ(json::parse(r.body)["data"], json::parse(R"([{"app":"db","env":"prod"}])")) << r.body;
  r = Get("/loki/api/v1/series?match[]=" + Enc("{ }") + "&" + Range());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["data"].size(), 3u) << r.body;
}

TEST_F(LokiApiTest, IndexStatsIsUnwrapped) {
  auto r = Get("/loki/api/v1/index/stats?query=" + Enc(R"({app="web"})") + "&" + Range());
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = json::parse(r.body);
  EXPECT_FALSE(j.contains("status")) << r.body;
  EXPECT_EQ(j["streams"], 2);
  EXPECT_EQ(j["entries"], 3);
  EXPECT_EQ(j["bytes"], 30);  // three 10-byte lines
  EXPECT_GE(j["chunks"].get<int>(), 1);
}

TEST_F(LokiApiTest, VolumeAndVolumeRange) {
  auto r = Get("/loki/api/v1/index/volume?query=" + Enc(R"({app=~".+"})") + "&" + Range() +
               "&targetLabels=app");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = json::parse(r.body);
  EXPECT_EQ(j["status"], "success");
  EXPECT_EQ(j["data"]["resultType"], "vector");
  std::map<std::string, std::string> bytes;
  for (const auto& s : j["data"]["result"]) {
    bytes[s["metric"]["app"].get<std::string>()] = s["value"][1].get<std::string>();
    EXPECT_EQ(s["metric"].size(), 1u) << r.body;
  }
  EXPECT_EQ(bytes, (std::map<std::string, std::string>{{"db", "10"}, {"web", "30"}})) << r.body;
  // Sample times are model.Time text: whole seconds without a fraction.
  EXPECT_NE(r.body.find("\"value\":[" + std::to_string((base_ + 120 * kSec) / kSec) + ",\"30\"]"),
            std::string::npos)
      << r.body;

  r = Get("/loki/api/v1/index/volume?query=" + Enc(R"({app=~".+"})") + "&" + Range() +
          "&aggregateBy=labels");
  ASSERT_EQ(r.status, 200) << r.body;
  j = json::parse(r.body);
  std::set<std::string> names;
  for (const auto& s : j["data"]["result"]) {
    ASSERT_EQ(s["metric"].size(), 1u);
    EXPECT_EQ(s["metric"].begin().value(), "");
    names.insert(s["metric"].begin().key());
  }
  EXPECT_EQ(names, (std::set<std::string>{"app", "env"})) << r.body;

  r = Get("/loki/api/v1/index/volume_range?query=" + Enc(R"({app="web"})") + "&start=" + Ns(0) +
          "&end=" + Ns(60 * kSec) + "&step=60s&targetLabels=app");
  ASSERT_EQ(r.status, 200) << r.body;
  j = json::parse(r.body);
  EXPECT_EQ(j["data"]["resultType"], "matrix");
  ASSERT_EQ(j["data"]["result"].size(), 1u) << r.body;
  EXPECT_EQ(j["data"]["result"][0]["metric"], json::parse(R"({"app":"web"})"));
  int64_t total = 0;
  for (const auto& v : j["data"]["result"][0]["values"]) {
    total += std::stoll(v[1].get<std::string>());
  }
  EXPECT_EQ(total, 30) << r.body;

  r = Get("/loki/api/v1/index/volume?" + Range());
  EXPECT_EQ(r.status, 400) << r.body;
}

TEST_F(LokiApiTest, DetectedLabelsIsUnwrapped) {
  auto r = Get("/loki/api/v1/detected_labels?" + Range());
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = json::parse(r.body);
  ASSERT_TRUE(j.contains("detectedLabels")) << r.body;
  std::map<std::string, int> card;
  for (const auto& l : j["detectedLabels"]) card[l["label"]] = l["cardinality"];
  EXPECT_EQ(card, (std::map<std::string, int>{{"app", 2}, {"env", 2}})) << r.body;
  // Labels whose values are all IDs (numbers, UUIDs) are left out, except 0/1 flags and the
  // static cluster/namespace/instance/pod.
  const std::string a = proc_->Addr("loki");
  const int64_t t = base_ + 200 * kSec;
  ASSERT_EQ(Push(a, {{"app", "ids"}, {"user_id", "123"}, {"flag", "0"}, {"pod", "7"}}, {{t, "x"}}),
            204);
  ASSERT_EQ(
      Push(a, {{"app", "ids"}, {"user_id", "456"}, {"flag", "1"}, {"pod", "7"}}, {{t + 1, "x"}}),
      204);
  ASSERT_EQ(
      Push(a,
           {{"app", "ids"}, {"user_id", "7.5"}, {"trace", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"}},
           {{t + 2, "x"}}),
      204);
  r = Get("/loki/api/v1/detected_labels?start=" + std::to_string(t) +
          "&end=" + std::to_string(t + kSec) + "&query=" + Enc(R"({app="ids"})"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"detectedLabels":[{"label":"app","cardinality":1},)"
                    R"({"label":"flag","cardinality":2},{"label":"pod","cardinality":1}]})");
  r = Get("/loki/api/v1/detected_labels?" + Range() + "&query=" + Enc(R"({app="web"} |= "x")"));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.body, "only label matchers are supported\n");
  // Parameter errors are Loki's bounds() texts.
  r = Get("/loki/api/v1/labels?start=abc");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(
      r.body,
      "could not parse 'start' parameter: strconv.ParseInt: parsing \"abc\": invalid syntax\n");
  r = Get("/loki/api/v1/series?match[]=" + Enc(R"({app="web"})") + "&end=x.y");
  EXPECT_EQ(
      r.body,
      "could not parse 'end' parameter: strconv.ParseFloat: parsing \"x.y\": invalid syntax\n");
  r = Get("/loki/api/v1/detected_labels?" + Range() + "&query=" + Enc(R"({app="web"} |= "x")"));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.body, "only label matchers are supported\n");
}

TEST_F(LokiApiTest, DrilldownLimits) {
  auto r = Get("/loki/api/v1/drilldown-limits");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = json::parse(r.body);
  EXPECT_EQ(j["pattern_ingester_enabled"], true);
  EXPECT_FALSE(j["version"].get<std::string>().empty());
  const auto& l = j["limits"];
  EXPECT_EQ(l["retention_period"], "1w") << r.body;  // the default 7d, as model.Duration
  EXPECT_EQ(l["max_entries_limit_per_query"], 5000);
  EXPECT_EQ(l["max_query_series"], 500);
  EXPECT_EQ(l["query_timeout"], "1m");
  EXPECT_EQ(l["max_query_length"], "30d1h");
  EXPECT_EQ(l["volume_enabled"], true);
  EXPECT_TRUE(l["discover_service_name"].is_array());
  EXPECT_TRUE(l["log_level_fields"].is_array());
}

TEST_F(LokiApiTest, FormatQuery) {
  auto r =
      Get("/loki/api/v1/format_query?query=" + Enc(R"(sum by(app)(rate({app="web"}|="GET"[5m])))"));
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = json::parse(r.body);
  EXPECT_EQ(j["status"], "success");
  const std::string pretty = j["data"];
  EXPECT_NE(pretty.find("sum by (app)"), std::string::npos) << pretty;
  EXPECT_NE(pretty.find(R"({app="web"} |= "GET")"), std::string::npos) << pretty;
  auto p = Send("POST", "/loki/api/v1/format_query", "query=" + Enc(R"({app="web"})"));
  EXPECT_EQ(json::parse(p.body)["data"], R"({app="web"})");
  r = Get("/loki/api/v1/format_query?query=" + Enc(R"({app="web")"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body.substr(0, 26), "parse error at line 1, col") << r.body;
}

// Lines of a log query over [start, end), oldest first.
std::vector<std::string> Lines(const std::string& addr, const std::string& q, int64_t start,
                               int64_t end) {
  HttpClient c(addr);
  auto r = c.Request("GET",
                     "/loki/api/v1/query_range?direction=forward&query=" + Enc(q) +
                         "&start=" + std::to_string(start) + "&end=" + std::to_string(end),
                     {});
  EXPECT_EQ(r.status, 200) << r.body;
  std::vector<std::pair<std::string, std::string>> all;
  if (std::getenv("LOKI_API_TEST_DEBUG")) std::cerr << r.body << "\n";
  const json j = json::parse(r.body);
  for (const auto& s : j["data"]["result"]) {
    for (const auto& v : s["values"]) {
      all.emplace_back(v[0].get<std::string>(), v[1].get<std::string>());
    }
  }
  std::sort(all.begin(), all.end());
  std::vector<std::string> out;
  for (auto& [ts, line] : all) out.push_back(line);
  return out;
}

TEST_F(LokiApiTest, DeleteErrorsUseLokisTexts) {
  struct Case {
    std::string params;
    int status;
    std::string body;
  };
  const std::string sel = Enc(R"({app="web"})");
  const std::string now_s = std::to_string(NowNs() / kSec);
  const std::vector<Case> cases = {
      {"start=1700000000", 400, "query not set\n"},
      {"query=" + Enc(R"({app="web")") + "&start=1700000000", 400,
       "invalid query expression: parse error at line 1, col 11: syntax error: unexpected $end, "
       "expecting } or ,\n"},
      {"query=" + Enc(R"(count_over_time({app="web"}[1m]))") + "&start=1700000000", 400,
       "invalid query expression: parse error : only log selector is supported\n"},
      {"query=" + sel, 400, "start time not set\n"},
      {"query=" + sel + "&start=17000", 400,
       "invalid start time: require unix seconds or RFC3339 format\n"},
      {"query=" + sel + "&start=1700000000&end=x", 400,
       "invalid end time: require unix seconds or RFC3339 format\n"},
      {"query=" + sel + "&start=1700000000&end=9999999999", 400,
       "deletes in the future are not allowed\n"},
      {"query=" + sel + "&start=1700000100&end=1700000000", 400,
       "start time can't be greater than end time\n"},
      {"query=" + Enc(R"({app="web"} |= "x")") + "&start=1700000000&end=1700000000", 400,
       "difference between start time and end time must be at least one second\n"},
      {"query=" + Enc(R"({app="web"} |= "x")") + "&start=1700000000&end=1700000100" +
           "&max_interval=500ms",
       400, "invalid max_interval: valid time units are 's', 'm', 'h'\n"},
      {"query=" + Enc(R"({app="web"} |= "x")") + "&start=1700000000&end=1700000100" +
           "&max_interval=1h",
       400, "max_interval can't be greater than the interval to be deleted (1m40s)\n"},
  };
  for (const auto& c : cases) {
    auto r = Send("POST", "/loki/api/v1/delete?" + c.params);
    EXPECT_EQ(r.status, c.status) << c.params << ": " << r.body;
    EXPECT_EQ(r.body, c.body) << c.params;
  }
  auto r = Send("DELETE", "/loki/api/v1/delete?request_id=nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "could not find delete request with given id\n");
}

TEST(LokiDeleteTest, DeleteHidesEntriesUntilCancelledAndSurvivesRestart) {
  TempDir dir("lokidel");
  const int64_t base = (NowNs() / (60 * kSec) - 10) * 60 * kSec;
  const int64_t start = base, end = base + 60 * kSec;
  std::string request_id;
  {
    LoupeProcess p(LaunchOptions{.args = {"--data-dir", dir.Sub("data")}});
    ASSERT_TRUE(p.ready()) << p.Stderr();
    const std::string a = p.Addr("loki");
    ASSERT_EQ(Push(a, {{"app", "shop"}},
                   {{base + 1 * kSec, "order 1 card=4111"},
                    {base + 2 * kSec, "order 2 ok"},
                    {base + 3 * kSec, "order 3 card=5500"}}),
              204);
    ASSERT_EQ(Push(a, {{"app", "other"}}, {{base + 1 * kSec, "card=1 elsewhere"}}), 204);
    const std::string q = R"({app=~".+"})";
    EXPECT_EQ(Lines(a, q, start, end).size(), 4u);

    // Delete the lines with card numbers of app=shop between +1s and +2.5s (RFC 3339 bounds).
    auto rfc = [](int64_t ns) {
      char buf[64];
      const time_t secs = ns / kSec;
      std::tm tm{};
      gmtime_r(&secs, &tm);
      std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
      return std::string(buf) + "." + std::to_string((ns % kSec) / 1'000'000 + 1000).substr(1) +
             "Z";
    };
    HttpClient c(a);
    auto r = c.Request("POST",
                       "/loki/api/v1/delete?query=" + Enc(R"({app="shop"} |= "card=")") +
                           "&start=" + rfc(base + kSec) + "&end=" + rfc(base + 2 * kSec + kSec / 2),
                       {});
    ASSERT_EQ(r.status, 204) << r.body;
    EXPECT_EQ(Lines(a, q, start, end),
              (std::vector<std::string>{"card=1 elsewhere", "order 2 ok", "order 3 card=5500"}));
    // Metric queries read through the same filter.
    HttpClient m(a);
    auto mr =
        m.Request("GET",
                  "/loki/api/v1/query?query=" + Enc(R"(sum(count_over_time({app="shop"}[1h])))") +
                      "&time=" + std::to_string(end),
                  {});
    ASSERT_EQ(mr.status, 200) << mr.body;
    EXPECT_EQ(json::parse(mr.body)["data"]["result"][0]["value"][1], "2") << mr.body;

    r = c.Request("GET", "/loki/api/v1/delete", {});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.Header("content-type"), "application/json");
    auto list = json::parse(r.body);
    ASSERT_EQ(list.size(), 1u) << r.body;
    request_id = list[0]["request_id"];
    EXPECT_EQ(request_id.size(), 8u);
    EXPECT_EQ(list[0]["query"], R"({app="shop"} |= "card=")");
    EXPECT_EQ(list[0]["status"], "received");
    EXPECT_EQ(list[0]["start_time"].get<double>(), static_cast<double>(base / kSec + 1));
    EXPECT_EQ(list[0]["end_time"].get<double>(), static_cast<double>(base / kSec) + 2.5);
    EXPECT_EQ(list[0]["user_id"], "anonymous");
    const std::vector<std::string> keys = {"request_id", "start_time", "end_time", "query",
                                           "status",     "created_at", "user_id"};
    size_t pos = 0;
    for (const auto& k : keys) {
      const size_t at = r.body.find("\"" + k + "\":");
      ASSERT_NE(at, std::string::npos) << k;
      EXPECT_GT(at, pos) << "field order: " << r.body;
      pos = at;
    }
    // Another tenant sees no requests and all of its own data.
    auto other = c.Request("GET", "/loki/api/v1/delete", {{"X-Scope-OrgID", "team-b"}});
    EXPECT_EQ(other.body, "[]\n");
    EXPECT_EQ(p.Stop(SIGTERM), 0) << p.Stderr();
  }
  {
    LoupeProcess p(LaunchOptions{.args = {"--data-dir", dir.Sub("data")}});
    ASSERT_TRUE(p.ready()) << p.Stderr();
    const std::string a = p.Addr("loki");
    const std::string q = R"({app="shop"})";
    EXPECT_EQ(Lines(a, q, start, end),
              (std::vector<std::string>{"order 2 ok", "order 3 card=5500"}));
    HttpClient c(a);
    auto r = c.Request("DELETE", "/loki/api/v1/delete?request_id=" + request_id, {});
    EXPECT_EQ(r.status, 204) << r.body;
    EXPECT_EQ(Lines(a, q, start, end).size(), 3u);
    r = c.Request("GET", "/loki/api/v1/delete", {});
    EXPECT_EQ(r.body, "[]\n");
  }
}

}  // namespace
}  // namespace loupe::testing
