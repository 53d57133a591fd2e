// Integration tests of the Loki query API of a real `loupe serve`: query and query_range result
// shapes (streams, categorize-labels, matrix, vector, scalar) compared byte for byte, Loki's
// error texts and codes, detected_fields, detected_field values, patterns, and live tail over a
// WebSocket.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "appliance/http/client.h"
#include "appliance/http/url.h"
#include "storage/base/clock.h"
#include "tests/integration/loupe_process.h"

namespace loupe::testing {
namespace {

using appliance::http::HttpClient;
using appliance::http::HttpResponse;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

constexpr int64_t kSec = 1'000'000'000;

int64_t NowNs() { return Clock::Real().NowNanos(); }

std::string Enc(const std::string& s) { return appliance::http::PercentEncode(s); }

class LokiQueryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    proc_ = new LoupeProcess();
    ASSERT_TRUE(proc_->ready()) << proc_->Stderr();
    // Minute-aligned, ten minutes ago: well inside the accepted ingest window.
    base_ = (NowNs() / (60 * kSec) - 10) * 60 * kSec;
    using nlohmann::json;
    auto value = [](int64_t ts, const char* line, json md = nullptr) {
      json v = json::array({std::to_string(ts), line});
      if (!md.is_null()) v.push_back(md);
      return v;
    };
    json test_values = json::array();
    test_values.push_back(value(base_ + 1 * kSec,
                                R"(level=info msg="request done" status=200 took=15ms)",
                                json::object({{"trace_id", "t1"}})));
    test_values.push_back(value(base_ + 2 * kSec,
                                R"(level=error msg="request failed" status=500 took=1.5s)",
                                json::object({{"trace_id", "t2"}})));
    test_values.push_back(
        value(base_ + 3 * kSec, R"(level=info msg="request done" status=200 took=20ms)"));
    json prod_values = json::array();
    prod_values.push_back(
        value(base_ + 2 * kSec + kSec / 2,
              R"({"level":"warn","msg":"slow <query> & more","user":{"id":"u1"}})"));
    json body;
    body["streams"] = json::array();
    body["streams"].push_back(json::object(
        {{"stream", json::object({{"app", "api"}, {"env", "test"}})}, {"values", test_values}}));
    body["streams"].push_back(json::object(
        {{"stream", json::object({{"app", "api"}, {"env", "prod"}})}, {"values", prod_values}}));
    HttpClient c(proc_->Addr("loki"));
    auto r =
        c.Request("POST", "/loki/api/v1/push", {{"Content-Type", "application/json"}}, body.dump());
    ASSERT_EQ(r.status, 204) << r.body;
  }
  static void TearDownTestSuite() {
    delete proc_;
    proc_ = nullptr;
  }

  static HttpResponse Get(const std::string& target,
                          std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpClient c(proc_->Addr("loki"));
    return c.Request("GET", target, headers);
  }
  static std::string Ns(int64_t offset) { return std::to_string(base_ + offset); }
  static std::string Range() { return "&start=" + Ns(0) + "&end=" + Ns(60 * kSec); }
  // The body up to the stats object (which carries timings).
  static std::string BeforeStats(const std::string& body) {
    return body.substr(0, body.find(",\"stats\":"));
  }

  static LoupeProcess* proc_;
  static int64_t base_;
};
LoupeProcess* LokiQueryTest::proc_ = nullptr;
int64_t LokiQueryTest::base_ = 0;

TEST_F(LokiQueryTest, QueryRangeStreamsFoldMetadataIntoStreamLabels) {
  auto r = Get("/loki/api/v1/query_range?query=" + Enc(R"({app="api", env="test"})") + Range() +
               "&direction=forward");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(BeforeStats(r.body),
            // Streams in the order of their label-set text, as Loki sorts them: `, trace_id=`
            // sorts before the closing brace.
            R"({"status":"success","data":{"resultType":"streams","result":[)"
            R"({"stream":{"app":"api","env":"test","trace_id":"t1"},"values":[[")" +
                Ns(kSec) +
                R"(","level=info msg=\"request done\" status=200 took=15ms"]]},)"
                R"({"stream":{"app":"api","env":"test","trace_id":"t2"},"values":[[")" +
                Ns(2 * kSec) +
                R"(","level=error msg=\"request failed\" status=500 took=1.5s"]]},)"
                R"({"stream":{"app":"api","env":"test"},"values":[[")" +
                Ns(3 * kSec) + R"(","level=info msg=\"request done\" status=200 took=20ms"]]}])");
  auto j = nlohmann::json::parse(r.body);
  const auto& summary = j["data"]["stats"]["summary"];
  EXPECT_EQ(summary["totalLinesProcessed"], 3);
  EXPECT_EQ(summary["totalEntriesReturned"], 3);
  EXPECT_GT(summary["totalBytesProcessed"].get<int64_t>(), 100);
  for (const char* k : {"bytesProcessedPerSecond", "linesProcessedPerSecond", "execTime",
                        "queueTime", "splits", "shards", "totalPostFilterLines", "subqueries"}) {
    EXPECT_TRUE(summary.contains(k)) << k;
  }
  EXPECT_TRUE(j["data"]["stats"]["querier"]["store"]["chunk"].contains("decompressedLines"));
  EXPECT_TRUE(j["data"]["stats"]["ingester"].contains("totalReached"));
  EXPECT_TRUE(j["data"]["stats"]["cache"]["result"].contains("entriesFound"));
}

TEST_F(LokiQueryTest, BackwardLimitAndHtmlEscapedLines) {
  auto r = Get("/loki/api/v1/query_range?query=" + Enc(R"({app="api"})") + Range() + "&limit=2");
  ASSERT_EQ(r.status, 200) << r.body;
  // Newest two entries across streams (backward is the default).
  EXPECT_EQ(
      BeforeStats(r.body),
      R"({"status":"success","data":{"resultType":"streams","result":[)"
      R"({"stream":{"app":"api","env":"prod"},"values":[[")" +
          Ns(2 * kSec + kSec / 2) +
          R"(","{\"level\":\"warn\",\"msg\":\"slow \u003cquery\u003e \u0026 more\",\"user\":{\"id\":\"u1\"}}"]]},)"
          R"({"stream":{"app":"api","env":"test"},"values":[[")" +
          Ns(3 * kSec) + R"(","level=info msg=\"request done\" status=200 took=20ms"]]}])");
}

TEST_F(LokiQueryTest, CategorizeLabelsSplitsMetadataAndParsedLabels) {
  auto r = Get("/loki/api/v1/query_range?query=" +
                   Enc(R"({app="api", env="test"} | logfmt | status >= 500)") + Range(),
               {{"X-Loki-Response-Encoding-Flags", "categorize-labels"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(
      BeforeStats(r.body),
      R"({"status":"success","data":{"resultType":"streams","encodingFlags":["categorize-labels"],"result":[)"
      R"({"stream":{"app":"api","env":"test"},"values":[[")" +
          Ns(2 * kSec) +
          R"(","level=error msg=\"request failed\" status=500 took=1.5s",)"
          R"({"structuredMetadata":{"trace_id":"t2"},"parsed":{"level":"error","msg":"request failed","status":"500","took":"1.5s"}}]]}])");
  // An entry without metadata or parsed labels gets an empty third element.
  r = Get("/loki/api/v1/query_range?query=" + Enc(R"({app="api", env="test"} |= "took=20ms")") +
              Range(),
          {{"X-Loki-Response-Encoding-Flags", "categorize-labels"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find(R"(took=20ms",{}]])"), std::string::npos) << r.body;
}

TEST_F(LokiQueryTest, MetricRangeQueryIsAMatrix) {
  const int64_t b = base_ / kSec;
  auto r = Get("/loki/api/v1/query_range?query=" +
               Enc(R"(sum by (level) (count_over_time({app="api", env="test"} | logfmt [10s])))") +
               "&start=" + Ns(0) + "&end=" + Ns(10 * kSec) + "&step=5s");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(BeforeStats(r.body), R"({"status":"success","data":{"resultType":"matrix","result":[)"
                                 R"({"metric":{"level":"error"},"values":[[)" +
                                     std::to_string(b + 5) + R"(,"1"],[)" + std::to_string(b + 10) +
                                     R"(,"1"]]},)"
                                     R"({"metric":{"level":"info"},"values":[[)" +
                                     std::to_string(b + 5) + R"(,"2"],[)" + std::to_string(b + 10) +
                                     R"(,"2"]]}])");
  // Grafana's categorize-labels header does not change metric results.
  auto c =
      Get("/loki/api/v1/query_range?query=" +
              Enc(R"(sum by (level) (count_over_time({app="api", env="test"} | logfmt [10s])))") +
              "&start=" + Ns(0) + "&end=" + Ns(10 * kSec) + "&step=5000ms",
          {{"X-Loki-Response-Encoding-Flags", "categorize-labels"}});
  EXPECT_EQ(BeforeStats(c.body), BeforeStats(r.body));
}

TEST_F(LokiQueryTest, GrafanaHealthCheckAndScalar) {
  auto r = Get("/loki/api/v1/query?query=" + Enc("vector(1)+vector(1)") + "&time=4");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(
      BeforeStats(r.body),
      R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[4,"2"]}])");
  r = Get("/loki/api/v1/query?query=" + Enc("vector(1)+vector(1)") +
          "&time=1970-01-01T00:00:04.5Z");
  EXPECT_EQ(
      BeforeStats(r.body),
      R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[4.5,"2"]}])");
  r = Get("/loki/api/v1/query?query=" + Enc("2 * 3") + "&time=4");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(BeforeStats(r.body),
            R"({"status":"success","data":{"resultType":"scalar","result":[4,"6"])");
  // Integers above 1e10 are nanoseconds.
  r = Get("/loki/api/v1/query?query=" + Enc("2 * 3") + "&time=4000000000000000000");
  EXPECT_EQ(BeforeStats(r.body),
            R"({"status":"success","data":{"resultType":"scalar","result":[4000000000,"6"])");
  // POST with a form body answers the same.
  HttpClient c(proc_->Addr("loki"));
  auto p = c.Request("POST", "/loki/api/v1/query",
                     {{"Content-Type", "application/x-www-form-urlencoded"}},
                     "query=" + Enc("vector(1)+vector(1)") + "&time=4");
  EXPECT_EQ(
      BeforeStats(p.body),
      R"({"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[4,"2"]}])");
}

TEST_F(LokiQueryTest, InstantMetricQueryOverLogs) {
  auto r =
      Get("/loki/api/v1/query?query=" + Enc(R"(sum by (env) (count_over_time({app="api"}[1m])))") +
          "&time=" + Ns(30 * kSec));
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string t = std::to_string(base_ / kSec + 30);
  EXPECT_EQ(BeforeStats(r.body), R"({"status":"success","data":{"resultType":"vector","result":[)"
                                 R"({"metric":{"env":"prod"},"value":[)" +
                                     t +
                                     R"(,"1"]},)"
                                     R"({"metric":{"env":"test"},"value":[)" +
                                     t + R"(,"3"]}])");
}

TEST_F(LokiQueryTest, ErrorsUseLokisTextsAndCodes) {
  struct Case {
    std::string target;
    int status;
    std::string body;  // exact, or a prefix when it ends with '*'
  };
  const std::string sel = Enc(R"({app="api"})");
  const std::vector<Case> cases = {
      {"/loki/api/v1/query?query=" + sel, 400,
       "log queries are not supported as an instant query type, please change your query to a "
       "range "
       "query type\n"},
      {"/loki/api/v1/query_range?query=" + Enc(R"({app="api")"), 400,
       "parse error at line 1, col *"},
      {"/loki/api/v1/query_range?query=" + sel + "&limit=6000", 400,
       "max entries limit per query exceeded, limit > max_entries_limit_per_query (6000 > 5000)\n"},
      {"/loki/api/v1/query_range?query=" + sel + "&limit=0", 400,
       "limit must be a positive value\n"},
      {"/loki/api/v1/query_range?query=" + sel + "&limit=ten", 400,
       "strconv.Atoi: parsing \"ten\": invalid syntax\n"},
      {"/loki/api/v1/query_range?query=" + sel + "&start=abc", 400,
       "could not parse 'start' parameter: strconv.ParseInt: parsing \"abc\": invalid syntax\n"},
      {"/loki/api/v1/query_range?query=" + sel + "&start=" + Ns(10 * kSec) + "&end=" + Ns(0), 400,
       "end timestamp must not be before or equal to start time\n"},
      {"/loki/api/v1/query_range?query=" + sel + "&direction=sideways", 400,
       "invalid direction 'sideways'\n"},
      {"/loki/api/v1/query_range?query=" + sel + "&step=0", 400,
       "zero or negative query resolution step widths are not accepted. Try a positive integer\n"},
      {"/loki/api/v1/query_range?query=" + sel + "&step=soon", 400,
       "cannot parse \"soon\" to a valid duration\n"},
      {"/loki/api/v1/query_range?query=" + sel + "&start=0&end=100000&step=1", 400,
       "exceeded maximum resolution of 11,000 points per time series. Try increasing the value of "
       "the "
       "step parameter\n"},
      {"/loki/api/v1/query_range?query=" + sel + "&interval=-1s", 400, "interval must be >= 0\n"},
      {"/loki/api/v1/query_range?query=" + sel + "&start=1&end=" + Ns(0), 400,
       "the query time range exceeds the limit (query length: *"},
      {"/loki/api/v1/query?query=" + Enc("vector(1)") + "&time=x.y", 400,
       "strconv.ParseFloat: parsing \"x.y\": invalid syntax\n"},
  };
  for (const auto& c : cases) {
    auto r = Get(c.target);
    EXPECT_EQ(r.status, c.status) << c.target << ": " << r.body;
    EXPECT_EQ(r.Header("content-type"), "text/plain; charset=utf-8") << c.target;
    if (!c.body.empty() && c.body.back() == '*') {
      EXPECT_EQ(r.body.substr(0, c.body.size() - 1), c.body.substr(0, c.body.size() - 1))
          << c.target;
    } else {
      EXPECT_EQ(r.body, c.body) << c.target;
    }
  }
}

TEST_F(LokiQueryTest, IntervalThinsOutEntries) {
  auto r = Get("/loki/api/v1/query_range?query=" + Enc(R"({app="api", env="test"})") + Range() +
               "&direction=forward&interval=2s");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = nlohmann::json::parse(r.body);
  size_t n = 0;
  for (const auto& s : j["data"]["result"]) n += s["values"].size();
  EXPECT_EQ(n, 2u) << r.body;  // +1s and +3s; +2s is closer than 2s to +1s
}

TEST_F(LokiQueryTest, DetectedFieldsExactBody) {
  auto r = Get("/loki/api/v1/detected_fields?query=" + Enc(R"({app="api"})") + Range());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(
      r.body,
      R"({"fields":[)"
      R"({"label":"level","type":"string","cardinality":3,"parsers":["json","logfmt"]},)"
      R"({"label":"msg","type":"string","cardinality":3,"parsers":["json","logfmt"]},)"
      R"({"label":"status","type":"int","cardinality":2,"parsers":["logfmt"]},)"
      R"({"label":"took","type":"duration","cardinality":3,"parsers":["logfmt"]},)"
      R"({"label":"trace_id","type":"string","cardinality":2,"parsers":null},)"
      R"({"label":"user_id","type":"string","cardinality":1,"parsers":["json"]}],"limit":1000})"
      "\n");
  r = Get("/loki/api/v1/detected_field/took/values?query=" + Enc(R"({app="api"})") + Range());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"values":["1.5s","15ms","20ms"],"limit":1000})"
                    "\n");
  r = Get("/loki/api/v1/detected_fields?query=" + Enc(R"(count_over_time({app="api"}[1m]))") +
          Range());
  EXPECT_EQ(r.status, 400) << r.body;
  r = Get("/loki/api/v1/detected_fields?query=" + Enc(R"({app="api"})") + Range() +
          "&line_limit=9000");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(
      r.body,
      "max entries limit per query exceeded, limit > max_entries_limit_per_query (9000 > 5000)\n");
}

TEST_F(LokiQueryTest, PatternsWithDrain) {
  auto r = Get("/loki/api/v1/patterns?query=" + Enc(R"({app="api", env="test"})") + Range() +
               "&step=10s");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string b = std::to_string(base_ / kSec);
  EXPECT_EQ(
      r.body,
      R"({"status":"success","data":[)"
      R"({"pattern":"level=info msg=\"request done\" status=200 took=\u003c_\u003e","samples":[[)" +
          b +
          R"(,2]]},)"
          R"({"pattern":"level=error msg=\"request failed\" status=500 took=1.5s","samples":[[)" +
          b +
          R"(,1]]}]})"
          "\n");
}

// A WebSocket client of /loki/api/v1/tail.
class TailClient {
 public:
  TailClient(const std::string& addr, const std::string& target) : ws_(io_) {
    const auto colon = addr.rfind(':');
    tcp::resolver resolver(io_);
    net::connect(ws_.next_layer(), resolver.resolve(addr.substr(0, colon), addr.substr(colon + 1)));
    ws_.handshake(addr, target);
  }
  // The next text frame, or "" with *ec set when the server closed the stream (or, after
  // SetReadTimeout, when no frame came in time).
  std::string Read(beast::error_code* ec) {
    beast::flat_buffer buf;
    if (timeout_.count() == 0) {
      ws_.read(buf, *ec);
      return beast::buffers_to_string(buf.data());
    }
    bool done = false;
    ws_.async_read(buf, [&](beast::error_code e, size_t) {
      *ec = e;
      done = true;
    });
    io_.restart();
    io_.run_for(timeout_);
    if (!done) {
      ws_.next_layer().cancel();
      io_.restart();
      io_.run();
      *ec = net::error::timed_out;
    }
    return beast::buffers_to_string(buf.data());
  }
  websocket::close_reason reason() const { return ws_.reason(); }
  void Close() { ws_.close(websocket::close_code::normal); }
  // Makes Read fail (with *ec set) instead of waiting longer than `seconds` for a frame.
  void SetReadTimeout(int seconds) { timeout_ = std::chrono::seconds(seconds); }

 private:
  net::io_context io_;
  websocket::stream<tcp::socket> ws_;
  std::chrono::seconds timeout_{0};
};

TEST_F(LokiQueryTest, TailSendsHistoryThenLinesPushedAfterConnecting) {
  const int64_t hist_ts = NowNs() - 5 * kSec;
  HttpClient c(proc_->Addr("loki"));
  auto push = [&](std::vector<std::pair<int64_t, std::string>> lines) {
    nlohmann::json values = nlohmann::json::array();
    for (const auto& [ts, line] : lines)
      values.push_back(nlohmann::json::array({std::to_string(ts), line}));
    nlohmann::json body;
    body["streams"] = nlohmann::json::array();
    body["streams"].push_back(nlohmann::json::object(
        {{"stream", nlohmann::json::object({{"app", "tailed"}})}, {"values", values}}));
    auto r =
        c.Request("POST", "/loki/api/v1/push", {{"Content-Type", "application/json"}}, body.dump());
    ASSERT_EQ(r.status, 204) << r.body;
  };
  push({{hist_ts, "before connecting"}});
  TailClient tail(proc_->Addr("loki"),
                  "/loki/api/v1/tail?query=" + Enc(R"({app="tailed"} != "skip")"));
  beast::error_code ec;
  EXPECT_EQ(tail.Read(&ec), R"({"streams":[{"stream":{"app":"tailed"},"values":[[")" +
                                std::to_string(hist_ts) + R"(","before connecting"]]}]})");
  ASSERT_FALSE(ec) << ec.message();
  const int64_t t1 = NowNs();
  // One push: the lines are committed together, so one poll finds both (one frame).
  push({{t1, "skip this one"}, {t1 + 1000, "live line <1>"}, {t1 + 2000, "live line 2"}});
  const std::string got = tail.Read(&ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(got, R"({"streams":[{"stream":{"app":"tailed"},"values":[[")" +
                     std::to_string(t1 + 1000) +
                     R"(","live line \u003c1\u003e"]]},{"stream":{"app":"tailed"},"values":[[")" +
                     std::to_string(t1 + 2000) + R"(","live line 2"]]}]})");
  tail.Close();
}

// Entries pushed with timestamps behind what the tail has covered: a few seconds late comes
// with the next poll, up to the lookback (30 s) late with a full poll (every 8th), once each.
TEST_F(LokiQueryTest, TailSendsLateEntriesOnce) {
  HttpClient c(proc_->Addr("loki"));
  auto push = [&](int64_t ts, const std::string& line) {
    nlohmann::json body;
    body["streams"] = nlohmann::json::array();
    body["streams"].push_back(nlohmann::json::object(
        {{"stream", nlohmann::json::object({{"app", "late"}})},
         {"values", nlohmann::json::array({nlohmann::json::array({std::to_string(ts), line})})}}));
    auto r =
        c.Request("POST", "/loki/api/v1/push", {{"Content-Type", "application/json"}}, body.dump());
    ASSERT_EQ(r.status, 204) << r.body;
  };
  push(NowNs() - 50 * kSec, "history");
  TailClient tail(proc_->Addr("loki"), "/loki/api/v1/tail?query=" + Enc(R"({app="late"})"));
  tail.SetReadTimeout(15);  // a late entry that never comes fails the test instead of hanging
  beast::error_code ec;
  EXPECT_NE(tail.Read(&ec).find("history"), std::string::npos);
  ASSERT_FALSE(ec) << ec.message();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  push(NowNs() - 2 * kSec, "two seconds late");
  EXPECT_NE(tail.Read(&ec).find("two seconds late"), std::string::npos);
  ASSERT_FALSE(ec) << ec.message();
  push(NowNs() - 20 * kSec, "twenty seconds late");
  push(NowNs(), "on time");
  // Both arrive, each once (frames may split them), within a few seconds.
  std::string got;
  for (int i = 0; i < 2 && (got.find("twenty seconds late") == std::string::npos ||
                            got.find("on time") == std::string::npos);
       ++i) {
    got += tail.Read(&ec);
    ASSERT_FALSE(ec) << ec.message();
  }
  EXPECT_NE(got.find("twenty seconds late"), std::string::npos) << got;
  EXPECT_NE(got.find("on time"), std::string::npos) << got;
  EXPECT_EQ(got.find("two seconds late"), std::string::npos) << "sent twice: " << got;
  EXPECT_EQ(got.find("history"), std::string::npos) << "sent twice: " << got;
  tail.Close();
}

TEST_F(LokiQueryTest, TailLimitsConcurrentRequests) {
  // Tails of earlier tests end within a poll interval of their client closing.
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  std::vector<std::unique_ptr<TailClient>> tails;
  for (int i = 0; i < 10; ++i) {
    tails.push_back(std::make_unique<TailClient>(
        proc_->Addr("loki"), "/loki/api/v1/tail?query=" + Enc(R"({app="none"})")));
  }
  // Let the ten sessions start before the eleventh arrives.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  TailClient extra(proc_->Addr("loki"), "/loki/api/v1/tail?query=" + Enc(R"({app="none"})"));
  beast::error_code ec;
  extra.Read(&ec);
  EXPECT_EQ(ec, websocket::error::closed);
  EXPECT_EQ(std::string(extra.reason().reason.c_str()),
            "max concurrent tail requests limit exceeded, count > limit (11 > 10)");
  for (auto& t : tails) t->Close();
  tails.clear();
  // Closed tails free their slots.
  bool reopened = false;
  for (int attempt = 0; attempt < 20 && !reopened; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    TailClient again(proc_->Addr("loki"),
                     "/loki/api/v1/tail?query=" + Enc(R"({app="api"})") + "&limit=1");
    std::string frame = again.Read(&ec);
    reopened = !ec && frame.starts_with("{\"streams\":");
    if (!ec) again.Close();
  }
  EXPECT_TRUE(reopened);
}

TEST_F(LokiQueryTest, TailParameterErrors) {
  auto r = Get("/loki/api/v1/tail?query=" + Enc(R"({app="x"})") + "&delay_for=6");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "delay_for can't be greater than 5\n");
  r = Get("/loki/api/v1/tail?query=" + Enc(R"({app="x"})"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "Bad Request\n");
  TailClient bad(proc_->Addr("loki"), "/loki/api/v1/tail?query=" + Enc(R"({app="x")"));
  beast::error_code ec;
  bad.Read(&ec);
  EXPECT_EQ(ec, websocket::error::closed);
  EXPECT_EQ(std::string(bad.reason().reason.c_str()).substr(0, 26), "parse error at line 1, col");
}

}  // namespace
}  // namespace loupe::testing
