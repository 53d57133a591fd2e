#include "ingest/prom/scrape_manager.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/testing/temp_dir.h"

namespace loupe::ingest::prom {
namespace {

using storage::model::Matcher;
using storage::model::MatchType;

class ScrapeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kv_ = *storage::kv::RocksStore::Open(dir_.Sub("kv"), {}, storage::tsdb::MetricStore::ColumnFamilies());
    storage::tsdb::MetricStoreOptions o;
    o.maintenance_interval_ms = 0;
    o.retention_ms = 0;
    o.retention_bytes = 0;
    store_ = *storage::tsdb::MetricStore::Open(*kv_, dir_.Sub("wal"), o);
    manager_ = std::make_unique<ScrapeManager>(*store_, [this](const FetchRequest& r) -> Result<FetchResponse> {
      last_request_ = r;
      if (fail_) return Status::Unavailable("connection refused");
      return response_;
    });
  }

  void Configure(const std::string& yaml) {
    auto cfgs = ParseScrapeConfigs(yaml);
    ASSERT_TRUE(cfgs.ok()) << cfgs.status();
    manager_->Configure(*cfgs);
  }

  std::vector<storage::model::Sample> Read(const std::string& name, std::vector<Matcher> extra = {}) {
    extra.push_back(*Matcher::Create(MatchType::kEqual, "__name__", name));
    auto sel = store_->Select("anonymous", extra, INT64_MIN, INT64_MAX, true);
    std::vector<storage::model::Sample> out;
    if (sel.ok() && sel->size() == 1) storage::tsdb::DecodeChunks((*sel)[0].chunks, INT64_MIN, INT64_MAX, &out);
    return out;
  }
  std::vector<storage::model::Labels> Series(const std::string& name) {
    return *store_->Series("anonymous", {{*Matcher::Create(MatchType::kEqual, "__name__", name)}}, INT64_MIN, INT64_MAX, 0);
  }

  testing::TempDir dir_{"scrape"};
  std::unique_ptr<storage::kv::RocksStore> kv_;
  std::unique_ptr<storage::tsdb::MetricStore> store_;
  std::unique_ptr<ScrapeManager> manager_;
  FetchResponse response_{200, "text/plain; version=0.0.4", ""};
  FetchRequest last_request_;
  bool fail_ = false;
};

constexpr char kConfig[] = R"(
scrape_configs:
  - job_name: node
    scrape_interval: 10s
    params:
      "collect[]": [cpu]
    static_configs:
      - targets: ['127.0.0.1:9100']
        labels: {env: dev}
)";

TEST_F(ScrapeTest, ScrapesWithTargetLabelsReportSeriesAndMetadata) {
  Configure(kConfig);
  response_.body = "# HELP node_load1 1m load average.\n# TYPE node_load1 gauge\nnode_load1 0.25\n"
                   "node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 100 \n";
  ASSERT_TRUE(manager_->ScrapeOnce(0, 1'000'000).ok());
  EXPECT_EQ(last_request_.host_port, "127.0.0.1:9100");
  EXPECT_EQ(last_request_.target, "/metrics?collect%5B%5D=cpu");
  const auto load = Series("node_load1");
  ASSERT_EQ(load.size(), 1u);
  EXPECT_EQ(load[0].ToString(), "node_load1{env=\"dev\", instance=\"127.0.0.1:9100\", job=\"node\"}");
  EXPECT_EQ(Read("node_load1"), (std::vector<storage::model::Sample>{{1'000'000, 0.25}}));
  EXPECT_EQ(Read("up")[0].v, 1);
  EXPECT_EQ(Read("scrape_samples_scraped")[0].v, 2);
  EXPECT_EQ(Read("scrape_series_added")[0].v, 2);
  EXPECT_GE(Read("scrape_duration_seconds")[0].v, 0);
  EXPECT_EQ(store_->Metadata("anonymous")["node_load1"].help, "1m load average.");
  auto targets = manager_->Targets();
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_EQ(targets[0].health, "up");
  EXPECT_EQ(targets[0].scrape_url, "http://127.0.0.1:9100/metrics?collect%5B%5D=cpu");
}

TEST_F(ScrapeTest, ClashingLabelsAreExportedUnlessHonored) {
  Configure(kConfig);
  response_.body = "x{job=\"inner\",instance=\"other\"} 1\n";
  ASSERT_TRUE(manager_->ScrapeOnce(0, 1000).ok());
  EXPECT_EQ(Series("x")[0].ToString(),
            "x{env=\"dev\", exported_instance=\"other\", exported_job=\"inner\", instance=\"127.0.0.1:9100\", job=\"node\"}");
}

TEST_F(ScrapeTest, VanishedSeriesAndFailedScrapesGetStaleMarkers) {
  Configure(kConfig);
  response_.body = "a 1\nb 2\n";
  ASSERT_TRUE(manager_->ScrapeOnce(0, 10'000).ok());
  response_.body = "a 1\n";
  ASSERT_TRUE(manager_->ScrapeOnce(0, 20'000).ok());
  auto b = Read("b");
  ASSERT_EQ(b.size(), 2u);
  EXPECT_TRUE(storage::model::IsStaleNaN(b[1].v));
  EXPECT_EQ(b[1].t, 20'000);
  fail_ = true;
  EXPECT_FALSE(manager_->ScrapeOnce(0, 30'000).ok());
  auto a = Read("a");
  ASSERT_EQ(a.size(), 3u);
  EXPECT_TRUE(storage::model::IsStaleNaN(a[2].v));
  EXPECT_EQ(Read("up").back().v, 0);
  EXPECT_EQ(manager_->Targets()[0].health, "down");
  EXPECT_EQ(manager_->Targets()[0].last_error, "connection refused");
}

TEST_F(ScrapeTest, LimitsFailTheScrape) {
  Configure(R"(
scrape_configs:
  - job_name: j
    sample_limit: 2
    static_configs: [{targets: ['h:1']}]
  - job_name: k
    label_limit: 2
    static_configs: [{targets: ['h:2']}]
)");
  response_.body = "a 1\nb 1\nc 1\n";
  auto s = manager_->ScrapeOnce(0, 1000);
  EXPECT_EQ(s.message(), "sample limit exceeded");
  EXPECT_TRUE(Read("a").empty());
  response_.body = "a{x=\"1\",y=\"2\"} 1\n";
  s = manager_->ScrapeOnce(1, 1000);
  EXPECT_NE(s.message().find("label_limit exceeded"), std::string::npos) << s;
  EXPECT_EQ(Read("up", {*Matcher::Create(MatchType::kEqual, "job", "k")})[0].v, 0);
}

TEST_F(ScrapeTest, TimestampsAlignToTheIntervalAndExposedOnesAreHonored) {
  Configure(kConfig);
  response_.body = "a 1\nb 2 5000\n";
  ASSERT_TRUE(manager_->ScrapeOnce(0, 100'000).ok());
  ASSERT_TRUE(manager_->ScrapeOnce(0, 110'002).ok());  // 2 ms late: aligned
  ASSERT_TRUE(manager_->ScrapeOnce(0, 120'010).ok());  // 8 ms late: kept
  auto a = Read("a");
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[1].t, 110'000);
  EXPECT_EQ(a[2].t, 120'010);
  EXPECT_EQ(Read("b")[0].t, 5000);
}

TEST_F(ScrapeTest, OpenMetricsIsPickedFromContentType) {
  Configure(kConfig);
  response_.content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
  response_.body = "# TYPE c counter\nc_total 3 1.5\n# EOF\n";
  ASSERT_TRUE(manager_->ScrapeOnce(0, 1000).ok());
  EXPECT_EQ(Read("c_total"), (std::vector<storage::model::Sample>{{1500, 3}}));
}

TEST(ScrapeConfigTest, ParsesPrometheusSyntaxAndRejectsWhatIsMissing) {
  auto ok = ParseScrapeConfigs("global: {scrape_interval: 30s}\nscrape_configs: [{job_name: a, static_configs: [{targets: [x:1]}]}]\n");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ((*ok)[0].interval_ms, 30'000);
  EXPECT_EQ((*ok)[0].timeout_ms, 10'000);
  auto bad = ParseScrapeConfigs("scrape_configs: [{job_name: a, kubernetes_sd_configs: []}]\n");
  EXPECT_NE(bad.status().message().find("not supported"), std::string::npos);
  bad = ParseScrapeConfigs("scrape_configs: [{job_name: a, scrape_interval: 5s, scrape_timeout: 10s}]\n");
  EXPECT_NE(bad.status().message().find("scrape timeout greater than scrape interval"), std::string::npos);
  bad = ParseScrapeConfigs("scrape_configs: [{job_name: a}, {job_name: a}]\n");
  EXPECT_NE(bad.status().message().find("duplicate job name"), std::string::npos);
  bad = ParseScrapeConfigs("scrape_configs: [{job_name: a, shceme: http}]\n");
  EXPECT_NE(bad.status().message().find("scrape_configs[0].shceme"), std::string::npos);
}

TEST_F(ScrapeTest, RelabelConfigsRewriteAndDropTargets) {
  Configure(R"(
scrape_configs:
  - job_name: node
    scrape_interval: 10s
    params: {module: [cpu]}
    static_configs:
      - targets: ['a:9100', 'b:9100', 'c:9100']
        labels: {env: dev, __tmp_owner: team1}
    relabel_configs:
      - {source_labels: [__address__], regex: 'c:.*', action: drop}
      - {source_labels: [__address__], regex: '(.*):9100', target_label: __address__, replacement: '${1}:9200'}
      - {source_labels: [__address__], regex: 'b:.*', target_label: __metrics_path__, replacement: /probe}
      - {source_labels: [__address__], regex: 'b:.*', target_label: __param_module, replacement: mem}
      - {source_labels: [__address__], regex: 'b:.*', target_label: __scrape_interval__, replacement: 30s}
      - {source_labels: [__tmp_owner], target_label: owner}
)");
  ASSERT_EQ(manager_->NumTargets(), 2u);
  const auto targets = manager_->Targets();
  EXPECT_EQ(targets[0].labels.ToString(), "{env=\"dev\", instance=\"a:9200\", job=\"node\", owner=\"team1\"}");
  EXPECT_EQ(targets[0].discovered_labels.Get("__address__"), "a:9100");
  EXPECT_EQ(targets[0].discovered_labels.Get("__scrape_interval__"), "10s");
  EXPECT_EQ(targets[0].discovered_labels.Get("__param_module"), "cpu");
  EXPECT_EQ(targets[0].scrape_url, "http://a:9200/metrics?module=cpu");
  EXPECT_EQ(targets[1].scrape_url, "http://b:9200/probe?module=mem");
  EXPECT_EQ(targets[1].interval_ms, 30'000);
  const auto dropped = manager_->DroppedTargets();
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].discovered_labels.Get("__address__"), "c:9100");
  EXPECT_EQ(dropped[0].scrape_pool, "node");

  response_.body = "x 1\n";
  ASSERT_TRUE(manager_->ScrapeOnce(1, 1'000'000).ok());
  EXPECT_EQ(last_request_.host_port, "b:9200");
  EXPECT_EQ(last_request_.target, "/probe?module=mem");
}

TEST_F(ScrapeTest, MetricRelabelConfigsRewriteAndDropSamples) {
  Configure(R"(
scrape_configs:
  - job_name: app
    sample_limit: 2
    static_configs: [{targets: ['app:8080']}]
    metric_relabel_configs:
      - {source_labels: [__name__], regex: 'go_.*', action: drop}
      - {source_labels: [path], regex: '/user/\d+', target_label: path, replacement: '/user/:id'}
      - {action: labeldrop, regex: 'pod'}
)");
  // Four go_* samples are dropped before the sample limit of 2 counts.
  response_.body = "go_a 1\ngo_b 1\ngo_c 1\ngo_d 1\nhttp_requests_total{path=\"/user/42\",pod=\"p1\"} 7\n"
                   "http_requests_total{path=\"/\",pod=\"p1\"} 3\n";
  ASSERT_TRUE(manager_->ScrapeOnce(0, 1'000'000).ok());
  EXPECT_TRUE(Series("go_a").empty());
  const auto s = Series("http_requests_total");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].ToString(), "http_requests_total{instance=\"app:8080\", job=\"app\", path=\"/\"}");
  EXPECT_EQ(s[1].ToString(), "http_requests_total{instance=\"app:8080\", job=\"app\", path=\"/user/:id\"}");
  EXPECT_EQ(Read("scrape_samples_scraped")[0].v, 6);
  EXPECT_EQ(Read("scrape_samples_post_metric_relabeling")[0].v, 2);
}

TEST_F(ScrapeTest, MetricRelabelingThatRemovesTheNameFailsTheScrape) {
  Configure(R"(
scrape_configs:
  - job_name: app
    static_configs: [{targets: ['app:8080']}]
    metric_relabel_configs:
      - {action: labeldrop, regex: '__name__'}
)");
  response_.body = "x 1\n";
  const Status st = manager_->ScrapeOnce(0, 1'000'000);
  EXPECT_EQ(st.message(), "missing metric name (__name__ label)");
  EXPECT_EQ(Read("up")[0].v, 0);
}

TEST_F(ScrapeTest, AuthorizationHeaderIsSent) {
  Configure("scrape_configs: [{job_name: a, basic_auth: {username: u, password: p}, static_configs: [{targets: ['x:1']}]}]\n");
  response_.body = "x 1\n";
  ASSERT_TRUE(manager_->ScrapeOnce(0, 1'000'000).ok());
  bool found = false;
  for (const auto& [k, v] : last_request_.headers) found |= k == "Authorization" && v == "Basic dTpw";
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace loupe::ingest::prom
