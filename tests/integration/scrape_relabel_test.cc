// Relabeling beside real Prometheus (Debian's 2.42): the same scrape config, with
// relabel_configs of every action and metric_relabel_configs, given to both; a real node
// exporter is the target that answers. The targets each reports (labels before and after
// relabeling, dropped targets) and the series each stores must be the same.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "appliance/http/client.h"
#include "tests/integration/child_process.h"
#include "tests/integration/loupe_process.h"

namespace loupe::testing {
namespace {

using appliance::http::HttpGet;
using nlohmann::json;
using namespace std::chrono_literals;

std::string ScrapeYaml(const std::string& node_exporter) {
  return R"(global:
  scrape_interval: 1s
scrape_configs:
  - job_name: rl
    params: {module: [m1]}
    static_configs:
      - targets: [')" + node_exporter + R"(', '127.0.0.1:1', '127.0.0.1:2', 'Host-Three:3']
        labels: {env: Dev, __meta_rack: r7, __meta_zone: z1}
    relabel_configs:
      - {source_labels: [__address__], target_label: __tmp_hash, modulus: 4, action: hashmod}
      - {source_labels: [__tmp_hash], target_label: shard}
      - {action: labelmap, regex: '__meta_(.+)', replacement: 'meta_$1'}
      - {source_labels: [env], target_label: env_lc, action: lowercase}
      - {source_labels: [env], target_label: env_uc, action: uppercase}
      - {source_labels: [__address__], regex: '127\.0\.0\.1:2', action: drop}
      - {source_labels: [__address__, env], separator: '@', regex: '(.+):(\d+)@(.*)', target_label: combo, replacement: '${3}-$2'}
      - {source_labels: [__address__], regex: 'Host-Three:3', target_label: __address__, replacement: 'host-three:33'}
      - {source_labels: [__param_module], target_label: module}
      - {source_labels: [nothing], target_label: '${1}x_$1', replacement: 'v$1'}
      - {source_labels: [meta_rack], target_label: rack_copy}
      - {source_labels: [rack_copy], action: keepequal, target_label: meta_rack}
      - {action: labeldrop, regex: 'meta_zone'}
    metric_relabel_configs:
      - {source_labels: [__name__], regex: 'node_(cpu_seconds_total|uname_info|boot_time_seconds)|up|scrape_.*', action: keep}
      - {source_labels: [mode], regex: 'i(.*)', target_label: mode_short, replacement: 'I$1'}
      - {action: labeldrop, regex: 'machine|domainname|version'}
      - {source_labels: [__name__, cpu], separator: ':', regex: 'node_cpu_seconds_total:0', action: drop}
)";
}

// A canonical, order-free rendering of a JSON array of label objects.
std::multiset<std::string> LabelSets(const json& items, const char* field) {
  std::multiset<std::string> out;
  for (const auto& it : items) out.insert((field ? it[field] : it).dump());
  return out;
}

TEST(ScrapeRelabelTest, TargetsAndSeriesMatchRealPrometheus) {
  for (const char* bin : {"/usr/bin/prometheus", "/usr/bin/prometheus-node-exporter"}) {
    ASSERT_EQ(access(bin, X_OK), 0) << bin << " missing: run scripts/setup";
  }
  TempDir dir("relabel");
  const std::string ne = "127.0.0.1:" + std::to_string(FreePort());
  const std::string prom = "127.0.0.1:" + std::to_string(FreePort());
  Child node_exporter({"/usr/bin/prometheus-node-exporter", "--web.listen-address=" + ne}, dir.Sub("ne.log"));
  ASSERT_TRUE(WaitReady(ne, "/metrics"));
  const std::string yaml = ScrapeYaml(ne);
  std::ofstream(dir.Sub("prometheus.yml")) << yaml;
  std::ofstream(dir.Sub("loupe.yml")) << yaml;
  Child prometheus({"/usr/bin/prometheus", "--config.file=" + dir.Sub("prometheus.yml"),
                    "--storage.tsdb.path=" + dir.Sub("data"), "--web.listen-address=" + prom},
                   dir.Sub("prom.log"));
  LoupeProcess loupe(LaunchOptions{.args = {"--config", dir.Sub("loupe.yml"), "--self-scrape-interval", "0"}});
  ASSERT_TRUE(loupe.ready()) << loupe.Stderr();
  ASSERT_TRUE(WaitReady(prom, "/-/ready"));

  // Prometheus applies discovered targets ~5 s after start; then let both scrape a few times.
  json want;
  for (int i = 0; i < 200; ++i) {
    want = json::parse(HttpGet(prom, "/api/v1/targets").body)["data"];
    if (!want["activeTargets"].empty()) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_EQ(want["activeTargets"].size(), 3u) << want.dump();
  std::this_thread::sleep_for(3s);
  want = json::parse(HttpGet(prom, "/api/v1/targets").body)["data"];
  const json got = json::parse(HttpGet(loupe.Addr("http"), "/api/v1/targets").body)["data"];

  EXPECT_EQ(LabelSets(got["activeTargets"], "labels"), LabelSets(want["activeTargets"], "labels"));
  EXPECT_EQ(LabelSets(got["activeTargets"], "discoveredLabels"),
            LabelSets(want["activeTargets"], "discoveredLabels"));
  EXPECT_EQ(LabelSets(got["droppedTargets"], "discoveredLabels"),
            LabelSets(want["droppedTargets"], "discoveredLabels"));
  std::set<std::string> want_urls, got_urls;
  for (const auto& t : want["activeTargets"]) want_urls.insert(t["scrapeUrl"]);
  for (const auto& t : got["activeTargets"]) got_urls.insert(t["scrapeUrl"]);
  EXPECT_EQ(got_urls, want_urls);

  // The series each stored from the same exposition, through metric_relabel_configs.
  const std::string q = "/api/v1/series?match[]=%7Bjob%3D%22rl%22%7D";
  const auto want_series = LabelSets(json::parse(HttpGet(prom, q).body)["data"], nullptr);
  const auto got_series = LabelSets(json::parse(HttpGet(loupe.Addr("http"), q).body)["data"], nullptr);
  EXPECT_GT(want_series.size(), 10u);
  EXPECT_EQ(got_series, want_series);
  for (const auto& s : want_series) {
    if (!got_series.count(s)) ADD_FAILURE() << "only in Prometheus: " << s;
  }
  for (const auto& s : got_series) {
    if (!want_series.count(s)) ADD_FAILURE() << "only in loupe: " << s;
  }
  prometheus.Term();
}

}  // namespace
}  // namespace loupe::testing
