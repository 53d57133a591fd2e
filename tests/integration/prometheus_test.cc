// Real Prometheus (Debian's 2.42) scraping a real node exporter and remote-writing into loupe:
// every series Prometheus has must appear in loupe, sample for sample, read back from both with
// the remote-read protocol (Prometheus's own wire format).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "appliance/http/client.h"
#include "prompb/remote.pb.h"
#include "storage/base/clock.h"
#include "storage/base/compression.h"
#include "tests/integration/child_process.h"
#include "tests/integration/loupe_process.h"

namespace loupe::testing {
namespace {

using appliance::http::HttpClient;
using appliance::http::HttpGet;
using namespace std::chrono_literals;

// Every series with its samples (bit-exact values), via POST /api/v1/read.
std::map<std::string, std::vector<std::pair<int64_t, uint64_t>>> RemoteRead(const std::string& addr, int64_t start,
                                                                            int64_t end) {
  prometheus::ReadRequest req;
  auto* q = req.add_queries();
  q->set_start_timestamp_ms(start);
  q->set_end_timestamp_ms(end);
  auto* m = q->add_matchers();
  m->set_type(prometheus::LabelMatcher::RE);
  m->set_name("__name__");
  m->set_value(".+");
  std::string body;
  EXPECT_TRUE(Compress(Codec::kSnappy, req.SerializeAsString(), &body).ok());
  HttpClient c(addr);
  auto resp = c.Request("POST", "/api/v1/read",
                        {{"Content-Type", "application/x-protobuf"}, {"Content-Encoding", "snappy"},
                         {"X-Prometheus-Remote-Read-Version", "0.1.0"}},
                        body);
  std::map<std::string, std::vector<std::pair<int64_t, uint64_t>>> out;
  EXPECT_EQ(resp.status, 200) << resp.body;
  std::string raw;
  if (auto s = Decompress(Codec::kSnappy, resp.body, 1 << 30, &raw); !s.ok()) {
    ADD_FAILURE() << "remote read from " << addr << ": " << s << " (HTTP " << resp.status << ", "
                  << resp.body.size() << " bytes, content-type " << resp.Header("content-type") << ")";
    return out;
  }
  prometheus::ReadResponse rr;
  EXPECT_TRUE(rr.ParseFromString(raw));
  for (const auto& res : rr.results()) {
    for (const auto& ts : res.timeseries()) {
      std::vector<std::pair<std::string, std::string>> labels;
      for (const auto& l : ts.labels()) labels.emplace_back(l.name(), l.value());
      std::sort(labels.begin(), labels.end());
      std::string key;
      for (const auto& [n, v] : labels) key += n + "=" + v + ",";
      auto& samples = out[key];
      for (const auto& s : ts.samples()) samples.emplace_back(s.timestamp(), std::bit_cast<uint64_t>(s.value()));
    }
  }
  return out;
}

TEST(PrometheusTest, RemoteWriteFromRealPrometheusMatchesSampleForSample) {
  for (const char* bin : {"/usr/bin/prometheus", "/usr/bin/prometheus-node-exporter"}) {
    ASSERT_EQ(access(bin, X_OK), 0) << bin << " missing: run scripts/setup";
  }
  LoupeProcess loupe(LaunchOptions{.args = {"--self-scrape-interval", "0"}});
  ASSERT_TRUE(loupe.ready()) << loupe.Stderr();
  TempDir dir("prom");
  const std::string ne = "127.0.0.1:" + std::to_string(FreePort());
  const std::string prom = "127.0.0.1:" + std::to_string(FreePort());
  Child node_exporter({"/usr/bin/prometheus-node-exporter", "--web.listen-address=" + ne}, dir.Sub("ne.log"));
  std::ofstream(dir.Sub("prometheus.yml")) << "global:\n  scrape_interval: 1s\n"
                                              "scrape_configs:\n  - job_name: node\n    static_configs:\n"
                                              "      - targets: ['" << ne << "']\n"
                                              "remote_write:\n  - url: http://" << loupe.Addr("http")
                                           << "/api/v1/write\n    queue_config:\n      batch_send_deadline: 500ms\n";
  Child prometheus({"/usr/bin/prometheus", "--config.file=" + dir.Sub("prometheus.yml"),
                    "--storage.tsdb.path=" + dir.Sub("data"), "--web.listen-address=" + prom},
                   dir.Sub("prom.log"));
  ASSERT_TRUE(WaitReady(prom, "/-/ready"));
  // Prometheus applies discovered targets ~5 s after start: wait for the first scrape, then let
  // it scrape a few more times.
  for (int i = 0; i < 150; ++i) {
    if (HttpGet(prom, "/api/v1/query?query=up").body.find("\"value\"") != std::string::npos) break;
    std::this_thread::sleep_for(100ms);
  }
  std::this_thread::sleep_for(4s);
  const int64_t cut = Clock::Real().NowMillis() - 1000;

  auto want = RemoteRead(prom, 0, cut);
  if (want.empty()) {
    std::ifstream log(dir.Sub("prom.log"));
    std::stringstream ss;
    ss << log.rdbuf();
    ADD_FAILURE() << "prometheus query: " << HttpGet(prom, "/api/v1/query?query=count(up)").body << " cut=" << cut
                  << " series up to now: " << RemoteRead(prom, 0, Clock::Real().NowMillis()).size()
                  << " up to 4102444800000: " << RemoteRead(prom, 0, 4102444800000).size();
  }
  ASSERT_GT(want.size(), 100u) << "Prometheus scraped too little";
  size_t total = 0;
  for (const auto& [k, v] : want) total += v.size();
  // Remote write delivers asynchronously: wait until loupe caught up, then compare exactly.
  std::map<std::string, std::vector<std::pair<int64_t, uint64_t>>> got;
  for (int i = 0; i < 100; ++i) {
    got = RemoteRead(loupe.Addr("http"), 0, cut);
    if (got == want) break;
    std::this_thread::sleep_for(200ms);
  }
  size_t missing_series = 0, mismatched = 0;
  for (const auto& [k, v] : want) {
    auto it = got.find(k);
    if (it == got.end()) {
      ++missing_series;
      ADD_FAILURE() << "series missing in loupe: " << k;
    } else if (it->second != v) {
      ++mismatched;
      ADD_FAILURE() << "samples differ for " << k << ": prometheus " << v.size() << " loupe " << it->second.size();
    }
    if (missing_series + mismatched > 5) break;
  }
  EXPECT_EQ(got.size(), want.size());
  RecordProperty("series", static_cast<int>(want.size()));
  RecordProperty("samples", static_cast<int>(total));
  // And the /api/v1/series view agrees on the series set.
  auto series = nlohmann::json::parse(
      HttpGet(loupe.Addr("http"), "/api/v1/series?match[]=%7Bjob%3D%22node%22%7D").body)["data"];
  EXPECT_GE(series.size(), want.size());
  prometheus.Term();
}

}  // namespace
}  // namespace loupe::testing
