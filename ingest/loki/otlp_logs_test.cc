#include "ingest/loki/otlp_logs.h"

#include <gtest/gtest.h>

#include "tests/testing/temp_dir.h"

namespace loupe::ingest::loki {
namespace {

using storage::logstore::LogStore;
namespace collogs = ::opentelemetry::proto::collector::logs::v1;

void Attr(google::protobuf::RepeatedPtrField<::opentelemetry::proto::common::v1::KeyValue>* attrs,
          const std::string& k, const std::string& v) {
  auto* kv = attrs->Add();
  kv->set_key(k);
  kv->mutable_value()->set_string_value(v);
}

class OtlpLogsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kv_ = *storage::kv::RocksStore::Open(dir_.Sub("kv"), {}, LogStore::ColumnFamilies());
    storage::logstore::LogStoreOptions o;
    o.maintenance_interval_ms = 0;
    o.retention_ns = 0;
    o.limits.reject_old_samples = false;
    store_ = *LogStore::Open(*kv_, dir_.Sub("wal"), o);
  }
  testing::TempDir dir_{"otlplogs"};
  std::unique_ptr<storage::kv::RocksStore> kv_;
  std::unique_ptr<LogStore> store_;
};

TEST_F(OtlpLogsTest, LokiMapping) {
  collogs::ExportLogsServiceRequest req;
  auto* rl = req.add_resource_logs();
  Attr(rl->mutable_resource()->mutable_attributes(), "service.name", "checkout");
  Attr(rl->mutable_resource()->mutable_attributes(), "k8s.pod.name", "checkout-1");
  Attr(rl->mutable_resource()->mutable_attributes(), "host.name", "laptop");
  auto* sl = rl->add_scope_logs();
  sl->mutable_scope()->set_name("my.logger");
  auto* lr = sl->add_log_records();
  lr->set_time_unix_nano(1'700'000'000'000'000'123ULL);
  lr->set_observed_time_unix_nano(1'700'000'000'000'000'999ULL);
  lr->set_severity_number(::opentelemetry::proto::logs::v1::SEVERITY_NUMBER_ERROR);
  lr->set_severity_text("ERROR");
  lr->mutable_body()->set_string_value("payment failed");
  lr->set_trace_id(std::string("\x4b\xf9\x2f\x35\x77\xb3\x4d\xa6\xa3\xce\x92\x9d\x0e\x0e\x47\x36", 16));
  lr->set_span_id(std::string("\x00\xf0\x67\xaa\x0b\xa9\x02\xb7", 8));
  Attr(lr->mutable_attributes(), "http.route", "/pay");

  std::deque<std::string> arena;
  auto app = store_->NewAppender("anonymous");
  OtlpLogsStats stats;
  OtlpLogsToStore(req, app.get(), &arena, &stats);
  auto committed = app->Commit();
  ASSERT_TRUE(committed.ok()) << committed.status();
  EXPECT_EQ(committed->entries_accepted, 1u);

  auto series = store_->Series("anonymous", {}, INT64_MIN, INT64_MAX);
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 1u);
  EXPECT_EQ((*series)[0].ToString(), "{k8s_pod_name=\"checkout-1\", service_name=\"checkout\"}")
      << "only promoted resource attributes are stream labels";

  storage::logstore::SelectRequest sel;
  auto streams = store_->Select("anonymous", sel);
  ASSERT_TRUE(streams.ok());
  ASSERT_EQ(streams->size(), 1u);
  auto& it = (*streams)[0].entries;
  ASSERT_TRUE(it->Next());
  EXPECT_EQ(it->ts(), 1'700'000'000'000'000'123);
  EXPECT_EQ(it->line(), "payment failed");
  const auto md = it->MetadataLabels();
  EXPECT_EQ(md.Get("trace_id"), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(md.Get("span_id"), "00f067aa0ba902b7");
  EXPECT_EQ(md.Get("severity_text"), "ERROR");
  EXPECT_EQ(md.Get("severity_number"), "17");
  EXPECT_EQ(md.Get("http_route"), "/pay");
  EXPECT_EQ(md.Get("host_name"), "laptop");
  EXPECT_EQ(md.Get("scope_name"), "my.logger");
  EXPECT_EQ(md.Get("observed_timestamp"), "1700000000000000999");
}

TEST_F(OtlpLogsTest, ServiceNameDiscoveryAndUnknown) {
  collogs::ExportLogsServiceRequest req;
  auto* rl = req.add_resource_logs();
  rl->add_scope_logs()->add_log_records()->mutable_body()->set_string_value("no resource");
  std::deque<std::string> arena;
  auto app = store_->NewAppender("anonymous");
  OtlpLogsStats stats;
  OtlpLogsToStore(req, app.get(), &arena, &stats);
  ASSERT_TRUE(app->Commit().ok());
  auto series = store_->Series("anonymous", {}, INT64_MIN, INT64_MAX);
  ASSERT_EQ(series->size(), 1u);
  EXPECT_EQ((*series)[0].Get("service_name"), "unknown_service");
}

}  // namespace
}  // namespace loupe::ingest::loki
